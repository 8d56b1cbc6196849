// 6. Cold import: how long `await import('<package>')` takes in a fresh Node process, for
// stitch-auth's root entry and the OAuth clients an app might pick instead.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { median } from './util.ts'

export const IMPORT = {
  /** Fresh processes per package. */
  runs: 7,
} as const

export interface ImportRow {
  name: string
  specifier: string
  /** Milliseconds of each run's `await import()`, in run order. */
  ms: number[]
  medianMs: number
}

const contenders = [
  // What a dynamic import costs by itself: the module loader, no package to resolve or run.
  { name: 'floor: an empty module', specifier: 'data:text/javascript,export{}' },
  { name: '**stitch-auth** `@stitch-auth/core`', specifier: '@stitch-auth/core' },
  { name: 'openid-client v6', specifier: 'openid-client' },
  { name: 'oauth4webapi', specifier: 'oauth4webapi' },
] as const

const run = promisify(execFile)
// Packages resolve from bench/, whose dependencies these are; core resolves to its built dist.
const cwd = fileURLToPath(new URL('..', import.meta.url))

/** One fresh process: the time of `await import(specifier)` alone, not Node's own start-up. */
async function importOnce(specifier: string): Promise<number> {
  const script = `const started = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - started)`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd })
  const ms = Number(stdout.trim())
  if (!Number.isFinite(ms)) throw new Error(`import(${specifier}) printed ${stdout}`)
  return ms
}

/**
 * Runs the packages in turn, round after round, so the machine's drift in speed weighs on all
 * of them alike; one process at a time.
 */
export async function runImport(): Promise<ImportRow[]> {
  const rows: ImportRow[] = contenders.map((contender) => ({ ...contender, ms: [], medianMs: 0 }))
  for (let round = 0; round < IMPORT.runs; round++) {
    for (const row of rows) row.ms.push(await importOnce(row.specifier))
  }
  for (const row of rows) row.medianMs = median(row.ms)
  return rows
}

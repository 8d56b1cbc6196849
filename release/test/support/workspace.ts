import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { run } from './run.js'

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const RELEASE_DIR = join(ROOT, 'release')
export const BIN = join(RELEASE_DIR, 'node_modules', '.bin')
/** The workspace's TypeScript, run with the Node running the tests. */
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

export interface PackageJson {
  name: string
  version: string
  private?: boolean
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  [field: string]: unknown
}

export interface WorkspacePackage {
  name: string
  dir: string
  /** Relative to the repository root, e.g. `packages/core`. */
  path: string
  manifest: PackageJson
}

export function readJson<T = PackageJson>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T
}

/** Every package under packages/ that is published (not `private`). */
export function publishablePackages(): WorkspacePackage[] {
  return readdirSync(join(ROOT, 'packages'))
    .map((name) => join(ROOT, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => {
      const manifest = readJson(join(dir, 'package.json'))
      return { name: manifest.name, dir, path: dir.slice(ROOT.length), manifest }
    })
    .filter((pkg) => pkg.manifest.private !== true)
    .sort((a, b) => a.name.localeCompare(b.name))
}

export function workspacePackage(name: string): WorkspacePackage {
  const pkg = publishablePackages().find((p) => p.name === name)
  if (pkg === undefined) throw new Error(`${name} is not a publishable workspace package`)
  return pkg
}

/**
 * `pnpm pack`s a built package into `destination`, as `pnpm publish` (and so `changeset
 * publish`) would: `workspace:*` becomes the exact version. Returns the tarball's path.
 */
export async function pack(pkg: WorkspacePackage, destination: string): Promise<string> {
  if (!existsSync(join(pkg.dir, 'dist'))) {
    throw new Error(`${pkg.path}/dist is missing: run \`pnpm turbo run build\` first`)
  }
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', destination, '--json'], {
    cwd: pkg.dir,
    timeoutMs: 60_000,
  })
  const { filename } = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { filename: string }
  return filename
}

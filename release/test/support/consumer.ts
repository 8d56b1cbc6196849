import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { run } from './run.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url))

export interface ConsumerProject {
  dir: string
  /** `node_modules/<name>/package.json` as installed. */
  installedVersion(name: string): string
}

export interface ConsumerOptions {
  /** The project's directory; created. */
  dir: string
  /** The local registry that serves `@stitch-auth/*`. */
  registryUrl: string
  dependencies: Record<string, string>
  devDependencies?: Record<string, string>
  /** A directory of release/fixtures/ whose files are copied into the project. */
  fixture?: string
  type?: 'module' | 'commonjs'
}

/**
 * A fresh project that installs like a user's would: `@stitch-auth/*` from the local registry
 * (a scoped registry in the project's .npmrc), everything else from the machine's default
 * registry, with the machine's npm cache.
 */
export async function createConsumer(options: ConsumerOptions): Promise<ConsumerProject> {
  const { dir } = options
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'stitch-auth-consumer',
        version: '1.0.0',
        private: true,
        type: options.type ?? 'module',
        dependencies: options.dependencies,
        devDependencies: options.devDependencies ?? {},
      },
      null,
      2,
    )}\n`,
  )
  writeFileSync(join(dir, '.npmrc'), `@stitch-auth:registry=${options.registryUrl}\n`)
  if (options.fixture) cpSync(join(FIXTURES, options.fixture), dir, { recursive: true })

  // --prefer-online: the registry's port (so the cache key) can repeat between runs while
  // the packages behind it changed; revalidate every package document, keep cached tarballs.
  await run('npm', ['install', '--prefer-online', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    timeoutMs: 240_000,
  })
  return {
    dir,
    installedVersion(name) {
      const manifest = join(dir, 'node_modules', name, 'package.json')
      return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
    },
  }
}

import type { Options } from 'tsup'

/**
 * How every published package builds: ESM and CommonJS with type declarations for both.
 * `bundleInCommonJs` lists ESM-only dependencies that CommonJS consumers could not require().
 */
export function libraryBuild(options: {
  entry: string[] | Record<string, string>
  bundleInCommonJs?: string[]
}): Options[] {
  const shared = { entry: options.entry, dts: true, sourcemap: true, target: 'es2023' } as const
  return [
    { ...shared, format: ['esm'], clean: true },
    { ...shared, format: ['cjs'], noExternal: options.bundleInCommonJs ?? [] },
  ]
}

/** A command-line entry: ESM with a shebang, run by Node >= 22. */
export function binBuild(entry: string): Options {
  return {
    entry: [entry],
    format: ['esm'],
    sourcemap: true,
    target: 'es2023',
    banner: { js: '#!/usr/bin/env node' },
  }
}

// What an app that only gets tokens with a client secret and calls `graphql()` ships: within 25 KB
// minified and gzipped, with neither zod (the options and answers are checked by hand) nor jose
// (loaded only by a private-key client, with `import()`, so a bundler puts it in a chunk of its
// own). ky is loaded with the first request the same way, but a secret client makes one, so its
// chunk counts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { type BuildOptions, build, type Plugin } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const BUDGET_BYTES = 25 * 1024

const core = fileURLToPath(new URL('..', import.meta.url))
const src = join(core, 'src')
const rootEntry = join(src, 'index.ts')

/**
 * Resolves core's own modules itself, so esbuild does not apply `"sideEffects": false` from
 * core's package.json to them: as published, where core is a few large modules, only what the
 * code itself lets a bundler drop is dropped (see tree-shaking.test.ts).
 */
const withoutSideEffectsHint: Plugin = {
  name: 'without-side-effects-hint',
  setup(bundler) {
    bundler.onResolve({ filter: /^@stitch-auth\/core$/ }, () => ({ path: rootEntry }))
    bundler.onResolve({ filter: /^\./ }, async (args) => {
      if (args.pluginData === 'inner' || !args.importer.startsWith(src + sep)) return undefined
      const resolved = await bundler.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      })
      if (resolved.errors.length > 0) return { errors: resolved.errors }
      return { path: resolved.path }
    })
  },
}

const modes: Record<string, Pick<BuildOptions, 'alias' | 'plugins'>> = {
  'from source (with the sideEffects hint)': { alias: { '@stitch-auth/core': rootEntry } },
  'as published (without the sideEffects hint)': { plugins: [withoutSideEffectsHint] },
}

let directory: string

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'stitch-auth-bundle-size-'))
})

afterAll(async () => {
  await rm(directory, { recursive: true, force: true })
})

/** One file of the bundle: its gzipped size and the packages and core files in it. */
interface Chunk {
  gzipBytes: number
  inputs: string[]
  /** The module that made it a chunk of its own (an `import()`), if one did. */
  entryPoint: string | undefined
}

/** Bundles the README's secret client as an app's bundler would, splitting at `import()`. */
async function bundleSecretClient(mode: Pick<BuildOptions, 'alias' | 'plugins'>): Promise<Chunk[]> {
  const entry = join(directory, `app-${Math.random().toString(36).slice(2)}.js`)
  await writeFile(
    entry,
    [
      "import { createStitchAuth } from '@stitch-auth/core'",
      "const stitch = createStitchAuth({ clientId: 'id', clientSecret: 'secret' })",
      'export const token = () => stitch.getToken()',
      "export const query = () => stitch.graphql('query Viewer { viewer { id } }')",
      '',
    ].join('\n'),
  )
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    splitting: true,
    outdir: join(directory, 'out'),
    mainFields: ['module', 'main'],
    conditions: ['@stitch-auth/source'],
    nodePaths: [join(core, 'node_modules')],
    absWorkingDir: core,
    metafile: true,
    write: false,
    logLevel: 'silent',
    ...mode,
  })
  const outputs = result.metafile.outputs
  return result.outputFiles.map((file) => {
    const output = outputs[relative(core, file.path).split(sep).join('/')]!
    return {
      gzipBytes: gzipSync(file.contents, { level: 9 }).length,
      inputs: Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => label(path)),
      entryPoint: output.entryPoint === undefined ? undefined : label(output.entryPoint),
    }
  })
}

/** `npm:<package>` for a dependency, else the path under packages/core. */
function label(path: string): string {
  const file = relative(core, join(core, path)).split(sep).join('/')
  const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(file)
  return match ? `npm:${match[1]}` : file
}

/** Only a private-key client loads the chunk that signs client assertions. */
const PRIVATE_KEY_CHUNK = 'src/client-assertion.ts'

describe.each(Object.keys(modes))('a secret client bundled %s', (mode) => {
  let chunks: Chunk[]
  beforeAll(async () => {
    chunks = await bundleSecretClient(modes[mode]!)
  })

  it(`ships at most ${BUDGET_BYTES / 1024} KB minified and gzipped`, () => {
    const loaded = chunks.filter((chunk) => chunk.entryPoint !== PRIVATE_KEY_CHUNK)
    const bytes = loaded.reduce((sum, chunk) => sum + chunk.gzipBytes, 0)
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES)
  })

  it('holds no zod, and jose only in the chunk a private-key client loads', () => {
    const signing = chunks.filter((chunk) => chunk.entryPoint === PRIVATE_KEY_CHUNK)
    expect(signing).toHaveLength(1)
    expect(signing[0]!.inputs).toContain('npm:jose')
    const loaded = chunks.filter((chunk) => chunk.entryPoint !== PRIVATE_KEY_CHUNK)
    const inputs = loaded.flatMap((chunk) => chunk.inputs)
    expect(inputs).not.toContain('npm:zod')
    expect(inputs).not.toContain('npm:jose')
    expect(inputs).toContain('npm:ky')
  })

  it('holds none of the proxy, the operations catalog or the webhooks', () => {
    const inputs = chunks.flatMap((chunk) => chunk.inputs)
    const kept = inputs.filter((input) => /^src\/(proxy|operations|webhooks)\//.test(input))
    expect(kept).toEqual([])
  })
})

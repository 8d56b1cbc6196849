// An app that imports one operation from `@stitch-auth/core/operations` must bundle that one
// alone: not the other catalog files' operations, nor the ones in the same file.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as catalog from '../src/operations/index.js'

const core = fileURLToPath(new URL('..', import.meta.url))
const src = join(core, 'src')
const entries = {
  '@stitch-auth/core': join(src, 'index.ts'),
  '@stitch-auth/core/operations': join(src, 'operations', 'index.ts'),
}

/** Every operation of the catalog, by its export name: a new one is covered without a change here. */
const operations = Object.entries(catalog).flatMap(([exported, value]) =>
  typeof value === 'object' && value !== null && 'document' in value && 'name' in value
    ? [{ exported, name: String(value.name) }]
    : [],
)

/**
 * Resolves core's own modules itself, so esbuild does not apply `"sideEffects": false` from
 * core's package.json to them. That is how a bundler sees the published package, whose catalog is
 * one module (dist/operations.js): only what the code itself lets it drop is dropped.
 */
const withoutSideEffectsHint: Plugin = {
  name: 'without-side-effects-hint',
  setup(bundler) {
    bundler.onResolve({ filter: /^@stitch-auth\/core(\/operations)?$/ }, (args) => ({
      path: entries[args.path as keyof typeof entries],
    }))
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

/** How core reaches the bundler. */
type Mode = Pick<BuildOptions, 'alias' | 'plugins'>

// From source, `"sideEffects": false` lets esbuild drop every catalog file whose exports go
// unused, whatever runs in it at load; only the operations in the imported one's file are then
// at stake. As published, nothing but the code itself decides, so code that runs at load in any
// catalog file (an eager schema, a `${…}` in a document, a call without `/* @__PURE__ */`)
// stays in every app's bundle.
const modes: Record<string, Mode> = {
  'from source (with the sideEffects hint)': { alias: entries },
  'as one module, as published (without the sideEffects hint)': {
    plugins: [withoutSideEffectsHint],
  },
}

let directory: string

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'stitch-auth-tree-shaking-'))
})

afterAll(async () => {
  await rm(directory, { recursive: true, force: true })
})

const bundles = new Map<string, ReturnType<typeof bundleApp>>()

/** The bundle of an app that runs `operation` alone, made once per mode. */
function bundled(operation: string, mode: string) {
  const key = `${mode}\n${operation}`
  if (!bundles.has(key)) bundles.set(key, bundleApp(operation, modes[mode]!))
  return bundles.get(key)!
}

/** Bundles an app that runs `operation` alone, as an app's bundler would. */
async function bundleApp(operation: string, options: Mode) {
  const entry = join(directory, `${operation}-${bundles.size}.js`)
  await writeFile(
    entry,
    [
      "import { createStitchAuth } from '@stitch-auth/core'",
      `import { ${operation} } from '@stitch-auth/core/operations'`,
      "const stitch = createStitchAuth({ clientId: 'id', clientSecret: 'secret', scopes: [] })",
      `export const call = (variables) => stitch.run(${operation}, variables)`,
      '',
    ].join('\n'),
  )
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['@stitch-auth/source'],
      nodePaths: [join(core, 'node_modules')],
      absWorkingDir: core,
      metafile: true,
      write: false,
      logLevel: 'silent',
      ...options,
    })
    const text = result.outputFiles[0]!.text
    return { text, inputs: bytesByInput(result.metafile) }
  } finally {
    await rm(entry, { force: true })
  }
}

/** How many bytes each of core's files puts in the bundle, by its path under src/. */
function bytesByInput(metafile: Metafile): Map<string, number> {
  const output = Object.values(metafile.outputs)[0]!
  return new Map(
    Object.entries(output.inputs).map(([path, input]) => [
      relative(src, join(core, path)).split(sep).join('/'),
      input.bytesInOutput,
    ]),
  )
}

/** The operation names the bundle holds, as whole words. */
function operationNamesIn(text: string): string[] {
  return operations.map(({ name }) => name).filter((name) => new RegExp(`\\b${name}\\b`).test(text))
}

const cases = [
  { operation: 'verifyBankAccount', file: 'verification.ts' },
  // Two other operations live in the same file.
  { operation: 'createPaymentRequest', file: 'payment-requests.ts' },
]

describe('tree shaking of the operations catalog', () => {
  it('finds the catalog', () => {
    expect(operations.length).toBeGreaterThan(10)
    for (const { operation } of cases) {
      expect(operations.map(({ exported }) => exported)).toContain(operation)
    }
  })

  describe.each(Object.keys(modes))('bundled %s', (mode) => {
    it.each(cases)(
      'an app importing $operation bundles that operation alone',
      async ({ operation }) => {
        const { text } = await bundled(operation, mode)
        const name = operations.find(({ exported }) => exported === operation)!.name
        expect(operationNamesIn(text)).toEqual([name])
      },
    )

    // Catches what the names miss: a schema made at load stays in the bundle though the
    // operation that uses it does not. Each catalog file is one another case does not import.
    it.each(cases)(
      'an app importing $operation bundles no code of the other catalog files',
      async ({ operation, file }) => {
        const { inputs } = await bundled(operation, mode)
        expect(inputs.get(`operations/${file}`) ?? 0).toBeGreaterThan(0)
        // Shared schemas in common.ts are left out: most operations use some of them.
        const others = (await readdir(join(src, 'operations'))).filter(
          (name) => name !== file && name !== 'common.ts' && name.endsWith('.ts'),
        )
        const kept = others.filter((name) => (inputs.get(`operations/${name}`) ?? 0) > 0)
        expect(kept).toEqual([])
      },
    )
  })
})

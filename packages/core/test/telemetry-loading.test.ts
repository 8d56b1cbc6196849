import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { packagesLoadedBy } from './helpers.js'
import { otelHarness } from './telemetry-harness.js'

const core = fileURLToPath(new URL('..', import.meta.url))
const dist = new URL('../dist/', import.meta.url)

/** The npm packages in the import graph of `entry` (static and dynamic imports alike). */
async function packagesImportedBy(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(core, entry)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    splitting: true,
    outdir: join(core, '.artifacts-never-written'),
    mainFields: ['module', 'main'],
    conditions: ['@stitch-auth/source'],
    metafile: true,
    write: false,
    logLevel: 'silent',
  })
  const packages = new Set<string>()
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input)
    if (match) packages.add(match[1]!)
  }
  return [...packages]
}

describe('without the telemetry option', () => {
  it("the root entry's import graph holds nothing of OpenTelemetry", async () => {
    const imported = await packagesImportedBy('src/index.ts')
    expect(imported.filter((name) => name.startsWith('@opentelemetry/'))).toEqual([])
    // The probe works: the subpath does bring the API.
    expect(await packagesImportedBy('src/opentelemetry/index.ts')).toContain('@opentelemetry/api')
  }, 30_000)

  it('a client that gets tokens and calls the API loads nothing of OpenTelemetry', () => {
    expect(existsSync(new URL('opentelemetry.js', dist)), 'run `pnpm build` first').toBe(true)
    const loaded = packagesLoadedBy(
      [
        "const { createStitchAuth } = await import('./index.js')",
        'const stitch = createStitchAuth(options)',
        'await stitch.getToken()',
        "await stitch.graphql('query Ping { __typename }')",
        'await stitch.close()',
      ].join('\n'),
    )
    expect(loaded).toContain('ky') // the probe sees packages loaded on the way
    expect(loaded.filter((name) => name.startsWith('@opentelemetry/'))).toEqual([])

    const withTelemetry = packagesLoadedBy(
      [
        "const { createStitchAuth } = await import('./index.js')",
        "const { openTelemetry } = await import('./opentelemetry.js')",
        'const stitch = createStitchAuth({ ...options, telemetry: openTelemetry() })',
        "await stitch.graphql('query Ping { __typename }')",
        'await stitch.close()',
      ].join('\n'),
    )
    expect(withTelemetry).toContain('@opentelemetry/api')
  }, 60_000)
})

describe('the built `@stitch-auth/core/opentelemetry`', () => {
  const endpoint: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    if (request.url.endsWith('/token')) {
      return Response.json({
        access_token: 'b'.repeat(40),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'client_refund',
      })
    }
    return Response.json({ data: { __typename: 'Query' } })
  }

  type Core = typeof import('../src/index.js')
  type Otel = typeof import('../src/opentelemetry/index.js')
  const builds: Record<string, () => Promise<[Core, Otel]>> = {
    'ESM import': async () => [
      (await import(new URL('index.js', dist).href)) as Core,
      (await import(new URL('opentelemetry.js', dist).href)) as Otel,
    ],
    'CommonJS require()': async () => {
      const require = createRequire(import.meta.url)
      return [require('../dist/index.cjs') as Core, require('../dist/opentelemetry.cjs') as Otel]
    },
  }

  it.each(Object.keys(builds))('traces a call from %s', async (kind) => {
    const [{ createStitchAuth }, { openTelemetry }] = await builds[kind]!()
    const otel = otelHarness()
    try {
      const stitch = createStitchAuth({
        clientId: 'id',
        clientSecret: 'secret',
        scopes: ['client_refund'],
        fetch: endpoint,
        telemetry: openTelemetry(otel.options),
      })
      await stitch.graphql('query Ping { __typename }')
      await stitch.close()
      expect(otel.spans().map((span) => span.name)).toEqual([
        'stitch_auth.token_request',
        'stitch_auth.graphql Ping',
      ])
    } finally {
      await otel.shutdown()
    }
  })
})

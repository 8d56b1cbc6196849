// `@stitch-auth/core/webhooks` stands alone: an app that receives webhooks does not bundle the
// token client (ky, jose), the proxy or the operations catalog, nor anything Node-only; and the
// root entry does not bundle the webhook code.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const core = fileURLToPath(new URL('../..', import.meta.url))
let directory: string

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'stitch-auth-webhooks-bundle-'))
})

afterAll(async () => {
  await rm(directory, { recursive: true, force: true })
})

/** The files (relative to packages/core, node_modules shortened to the package) an app bundles. */
async function inputsOf(source: string): Promise<string[]> {
  const entry = join(directory, `app-${Math.random().toString(36).slice(2)}.js`)
  await writeFile(entry, source)
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    // Neutral: a `node:` import would fail the build, as it would on a Worker.
    platform: 'neutral',
    mainFields: ['module', 'main'],
    nodePaths: [join(core, 'node_modules')],
    absWorkingDir: core,
    alias: {
      '@stitch-auth/core': join(core, 'src', 'index.ts'),
      '@stitch-auth/core/webhooks': join(core, 'src', 'webhooks', 'index.ts'),
    },
    metafile: true,
    write: false,
    logLevel: 'silent',
  })
  const output = Object.values(result.metafile.outputs)[0]
  return Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => {
      const file = relative(core, join(core, path)).split(sep).join('/')
      const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(
        file,
      )
      return match ? `npm:${match[1]}` : file
    })
}

describe('bundles', () => {
  it('a webhook receiver holds the webhook code and zod, not the token client', async () => {
    const inputs = await inputsOf(
      [
        "import { createStitchWebhookHandler } from '@stitch-auth/core/webhooks'",
        "export const handle = createStitchWebhookHandler({ secrets: 'whsec_x', on: {} })",
      ].join('\n'),
    )
    expect(inputs).toEqual(
      expect.arrayContaining(['src/webhooks/handler.ts', 'src/webhooks/verify.ts']),
    )
    const packages = [...new Set(inputs.filter((input) => input.startsWith('npm:')))]
    expect(packages).toEqual(['npm:zod'])
    for (const file of ['src/client.ts', 'src/token-manager.ts', 'src/proxy.ts', 'src/mint.ts']) {
      expect(inputs).not.toContain(file)
    }
    expect(inputs.filter((input) => input.startsWith('src/operations/'))).toEqual([])
  })

  it('the token client holds no webhook code', async () => {
    const inputs = await inputsOf(
      [
        "import { createStitchAuth } from '@stitch-auth/core'",
        "export const stitch = createStitchAuth({ clientId: 'id', clientSecret: 'secret', scopes: [] })",
      ].join('\n'),
    )
    expect(inputs.filter((input) => input.startsWith('src/webhooks/'))).toEqual([])
  })
})

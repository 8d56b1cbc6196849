import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

const BUDGET_BYTES = 8192

/** What a bundler makes of the package for a browser page. */
async function bundle() {
  const result = await build({
    entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]!.contents
  return { result, code, text: new TextDecoder().decode(code) }
}

describe('browser bundle', () => {
  it(`fits the size budget: at most ${BUDGET_BYTES} bytes minified and gzipped`, async () => {
    const { result, code } = await bundle()
    const gzipped = gzipSync(code).byteLength
    console.info(`browser bundle: ${code.byteLength} bytes minified, ${gzipped} bytes gzipped`)
    expect(result.errors).toEqual([])
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES)
  })

  it('imports nothing Node-only and no runtime code from core', async () => {
    const { result, text } = await bundle()
    const inputs = Object.entries(result.metafile.inputs)
    const imports = inputs.flatMap(([, input]) => input.imports.map((entry) => entry.path))
    expect(imports.filter((path) => path.startsWith('node:'))).toEqual([])
    // Everything in the bundle is this package's own source: no core, zod, jose or ky.
    expect(inputs.map(([path]) => path).filter((path) => !path.startsWith('src/'))).toEqual([])
    expect(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]!]!.imports).toEqual([])
    expect(text).not.toMatch(/\bnode:|\brequire\(|\bprocess\.|\bBuffer\b/)
  })
})

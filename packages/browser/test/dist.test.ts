import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import type * as Browser from '../src/index.js'
import type { operations } from './fixtures/operations.js'

const root = new URL('../', import.meta.url)
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  exports: Record<string, string | Record<string, string | Record<string, string>>>
}

const answer: typeof fetch = async () =>
  Response.json({ data: { id: 'pr_1', url: 'https://pay.example/pr_1' } })

async function useClient(api: typeof Browser) {
  const client = api.createStitchProxyClient<typeof operations>({
    baseUrl: 'https://shop.example/stitch',
    fetch: answer,
  })
  await expect(
    client.createPaymentRequest({ amount: 150, reference: 'order-42' }),
  ).resolves.toEqual({
    id: 'pr_1',
    url: 'https://pay.example/pr_1',
  })
  expect(() =>
    api.createStitchProxyClient({ baseUrl: '/stitch', clientSecret: 's' } as never),
  ).toThrow(api.StitchProxyConfigError)
}

describe('built package', () => {
  it('has been built (turbo builds before testing; run `pnpm build` otherwise)', () => {
    expect(existsSync(new URL('dist/index.js', root)), 'dist is missing: run `pnpm build`').toBe(
      true,
    )
  })

  it('points every export at a file that exists', () => {
    const targets: string[] = []
    const collect = (value: unknown) => {
      if (typeof value === 'string') targets.push(value)
      else if (value && typeof value === 'object') Object.values(value).forEach(collect)
    }
    collect(pkg.exports)
    expect(targets).toContain('./dist/stitch-proxy-client.browser.js')
    for (const target of targets) {
      expect(existsSync(new URL(target, root)), `${target} is missing`).toBe(true)
    }
  })

  it('works from ESM import and CommonJS require()', async () => {
    await useClient((await import(new URL('dist/index.js', root).href)) as typeof Browser)
    await useClient(createRequire(import.meta.url)('../dist/index.cjs') as typeof Browser)
  })

  it('ships a self-contained, minified file for <script type="module">', async () => {
    const file = new URL('dist/stitch-proxy-client.browser.js', root)
    const text = readFileSync(file, 'utf8')
    expect(text).not.toMatch(/\bimport\s*[{*\w]|\bfrom\s*["']|\brequire\(/)
    // Minified: well under the readable ESM build.
    expect(text.length).toBeLessThan(readFileSync(new URL('dist/index.js', root)).length * 0.75)
    await useClient((await import(file.href)) as typeof Browser)
  })
})

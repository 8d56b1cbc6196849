import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { fakeTokenEndpoint } from './helpers.js'

const dist = new URL('../dist/', import.meta.url)

describe('built package', () => {
  it('has been built (turbo builds before testing; run `pnpm build` otherwise)', () => {
    expect(
      existsSync(new URL('index.cjs', dist)),
      'dist/index.cjs is missing: run `pnpm build`',
    ).toBe(true)
  })

  it('works from CommonJS require(), with ky bundled in', async () => {
    const core = createRequire(import.meta.url)(
      '../dist/index.cjs',
    ) as typeof import('../src/index.js')
    const endpoint = fakeTokenEndpoint()
    const stitch = core.createStitchAuth({
      clientId: 'c',
      clientSecret: 's',
      scopes: ['client_refund'],
      fetch: endpoint.fetch,
    })
    await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(endpoint.calls).toBe(1)
  })

  it('works from ESM import', async () => {
    const core = (await import(new URL('index.js', dist).href)) as typeof import('../src/index.js')
    const endpoint = fakeTokenEndpoint()
    const stitch = core.createStitchAuth({
      clientId: 'c',
      clientSecret: 's',
      scopes: ['client_refund'],
      fetch: endpoint.fetch,
    })
    await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
  })
})

import { generateKeyPairSync } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { fakeTokenEndpoint, packagesLoadedBy } from './helpers.js'

const dist = new URL('../dist/', import.meta.url)

type Core = typeof import('../src/index.js')

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})

/** A certificate client signs with jose, which the built package loads only on that path. */
async function signsClientAssertion(core: Core) {
  const endpoint = fakeTokenEndpoint()
  const stitch = core.createStitchAuth({
    clientId: 'c',
    privateKey,
    keyId: 'k1',
    scopes: ['client_refund'],
    fetch: endpoint.fetch,
  })
  await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
  const assertion = endpoint.bodies[0]?.get('client_assertion') ?? ''
  expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', kid: 'k1' })
  expect(decodeJwt(assertion)).toMatchObject({ iss: 'c', sub: 'c' })
}

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

  it('signs client assertions from CommonJS require(), loading jose on first use', async () => {
    await signsClientAssertion(createRequire(import.meta.url)('../dist/index.cjs') as Core)
  })

  it('signs client assertions from ESM import, loading jose on first use', async () => {
    await signsClientAssertion((await import(new URL('index.js', dist).href)) as Core)
  })

  it('loads none of zod, ky or jose when an app imports the root entry and creates a client', () => {
    // What an app pays at cold start: the token client checks options and answers by hand,
    // and loads ky with its first request and jose with its first client assertion.
    const loaded = packagesLoadedBy(
      ["const { createStitchAuth } = await import('./index.js')", 'createStitchAuth(options)'].join(
        '\n',
      ),
    )
    expect(loaded).not.toContain('zod')
    expect(loaded).not.toContain('ky')
    expect(loaded).not.toContain('jose')
    // The probe works: the proxy's ready-made operations do bring zod.
    expect(packagesLoadedBy("await import('./proxy.js')")).toContain('zod')
  })

  it('serves `@stitch-auth/core/proxy` from CommonJS and ESM', async () => {
    type Proxy = typeof import('../src/proxy/index.js')
    const fromRequire = createRequire(import.meta.url)('../dist/proxy.cjs') as Proxy
    const fromImport = (await import(new URL('proxy.js', dist).href)) as Proxy
    for (const proxy of [fromRequire, fromImport]) {
      expect(typeof proxy.createStitchProxyHandler).toBe('function')
      expect(proxy.paymentRequestStatusOperation().scopes).toEqual(['client_paymentrequest'])
    }
  })
})

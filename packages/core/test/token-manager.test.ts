import { describe, expect, it } from 'vitest'
import {
  createStitchAuth,
  MemoryTokenCache,
  type StitchAuthEvent,
  StitchConfigError,
} from '../src/index.js'
import { fakeTokenEndpoint, manualClock } from './helpers.js'

const base = { clientId: 'client-1', clientSecret: 'top-secret-value' } as const

describe('token manager', () => {
  it('answers 1,000 concurrent cold callers with one token request and one token', async () => {
    const endpoint = fakeTokenEndpoint({ delayMs: 20 })
    const stitch = createStitchAuth({
      ...base,
      scopes: ['client_paymentrequest'],
      fetch: endpoint.fetch,
    })
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => stitch.getToken()))
    expect(endpoint.calls).toBe(1)
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1)
    expect(new Set(tokens).size).toBe(1)
  })

  it('reuses a token until expiry minus skew, then makes exactly one new request', async () => {
    const clock = manualClock()
    const endpoint = fakeTokenEndpoint({ expiresIn: 3600 })
    const stitch = createStitchAuth({
      ...base,
      scopes: ['client_paymentrequest'],
      fetch: endpoint.fetch,
      now: clock.now,
      expirySkewMs: 30_000,
      refreshWindowMs: 0,
    })
    const first = await stitch.getToken()
    expect(first.expiresAt.getTime()).toBe(clock.now() + 3_600_000)

    clock.advance(3_600_000 - 30_000 - 1)
    expect((await stitch.getToken()).accessToken).toBe(first.accessToken)
    expect(endpoint.calls).toBe(1)

    clock.advance(1)
    const [a, b, c] = await Promise.all([stitch.getToken(), stitch.getToken(), stitch.getToken()])
    expect(endpoint.calls).toBe(2)
    expect(a?.accessToken).not.toBe(first.accessToken)
    expect(b?.accessToken).toBe(a?.accessToken)
    expect(c?.accessToken).toBe(a?.accessToken)
  })

  it('counts the lifetime from when the request was sent, not when the answer came', async () => {
    const clock = manualClock()
    const endpoint = fakeTokenEndpoint({ expiresIn: 60 })
    const slowFetch: typeof fetch = async (input, init) => {
      const response = await endpoint.fetch(input, init)
      clock.advance(5_000) // the answer takes five seconds to arrive
      return response
    }
    const sentAt = clock.now()
    const stitch = createStitchAuth({
      ...base,
      scopes: ['client_refund'],
      fetch: slowFetch,
      now: clock.now,
    })
    const token = await stitch.getToken()
    expect(token.expiresAt.getTime()).toBe(sentAt + 60_000)
  })

  it('shares one token between the same scopes in any order, not between different sets', async () => {
    const endpoint = fakeTokenEndpoint()
    const stitch = createStitchAuth({ ...base, fetch: endpoint.fetch })
    const a = await stitch.getToken(['client_refund', 'client_paymentrequest'])
    const b = await stitch.getToken(['client_paymentrequest', 'client_refund'])
    const c = await stitch.getToken(['client_paymentrequest', 'client_refund', 'client_refund'])
    expect(b.accessToken).toBe(a.accessToken)
    expect(c.accessToken).toBe(a.accessToken)
    expect(endpoint.calls).toBe(1)
    expect(endpoint.bodies[0]?.get('scope')).toBe('client_paymentrequest client_refund')

    const d = await stitch.getToken(['client_paymentrequest'])
    const e = await stitch.getToken(['client_refund'])
    expect(new Set([a.accessToken, d.accessToken, e.accessToken]).size).toBe(3)
    expect(endpoint.calls).toBe(3)
  })

  it('notices a scope array changed in place after it was first used', async () => {
    const endpoint = fakeTokenEndpoint()
    const stitch = createStitchAuth({ ...base, fetch: endpoint.fetch })
    const scopes: Array<'client_refund' | 'client_paymentrequest'> = ['client_refund']
    await stitch.getToken(scopes)
    scopes.push('client_paymentrequest')
    const token = await stitch.getToken(scopes)
    expect(token.scopes).toEqual(['client_paymentrequest', 'client_refund'])
    expect(endpoint.calls).toBe(2)
  })

  it('refuses getToken() without scopes when none are configured', async () => {
    const stitch = createStitchAuth({ ...base, fetch: fakeTokenEndpoint().fetch })
    await expect(stitch.getToken()).rejects.toThrow(StitchConfigError)
    await expect(stitch.getToken()).rejects.toThrow(/no scopes given/)
  })

  it('rejects an unknown scope in getToken with a suggestion', async () => {
    const stitch = createStitchAuth({ ...base, fetch: fakeTokenEndpoint().fetch })
    await expect(stitch.getToken(['client_refnud' as 'client_refund'])).rejects.toThrow(
      /Did you mean "client_refund"/,
    )
  })

  it('invalidate(token) drops the token only while it is still the cached one', async () => {
    const endpoint = fakeTokenEndpoint()
    const stitch = createStitchAuth({ ...base, scopes: ['client_refund'], fetch: endpoint.fetch })
    const first = await stitch.getToken()
    await stitch.invalidate(first)
    const second = await stitch.getToken()
    expect(second.accessToken).not.toBe(first.accessToken)
    await stitch.invalidate(first) // stale: must not evict the newer token
    expect((await stitch.getToken()).accessToken).toBe(second.accessToken)
    await stitch.invalidate()
    expect((await stitch.getToken()).accessToken).not.toBe(second.accessToken)
    expect(endpoint.calls).toBe(3)
  })

  it('lets two clients that share a MemoryTokenCache mint one token between them', async () => {
    const endpoint = fakeTokenEndpoint({ delayMs: 20 })
    const cache = new MemoryTokenCache()
    const a = createStitchAuth({ ...base, scopes: ['client_refund'], fetch: endpoint.fetch, cache })
    const b = createStitchAuth({ ...base, scopes: ['client_refund'], fetch: endpoint.fetch, cache })
    const [ta, tb] = await Promise.all([a.getToken(), b.getToken()])
    expect(ta.accessToken).toBe(tb.accessToken)
    expect(endpoint.calls).toBe(1)
    expect(cache.size).toBe(1)
  })

  it('refreshes in the background inside the refresh window and never makes callers wait', async () => {
    const clock = manualClock()
    const endpoint = fakeTokenEndpoint({ expiresIn: 3600 })
    const events: StitchAuthEvent[] = []
    const stitch = createStitchAuth({
      ...base,
      scopes: ['client_refund'],
      fetch: endpoint.fetch,
      now: clock.now,
      refreshJitter: 0,
      onEvent: (event) => events.push(event),
    })
    const first = await stitch.getToken()
    // Default window: min(5 min, lifetime / 4) before expiry minus the 30 s skew.
    clock.advance(3_600_000 - 30_000 - 300_000)
    const during = await stitch.getToken()
    expect(during.accessToken).toBe(first.accessToken)
    expect(events.map((event) => event.type)).toContain('refreshStarted')
    await new Promise((resolve) => setTimeout(resolve, 10))
    const after = await stitch.getToken()
    expect(after.accessToken).not.toBe(first.accessToken)
    expect(endpoint.calls).toBe(2)
    const minted = events.filter((event) => event.type === 'tokenMinted')
    expect(minted.map((event) => event.type === 'tokenMinted' && event.background)).toEqual([
      false,
      true,
    ])
  })

  it('fails getToken after close() and says so', async () => {
    const stitch = createStitchAuth({
      ...base,
      scopes: ['client_refund'],
      fetch: fakeTokenEndpoint().fetch,
    })
    await stitch.close()
    await expect(stitch.getToken()).rejects.toMatchObject({ code: 'STITCH_AUTH_CLIENT_CLOSED' })
  })

  it('aborts one waiting caller without failing the others', async () => {
    const endpoint = fakeTokenEndpoint({ delayMs: 50 })
    const stitch = createStitchAuth({ ...base, scopes: ['client_refund'], fetch: endpoint.fetch })
    const controller = new AbortController()
    const aborted = stitch.getToken(undefined, { signal: controller.signal })
    const other = stitch.getToken()
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'STITCH_AUTH_ABORTED' })
    await expect(other).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(endpoint.calls).toBe(1)
  })

  it('peekToken() serves a fresh token synchronously and nothing else', async () => {
    const clock = manualClock()
    const endpoint = fakeTokenEndpoint({ expiresIn: 3600 })
    const stitch = createStitchAuth({
      ...base,
      scopes: ['client_refund'],
      fetch: endpoint.fetch,
      now: clock.now,
    })
    expect(stitch.peekToken()).toBeUndefined()
    expect(endpoint.calls).toBe(0)
    const token = await stitch.getToken()
    expect(stitch.peekToken()).toBe(token)
    expect(stitch.peekToken(['client_refund'])).toBe(token)
    expect(() => stitch.peekToken(['client_refnud' as 'client_refund'])).toThrow(StitchConfigError)
    clock.advance(3_600_000 - 30_000)
    expect(stitch.peekToken()).toBeUndefined()
    await stitch.close()
    expect(() => stitch.peekToken()).toThrow(/closed/)
  })

  it('serves new arrays of a known scope list from the same token', async () => {
    const endpoint = fakeTokenEndpoint()
    const stitch = createStitchAuth({ ...base, fetch: endpoint.fetch })
    const first = await stitch.getToken(['client_refund', 'client_paymentrequest'])
    for (let i = 0; i < 100; i++) {
      expect(await stitch.getToken(['client_refund', 'client_paymentrequest'])).toBe(first)
    }
    expect(endpoint.calls).toBe(1)
  })
})

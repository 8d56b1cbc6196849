import { exportSPKI, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  type StitchAuthEvent,
  StitchEndpointUnavailableError,
  StitchResponseError,
  type StitchToken,
} from '../src/index.js'
import { CLIENT_ID, useSimulator } from './simulator.js'

const ctx = useSimulator()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('retries', () => {
  it('waits out a 503 with Retry-After: 2, then succeeds', async () => {
    const events: StitchAuthEvent[] = []
    const stitch = ctx.client({ onEvent: (event) => events.push(event) })
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 2, times: 1 })
    const started = Date.now()
    await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(1990)
    expect(ctx.sim.stats.tokenRequests.total).toBe(2)
    expect(events.find((event) => event.type === 'retryScheduled')).toMatchObject({
      attempt: 1,
      delayMs: 2000,
      status: 503,
    })
  })

  it('honours Retry-After as an HTTP date', async () => {
    const stitch = ctx.client()
    ctx.sim.fault({
      endpoint: 'token',
      status: 429,
      retryAfter: new Date(Date.now() + 1000),
      times: 1,
    })
    const started = Date.now()
    await stitch.getToken()
    // HTTP dates have whole-second precision.
    expect(Date.now() - started).toBeGreaterThanOrEqual(0)
    expect(ctx.sim.stats.tokenRequests.total).toBe(2)
  })

  it('does not retry when Retry-After is longer than the cap, and says how long to wait', async () => {
    const stitch = ctx.client({ retry: { maxRetryAfterMs: 1000 } })
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 120, times: 1 })
    const error = await stitch.getToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StitchEndpointUnavailableError)
    expect(error).toMatchObject({
      retryAfterMs: 120_000,
      attempts: 1,
      headers: { 'retry-after': '120' },
    })
    expect((error as Error).message).toMatch(
      /asked to wait 120 s, longer than retry.maxRetryAfterMs/,
    )
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it.each([408, 429, 500, 502, 504])('retries HTTP %i with backoff', async (status) => {
    const stitch = ctx.client()
    ctx.sim.fault({ endpoint: 'token', status, times: 2 })
    await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(ctx.sim.stats.tokenRequests.total).toBe(3)
  })

  it('gives up after maxAttempts with the endpoint-unavailable error', async () => {
    const stitch = ctx.client({ retry: { maxAttempts: 3, baseDelayMs: 1 } })
    ctx.sim.fault({ endpoint: 'token', status: 500 })
    const error = await stitch.getToken().catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
      attempts: 3,
      upstreamStatus: 500,
    })
    expect((error as Error).message).toMatch(/Gave up after 3 attempts/)
    expect(ctx.sim.stats.tokenRequests.total).toBe(3)
  })

  it('ends a hanging endpoint at the attempt timeout with the endpoint-unavailable error', async () => {
    const stitch = ctx.client({ attemptTimeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 1 } })
    ctx.sim.fault({ endpoint: 'token', hang: true })
    const started = Date.now()
    const error = await stitch.getToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StitchEndpointUnavailableError)
    expect((error as Error).message).toMatch(/did not answer within 200 ms/)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('keeps the whole call within deadlineMs', async () => {
    const stitch = ctx.client({ attemptTimeoutMs: 5000, deadlineMs: 300 })
    ctx.sim.fault({ endpoint: 'token', hang: true })
    const started = Date.now()
    await expect(stitch.getToken()).rejects.toBeInstanceOf(StitchEndpointUnavailableError)
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('answers after a slow but successful response', async () => {
    const stitch = ctx.client()
    ctx.sim.fault({ endpoint: 'token', delayMs: 150, times: 1 })
    await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('retries a connection reset', async () => {
    const stitch = ctx.client()
    ctx.sim.fault({ endpoint: 'token', reset: true, times: 1 })
    await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(ctx.sim.stats.tokenRequests.total).toBe(2)
  })

  it.each(['truncated-json', 'not-json', 'html', 'empty'] as const)(
    'retries an unreadable %s body, then succeeds',
    async (malformed) => {
      const stitch = ctx.client()
      ctx.sim.fault({ endpoint: 'token', malformed, times: 1 })
      await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
      expect(ctx.sim.stats.tokenRequests.total).toBe(2)
    },
  )

  it.each([
    ['missing-access-token', /"access_token"/],
    ['wrong-token-type', /"token_type" in the token response must be "Bearer"/],
    ['non-positive-expires-in', /"expires_in" in the token response must be a positive number/],
    ['missing-expires-in', /"expires_in"/],
    ['fewer-scopes', /granted fewer scopes than requested/],
  ] as const)('rejects a 200 with %s at once, with a typed error', async (malformed, message) => {
    const stitch = ctx.client()
    ctx.sim.fault({ endpoint: 'token', malformed, times: 1 })
    const error = await stitch.getToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StitchResponseError)
    expect((error as Error).message).toMatch(message)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })
})

describe('private_key_jwt', () => {
  it('gets a token with a PEM key and signs a new jti for every attempt', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
    const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', privateKey)).toString('base64')
    const pem = `-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`
    ctx.sim.addClient({
      clientId: 'cert-client',
      publicKey: await exportSPKI(publicKey),
      scopes: ['client_refund'],
    })
    const stitch = ctx.client({
      clientId: 'cert-client',
      clientSecret: undefined,
      privateKey: pem,
      scopes: ['client_refund'],
    })
    ctx.sim.fault({ endpoint: 'token', status: 503, times: 2 })
    const token = await stitch.getToken()
    expect(token.scopes).toEqual(['client_refund'])
    const log = ctx.sim.tokenRequests.filter((entry) => entry.clientId === 'cert-client')
    expect(log).toHaveLength(3)
    expect(log.every((entry) => entry.authMethod === 'private_key_jwt')).toBe(true)
    expect(new Set(log.map((entry) => entry.jti)).size).toBe(3)
    expect(log.at(-1)?.outcome).toBe('issued')
  })

  it('works with a JWK and a CryptoKey', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
    ctx.sim.addClient({ clientId: 'jwk-client', publicKey, scopes: ['client_refund'] })
    const jwk = await crypto.subtle.exportKey('jwk', privateKey)
    for (const key of [jwk, privateKey]) {
      const stitch = ctx.client({
        clientId: 'jwk-client',
        clientSecret: undefined,
        privateKey: key,
        scopes: ['client_refund'],
      })
      await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    }
  })

  it('is refused with invalid_client when signed by the wrong key', async () => {
    const registered = await generateKeyPair('RS256')
    const other = await generateKeyPair('RS256', { extractable: true })
    ctx.sim.addClient({
      clientId: 'wrong-key',
      publicKey: registered.publicKey,
      scopes: ['client_refund'],
    })
    const stitch = ctx.client({
      clientId: 'wrong-key',
      clientSecret: undefined,
      privateKey: other.privateKey,
      scopes: ['client_refund'],
    })
    await expect(stitch.getToken()).rejects.toMatchObject({ error: 'invalid_client' })
  })
})

describe('refresh-ahead under load', () => {
  it('across 3 token lifetimes, no caller waits after the first and tokens minted ≈ lifetimes', async () => {
    // 2 s tokens: refresh-ahead starts 500 ms before a token goes stale (a quarter of the
    // lifetime, unjittered), room enough for a token request on a loaded machine.
    ctx.sim.setTokenLifetime(2)
    try {
      const stitch = ctx.client({ refreshJitter: 0 })
      const minted: StitchAuthEvent[] = []
      stitch.subscribe((event) => {
        if (event.type === 'tokenMinted') minted.push(event)
      })
      await stitch.getToken()
      const seen = new Set<string>()
      let waited = 0
      let calls = 0
      const until = Date.now() + 6000
      // 20 callers, each calling every 5 ms: a caller "waited" if its promise was not
      // already settled when it asked.
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (Date.now() < until) {
            let settled = false
            const pending = stitch.getToken().then((token: StitchToken) => {
              settled = true
              return token
            })
            await Promise.resolve()
            await Promise.resolve()
            if (!settled) waited++
            seen.add((await pending).accessToken)
            calls++
            await sleep(5)
          }
        }),
      )
      expect(calls).toBeGreaterThan(1000)
      expect(waited).toBe(0)
      // 2 s tokens over 6 s, refreshed a quarter early: 3 lifetimes ± 1 plus the first.
      const refreshes = minted.length - 1
      expect(refreshes).toBeGreaterThanOrEqual(2)
      expect(refreshes).toBeLessThanOrEqual(4)
      expect(
        minted.slice(1).every((event) => event.type === 'tokenMinted' && event.background),
      ).toBe(true)
      expect(seen.size).toBe(minted.length)
    } finally {
      ctx.sim.setTokenLifetime(3600)
    }
  }, 20_000)

  it('rides out an outage shorter than the remaining validity with 0 failed calls', async () => {
    ctx.sim.setTokenLifetime(2)
    try {
      const events: StitchAuthEvent[] = []
      const stitch = ctx.client({
        attemptTimeoutMs: 100,
        deadlineMs: 300,
        retry: { maxAttempts: 2, baseDelayMs: 5 },
      })
      stitch.subscribe((event) => events.push(event))
      await stitch.getToken()
      // Token valid 2 s (stale at 1.8 s); refresh window opens from 1.3 s. Outage 1.0–1.7 s.
      await sleep(1000)
      ctx.sim.fault({ endpoint: 'token', status: 503, durationMs: 700 })
      let failed = 0
      const until = Date.now() + 1200
      while (Date.now() < until) {
        await stitch.getToken().catch(() => failed++)
        await sleep(10)
      }
      expect(failed).toBe(0)
      expect(events.some((event) => event.type === 'refreshFailed')).toBe(true)
      expect(events.filter((event) => event.type === 'tokenMinted')).toHaveLength(2)
    } finally {
      ctx.sim.setTokenLifetime(3600)
    }
  })

  it('a longer outage fails clearly once the token truly expires, and recovers after', async () => {
    ctx.sim.setTokenLifetime(1)
    try {
      const stitch = ctx.client({
        attemptTimeoutMs: 100,
        deadlineMs: 200,
        retry: { maxAttempts: 2, baseDelayMs: 5 },
      })
      await stitch.getToken()
      const outage = ctx.sim.fault({ endpoint: 'token', status: 503 })
      await sleep(1000)
      const error = await stitch.getToken().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StitchEndpointUnavailableError)
      expect((error as Error).message).toMatch(/HTTP 503/)
      outage.clear()
      await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    } finally {
      ctx.sim.setTokenLifetime(3600)
    }
  })
})

describe('clean shutdown', () => {
  it('close() cancels a waiting retry at once', async () => {
    const stitch = ctx.client({
      retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 },
      deadlineMs: 60_000,
    })
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 10 })
    const pending = stitch.getToken()
    await sleep(100)
    const started = Date.now()
    await stitch.close()
    await expect(pending).rejects.toMatchObject({ code: 'STITCH_AUTH_CLIENT_CLOSED' })
    expect(Date.now() - started).toBeLessThan(200)
  })

  it('the client id appears in the token request; the simulator logs no secret', () => {
    expect(JSON.stringify(ctx.sim.tokenRequests)).not.toContain('sim-secret')
    expect(CLIENT_ID).toBeTruthy()
  })
})

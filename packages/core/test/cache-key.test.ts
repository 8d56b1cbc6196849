// Cache keys of different clients never collide, whatever their token URL, client id, audience
// or scopes hold: a '|' (the old separator) in any part once let one client read another's token
// from a shared cache.
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CachedToken,
  createStitchAuth,
  MemoryTokenCache,
  STITCH_SCOPES,
  type StitchAuth,
  type TokenCache,
} from '../src/index.js'

describe('cache keys against the simulator, one shared MemoryTokenCache', () => {
  let sim: StitchSimulator
  const open: StitchAuth[] = []
  beforeAll(async () => {
    sim = await startStitchSimulator({
      clients: ['shop|eu', 'shop', 'eu'].map((clientId) => ({
        clientId,
        clientSecret: `${clientId}-secret`,
        scopes: ['client_paymentrequest'],
      })),
    })
  })
  afterAll(async () => {
    await Promise.all(open.map((client) => client.close()))
    await sim?.close()
  })
  const client = (options: { clientId: string; tokenUrl?: string; audience?: string }) => {
    const stitch = createStitchAuth({
      clientSecret: `${options.clientId}-secret`,
      scopes: ['client_paymentrequest'],
      tokenUrl: sim.tokenUrl,
      retry: { maxAttempts: 1 },
      ...options,
      cache,
    })
    open.push(stitch)
    return stitch
  }
  let cache: MemoryTokenCache

  it("never serves a client another client's token when a client id or audience holds '|'", async () => {
    cache = new MemoryTokenCache()
    sim.resetStats()
    // The old key joined the parts with '|': both of these were `<url>|shop|eu|<url>|<scope>`.
    const owner = client({ clientId: 'shop|eu' })
    const other = client({ clientId: 'shop', audience: `eu|${sim.tokenUrl}` })
    const token = await owner.getToken()
    // `other` must ask Stitch itself, which refuses its audience; it never gets `owner`'s token.
    await expect(other.getToken()).rejects.toMatchObject({
      code: 'STITCH_AUTH_TOKEN_REJECTED',
      error: 'invalid_request',
    })
    expect(sim.stats.tokenRequests.byClient).toEqual({ 'shop|eu': 1, shop: 1 })
    expect(token.accessToken).toBeTruthy()
  })

  it("keeps two valid clients apart when a token URL and a client id hold '|'", async () => {
    cache = new MemoryTokenCache()
    sim.resetStats()
    // Both were `<url>?tenant=eu|shop|eu|<url>|<scope>`; the simulator routes by path, so both
    // token URLs reach it, and both clients send the audience it wants.
    const a = client({
      clientId: 'shop|eu',
      tokenUrl: `${sim.tokenUrl}?tenant=eu`,
      audience: sim.tokenUrl,
    })
    const b = client({
      clientId: 'eu',
      tokenUrl: `${sim.tokenUrl}?tenant=eu|shop`,
      audience: sim.tokenUrl,
    })
    const ta = await a.getToken()
    const tb = await b.getToken()
    expect(tb.accessToken).not.toBe(ta.accessToken)
    expect(sim.stats.tokenRequests.byClient).toEqual({ 'shop|eu': 1, eu: 1 })
    expect(cache.size).toBe(2)
    // And each still shares with itself: a second call is served from memory.
    expect((await a.getToken()).accessToken).toBe(ta.accessToken)
    expect(sim.stats.tokenRequests.total).toBe(2)
  })
})

describe('cache keys (property)', () => {
  /** A cache that records the key of every lookup and answers with a token, so no I/O is needed. */
  const keyOf = async (parts: Parts): Promise<string> => {
    const keys: string[] = []
    const cache: TokenCache = {
      get(key) {
        keys.push(key)
        const issuedAt = Date.now()
        return {
          accessToken: 'cached-token-0123456789abcdef',
          tokenType: 'Bearer',
          scopes: parts.scopes,
          issuedAt,
          expiresAt: issuedAt + 3_600_000,
        } satisfies CachedToken
      },
      set() {},
      delete() {},
    }
    const stitch = createStitchAuth({
      clientId: parts.clientId,
      clientSecret: 'property-secret',
      tokenUrl: `https://auth.example/${parts.tokenPath}`,
      audience: parts.audience,
      allowUnknownScopes: true,
      cache,
      fetch: () => Promise.reject(new Error('no token request expected')),
    })
    await stitch.getToken(parts.scopes)
    await stitch.close()
    expect(keys).toHaveLength(1)
    return keys[0]!
  }

  interface Parts {
    tokenPath: string
    clientId: string
    audience: string
    scopes: string[]
  }
  // Few, collision-prone characters: separators and what JSON or percent-encoding escape.
  const unit = fc.constantFrom(
    'a',
    'b',
    '|',
    ' ',
    '"',
    '\\',
    ',',
    '[',
    ']',
    '%',
    '7',
    'C',
    '\u00e9',
  )
  const text = (minLength: number) => fc.string({ unit, minLength, maxLength: 6 })
  const scopeArb = fc.oneof(
    fc.constantFrom(...STITCH_SCOPES),
    fc.string({ unit: fc.constantFrom('a', 'b', '|', '"', '\\', ','), minLength: 1, maxLength: 4 }),
  )
  const partsArb: fc.Arbitrary<Parts> = fc.record({
    tokenPath: text(0),
    // Core trims client ids; untrimmed ones would be the same client under another spelling.
    clientId: text(1).filter((id) => id.trim() === id && id !== ''),
    audience: text(1),
    scopes: fc.array(scopeArb, { minLength: 1, maxLength: 3 }),
  })
  const normalized = (parts: Parts) =>
    JSON.stringify([
      parts.tokenPath,
      parts.clientId,
      parts.audience,
      [...new Set(parts.scopes)].sort(),
    ])

  it('gives distinct keys to distinct (token URL, client id, audience, scope set) tuples', async () => {
    await fc.assert(
      fc.asyncProperty(partsArb, partsArb, async (x, y) => {
        const [kx, ky] = [await keyOf(x), await keyOf(y)]
        // Equal tuples share a key (scopes in any order); different tuples never do.
        expect(kx === ky).toBe(normalized(x) === normalized(y))
      }),
      { numRuns: 500 },
    )
  })

  it("gives distinct keys to tuples that the old '|'-joined key could not tell apart", async () => {
    // Any text cut into four parts in two different places: `a|b|c|d` was one key for all of them.
    const segment = fc.string({
      unit: fc.constantFrom('a', 'b', '"', '\\', ',', '%', '[', ']'),
      minLength: 1,
      maxLength: 3,
    })
    const cuts = (count: number) =>
      fc
        .uniqueArray(fc.integer({ min: 1, max: count - 1 }), { minLength: 3, maxLength: 3 })
        .map((at) => at.sort((x, y) => x - y))
    const split = (segments: string[], at: number[]): Parts => {
      const [tokenPath, clientId, audience, scope] = [0, ...at].map((from, index) =>
        segments.slice(from, at[index] ?? segments.length).join('|'),
      ) as [string, string, string, string]
      return { tokenPath, clientId, audience, scopes: [scope] }
    }
    const sameJoin = fc
      .array(segment, { minLength: 5, maxLength: 8 })
      .chain((segments) =>
        fc.tuple(fc.constant(segments), cuts(segments.length), cuts(segments.length)),
      )
      .filter(([, first, second]) => first.join() !== second.join())
      .map(
        ([segments, first, second]) => [split(segments, first), split(segments, second)] as const,
      )
    await fc.assert(
      fc.asyncProperty(sameJoin, async ([x, y]) => {
        expect(await keyOf(x)).not.toBe(await keyOf(y))
      }),
      { numRuns: 300 },
    )
  })
})

import { describe, expect, it } from 'vitest'
import {
  type CachedToken,
  MemoryTokenCache,
  type StitchAuthEvent,
  type TokenCache,
} from '../src/index.js'
import { useSimulator } from './simulator.js'

const ctx = useSimulator()

describe('callers cannot change each other’s token', () => {
  it('a caller changing expiresAt, issuedAt or scopes changes nothing for anyone else', async () => {
    const events: StitchAuthEvent[] = []
    const clock = { now: Date.now() }
    const stitch = ctx.client({ now: () => clock.now, refreshWindowMs: 60_000 })
    stitch.subscribe((event) => events.push(event))
    const mine = await stitch.getToken()
    const expiresAt = mine.expiresAt.getTime()
    const issuedAt = mine.issuedAt.getTime()

    mine.expiresAt.setTime(0)
    mine.issuedAt.setFullYear(1970)
    expect(() => (mine.scopes as string[]).push('client_refund')).toThrow(TypeError)
    expect(() => {
      ;(mine as { expiresAt: Date }).expiresAt = new Date(0)
    }).toThrow(TypeError)

    const theirs = await stitch.getToken()
    expect(theirs).toBe(mine) // still one shared token, allocation-free
    expect(theirs.expiresAt.getTime()).toBe(expiresAt)
    expect(theirs.issuedAt.getTime()).toBe(issuedAt)
    expect(theirs.scopes).toEqual(['client_paymentrequest'])
    expect(theirs.toJSON()).toMatchObject({ expiresAt: new Date(expiresAt).toISOString() })
    expect(theirs.expiresInMs(clock.now)).toBe(expiresAt - clock.now)

    // The manager's own view did not move either: the refresh starts from the real expiry.
    clock.now = expiresAt - 45_000
    stitch.peekToken()
    const started = events.find((event) => event.type === 'refreshStarted')
    expect(started).toMatchObject({ type: 'refreshStarted', expiresInMs: 45_000 })
  })

  it('toCacheEntry() gives a frozen entry a caller cannot use to corrupt the cache', async () => {
    const cache = new MemoryTokenCache()
    const stitch = ctx.client({ cache })
    const token = await stitch.getToken()
    const entry = token.toCacheEntry()
    expect(Object.isFrozen(entry)).toBe(true)
    expect(Object.isFrozen(entry.scopes)).toBe(true)
    expect(() => {
      ;(entry as { expiresAt: number }).expiresAt = 0
    }).toThrow(TypeError)
    expect(() => (entry.scopes as string[]).push('client_refund')).toThrow(TypeError)

    // A second client sharing the cache gets the same, untouched token.
    const peer = ctx.client({ cache })
    const shared = await peer.getToken()
    expect(shared.accessToken).toBe(token.accessToken)
    expect(shared.expiresAt.getTime()).toBe(token.expiresAt.getTime())
    expect(shared.scopes).toEqual(['client_paymentrequest'])
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('a token read from a plain (deserialised) cache entry cannot corrupt that entry', async () => {
    // A backend that hands back the very objects it holds, as parsed from its store.
    const store = new Map<string, CachedToken>()
    const cache: TokenCache = {
      get: (key) => store.get(key),
      set: (key, token) => void store.set(key, JSON.parse(JSON.stringify(token))),
      delete: (key) => void store.delete(key),
    }
    const minted = await ctx.client({ cache }).getToken()
    const stitch = ctx.client({ cache })
    const token = await stitch.getToken()
    expect(token.accessToken).toBe(minted.accessToken)

    const entry = token.toCacheEntry()
    expect(Object.isFrozen(entry)).toBe(true)
    expect(() => {
      ;(entry as { expiresAt: number }).expiresAt = 0
    }).toThrow(TypeError)
    expect(() => (entry.scopes as string[]).push('client_refund')).toThrow(TypeError)
    expect(() => (token.scopes as string[]).push('client_refund')).toThrow(TypeError)

    const peer = ctx.client({ cache })
    const shared = await peer.getToken()
    expect(shared.accessToken).toBe(minted.accessToken)
    expect(shared.expiresAt.getTime()).toBe(minted.expiresAt.getTime())
    expect(shared.scopes).toEqual(['client_paymentrequest'])
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })
})

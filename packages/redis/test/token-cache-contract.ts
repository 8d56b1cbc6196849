import type { CachedToken, Promisable, TokenCache } from '@stitch-auth/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createRedisTokenCache, type RedisTokenCacheOptions } from '../src/index.js'

/** One cache under test, with a second view of the same storage when it has one. */
export interface TokenCacheFixture {
  cache: TokenCache
  /**
   * Another instance over the same storage, as a second server of a fleet would have; the lease
   * tests take leases from both. Defaults to `cache` itself (an in-process cache).
   */
  peer?: TokenCache
  close?(): Promisable<void>
}

let counter = 0

/** A cache key shaped like core's (JSON of token URL, client, audience, scopes), unique per call. */
export function contractKey(): string {
  counter++
  const url = 'http://127.0.0.1:1/connect/token'
  return JSON.stringify([
    url,
    `contract-client-${counter}`,
    url,
    'client_paymentrequest client_refund',
  ])
}

export function contractToken(lifetimeMs = 60_000, accessToken = randomToken()): CachedToken {
  const issuedAt = Date.now()
  return {
    accessToken,
    tokenType: 'Bearer',
    scopes: ['client_paymentrequest', 'client_refund'],
    issuedAt,
    expiresAt: issuedAt + lifetimeMs,
  }
}

function randomToken(): string {
  return `tok_${crypto.randomUUID()}_${crypto.randomUUID()}`
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/**
 * The durations of the expiry tests, widened 3×: a remote backend's round trips on a loaded
 * machine (a cluster, Sentinel) must fit in the margins between them.
 */
const slow = (ms: number) => ms * 3

/**
 * The behaviour core relies on from every `TokenCache`: run it for each backend (next-auth's
 * `runBasicTests` idea), so a new backend is correct when this suite passes.
 */
/**
 * Two Redis caches on one key prefix, as two instances of an app would be: `cache` and its
 * `peer`. With a client the user owns (`owner`), closing them must leave that client open.
 */
export function redisCachePair(
  options: RedisTokenCacheOptions,
  owner?: { readonly isReady: boolean },
): TokenCacheFixture {
  const cache = createRedisTokenCache(options)
  const peer = createRedisTokenCache(options)
  return {
    cache,
    peer,
    close: async () => {
      await cache.close()
      await peer.close()
      if (owner && !owner.isReady) {
        throw new Error('closing a cache closed a client it does not own')
      }
    },
  }
}

export function runTokenCacheContract(
  name: string,
  makeFixture: () => Promisable<TokenCacheFixture>,
): void {
  describe(`TokenCache contract: ${name}`, () => {
    let fixture: TokenCacheFixture
    let cache: TokenCache
    let peer: TokenCache

    beforeEach(async () => {
      fixture = await makeFixture()
      cache = fixture.cache
      peer = fixture.peer ?? fixture.cache
    })
    afterEach(async () => {
      await fixture.close?.()
    })

    it('returns undefined for a key never set', async () => {
      expect(await cache.get(contractKey())).toBeUndefined()
    })

    it('returns the token after set, equal in every field', async () => {
      const key = contractKey()
      const token = contractToken()
      await cache.set(key, token)
      expect(await cache.get(key)).toEqual(token)
      expect(await peer.get(key)).toEqual(token)
    })

    it('keeps keys apart', async () => {
      const [a, b] = [contractKey(), contractKey()]
      const token = contractToken()
      await cache.set(a, token)
      expect(await cache.get(b)).toBeUndefined()
    })

    it('replaces the token on a second set', async () => {
      const key = contractKey()
      await cache.set(key, contractToken())
      const newer = contractToken(120_000)
      await peer.set(key, newer)
      expect(await cache.get(key)).toEqual(newer)
    })

    it('misses once the token has expired', async () => {
      const key = contractKey()
      await cache.set(key, contractToken(slow(150)))
      expect(await cache.get(key)).toBeDefined()
      await sleep(slow(250))
      expect(await cache.get(key)).toBeUndefined()
    })

    it('delete(key) removes the token', async () => {
      const key = contractKey()
      await cache.set(key, contractToken())
      await peer.delete(key)
      expect(await cache.get(key)).toBeUndefined()
    })

    it('delete(key, accessToken) removes the token only while it is still that token', async () => {
      const key = contractKey()
      const old = contractToken()
      const newer = contractToken()
      await cache.set(key, old)
      await cache.set(key, newer)
      // Someone evicts the old token (e.g. after a 401): the newer one must survive.
      await peer.delete(key, old.accessToken)
      expect(await cache.get(key)).toEqual(newer)
      await peer.delete(key, newer.accessToken)
      expect(await cache.get(key)).toBeUndefined()
    })

    it('delete of a missing key is not an error', async () => {
      await expect(Promise.resolve(cache.delete(contractKey(), 'nope'))).resolves.toBeUndefined()
    })

    describe('leases', () => {
      it('are exclusive until released', async () => {
        if (!cache.acquireLease || !peer.acquireLease) return expect.fail('acquireLease missing')
        const key = contractKey()
        const first = await cache.acquireLease(key, 10_000)
        expect(first).toBeDefined()
        expect(await peer.acquireLease(key, 10_000)).toBeUndefined()
        expect(await cache.acquireLease(key, 10_000)).toBeUndefined()
        await first!.release()
        const second = await peer.acquireLease(key, 10_000)
        expect(second).toBeDefined()
        await second!.release()
      })

      it('are independent per key', async () => {
        if (!cache.acquireLease || !peer.acquireLease) return expect.fail('acquireLease missing')
        const a = await cache.acquireLease(contractKey(), 10_000)
        const b = await peer.acquireLease(contractKey(), 10_000)
        expect(a).toBeDefined()
        expect(b).toBeDefined()
        await a!.release()
        await b!.release()
      })

      it('expire after ttlMs, and a late release leaves the next holder alone', async () => {
        if (!cache.acquireLease || !peer.acquireLease) return expect.fail('acquireLease missing')
        const key = contractKey()
        const first = await cache.acquireLease(key, slow(150))
        expect(first).toBeDefined()
        expect(await peer.acquireLease(key, slow(150))).toBeUndefined()
        await sleep(slow(250))
        const second = await peer.acquireLease(key, 10_000)
        expect(second).toBeDefined()
        await first!.release()
        expect(await cache.acquireLease(key, 10_000)).toBeUndefined()
        await second!.release()
        expect(await cache.acquireLease(key, 10_000)).toBeDefined()
      })

      it('renew keeps a lease past its ttlMs, and fails once the lease has run out', async () => {
        if (!cache.acquireLease || !peer.acquireLease) return expect.fail('acquireLease missing')
        const key = contractKey()
        const lease = await cache.acquireLease(key, slow(200))
        if (!lease?.renew) return expect.fail('renew missing')
        await sleep(slow(120))
        expect(await lease.renew(slow(400))).toBe(true)
        await sleep(slow(200))
        // Past the first ttlMs: still held, thanks to the renewal.
        expect(await peer.acquireLease(key, 10_000)).toBeUndefined()
        await sleep(slow(300))
        expect(await lease.renew(10_000)).toBe(false)
        const next = await peer.acquireLease(key, 10_000)
        expect(next).toBeDefined()
        // A lease taken over stays with its new holder.
        expect(await lease.renew(10_000)).toBe(false)
        expect(await cache.acquireLease(key, 10_000)).toBeUndefined()
        await next!.release()
      })

      it('renew after release fails and does not take the lease back', async () => {
        if (!cache.acquireLease || !peer.acquireLease) return expect.fail('acquireLease missing')
        const key = contractKey()
        const lease = await cache.acquireLease(key, 10_000)
        if (!lease?.renew) return expect.fail('renew missing')
        await lease.release()
        expect(await lease.renew(10_000)).toBe(false)
        const next = await peer.acquireLease(key, 10_000)
        expect(next).toBeDefined()
        await next!.release()
      })

      it('release is idempotent', async () => {
        if (!cache.acquireLease) return expect.fail('acquireLease missing')
        const key = contractKey()
        const lease = await cache.acquireLease(key, 10_000)
        await lease!.release()
        await lease!.release()
        const next = await cache.acquireLease(key, 10_000)
        expect(next).toBeDefined()
        await next!.release()
      })
    })
  })
}

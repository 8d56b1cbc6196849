import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createStitchAuth, type StitchAuth, type StitchToken } from '@stitch-auth/core'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisTokenCache, type RedisTokenCacheEvent } from '../src/index.js'
import { type RedisServer, startRedisServer } from './helpers/redis-server.js'
import { contractKey, contractToken } from './token-cache-contract.js'

const encryptionKey = 'security-test-encryption-key-0123456789abcdef'
const otherKey = 'another-encryption-key-for-rotation-0123456789'
const clientId = 'acme-payments-client-7f3a9c'
const clientSecret = 'acme-very-secret-value-5b81d2e4'
const scopes = ['client_paymentrequest', 'client_refund'] as const

const connect = (url: string) =>
  createClient({ url })
    .on('error', () => {})
    .connect()
let server: RedisServer
let raw: Awaited<ReturnType<typeof connect>>
let sim: StitchSimulator

beforeAll(async () => {
  // Uncompressed RDB, so a secret stored in clear would be visible in the file as is.
  server = await startRedisServer({ extraArgs: ['--rdbcompression', 'no'] })
  raw = await connect(server.url)
  sim = await startStitchSimulator({ clients: [{ clientId, clientSecret, scopes: [...scopes] }] })
})
afterAll(async () => {
  raw?.destroy()
  await sim?.close()
  await server?.stop()
})

async function keysUnder(prefix: string): Promise<string[]> {
  return (await raw.keys(`${prefix}*`)).map(String).sort()
}

describe('at rest', () => {
  it('a dump of Redis and its RDB file hold no token, secret, client id, scope or URL', async () => {
    const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix: 'dump:' })
    const stitch = createStitchAuth({ clientId, clientSecret, tokenUrl: sim.tokenUrl, cache })
    const tokens: StitchToken[] = [
      await stitch.getToken(['client_paymentrequest']),
      await stitch.getToken(['client_refund', 'client_paymentrequest']),
    ]
    // A lease and its "written" marker are in the dump too.
    expect(await cache.acquireLease('some-key', 10_000)).toBeDefined()

    const dump: string[] = []
    const keys = (await raw.keys('*')).map(String)
    expect(keys.length).toBeGreaterThanOrEqual(3)
    for (const key of keys) {
      const type = String(await raw.type(key))
      dump.push(key, type)
      if (type === 'string') dump.push(String(await raw.get(key)))
      else dump.push(JSON.stringify(await raw.hGetAll(key)))
    }
    await raw.sendCommand(['SAVE'])
    const rdb = (await readFile(join(server.dir, 'dump.rdb'))).toString('latin1')
    const tokenUrl = new URL(sim.tokenUrl)
    const forbidden = [
      ...tokens.map((token) => token.accessToken),
      clientId,
      clientSecret,
      ...scopes,
      'client_',
      tokenUrl.host,
      'connect/token',
      encryptionKey,
    ]
    const text = dump.join('\n')
    // The check would be void if the dump did not hold the entries.
    expect(rdb).toContain(keys[0]!)
    for (const secret of forbidden) {
      expect(text, `dump contains ${secret}`).not.toContain(secret)
      expect(rdb, `RDB contains ${secret}`).not.toContain(secret)
    }

    await stitch.close()
    await cache.close()
  })

  it('names keys <prefix>token:{hmac} and lease:{hmac}, the same hash for both', async () => {
    const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix: 'names:' })
    const key = contractKey()
    await cache.set(key, contractToken())
    const lease = await cache.acquireLease(key, 10_000)
    const [leaseKey, tokenKey] = await keysUnder('names:')
    expect(tokenKey).toMatch(/^names:token:\{[A-Za-z0-9_-]{43}\}$/)
    expect(leaseKey).toBe(tokenKey!.replace(':token:', ':lease:'))
    await lease!.release()
    await cache.close()
  })

  it('stores v1.<fingerprint>.<iv+ciphertext>, a new IV for every write', async () => {
    const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix: 'iv:' })
    const key = contractKey()
    const token = contractToken()
    await cache.set(key, token)
    const [redisKey] = await keysUnder('iv:')
    const first = String(await raw.get(redisKey!))
    await cache.set(key, token)
    const second = String(await raw.get(redisKey!))
    expect(first).toMatch(/^v1\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]+$/)
    // Same token, same fingerprint; a fresh IV makes the ciphertext differ.
    expect(first.split('.')[1]).toBe(second.split('.')[1])
    expect(first.split('.')[2]).not.toBe(second.split('.')[2])
    await cache.close()
  })

  it('sets the TTL to the time left until expiry, and writes no expired token', async () => {
    const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix: 'ttl:' })
    await cache.set(contractKey(), contractToken(60_000))
    const [redisKey] = await keysUnder('ttl:')
    const pttl = Number(await raw.pTTL(redisKey!))
    expect(pttl).toBeGreaterThan(59_000)
    expect(pttl).toBeLessThanOrEqual(60_000)

    const expired = { ...contractToken(), expiresAt: Date.now() - 1 }
    await cache.set(contractKey(), expired)
    expect(await keysUnder('ttl:')).toHaveLength(1)
    await cache.close()
  })
})

describe('entries that do not decrypt are misses, never crashes', () => {
  async function setup(prefix: string) {
    const events: RedisTokenCacheEvent[] = []
    const cache = createRedisTokenCache({
      url: server.url,
      encryptionKey,
      keyPrefix: prefix,
      onEvent: (event) => events.push(event),
    })
    const key = contractKey()
    await cache.set(key, contractToken())
    const [redisKey] = await keysUnder(prefix)
    return { cache, key, redisKey: redisKey!, events }
  }

  it('a cache with another encryption key neither finds nor decrypts the entry', async () => {
    const { cache, key, redisKey } = await setup('wrong-key:')
    const events: RedisTokenCacheEvent[] = []
    const rotated = createRedisTokenCache({
      url: server.url,
      encryptionKey: otherKey,
      keyPrefix: 'wrong-key:',
      onEvent: (event) => events.push(event),
    })
    // Another key hashes names differently: a plain miss.
    expect(await rotated.get(key)).toBeUndefined()
    // Even the right value placed under the other cache's name does not decrypt.
    await rotated.set(key, contractToken())
    const otherRedisKey = (await keysUnder('wrong-key:')).find((name) => name !== redisKey)!
    await raw.set(otherRedisKey, String(await raw.get(redisKey)))
    expect(await rotated.get(key)).toBeUndefined()
    expect(events).toEqual([{ type: 'entryRejected' }])
    await cache.close()
    await rotated.close()
  })

  it('an entry moved to another key does not decrypt (the Redis key is authenticated)', async () => {
    const { cache, redisKey, events } = await setup('moved:')
    const otherKey = contractKey()
    await cache.set(otherKey, contractToken())
    const otherRedisKey = (await keysUnder('moved:')).find((name) => name !== redisKey)!
    await raw.set(otherRedisKey, String(await raw.get(redisKey)))
    expect(await cache.get(otherKey)).toBeUndefined()
    expect(events).toEqual([{ type: 'entryRejected' }])
    await cache.close()
  })

  it.each([
    ['a flipped ciphertext character', (value: string) => flipLast(value)],
    [
      'a swapped fingerprint',
      (value: string) => value.replace(/^v1\.[^.]+\./, `v1.${'A'.repeat(43)}.`),
    ],
    ['a truncated value', (value: string) => value.slice(0, 30)],
    ['an unknown format', () => 'v9.abc.def'],
    ['plain text', () => 'hello world'],
    ['an empty string', () => ''],
  ])('%s', async (_, damage) => {
    const { cache, key, redisKey, events } = await setup(`damaged-${crypto.randomUUID()}:`)
    await raw.set(redisKey, damage(String(await raw.get(redisKey))))
    expect(await cache.get(key)).toBeUndefined()
    expect(events).toEqual([{ type: 'entryRejected' }])
    await cache.close()
  })
})

describe('between clients', () => {
  // Core's cache key once joined token URL, client id, audience and scopes with '|', so these
  // pairs had one key, hence one Redis key: one client could read the other's token.
  const apart = async (
    keyPrefix: string,
    clientsOf: (
      tokenUrl: string,
    ) => Array<{ clientId: string; tokenUrl?: string; audience?: string }>,
  ) => {
    const colliding = await startStitchSimulator({
      clients: ['shop|eu', 'shop', 'eu'].map((id) => ({
        clientId: id,
        clientSecret: `${id}-secret`,
        scopes: ['client_paymentrequest'],
      })),
    })
    // One Redis connection per client, as two servers of a fleet would have.
    const instances = clientsOf(colliding.tokenUrl).map((options) => {
      const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix })
      const stitch = createStitchAuth({
        clientSecret: `${options.clientId}-secret`,
        scopes: ['client_paymentrequest'],
        tokenUrl: colliding.tokenUrl,
        retry: { maxAttempts: 1 },
        cache,
        ...options,
      })
      return { cache, stitch }
    })
    const close = async () => {
      for (const { stitch, cache } of instances) {
        await stitch.close()
        await cache.close()
      }
      await colliding.close()
    }
    const [a, b] = instances.map(({ stitch }) => stitch) as [StitchAuth, StitchAuth]
    return { sim: colliding, a, b, close }
  }

  it("keep their own Redis entries when a token URL and a client id hold '|'", async () => {
    // The simulator routes by path, so both token URLs reach it; both send the audience it wants.
    const {
      sim: colliding,
      a,
      b,
      close,
    } = await apart('apart:', (url) => [
      { clientId: 'shop|eu', tokenUrl: `${url}?tenant=eu`, audience: url },
      { clientId: 'eu', tokenUrl: `${url}?tenant=eu|shop`, audience: url },
    ])
    const ta = await a.getToken()
    const tb = await b.getToken()
    expect(tb.accessToken).not.toBe(ta.accessToken)
    expect(colliding.stats.tokenRequests.byClient).toEqual({ 'shop|eu': 1, eu: 1 })
    expect(await keysUnder('apart:token:')).toHaveLength(2)
    await close()
  })

  it("never hand a client another client's token when a client id or audience holds '|'", async () => {
    const {
      sim: colliding,
      a: owner,
      b: other,
      close,
    } = await apart('apart-audience:', (url) => [
      { clientId: 'shop|eu' },
      { clientId: 'shop', audience: `eu|${url}` },
    ])
    await owner.getToken()
    // `other` asks Stitch itself, which refuses its audience; it never gets `owner`'s token.
    await expect(other.getToken()).rejects.toMatchObject({
      code: 'STITCH_AUTH_TOKEN_REJECTED',
      error: 'invalid_request',
    })
    expect(colliding.stats.tokenRequests.byClient).toEqual({ 'shop|eu': 1, shop: 1 })
    expect(await keysUnder('apart-audience:token:')).toHaveLength(1)
    await close()
  })
})

function flipLast(value: string): string {
  const last = value.at(-2) === 'A' ? 'B' : 'A'
  return value.slice(0, -2) + last + value.at(-1)
}

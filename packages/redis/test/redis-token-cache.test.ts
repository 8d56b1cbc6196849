import { inspect } from 'node:util'
import {
  createStitchAuth,
  isStitchAuthError,
  MemoryTokenCache,
  STITCH_AUTH_ERROR_CODES,
  type TokenCache,
} from '@stitch-auth/core'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { createClient, RESP_TYPES } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createRedisTokenCache,
  isRedisTokenCacheError,
  REDIS_TOKEN_CACHE_ERROR_CODES,
  RedisTokenCache,
  RedisTokenCacheError,
  type RedisTokenCacheEvent,
  type RedisTokenCacheOptions,
} from '../src/index.js'
import { type RedisServer, startRedisServer } from './helpers/redis-server.js'
import { contractKey, contractToken } from './token-cache-contract.js'

const encryptionKey = 'unit-test-encryption-key-0123456789abcdef'
const connect = (url: string) =>
  createClient({ url })
    .on('error', () => {})
    .connect()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
let server: RedisServer
let raw: Awaited<ReturnType<typeof connect>>

beforeAll(async () => {
  server = await startRedisServer()
  raw = await connect(server.url)
})
afterAll(async () => {
  raw?.destroy()
  await server?.stop()
})

/** Blocks the whole Redis server for `ms` (DEBUG SLEEP), from a connection of its own. */
async function freezeRedis(ms: number): Promise<() => Promise<void>> {
  const blocker = await connect(server.url)
  const done = blocker.sendCommand(['DEBUG', 'SLEEP', String(ms / 1000)])
  await sleep(20)
  return async () => {
    await done
    blocker.destroy()
  }
}

describe('options', () => {
  const problemsOf = (options: unknown) => {
    try {
      createRedisTokenCache(options as RedisTokenCacheOptions)
    } catch (error) {
      expect(error).toMatchObject({ code: STITCH_AUTH_ERROR_CODES.CONFIG_INVALID })
      return (error as { issues: string[] }).issues
    }
    throw new Error('expected the options to be rejected')
  }

  it('requires an encryption key of at least 32 characters or bytes, and never echoes it', () => {
    const short = 'too-short-secret'
    const problems = problemsOf({ url: server.url, encryptionKey: short })
    expect(problems).toEqual([
      '"encryptionKey" must be at least 32 characters (got 16); generate one with `openssl rand -base64 32`',
    ])
    expect(problems.join()).not.toContain(short)
    expect(problemsOf({ url: server.url, encryptionKey: new Uint8Array(31) })).toEqual([
      '"encryptionKey" must be at least 32 bytes (got 31); generate one with `openssl rand -base64 32`',
    ])
    expect(problemsOf({ url: server.url })[0]).toMatch(/^"encryptionKey" is required/)
    expect(problemsOf({ url: server.url, encryptionKey: 42 })).toEqual([
      '"encryptionKey" must be a string, a Uint8Array or an ArrayBuffer',
    ])
  })

  it('accepts 32 bytes as Uint8Array or ArrayBuffer', async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32))
    const original = Buffer.from(bytes)
    for (const encryptionKey of [bytes, Buffer.from(bytes), new ArrayBuffer(32)]) {
      const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix: 'bytes:' })
      const key = contractKey()
      await cache.set(key, contractToken())
      expect(await cache.get(key)).toBeDefined()
      await cache.close()
    }
    // The cache wipes its own copy of the secret, never the caller's.
    expect(Buffer.from(bytes).equals(original)).toBe(true)
  })

  it('lists every problem at once', () => {
    expect(
      problemsOf({
        client: {},
        url: 'http://localhost',
        encryptionKey,
        keyPrefix: 3,
        operationTimeoutMs: 0,
        leaseHoldAfterWriteMs: -1,
        onEvent: 'log',
        ttl: 5,
      }),
    ).toEqual([
      '"ttl" is not an option of createRedisTokenCache',
      'give only one of "client", "url", "cluster" and "sentinel" (got "client" and "url")',
      '"client" must be a node-redis client from createClient(), createCluster() or createSentinel()',
      '"url" must use redis: or rediss: (got http:)',
      '"keyPrefix" must be a string',
      '"operationTimeoutMs" must be an integer of at least 1 milliseconds (got 0)',
      '"leaseHoldAfterWriteMs" must be an integer of at least 0 milliseconds (got -1)',
      '"onEvent" must be a function',
    ])
    expect(problemsOf({ encryptionKey })).toEqual([
      'give one of "client" (a connected node-redis client), "url" (e.g. redis://host:6379), ' +
        '"cluster" (e.g. { rootNodes: [{ url }] }) or "sentinel" (e.g. { name, sentinelRootNodes })',
    ])
  })

  it('lists problems of the key, the client options and every duration at once', () => {
    const short = 'short-secret-not-to-be-echoed'
    const problems = problemsOf({
      clientOptions: 'tls',
      encryptionKey: short,
      maxReconnectDelayMs: 'soon',
      operationTimeoutMs: 2.5,
      keyPrefx: 'typo:',
    })
    expect(problems).toHaveLength(7)
    expect(problems).toEqual(
      expect.arrayContaining([
        '"keyPrefx" is not an option of createRedisTokenCache',
        expect.stringMatching(/^give one of "client" \(a connected node-redis client\), "url"/),
        '"clientOptions" applies only together with "url"',
        '"clientOptions" must be an object of node-redis client options',
        `"encryptionKey" must be at least 32 characters (got ${short.length}); generate one with \`openssl rand -base64 32\``,
        '"maxReconnectDelayMs" must be an integer of at least 1 milliseconds (got soon)',
        '"operationTimeoutMs" must be an integer of at least 1 milliseconds (got 2.5)',
      ]),
    )
    expect(problems.join('\n')).not.toContain(short)
    expect(problemsOf(null)).toEqual([
      'options must be an object with "encryptionKey" and one of "client", "url", "cluster" or "sentinel"',
    ])
    expect(problemsOf({ url: 'not a url', encryptionKey })).toEqual([
      '"url" must be an absolute URL such as redis://localhost:6379',
    ])
    expect(problemsOf({ url: 6379, encryptionKey })).toEqual([
      '"url" must be a string such as redis://localhost:6379',
    ])
  })

  it('checks cluster and Sentinel options, listing every problem and echoing no password', () => {
    const password = 'cluster-password-not-to-be-echoed'
    const problems = problemsOf({
      encryptionKey,
      cluster: {
        rootNodes: [
          { url: `http://:${password}@10.0.0.1:6379` },
          { socket: { host: '', port: 70_000 } },
          'redis://10.0.0.3:6379',
        ],
        defaults: 3,
      },
    })
    expect(problems).toEqual([
      '"cluster.rootNodes.0.url" must use redis: or rediss: (got http:)',
      '"cluster.rootNodes.1.socket.host" must be a host name or IP address',
      '"cluster.rootNodes.1.socket.port" must be a port number from 1 to 65535 (got 70000)',
      '"cluster.rootNodes.2" must be a node such as { url: "redis://10.0.0.1:6379" } or { socket: { host, port } }',
      '"cluster.defaults" must be an object of node-redis client options',
    ])
    expect(problems.join('\n')).not.toContain(password)
    expect(problemsOf({ encryptionKey, cluster: { rootNodes: [] } })).toEqual([
      '"cluster.rootNodes" must list at least one node of the cluster, e.g. { rootNodes: [{ url: "redis://10.0.0.1:6379" }] }',
    ])
    expect(problemsOf({ encryptionKey, cluster: ['redis://10.0.0.1:6379'] })).toEqual([
      '"cluster" must be node-redis cluster options such as { rootNodes: [{ url: "redis://10.0.0.1:6379" }] }',
    ])
    expect(
      problemsOf({
        encryptionKey,
        sentinel: {
          name: '',
          sentinelRootNodes: [{ host: '10.0.0.1' }, 26379, { port: 26379 }],
          nodeClientOptions: 'tls',
        },
      }),
    ).toEqual([
      '"sentinel.name" must be the name the sentinels monitor the primary under (e.g. "mymaster")',
      '"sentinel.sentinelRootNodes.0.port" must be a port number from 1 to 65535 (got undefined)',
      '"sentinel.sentinelRootNodes.1" must be a sentinel such as { host, port }',
      '"sentinel.sentinelRootNodes.2.host" must be a host name or IP address',
      '"sentinel.nodeClientOptions" must be an object of node-redis client options',
    ])
    expect(problemsOf({ encryptionKey, sentinel: { name: 'mymaster' } })).toEqual([
      '"sentinel.sentinelRootNodes" must list at least one sentinel, e.g. [{ host: "10.0.0.1", port: 26379 }]',
    ])
    expect(problemsOf({ encryptionKey, sentinel: 'mymaster' })).toEqual([
      '"sentinel" must be node-redis Sentinel options such as { name: "mymaster", sentinelRootNodes: [{ host: "10.0.0.1", port: 26379 }] }',
    ])
  })

  it('refuses a mixture of ways to reach Redis, naming them', () => {
    const cluster = { rootNodes: [{ url: 'redis://10.0.0.1:6379' }] }
    const sentinel = { name: 'mymaster', sentinelRootNodes: [{ host: '10.0.0.1', port: 26379 }] }
    expect(problemsOf({ encryptionKey, url: server.url, cluster })).toEqual([
      'give only one of "client", "url", "cluster" and "sentinel" (got "url" and "cluster")',
    ])
    expect(problemsOf({ encryptionKey, client: raw, url: server.url, sentinel })).toEqual([
      'give only one of "client", "url", "cluster" and "sentinel" (got "client", "url" and "sentinel")',
    ])
    expect(problemsOf({ encryptionKey, cluster, clientOptions: { password: 'x' } })).toEqual([
      '"clientOptions" applies only together with "url"; for a cluster, give node options in "cluster.defaults"',
    ])
    expect(problemsOf({ encryptionKey, sentinel, clientOptions: {} })).toEqual([
      '"clientOptions" applies only together with "url"; for Sentinel, give node options in "sentinel.nodeClientOptions"',
    ])
  })

  it('has documented defaults', async () => {
    const cache = createRedisTokenCache({ url: server.url, encryptionKey })
    expect(cache).toBeInstanceOf(RedisTokenCache)
    expect(cache.options).toEqual({
      keyPrefix: 'stitch-auth:',
      operationTimeoutMs: 250,
      maxReconnectDelayMs: 2_000,
      leaseHoldAfterWriteMs: 1_000,
      onEvent: undefined,
    })
    await cache.close()
  })

  it('never shows the encryption key', async () => {
    const cache = createRedisTokenCache({ url: server.url, encryptionKey })
    for (const text of [JSON.stringify(cache), String(cache), inspect(cache, { depth: 5 })]) {
      expect(text).not.toContain(encryptionKey)
    }
    expect(JSON.parse(JSON.stringify(cache))).toEqual({
      mode: 'standalone',
      keyPrefix: 'stitch-auth:',
      operationTimeoutMs: 250,
      leaseHoldAfterWriteMs: 1_000,
      ownsClient: true,
      available: true,
    })
    await cache.close()
  })
})

describe('a slow Redis', () => {
  it('makes operations time out after operationTimeoutMs, then recovers', async () => {
    const events: RedisTokenCacheEvent[] = []
    const cache = createRedisTokenCache({
      url: server.url,
      encryptionKey,
      keyPrefix: 'slow:',
      onEvent: (event) => events.push(event),
    })
    const key = contractKey()
    await cache.set(key, contractToken())
    const thaw = await freezeRedis(1_000)

    const started = performance.now()
    const error = await Promise.resolve(cache.get(key)).catch((reason: unknown) => reason)
    const elapsed = performance.now() - started
    expect(error).toBeInstanceOf(RedisTokenCacheError)
    expect(error).toMatchObject({
      redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.TIMEOUT,
      operation: 'get',
      message: 'Redis did not answer the get within 250 ms',
    })
    expect(isStitchAuthError(error)).toBe(true)
    expect(isRedisTokenCacheError(error)).toBe(true)
    expect(elapsed).toBeGreaterThanOrEqual(240)
    expect(elapsed).toBeLessThan(400)
    expect(cache.available).toBe(false)

    await thaw()
    expect(await cache.get(key)).toBeDefined()
    expect(events.map((event) => event.type)).toEqual(['redisUnavailable', 'redisRecovered'])
    expect(events[0]).toMatchObject({
      operation: 'get',
      error: { code: 'STITCH_AUTH_CACHE_UNAVAILABLE', redisCode: 'STITCH_AUTH_REDIS_TIMEOUT' },
    })
    await cache.close()
  })

  it('takes a reply that came in while our own process was stalled, rather than timing out', async () => {
    // A busy or descheduled process (a loaded CI box, a long synchronous task) runs its timers
    // before it reads its sockets: Redis answered in time, only we looked late.
    const client = await connect(server.url)
    const cache = createRedisTokenCache({
      client,
      encryptionKey,
      keyPrefix: 'stalled:',
      operationTimeoutMs: 50,
    })
    const key = contractKey()
    const token = contractToken()
    await cache.set(key, token)
    const send = client.sendCommand.bind(client)
    client.sendCommand = ((...args: Parameters<typeof send>) => {
      const reply = send(...args)
      // Queued after node-redis's own write: the command is on the wire, its reply not yet read.
      setImmediate(() => {
        const until = performance.now() + 300
        while (performance.now() < until) {
          // busy: no timers, no I/O
        }
      })
      return reply
    }) as typeof send
    expect(await cache.get(key)).toMatchObject({ accessToken: token.accessToken })
    expect(cache.available).toBe(true)
    await cache.close()
    client.destroy()
  })

  it('never stalls getToken: a cold client gets its token while Redis is frozen', async () => {
    const sim: StitchSimulator = await startStitchSimulator({
      clients: [
        { clientId: 'slow-client', clientSecret: 'slow-secret', scopes: ['client_refund'] },
      ],
    })
    const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix: 'slow2:' })
    const stitch = createStitchAuth({
      clientId: 'slow-client',
      clientSecret: 'slow-secret',
      tokenUrl: sim.tokenUrl,
      scopes: ['client_refund'],
      cache,
    })
    const thaw = await freezeRedis(3_000)
    try {
      const started = performance.now()
      const token = await stitch.getToken()
      const elapsed = performance.now() - started
      console.info(`[slow] cold getToken with Redis frozen took ${Math.round(elapsed)} ms`)
      expect(token.accessToken).toBeTruthy()
      // get, lease and set each give up after 250 ms, long before Redis thaws (3 s).
      expect(elapsed).toBeLessThan(2_500)
      // Warm calls do no Redis I/O at all.
      let reads = 0
      const get = cache.get.bind(cache)
      cache.get = (key) => {
        reads++
        return get(key)
      }
      expect(await stitch.getToken()).toBe(token)
      expect(reads).toBe(0)
    } finally {
      await thaw()
      await stitch.close()
      await cache.close()
      await sim.close()
    }
  })

  it('hands back a lease that Redis granted after the caller gave up', async () => {
    const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix: 'late:' })
    const key = contractKey()
    await cache.get(key) // connected and key names derived before the freeze
    const thaw = await freezeRedis(500)
    await expect(cache.acquireLease(key, 30_000)).rejects.toMatchObject({
      redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.TIMEOUT,
    })
    await thaw()
    await sleep(50)
    expect(await raw.keys('late:lease:*')).toEqual([])
    const lease = await cache.acquireLease(key, 30_000)
    expect(lease).toBeDefined()
    await lease!.release()
    await cache.close()
  })
})

describe('leases after a write', () => {
  const setup = (leaseHoldAfterWriteMs?: number) => {
    const keyPrefix = `hold-${crypto.randomUUID()}:`
    const options = { url: server.url, encryptionKey, keyPrefix, leaseHoldAfterWriteMs }
    return [createRedisTokenCache(options), createRedisTokenCache(options)] as const
  }

  it('keep a holder that wrote its token for leaseHoldAfterWriteMs, so a late peer waits for it', async () => {
    const [cache, peer] = setup(300)
    const key = contractKey()
    const lease = await cache.acquireLease(key, 30_000)
    await cache.set(key, contractToken())
    await lease!.release()
    // A peer that missed just before the write must not mint a second token.
    expect(await peer.acquireLease(key, 30_000)).toBeUndefined()
    await sleep(400)
    const next = await peer.acquireLease(key, 30_000)
    expect(next).toBeDefined()
    await next!.release()
    await cache.close()
    await peer.close()
  })

  it('are freed at once when the written token is deleted (e.g. after a 401)', async () => {
    const [cache, peer] = setup()
    const key = contractKey()
    const token = contractToken()
    const lease = await cache.acquireLease(key, 30_000)
    await cache.set(key, token)
    await lease!.release()
    await peer.delete(key, token.accessToken)
    const next = await peer.acquireLease(key, 30_000)
    expect(next).toBeDefined()
    await next!.release()
    await cache.close()
    await peer.close()
  })

  it('are deleted on release with leaseHoldAfterWriteMs: 0, or when nothing was written', async () => {
    for (const [hold, write] of [
      [0, true],
      [1_000, false],
    ] as const) {
      const [cache, peer] = setup(hold)
      const key = contractKey()
      const lease = await cache.acquireLease(key, 30_000)
      if (write) await cache.set(key, contractToken())
      await lease!.release()
      const next = await peer.acquireLease(key, 30_000)
      expect(next).toBeDefined()
      await next!.release()
      await cache.close()
      await peer.close()
    }
  })
})

describe('leases while Stitch is slow', () => {
  it('a holder that loses Redis mid-retry stops renewing: its peer takes over after leaseWaitMs', async () => {
    const sim = await startStitchSimulator({
      clients: [{ clientId: 'slow', clientSecret: 'slow-secret', scopes: ['client_refund'] }],
    })
    const keyPrefix = `slow-${crypto.randomUUID()}:`
    const make = () => {
      const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix })
      const stitch = createStitchAuth({
        clientId: 'slow',
        clientSecret: 'slow-secret',
        tokenUrl: sim.tokenUrl,
        scopes: ['client_refund'],
        cache,
        leaseWaitMs: 600,
      })
      return { cache, stitch }
    }
    const [holder, peer] = [make(), make()]
    sim.fault({ endpoint: 'token', status: 503, retryAfter: 3, times: 1 })
    const holding = holder.stitch.getToken()
    holding.catch(() => {})
    while (sim.stats.tokenRequests.total === 0) await sleep(5)
    const started = performance.now()
    const waiting = peer.stitch.getToken()
    // As good as a crash for the fleet: the holder can neither renew nor release its lease.
    await sleep(300)
    await holder.cache.close()
    const token = await waiting
    const tookMs = performance.now() - started
    expect(token.accessToken).toBeTruthy()
    // The lease ran out within 600 ms of its last renewal, well before the 3 s Retry-After.
    expect(tookMs).toBeGreaterThanOrEqual(300)
    expect(tookMs).toBeLessThan(1_500)
    expect(sim.stats.tokenRequests.total).toBe(2)
    await holder.stitch.close()
    await peer.stitch.close()
    await peer.cache.close()
    await sim.close()
  })
})

describe('clients', () => {
  it('works with a user client that maps strings to Buffers and speaks RESP2', async () => {
    const client = await createClient({ url: server.url, RESP: 2 })
      .withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
      .on('error', () => {})
      .connect()
    const cache: TokenCache = createRedisTokenCache({ client, encryptionKey, keyPrefix: 'buf:' })
    const key = contractKey()
    const token = contractToken()
    await cache.set(key, token)
    expect(await cache.get(key)).toEqual(token)
    await cache.delete(key, token.accessToken)
    expect(await cache.get(key)).toBeUndefined()
    client.destroy()
  })

  it('waits for the first connection of a client it creates, within the time limit', async () => {
    const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix: 'first:' })
    // Called synchronously after creation, before the connection is up.
    expect(await cache.get(contractKey())).toBeUndefined()
    await cache.close()
  })

  it('waits for a user client that is still connecting, and leaves no listener behind', async () => {
    const client = createClient({ url: server.url }).on('error', () => {})
    const events = ['ready', 'reconnecting', 'end', 'error']
    const listeners = () => events.map((event) => client.listenerCount(event))
    const before = listeners()
    const connecting = client.connect()
    const cache = createRedisTokenCache({ client, encryptionKey, keyPrefix: 'connecting:' })
    expect(client.isReady).toBe(false)
    expect(await cache.get(contractKey())).toBeUndefined()
    await cache.close()
    expect(listeners()).toEqual(before)
    await connecting
    client.destroy()
  })

  it('fails fast with a user client that was never connected', async () => {
    const client = createClient({ url: server.url })
    const cache = createRedisTokenCache({ client, encryptionKey })
    const started = performance.now()
    await expect(cache.get(contractKey())).rejects.toMatchObject({
      redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.UNAVAILABLE,
      message: 'Redis failed the get: Redis is not connected',
    })
    expect(performance.now() - started).toBeLessThan(50)
    await cache.close()
  })

  it('close() closes a client it created and later calls fail with redisCode STITCH_AUTH_REDIS_CLOSED', async () => {
    const name = `stitch-close-${crypto.randomUUID()}`
    const cache = createRedisTokenCache({
      url: server.url,
      encryptionKey,
      clientOptions: { name },
    })
    await cache.get(contractKey())
    const clientList = async () => String(await raw.sendCommand(['CLIENT', 'LIST']))
    expect(await clientList()).toContain(name)
    await cache.close()
    await cache.close()
    await sleep(50)
    expect(await clientList()).not.toContain(name)
    await expect(cache.get(contractKey())).rejects.toMatchObject({
      redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.CLOSED,
    })
  })

  it('is usable with core: two clients sharing one Redis mint one token', async () => {
    const sim = await startStitchSimulator({
      clients: [{ clientId: 'pair', clientSecret: 'pair-secret', scopes: ['client_refund'] }],
    })
    const make = () => {
      const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix: 'pair:' })
      const stitch = createStitchAuth({
        clientId: 'pair',
        clientSecret: 'pair-secret',
        tokenUrl: sim.tokenUrl,
        scopes: ['client_refund'],
        cache,
      })
      return { cache, stitch }
    }
    const [a, b] = [make(), make()]
    const tokens = await Promise.all([a.stitch.getToken(), b.stitch.getToken()])
    expect(tokens[0].accessToken).toBe(tokens[1].accessToken)
    expect(sim.stats.tokenRequests.total).toBe(1)
    // Compare with separate memory caches: each mints.
    const separate = [new MemoryTokenCache(), new MemoryTokenCache()].map((cache) =>
      createStitchAuth({
        clientId: 'pair',
        clientSecret: 'pair-secret',
        tokenUrl: sim.tokenUrl,
        scopes: ['client_refund'],
        cache,
      }),
    )
    await Promise.all(separate.map((stitch) => stitch.getToken()))
    expect(sim.stats.tokenRequests.total).toBe(3)
    for (const { cache, stitch } of [a, b]) {
      await stitch.close()
      await cache.close()
    }
    await sim.close()
  })
})

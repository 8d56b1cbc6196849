import { createStitchAuth, type StitchAuthEvent } from '@stitch-auth/core'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createRedisTokenCache,
  REDIS_TOKEN_CACHE_ERROR_CODES,
  type RedisTokenCache,
  type RedisTokenCacheEvent,
} from '../src/index.js'
import { type RedisServer, startRedisServer } from './helpers/redis-server.js'

const encryptionKey = 'outage-test-encryption-key-0123456789abcdef'
const client = { clientId: 'outage-client', clientSecret: 'outage-secret' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let redis: RedisServer
let sim: StitchSimulator

beforeAll(async () => {
  redis = await startRedisServer()
  sim = await startStitchSimulator({
    clients: [{ ...client, scopes: ['client_paymentrequest'] }],
    // Short-lived tokens, so refreshes (and cache writes) happen while Redis is down.
    tokenLifetimeSeconds: 2,
  })
})
afterAll(async () => {
  await sim?.close()
  await redis?.stop()
})

/** One app instance: its own Redis connection and its own Stitch client. */
function instance(keyPrefix: string) {
  const cacheEvents: RedisTokenCacheEvent[] = []
  const coreEvents: StitchAuthEvent[] = []
  const cache = createRedisTokenCache({
    url: redis.url,
    encryptionKey,
    keyPrefix,
    maxReconnectDelayMs: 500,
    onEvent: (event) => cacheEvents.push(event),
  })
  const stitch = createStitchAuth({
    ...client,
    tokenUrl: sim.tokenUrl,
    scopes: ['client_paymentrequest'],
    cache,
    onEvent: (event) => coreEvents.push(event),
  })
  return { cache, stitch, cacheEvents, coreEvents }
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

describe('Redis outage', () => {
  it('killing Redis under load fails no getToken call, and sharing resumes when it is back', async () => {
    const keyPrefix = 'outage:'
    const fleet = Array.from({ length: 4 }, () => instance(keyPrefix))
    let calls = 0
    let failures = 0
    let stop = false
    const loops = fleet.map(async ({ stitch }) => {
      while (!stop) {
        try {
          const token = await stitch.getToken()
          if (token.expiresInMs() <= 0) throw new Error('served an expired token')
          calls++
        } catch {
          failures++
        }
        await sleep(5)
      }
    })

    await sleep(2_500)
    const healthyRequests = sim.stats.tokenRequests.total
    await redis.kill()
    const killedAt = Date.now()
    await sleep(3_000)
    const outageRequests = sim.stats.tokenRequests.total - healthyRequests
    await redis.restart()
    await until(
      () => fleet.every(({ cacheEvents }) => cacheEvents.at(-1)?.type === 'redisRecovered'),
      10_000,
      'every instance to report redisRecovered',
    )
    const recoveredInMs = Date.now() - killedAt - 3_000
    const afterRestart = sim.stats.tokenRequests.total
    await sleep(2_500)
    stop = true
    await Promise.all(loops)
    const recoveredRequests = sim.stats.tokenRequests.total - afterRestart

    const cacheErrors = fleet.flatMap(({ coreEvents }) =>
      coreEvents.filter((event) => event.type === 'cacheError'),
    )
    console.info(
      `[outage] ${calls} getToken calls, ${failures} failed; token requests: ${healthyRequests} ` +
        `in 2.5 s healthy, ${outageRequests} in 3 s down, ${recoveredRequests} in 2.5 s after ` +
        `recovery; ${cacheErrors.length} cacheError events; reconnected ${recoveredInMs} ms after restart`,
    )
    expect(failures).toBe(0)
    expect(calls).toBeGreaterThan(100)
    for (const { cacheEvents } of fleet) {
      const types = cacheEvents.map((event) => event.type)
      expect(types).toContain('redisUnavailable')
      expect(types).toContain('redisRecovered')
    }
    expect(cacheErrors.length).toBeGreaterThan(0)
    // Shared, the fleet makes about one request per token lifetime (2 s); alone, each of the four
    // instances makes its own.
    expect(healthyRequests).toBeLessThanOrEqual(3)
    expect(outageRequests).toBeGreaterThanOrEqual(4)
    expect(recoveredRequests).toBeLessThanOrEqual(3)

    // Sharing resumes: a new instance mints (or finds) the token, a second one takes it from Redis.
    // The fleet stops first: with 2 s tokens, its background refreshes would otherwise write a
    // newer token between the two reads.
    for (const member of fleet) {
      await member.stitch.close()
      await member.cache.close()
    }
    const first = instance(keyPrefix)
    const second = instance(keyPrefix)
    const firstToken = await first.stitch.getToken()
    const before = sim.stats.tokenRequests.total
    const secondToken = await second.stitch.getToken()
    expect(sim.stats.tokenRequests.total).toBe(before)
    expect(secondToken.accessToken).toBe(firstToken.accessToken)
    expect(second.coreEvents).toContainEqual(
      expect.objectContaining({ type: 'cacheHit', source: 'cache' }),
    )

    for (const member of [first, second]) {
      await member.stitch.close()
      await member.cache.close()
    }
  }, 60_000)

  it('fails fast while Redis is down, also through a user-owned client that queues offline', async () => {
    const keyPrefix = 'outage-fast:'
    const own = instance(keyPrefix)
    const userClient = await createClient({ url: redis.url, socket: { reconnectStrategy: 100 } })
      .on('error', () => {})
      .connect()
    const shared: RedisTokenCache = createRedisTokenCache({
      client: userClient,
      encryptionKey,
      keyPrefix,
    })
    await own.cache.set('k', tokenFor(60_000))
    expect(await shared.get('k')).toBeDefined()

    await redis.kill()
    await until(() => !userClient.isReady && !own.cache.available, 5_000, 'disconnect')
    for (const cache of [own.cache, shared]) {
      for (const operation of [
        () => cache.get('k'),
        () => cache.set('k', tokenFor(60_000)),
        () => cache.delete('k'),
        () => cache.acquireLease('k', 1_000),
      ]) {
        const started = performance.now()
        await expect(operation()).rejects.toMatchObject({
          redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.UNAVAILABLE,
        })
        expect(performance.now() - started).toBeLessThan(50)
      }
    }

    // A cold client with Redis down still gets its token, in about the time of the request.
    const started = performance.now()
    const token = await own.stitch.getToken()
    expect(token.accessToken).toBeTruthy()
    expect(performance.now() - started).toBeLessThan(1_000)

    await redis.restart()
    await until(() => userClient.isReady && own.cache.available, 10_000, 'reconnect')
    await own.cache.set('k', tokenFor(60_000))
    expect(await shared.get('k')).toBeDefined()

    await own.stitch.close()
    await own.cache.close()
    await shared.close()
    userClient.destroy()
  }, 30_000)
})

function tokenFor(lifetimeMs: number) {
  const issuedAt = Date.now()
  return {
    accessToken: `tok_${crypto.randomUUID()}`,
    tokenType: 'Bearer' as const,
    scopes: ['client_paymentrequest'],
    issuedAt,
    expiresAt: issuedAt + lifetimeMs,
  }
}

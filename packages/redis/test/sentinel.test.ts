// The cache on a real Sentinel-managed Redis (a primary, a replica, three sentinels): the
// TokenCache contract through a Sentinel client the cache creates and through one the user owns,
// and a Sentinel client's life cycle.
import { createSentinel } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createRedisTokenCache,
  createRedisWebhookReplayStore,
  REDIS_TOKEN_CACHE_ERROR_CODES,
} from '../src/index.js'
import { type RedisSentinelSetup, startRedisSentinel } from './helpers/redis-sentinel.js'
import { askRedis, waitUntil } from './helpers/redis-server.js'
import {
  contractKey,
  contractToken,
  redisCachePair,
  runTokenCacheContract,
} from './token-cache-contract.js'

const encryptionKey = 'sentinel-suite-key-0123456789-abcdefghij'
// A loaded machine may take longer than the default 250 ms for a first connection via Sentinel.
const operationTimeoutMs = 1_000
let setup: RedisSentinelSetup
const connectSentinel = () =>
  createSentinel({ name: setup.name, sentinelRootNodes: setup.sentinelRootNodes })
    .on('error', () => {})
    .connect()
let userSentinel: Awaited<ReturnType<typeof connectSentinel>>

beforeAll(async () => {
  setup = await startRedisSentinel()
  userSentinel = await connectSentinel()
}, 60_000)
afterAll(async () => {
  await userSentinel?.destroy()
  await setup?.stop()
})

const sentinelOptions = () => ({ name: setup.name, sentinelRootNodes: setup.sentinelRootNodes })

let run = 0
runTokenCacheContract('RedisTokenCache via Sentinel, a Sentinel client it creates (sentinel)', () =>
  redisCachePair({
    sentinel: sentinelOptions(),
    encryptionKey,
    keyPrefix: `sentinel-owned-${++run}:`,
    operationTimeoutMs,
  }),
)

runTokenCacheContract('RedisTokenCache via Sentinel, a createSentinel() client the user owns', () =>
  redisCachePair(
    {
      client: userSentinel,
      encryptionKey,
      keyPrefix: `sentinel-shared-${++run}:`,
      operationTimeoutMs,
    },
    userSentinel,
  ),
)

describe('via Sentinel', () => {
  it('writes to the primary, from where the replica copies it', async () => {
    const keyPrefix = 'sentinel-primary:'
    const cache = createRedisTokenCache({ client: userSentinel, encryptionKey, keyPrefix })
    await cache.set(contractKey(), contractToken())
    const primary = await setup.primary()
    const replica = setup.dataNodes.find((node) => node !== primary)!
    expect(await askRedis(primary.port, ['KEYS', `${keyPrefix}*`])).toHaveLength(1)
    await waitUntil(
      async () =>
        ((await askRedis(replica.port, ['KEYS', `${keyPrefix}*`])) as string[]).length === 1,
      5_000,
      'the replica to copy the token',
    )
    await cache.close()
  })

  it('close() closes a Sentinel client it created, and leaves one it was given open', async () => {
    const name = `stitch-sentinel-close-${crypto.randomUUID()}`
    const cache = createRedisTokenCache({
      sentinel: { ...sentinelOptions(), nodeClientOptions: { name } },
      encryptionKey,
      operationTimeoutMs,
    })
    const connections = async () => {
      const primary = await setup.primary()
      const list = String(await askRedis(primary.port, ['CLIENT', 'LIST']))
      return list.split('\n').filter((line) => line.includes(name)).length
    }
    await cache.get(contractKey())
    expect(cache.mode).toBe('sentinel')
    expect(JSON.parse(JSON.stringify(cache))).toMatchObject({ mode: 'sentinel', ownsClient: true })
    expect(await connections()).toBeGreaterThan(0)
    await cache.close()
    await waitUntil(async () => (await connections()) === 0, 5_000, 'the connections to close')
    await expect(cache.get(contractKey())).rejects.toMatchObject({
      redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.CLOSED,
    })

    const shared = createRedisTokenCache({ client: userSentinel, encryptionKey })
    expect(JSON.parse(JSON.stringify(shared))).toMatchObject({
      mode: 'sentinel',
      ownsClient: false,
    })
    await shared.close()
    expect(userSentinel.isReady).toBe(true)
  })

  it('shares webhook deliveries through a Sentinel client', async () => {
    const store = createRedisWebhookReplayStore({
      client: userSentinel,
      keyPrefix: 'sentinel-hook:',
    })
    const id = `msg_${crypto.randomUUID()}`
    expect(await store.claim(id, 60_000)).toBe(true)
    expect(await store.claim(id, 60_000)).toBe(false)
    await store.release!(id)
    expect(await store.claim(id, 60_000)).toBe(true)
  })
})

// The cache on a real Redis Cluster (3 primaries, a replica each): the TokenCache contract through
// a cluster client the cache creates and through one the user owns, commands routed to the
// primary that owns each key's slot, and a cluster client's life cycle.
import { createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createRedisTokenCache,
  createRedisWebhookReplayStore,
  REDIS_TOKEN_CACHE_ERROR_CODES,
} from '../src/index.js'
import {
  type RedisCluster,
  startRedisCluster,
  startSingleNodeCluster,
} from './helpers/redis-cluster.js'
import { askRedis, waitUntil } from './helpers/redis-server.js'
import {
  contractKey,
  contractToken,
  redisCachePair,
  runTokenCacheContract,
} from './token-cache-contract.js'

const encryptionKey = 'cluster-suite-key-0123456789-abcdefghij'
// A loaded machine may take longer than the default 250 ms for a cluster's first connection.
const operationTimeoutMs = 1_000
let cluster: RedisCluster
const connectCluster = () =>
  createCluster({ rootNodes: cluster.rootNodes })
    .on('error', () => {})
    .connect()
let userCluster: Awaited<ReturnType<typeof connectCluster>>

beforeAll(async () => {
  cluster = await startRedisCluster()
  userCluster = await connectCluster()
}, 60_000)
afterAll(async () => {
  userCluster?.destroy()
  await cluster?.stop()
})

let run = 0
runTokenCacheContract('RedisTokenCache on a cluster, a cluster client it creates (cluster)', () =>
  redisCachePair({
    cluster: { rootNodes: cluster.rootNodes },
    encryptionKey,
    keyPrefix: `cluster-owned-${++run}:`,
    operationTimeoutMs,
  }),
)

runTokenCacheContract('RedisTokenCache on a cluster, a createCluster() client the user owns', () =>
  redisCachePair(
    {
      client: userCluster,
      encryptionKey,
      keyPrefix: `cluster-shared-${++run}:`,
      operationTimeoutMs,
    },
    userCluster,
  ),
)

/** Every key under `prefix` on each primary, by port. */
async function keysByPrimary(prefix: string): Promise<Map<number, string[]>> {
  const found = new Map<number, string[]>()
  for (const node of cluster.nodes) {
    const info = String(await askRedis(node.port, ['INFO', 'replication']))
    if (!info.includes('role:master')) continue
    const keys = (await askRedis(node.port, ['KEYS', `${prefix}*`])) as string[]
    if (keys.length > 0) found.set(node.port, keys)
  }
  return found
}

describe('on a cluster', () => {
  it('keeps each token and its lease on the primary that owns their slot', async () => {
    const keyPrefix = 'cluster-slots:'
    const cache = createRedisTokenCache({ client: userCluster, encryptionKey, keyPrefix })
    // Several scope sets, so their keys spread over the primaries.
    const keys = Array.from({ length: 6 }, () => contractKey())
    const leases = []
    for (const key of keys) {
      await cache.set(key, contractToken())
      leases.push(await cache.acquireLease(key, 10_000))
    }
    const byPrimary = await keysByPrimary(keyPrefix)
    const all = [...byPrimary.values()].flat()
    expect(all).toHaveLength(keys.length * 2)
    for (const [port, names] of byPrimary) {
      for (const name of names) expect((await cluster.primaryOf(name)).port).toBe(port)
      // Each token's lease sits beside it: the hash tag `{…}` gives both one slot.
      const tags = (kind: string) =>
        names.filter((name) => name.includes(`${kind}:`)).map((name) => name.split(':').at(-1))
      expect(tags('token').sort()).toEqual(tags('lease').sort())
    }
    for (const lease of leases) await lease?.release()
    for (const key of keys) await cache.delete(key)
    await cache.close()
  })

  it('close() closes a cluster client it created, and leaves one it was given open', async () => {
    const name = `stitch-cluster-close-${crypto.randomUUID()}`
    const cache = createRedisTokenCache({
      cluster: { rootNodes: cluster.rootNodes, defaults: { name } },
      encryptionKey,
      operationTimeoutMs,
    })
    const connections = async () => {
      let count = 0
      for (const node of cluster.nodes) {
        const list = String(await askRedis(node.port, ['CLIENT', 'LIST']))
        count += list.split('\n').filter((line) => line.includes(name)).length
      }
      return count
    }
    await cache.get(contractKey())
    expect(cache.mode).toBe('cluster')
    expect(JSON.parse(JSON.stringify(cache))).toMatchObject({ mode: 'cluster', ownsClient: true })
    // One connection per primary.
    expect(await connections()).toBe(3)
    await cache.close()
    await waitUntil(async () => (await connections()) === 0, 5_000, 'the connections to close')
    await expect(cache.get(contractKey())).rejects.toMatchObject({
      redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.CLOSED,
    })

    const shared = createRedisTokenCache({ client: userCluster, encryptionKey })
    expect(JSON.parse(JSON.stringify(shared))).toMatchObject({ mode: 'cluster', ownsClient: false })
    await shared.close()
    expect(userCluster.isReady).toBe(true)
  })

  it('fails fast while a cluster it creates cannot be reached, and connects once it can', async () => {
    const late = await startSingleNodeCluster()
    await late.kill()
    const cache = createRedisTokenCache({
      cluster: { rootNodes: [{ url: late.url }] },
      encryptionKey,
      maxReconnectDelayMs: 200,
    })
    try {
      // The first attempt is over at once (connection refused); later calls do not wait.
      await expect(cache.get(contractKey())).rejects.toMatchObject({
        redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.UNAVAILABLE,
      })
      const started = performance.now()
      await expect(cache.get(contractKey())).rejects.toMatchObject({
        redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.UNAVAILABLE,
        message: 'Redis failed the get: Redis is not connected',
      })
      expect(performance.now() - started).toBeLessThan(100)
      expect(cache.available).toBe(false)

      // node-redis gives up on a cluster it cannot discover; the cache keeps trying.
      await late.restart()
      const key = contractKey()
      await waitUntil(
        () =>
          cache.set(key, contractToken()).then(
            () => true,
            () => false,
          ),
        10_000,
        'the cache to connect to the cluster once it is up',
      )
      expect(await cache.get(key)).toBeDefined()
      expect(cache.available).toBe(true)
    } finally {
      await cache.close()
      await late.stop()
    }
  }, 30_000)

  it('shares webhook deliveries through a cluster client', async () => {
    const store = createRedisWebhookReplayStore({ client: userCluster, keyPrefix: 'cluster-hook:' })
    const ids = Array.from({ length: 4 }, () => `msg_${crypto.randomUUID()}`)
    for (const id of ids) expect(await store.claim(id, 60_000)).toBe(true)
    for (const id of ids) expect(await store.claim(id, 60_000)).toBe(false)
    await store.release!(ids[0]!)
    expect(await store.claim(ids[0]!, 60_000)).toBe(true)
  })
})

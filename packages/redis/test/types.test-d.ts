import type { TokenCache } from '@stitch-auth/core'
import { createClient, createCluster, createSentinel } from 'redis'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type AnyRedisCommandClient,
  createRedisTokenCache,
  createRedisWebhookReplayStore,
  type RedisClusterCommandClient,
  type RedisCommandClient,
  type RedisSentinelCommandClient,
  RedisTokenCache,
  type RedisTokenCacheEvent,
  type RedisTokenCacheOptions,
} from '../src/index.js'

describe('types', () => {
  it('accepts a node-redis client as it comes from createClient()', () => {
    const client = createClient({ url: 'redis://localhost:6379' })
    expectTypeOf(client).toExtend<RedisCommandClient>()
    const withModules = createClient({ RESP: 2 })
    expectTypeOf(withModules).toExtend<RedisCommandClient>()
  })

  it('accepts cluster and Sentinel clients as they come from createCluster() and createSentinel()', () => {
    const cluster = createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:6379' }] })
    expectTypeOf(cluster).toExtend<RedisClusterCommandClient>()
    expectTypeOf(cluster).toExtend<AnyRedisCommandClient>()
    const sentinel = createSentinel({
      name: 'mymaster',
      sentinelRootNodes: [{ host: '10.0.0.1', port: 26379 }],
    })
    expectTypeOf(sentinel).toExtend<RedisSentinelCommandClient>()
    expectTypeOf(sentinel).toExtend<AnyRedisCommandClient>()
    // Each kind takes other `sendCommand` arguments: one is never taken for another.
    expectTypeOf(createClient()).not.toExtend<RedisClusterCommandClient>()
    expectTypeOf(cluster).not.toExtend<RedisCommandClient>()
    expectTypeOf(sentinel).not.toExtend<RedisCommandClient>()
    expectTypeOf(createRedisTokenCache).toBeCallableWith({ client: cluster, encryptionKey: '' })
    expectTypeOf(createRedisWebhookReplayStore).toBeCallableWith({ client: sentinel })
  })

  it('takes cluster and Sentinel options as node-redis defines them', () => {
    expectTypeOf<{
      cluster: { rootNodes: [{ url: string }]; defaults: { password: string } }
      encryptionKey: string
    }>().toExtend<RedisTokenCacheOptions>()
    expectTypeOf<{
      sentinel: { name: string; sentinelRootNodes: [{ host: string; port: number }] }
      encryptionKey: string
    }>().toExtend<RedisTokenCacheOptions>()
    expectTypeOf<{
      cluster: { rootNodes: string[] }
      encryptionKey: string
    }>().not.toExtend<RedisTokenCacheOptions>()
  })

  it('is a core TokenCache with a lease', () => {
    expectTypeOf<RedisTokenCache>().toExtend<TokenCache>()
    expectTypeOf(createRedisTokenCache).returns.toEqualTypeOf<RedisTokenCache>()
    expectTypeOf<ReturnType<NonNullable<TokenCache['acquireLease']>>>().not.toBeNever()
    expectTypeOf<RedisTokenCache['acquireLease']>().returns.resolves.toExtend<
      { release(): unknown } | undefined
    >()
  })

  it('narrows events by type', () => {
    expectTypeOf<Extract<RedisTokenCacheEvent, { type: 'redisRecovered' }>>().toEqualTypeOf<{
      type: 'redisRecovered'
      downForMs: number
    }>()
  })
})

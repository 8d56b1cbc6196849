import type { TokenCache } from '@stitch-auth/core'
import { createClient } from 'redis'
import { describe, expectTypeOf, it } from 'vitest'
import {
  createRedisTokenCache,
  type RedisCommandClient,
  RedisTokenCache,
  type RedisTokenCacheEvent,
} from '../src/index.js'

describe('types', () => {
  it('accepts a node-redis client as it comes from createClient()', () => {
    const client = createClient({ url: 'redis://localhost:6379' })
    expectTypeOf(client).toExtend<RedisCommandClient>()
    const withModules = createClient({ RESP: 2 })
    expectTypeOf(withModules).toExtend<RedisCommandClient>()
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

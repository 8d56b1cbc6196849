import { createClient } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { createRedisTokenCache } from '../src/index.js'
import { type RedisServer, startRedisServer } from './helpers/redis-server.js'
import { runTokenCacheContract } from './token-cache-contract.js'

const encryptionKey = 'contract-suite-key-0123456789-abcdefghij'
let server: RedisServer
const connect = (url: string) =>
  createClient({ url })
    .on('error', () => {})
    .connect()
let redis: Awaited<ReturnType<typeof connect>>

beforeAll(async () => {
  server = await startRedisServer()
  redis = await connect(server.url)
})
afterAll(async () => {
  redis?.destroy()
  await server?.stop()
})

let run = 0
runTokenCacheContract(
  'RedisTokenCache, a client we own (url) and a peer on its own connection',
  () => {
    const keyPrefix = `contract-owned-${++run}:`
    const cache = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix })
    const peer = createRedisTokenCache({ url: server.url, encryptionKey, keyPrefix })
    return {
      cache,
      peer,
      close: async () => {
        await cache.close()
        await peer.close()
      },
    }
  },
)

runTokenCacheContract('RedisTokenCache, a client the user owns', () => {
  const keyPrefix = `contract-shared-${++run}:`
  const cache = createRedisTokenCache({ client: redis, encryptionKey, keyPrefix })
  const peer = createRedisTokenCache({ client: redis, encryptionKey, keyPrefix })
  return {
    cache,
    peer,
    close: async () => {
      await cache.close()
      await peer.close()
      // The client stays the user's: closing the caches must leave it open.
      if (!redis.isReady) throw new Error('closing a cache closed a client it does not own')
    },
  }
})

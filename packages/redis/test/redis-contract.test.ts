import { createClient } from 'redis'
import { afterAll, beforeAll } from 'vitest'
import { type RedisServer, startRedisServer } from './helpers/redis-server.js'
import { redisCachePair, runTokenCacheContract } from './token-cache-contract.js'

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
  () => redisCachePair({ url: server.url, encryptionKey, keyPrefix: `contract-owned-${++run}:` }),
)

runTokenCacheContract('RedisTokenCache, a client the user owns', () =>
  redisCachePair({ client: redis, encryptionKey, keyPrefix: `contract-shared-${++run}:` }, redis),
)

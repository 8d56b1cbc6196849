// The README's quick start, type-checked with the package (tsconfig includes examples/).
import { createStitchAuth } from '@stitch-auth/core'
import { createClient } from 'redis'
import { createRedisTokenCache } from '../src/index.js'

export async function quickStart(): Promise<void> {
  // Either let the cache own its connection…
  const cache = createRedisTokenCache({
    url: process.env.REDIS_URL!, // redis://redis.internal:6379
    encryptionKey: process.env.STITCH_CACHE_KEY!, // openssl rand -base64 32
    onEvent: (event) => console.info('stitch-auth redis cache:', event.type),
  })

  // …or share the client your app already has (it stays yours: close() leaves it open).
  const redis = await createClient({ url: process.env.REDIS_URL! })
    .on('error', (error) => console.error('redis', error))
    .connect()
  const shared = createRedisTokenCache({
    client: redis,
    encryptionKey: process.env.STITCH_CACHE_KEY!,
  })

  const stitch = createStitchAuth({
    clientId: process.env.STITCH_CLIENT_ID!,
    clientSecret: process.env.STITCH_CLIENT_SECRET!,
    scopes: ['client_paymentrequest'],
    cache,
  })
  const token = await stitch.getToken() // one token for the whole fleet
  console.info(token.preview)

  await stitch.close()
  await cache.close()
  await shared.close()
  redis.destroy()
}

// The README's "Redis Cluster and Sentinel" examples, type-checked with the package.
import { createStitchAuth } from '@stitch-auth/core'
import { createCluster, createSentinel } from 'redis'
import { createRedisTokenCache } from '../src/index.js'

export async function clusterAndSentinel(): Promise<void> {
  const encryptionKey = process.env.STITCH_CACHE_KEY! // openssl rand -base64 32

  // A Redis Cluster: the cache discovers it from a few nodes and owns the connections.
  const onCluster = createRedisTokenCache({
    cluster: {
      rootNodes: [
        { url: 'redis://10.0.0.1:6379' },
        { url: 'redis://10.0.0.2:6379' },
        { url: 'redis://10.0.0.3:6379' },
      ],
      // Credentials and TLS for every node, including the ones discovered later.
      defaults: { username: 'stitch', password: process.env.REDIS_PASSWORD! },
    },
    encryptionKey,
  })

  // Sentinel: the cache asks the sentinels for the primary and follows it through failovers.
  const viaSentinel = createRedisTokenCache({
    sentinel: {
      name: 'mymaster',
      sentinelRootNodes: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '10.0.0.3', port: 26379 },
      ],
      nodeClientOptions: { password: process.env.REDIS_PASSWORD! },
    },
    encryptionKey,
  })

  // Or share the cluster or Sentinel client your app already has (it stays yours).
  const cluster = await createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:6379' }] })
    .on('error', (error) => console.error('redis cluster', error))
    .connect()
  const shared = createRedisTokenCache({ client: cluster, encryptionKey })
  const sentinel = await createSentinel({
    name: 'mymaster',
    sentinelRootNodes: [{ host: '10.0.0.1', port: 26379 }],
  })
    .on('error', (error) => console.error('redis sentinel', error))
    .connect()
  const sharedViaSentinel = createRedisTokenCache({ client: sentinel, encryptionKey })

  const stitch = createStitchAuth({
    clientId: process.env.STITCH_CLIENT_ID!,
    clientSecret: process.env.STITCH_CLIENT_SECRET!,
    scopes: ['client_paymentrequest'],
    cache: onCluster,
  })
  console.info((await stitch.getToken()).preview)

  await stitch.close()
  for (const cache of [onCluster, viaSentinel, shared, sharedViaSentinel]) await cache.close()
  cluster.destroy()
  await sentinel.destroy()
}

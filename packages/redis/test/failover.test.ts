// A fleet of real processes (the built packages, as an app runs them) sharing one token through
// a Redis Cluster, then through Sentinel, while the primary that holds the token is killed
// mid-load: no getToken() call fails, and once a replica has taken over the fleet shares one
// token again.
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assertPackagesBuilt, type FleetInstance, launchInstance } from './helpers/fleet.js'
import { type RedisCluster, startRedisCluster } from './helpers/redis-cluster.js'
import { type RedisSentinelSetup, startRedisSentinel } from './helpers/redis-sentinel.js'
import { askRedis, waitUntil } from './helpers/redis-server.js'

const INSTANCES = 8
/** Short-lived tokens, so the fleet refreshes (and writes to Redis) while a primary is down. */
const TOKEN_LIFETIME_MS = 3_000
/** Two token lifetimes: long enough to count refreshes, short enough for a bounded test. */
const WINDOW_MS = 2 * TOKEN_LIFETIME_MS
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let sim: StitchSimulator
let fleet: FleetInstance[] = []

beforeAll(async () => {
  assertPackagesBuilt()
  sim = await startStitchSimulator({
    clients: [
      {
        clientId: 'failover-client',
        clientSecret: 'failover-secret',
        scopes: ['client_paymentrequest'],
      },
    ],
    tokenLifetimeSeconds: TOKEN_LIFETIME_MS / 1_000,
  })
})
afterEach(() => {
  // A failed run leaves no process behind.
  for (const instance of fleet) instance.kill()
  fleet = []
})
afterAll(async () => {
  await sim?.close()
})

interface Failover {
  /** Which primary was killed: for the message. */
  killed: string
  /** Resolves once the servers have promoted a replica. */
  promoted: Promise<unknown>
}

/**
 * Starts the fleet on `redisEnv`, checks the cold start, lets it run, then calls `killPrimary`
 * (given the prefix of the fleet's keys) under load and measures how the fleet rides it out.
 */
async function runFailover(
  label: string,
  redisEnv: Record<string, string>,
  killPrimary: (keyPrefix: string) => Promise<Failover>,
): Promise<void> {
  const keyPrefix = `failover-${label}:`
  const tokens = () => sim.stats.tokenRequests.total
  fleet = Array.from({ length: INSTANCES }, () =>
    launchInstance({
      ...redisEnv,
      STITCH_CACHE_KEY: 'failover-test-encryption-key-0123456789abcdef',
      KEY_PREFIX: keyPrefix,
      STITCH_CLIENT_ID: 'failover-client',
      STITCH_CLIENT_SECRET: 'failover-secret',
      STITCH_TOKEN_URL: sim.tokenUrl,
      MAX_RECONNECT_DELAY_MS: '500',
      // The instances stop by themselves should the test never tell them to.
      LOOP_MS: '120000',
    }),
  )
  await Promise.all(fleet.map((instance) => instance.ready))

  // Cold start: one token request for the whole fleet.
  sim.resetStats()
  for (const instance of fleet) instance.go()
  await waitUntil(
    () => fleet.every((instance) => instance.lines.some((line) => line.type === 'first')),
    30_000,
    'every instance to get its first token',
  )
  const firsts = fleet.map((instance) => instance.lines.find((line) => line.type === 'first')!)
  const coldRequests = tokens()
  expect(coldRequests).toBe(1)
  expect(new Set(firsts.map((line) => line.type === 'first' && line.tokenHash)).size).toBe(1)

  // Healthy, under load: about one request per token lifetime.
  const healthyFrom = tokens()
  await sleep(WINDOW_MS)
  const healthyRequests = tokens() - healthyFrom

  // The primary holding the token dies.
  const outageFrom = tokens()
  const killedAt = Date.now()
  const failover = await killPrimary(keyPrefix)
  let promotedInMs = 0
  const promoted = failover.promoted.then(() => {
    promotedInMs = Date.now() - killedAt
  })
  const cacheEvents = (instance: FleetInstance) =>
    instance.lines.flatMap((line) => (line.type === 'cache' ? [line] : []))
  // Back once its last word on Redis, said after the kill, is that Redis answers again. (An
  // instance may have lost Redis for a moment before the kill already, on a loaded machine.)
  const recoveredAt = (instance: FleetInstance) => {
    const last = cacheEvents(instance).at(-1)
    return last?.event === 'redisRecovered' && last.receivedAt >= killedAt
      ? last.receivedAt
      : undefined
  }
  await waitUntil(
    () => fleet.every((instance) => recoveredAt(instance) !== undefined),
    30_000,
    'every instance to lose Redis and find it again',
  ).catch((error: Error) => {
    const seen = fleet.map((instance) =>
      cacheEvents(instance)
        .map((line) => `${line.event} ${line.receivedAt - killedAt} ms`)
        .join(', '),
    )
    throw new Error(`${error.message}; cache events (ms after the kill):\n${seen.join('\n')}`)
  })
  await promoted
  const recoveredInMs = Math.max(...fleet.map((instance) => recoveredAt(instance)!)) - killedAt
  const outageRequests = tokens() - outageFrom

  // Back to sharing: one token lifetime to converge on a shared token, then a window to count.
  await sleep(TOKEN_LIFETIME_MS)
  const afterFrom = tokens()
  await sleep(WINDOW_MS)
  const afterRequests = tokens() - afterFrom

  const results = await Promise.all(fleet.map((instance) => instance.stop()))
  const calls = results.reduce((sum, result) => sum + result.calls, 0)
  const failures = results.reduce((sum, result) => sum + result.failures, 0)
  const expired = results.reduce((sum, result) => sum + result.expired, 0)
  const longestStallMs = Math.max(...results.map((result) => result.longestStallMs))
  const perSecond = (requests: number, ms: number) => (requests / (ms / 1_000)).toFixed(1)
  const outageMs = recoveredInMs
  console.info(
    `[failover:${label}] ${INSTANCES} processes, ${calls} getToken calls, ${failures} failed, ` +
      `${expired} expired when looked at (longest stall of a process: ${longestStallMs} ms); ` +
      `token requests: ${coldRequests} cold, ${healthyRequests} in ${WINDOW_MS / 1_000} s healthy ` +
      `(${perSecond(healthyRequests, WINDOW_MS)}/s), ${outageRequests} in the ${outageMs} ms from ` +
      `killing ${failover.killed} until every process had Redis back ` +
      `(${perSecond(outageRequests, outageMs)}/s), ${afterRequests} in ${WINDOW_MS / 1_000} s after ` +
      `(${perSecond(afterRequests, WINDOW_MS)}/s); replica promoted ${promotedInMs} ms after the ` +
      `kill, every process recovered ${recoveredInMs} ms after it`,
  )
  for (const result of results) {
    expect(result.failureMessages).toEqual([])
    // Core serves a token only while it has its skew (a tenth of its lifetime) left: one seen
    // expired means the process itself stood still longer than that.
    if (result.expired > 0) expect(result.longestStallMs).toBeGreaterThan(TOKEN_LIFETIME_MS / 10)
  }
  for (const instance of fleet) {
    expect(cacheEvents(instance).map((line) => line.event)).toContain('redisUnavailable')
  }
  expect(failures).toBe(0)
  expect(calls).toBeGreaterThan(INSTANCES * 100)
  // Shared, the fleet makes about one request per token lifetime (two in a window); alone, each
  // of the eight instances would make its own.
  const lifetimes = WINDOW_MS / TOKEN_LIFETIME_MS
  expect(healthyRequests).toBeLessThanOrEqual(lifetimes + 2)
  expect(afterRequests).toBeLessThanOrEqual(lifetimes + 2)
}

describe('Redis Cluster: the primary holding the token dies under load', () => {
  let cluster: RedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster({ nodeTimeoutMs: 1_500 })
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
  })

  it(`${INSTANCES} processes mint 1 token cold, fail no call while a replica takes over, and share again`, async () => {
    await runFailover(
      'cluster',
      { REDIS_CLUSTER: JSON.stringify(cluster.rootNodes) },
      async (keyPrefix) => {
        const key = await findTokenKey(cluster, keyPrefix)
        const primary = await cluster.primaryOf(key)
        await primary.process.kill()
        return {
          killed: `the primary of the token's slot (port ${primary.port})`,
          promoted: cluster.waitForFailover(key, primary),
        }
      },
    )
  }, 150_000)
})

describe('Sentinel: the primary dies under load', () => {
  let setup: RedisSentinelSetup
  beforeAll(async () => {
    setup = await startRedisSentinel({ downAfterMs: 1_000 })
  }, 60_000)
  afterAll(async () => {
    await setup?.stop()
  })

  it(`${INSTANCES} processes mint 1 token cold, fail no call while the sentinels fail over, and share again`, async () => {
    await runFailover(
      'sentinel',
      {
        REDIS_SENTINEL: JSON.stringify({
          name: setup.name,
          sentinelRootNodes: setup.sentinelRootNodes,
        }),
      },
      async () => {
        const primary = await setup.primary()
        await primary.process.kill()
        return {
          killed: `the primary (port ${primary.port})`,
          promoted: setup.waitForFailover(primary),
        }
      },
    )
  }, 150_000)
})

/** The Redis key of the fleet's token, found the way an operator would: by its prefix. */
async function findTokenKey(cluster: RedisCluster, keyPrefix: string): Promise<string> {
  for (const node of cluster.nodes) {
    const keys = (await askRedis(node.port, ['KEYS', `${keyPrefix}token:*`])) as string[]
    const info = String(await askRedis(node.port, ['INFO', 'replication']))
    if (keys.length > 0 && info.includes('role:master')) return keys[0]!
  }
  throw new Error(`no primary holds a key under ${keyPrefix}token:`)
}

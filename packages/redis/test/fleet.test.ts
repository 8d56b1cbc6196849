import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  assertPackagesBuilt,
  type FirstTokenResult,
  type FleetInstance,
  launchInstance,
} from './helpers/fleet.js'
import { type RedisServer, startRedisServer } from './helpers/redis-server.js'

const INSTANCES = 8

let redis: RedisServer
let sim: StitchSimulator
const launched: FleetInstance[] = []

beforeAll(async () => {
  assertPackagesBuilt()
  redis = await startRedisServer()
  sim = await startStitchSimulator({
    clients: [
      { clientId: 'fleet-client', clientSecret: 'fleet-secret', scopes: ['client_paymentrequest'] },
    ],
  })
})
afterAll(async () => {
  for (const instance of launched) instance.kill()
  await sim?.close()
  await redis?.stop()
})

function launch(keyPrefix = 'fleet:') {
  const instance = launchInstance({
    REDIS_URL: redis.url,
    STITCH_CACHE_KEY: 'fleet-test-encryption-key-0123456789abcdef',
    KEY_PREFIX: keyPrefix,
    STITCH_CLIENT_ID: 'fleet-client',
    STITCH_CLIENT_SECRET: 'fleet-secret',
    STITCH_TOKEN_URL: sim.tokenUrl,
  })
  launched.push(instance)
  return { ...instance, result: instance.exited as Promise<FirstTokenResult> }
}

describe('a fleet of processes sharing one Redis', () => {
  it(`${INSTANCES} cold processes started together mint exactly one token`, async () => {
    const instances = Array.from({ length: INSTANCES }, () => launch())
    // Everyone has loaded the packages and connected before anyone asks for a token.
    await Promise.all(instances.map((instance) => instance.ready))
    sim.resetStats()
    for (const instance of instances) instance.go()
    const results = await Promise.all(instances.map((instance) => instance.result))

    const hashes = new Set(results.map((result) => result.tokenHash))
    const minted = results.filter((result) => result.events.includes('tokenMinted'))
    console.info(
      `[fleet] ${INSTANCES} processes: ${sim.stats.tokenRequests.total} token request(s), ` +
        `${hashes.size} distinct token(s), ${minted.length} minter(s), durations ms: ` +
        results.map((result) => result.durationMs).join(', '),
    )
    expect(sim.stats.tokenRequests.total).toBe(1)
    expect(hashes.size).toBe(1)
    expect(minted).toHaveLength(1)
    for (const result of results) expect(result.cacheErrors).toEqual([])
  }, 60_000)

  it('5 processes ride out a 503 with Retry-After: 6 on one lease: at most 2 token requests', async () => {
    const instances = Array.from({ length: 5 }, () => launch('fleet-retry-after:'))
    await Promise.all(instances.map((instance) => instance.ready))
    sim.resetStats()
    // Longer than leaseWaitMs (5 s): the holder keeps its lease alive while it waits to retry.
    sim.fault({ endpoint: 'token', status: 503, retryAfter: 6, times: 1 })
    const started = performance.now()
    for (const instance of instances) instance.go()
    const results = await Promise.all(instances.map((instance) => instance.result))
    const seconds = (performance.now() - started) / 1000
    sim.clearFaults()

    const hashes = new Set(results.map((result) => result.tokenHash))
    console.info(
      `[fleet] 5 processes, Retry-After: 6: ${sim.stats.tokenRequests.total} token request(s), ` +
        `${hashes.size} distinct token(s) in ${seconds.toFixed(1)} s, durations ms: ` +
        results.map((result) => result.durationMs).join(', '),
    )
    expect(sim.stats.tokenRequests.total).toBeLessThanOrEqual(2)
    expect(results).toHaveLength(5)
    expect(hashes.size).toBe(1)
    for (const result of results) expect(result.cacheErrors).toEqual([])
  }, 30_000)
})

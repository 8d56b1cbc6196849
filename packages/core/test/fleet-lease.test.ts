// Fleet single-flight through a shared cache's lease: the instances that find the lease taken
// wait for its holder's token for as long as the holder keeps its lease alive, even when Stitch
// makes the holder retry for longer than `leaseWaitMs`; a holder that stops renewing (crashed) is
// taken over once its lease expires.
import { describe, expect, it } from 'vitest'
import { MemoryTokenCache, type TokenCache } from '../src/index.js'
import { useSimulator } from './simulator.js'

const ctx = useSimulator()

describe('fleet single-flight with a MemoryTokenCache', () => {
  it('five clients ride out a 503 with Retry-After: 6 on one lease: 2 token requests, 5 tokens', async () => {
    const cache = new MemoryTokenCache()
    const clients = Array.from({ length: 5 }, () => ctx.client({ cache }))
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 6, times: 1 })

    const started = performance.now()
    const tokens = await Promise.all(clients.map((client) => client.getToken()))
    const seconds = (performance.now() - started) / 1000

    console.info(
      `[lease] 5 clients, Retry-After: 6 → ${ctx.sim.stats.tokenRequests.total} token request(s), ` +
        `${new Set(tokens.map((token) => token.accessToken)).size} token(s), ${seconds.toFixed(1)} s`,
    )
    expect(ctx.sim.stats.tokenRequests.total).toBeLessThanOrEqual(2)
    expect(tokens).toHaveLength(5)
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1)
    // The holder honoured the Retry-After; nobody gave up on it.
    expect(seconds).toBeGreaterThanOrEqual(5.9)
  }, 20_000)

  it('takes over from a lease holder that stopped renewing once its lease expires', async () => {
    // A peer takes the lease for 300 ms and dies: it never renews, releases nor writes a token.
    const client = ctx.client({ cache: peerTakesLease(new MemoryTokenCache(), 300) })
    const started = performance.now()
    await client.getToken()
    const elapsed = performance.now() - started
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
    expect(elapsed).toBeGreaterThanOrEqual(250)
    // Well before leaseWaitMs (5 s) or the deadline (30 s).
    expect(elapsed).toBeLessThan(1_500)
  })

  it('stops waiting for a holder at its own deadline, with a retryable error and no request', async () => {
    // A peer holds the lease for a minute without ever writing a token.
    const client = ctx.client({
      cache: peerTakesLease(new MemoryTokenCache(), 60_000),
      deadlineMs: 600,
    })
    const started = performance.now()
    await expect(client.getToken()).rejects.toMatchObject({
      code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
      retryable: true,
      message: expect.stringMatching(
        /^Waited 600 ms \(deadlineMs\) for the token that another client/,
      ),
    })
    expect(performance.now() - started).toBeGreaterThanOrEqual(550)
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
  })

  it('with leaseWaitMs: 0 takes no lease: each client mints on its own', async () => {
    const cache = new MemoryTokenCache()
    ctx.sim.fault({ endpoint: 'token', delayMs: 100, times: 2 })
    const clients = [ctx.client({ cache, leaseWaitMs: 0 }), ctx.client({ cache, leaseWaitMs: 0 })]
    const started = performance.now()
    await Promise.all(clients.map((client) => client.getToken()))
    expect(ctx.sim.stats.tokenRequests.total).toBe(2)
    expect(performance.now() - started).toBeLessThan(1_000)
  })
})

/** `memory`, where a peer takes the lease of the first key asked for, for `ttlMs`, then vanishes. */
function peerTakesLease(memory: MemoryTokenCache, ttlMs: number): TokenCache {
  let taken = false
  return {
    get: (key) => memory.get(key),
    set: (key, token) => memory.set(key, token),
    delete: (key, accessToken) => memory.delete(key, accessToken),
    acquireLease: (key, leaseTtlMs) => {
      if (taken) return memory.acquireLease(key, leaseTtlMs)
      taken = true
      memory.acquireLease(key, ttlMs)
      return undefined
    },
  }
}

// 2. Cold stampede and 3. continuous load across short token lifetimes, per library.
import type { StitchSimulator } from '@stitch-auth/testing'
import {
  type Contender,
  cached,
  type Endpoints,
  floor,
  recipe,
  simpleOauth2Agent,
  type TokenSource,
} from './contenders.ts'
import { limitedFetch, SCOPE, sleep } from './util.ts'

/** Sockets any one library may hold to the simulator; the rest of its requests queue. */
const MAX_SOCKETS = 128

export const STAMPEDE_CALLERS = 10_000

export interface StampedeRow {
  name: string
  callers: number
  tokenRequests: number
  failures: number
  ms: number
}

function liveSource(contender: Contender, endpoints: Endpoints) {
  const agent = simpleOauth2Agent(MAX_SOCKETS)
  const source = contender.create(endpoints, [[SCOPE]], {
    fetch: limitedFetch(MAX_SOCKETS),
    agent,
    fill: false,
  })
  return {
    source,
    async close() {
      await source.close()
      agent.destroy()
    },
  }
}

export async function runStampede(
  sim: StitchSimulator,
  endpoints: Endpoints,
): Promise<StampedeRow[]> {
  const rows: StampedeRow[] = []
  for (const contender of [...cached, recipe]) {
    const { source, close } = liveSource(contender, endpoints)
    const before = sim.stats.tokenRequests.total
    const start = performance.now()
    // Every call starts in the same tick, before any answer can arrive.
    const results = await Promise.allSettled(
      Array.from({ length: STAMPEDE_CALLERS }, () => source.get(0)),
    )
    const ms = performance.now() - start
    rows.push({
      name: contender.name,
      callers: STAMPEDE_CALLERS,
      tokenRequests: sim.stats.tokenRequests.total - before,
      failures: results.filter((result) => result.status === 'rejected').length,
      ms,
    })
    await close()
  }
  return rows
}

export const LOAD = {
  lifetimeSeconds: 2,
  durationMs: 6_000,
  callers: 20,
  pauseMs: 5,
  /** Microtask turns after which a call still pending must be waiting on I/O. */
  drainTurns: 32,
  slowMs: 1,
} as const

export interface LoadRow {
  name: string
  calls: number
  /**
   * The brief's count: calls still pending after two microtask turns, or slower than
   * `slowMs`. The columns below split it by cause.
   */
  waited: number
  /** Still pending after `drainTurns` microtask turns: they waited on I/O, a token request. */
  pendingAfterDrain: number
  /** Still pending after two microtask turns (peers' async wrappers need more without I/O). */
  pendingAfterTwoTurns: number
  /** Slower than `slowMs` inside the call itself, before it returned its promise. */
  slowInCall: number
  /** Settled within the microtask drain, yet slower than `slowMs`: the event loop was busy (GC, scheduling). */
  stalls: number
  failures: number
  tokenRequests: number
  maxMs: number
}

/** One call: did it settle within two turns, within `drainTurns`, and how long did it take? */
async function observe(source: TokenSource) {
  let settled = false
  let failed = false
  const start = performance.now()
  const pending = source.get(0).then(
    () => {
      settled = true
    },
    () => {
      settled = true
      failed = true
    },
  )
  const inCallMs = performance.now() - start
  await Promise.resolve()
  await Promise.resolve()
  const afterTwo = settled
  for (let turn = 2; turn < LOAD.drainTurns && !settled; turn++) await Promise.resolve()
  const afterDrain = settled
  await pending
  return { afterTwo, afterDrain, failed, inCallMs, ms: performance.now() - start }
}

export async function runContinuousLoad(
  sim: StitchSimulator,
  endpoints: Endpoints,
): Promise<LoadRow[]> {
  const rows: LoadRow[] = []
  sim.setTokenLifetime(LOAD.lifetimeSeconds)
  try {
    // The floor runs the same load as a control: calls it sees over the limit are the
    // machine's (GC, scheduling), not a token request.
    for (const contender of [floor, ...cached, recipe]) {
      const { source, close } = liveSource(contender, endpoints)
      await source.prime(0) // the first token is a cold start, measured above
      await source.get(0)
      const before = sim.stats.tokenRequests.total
      const row: LoadRow = {
        name: contender.name,
        calls: 0,
        waited: 0,
        pendingAfterDrain: 0,
        pendingAfterTwoTurns: 0,
        slowInCall: 0,
        stalls: 0,
        failures: 0,
        tokenRequests: 0,
        maxMs: 0,
      }
      const until = performance.now() + LOAD.durationMs
      await Promise.all(
        Array.from({ length: LOAD.callers }, async () => {
          while (performance.now() < until) {
            const call = await observe(source)
            const slow = call.ms > LOAD.slowMs
            row.calls++
            if (!call.afterTwo || slow) row.waited++
            if (!call.afterTwo) row.pendingAfterTwoTurns++
            if (!call.afterDrain) row.pendingAfterDrain++
            if (call.inCallMs > LOAD.slowMs) row.slowInCall++
            else if (call.afterDrain && slow) row.stalls++
            if (call.failed) row.failures++
            row.maxMs = Math.max(row.maxMs, call.ms)
            await sleep(LOAD.pauseMs)
          }
        }),
      )
      row.tokenRequests = sim.stats.tokenRequests.total - before
      rows.push(row)
      await close()
    }
  } finally {
    sim.setTokenLifetime(3600)
  }
  return rows
}

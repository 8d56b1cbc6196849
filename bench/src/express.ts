// 4. Express: requests per second of a route behind stitchAuth() against the same route bare.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { StitchSimulator } from '@stitch-auth/testing'
import autocannon from 'autocannon'
import type { Endpoints } from './contenders.ts'
import { mean, median } from './util.ts'

export const EXPRESS = { connections: 50, sliceSeconds: 2, pairs: 10, warmupSeconds: 1 } as const

export interface ExpressRun {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** Non-2xx answers plus connection errors. */
  failures: number
  /** The server's CPU time (user + system) per request, in microseconds. */
  cpuUsPerRequest: number
}

/** One bare run and one `stitchAuth()` run, back to back. */
export interface ExpressPair {
  bare: ExpressRun
  auth: ExpressRun
  ratio: number
  /** bare CPU per request ÷ stitchAuth CPU per request: the req/s ratio of a CPU-bound server. */
  cpuRatio: number
}

export interface ExpressResult {
  pairs: ExpressPair[]
  /** Mean req/s over all runs of each route. */
  bare: number
  auth: number
  /** Median of the pairs' ratios: drift of the machine's speed cancels within a pair. */
  ratio: number
  /** Median of the pairs' CPU-time ratios. */
  cpuRatio: number
  tokenRequests: number
}

async function cannon(url: string, seconds: number) {
  return autocannon({ url, connections: EXPRESS.connections, duration: seconds })
}

export async function runExpress(
  sim: StitchSimulator,
  endpoints: Endpoints,
): Promise<ExpressResult> {
  const child = fork(
    fileURLToPath(new URL('./express-server.ts', import.meta.url)),
    [endpoints.tokenUrl, endpoints.graphqlUrl],
    { execArgv: ['--experimental-strip-types', '--no-warnings=ExperimentalWarning'] },
  )
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message) => resolve((message as { port: number }).port))
      child.once('exit', (code) => reject(new Error(`the Express server exited with ${code}`)))
    })
    const base = `http://127.0.0.1:${port}`
    const cpuTime = () =>
      new Promise<number>((resolve) => {
        child.once('message', (message) => {
          const { user, system } = (message as { cpu: NodeJS.CpuUsage }).cpu
          resolve(user + system)
        })
        child.send('cpu')
      })
    const before = sim.stats.tokenRequests.total
    await cannon(`${base}/bare`, EXPRESS.warmupSeconds)
    await cannon(`${base}/auth`, EXPRESS.warmupSeconds)
    const pairs: ExpressPair[] = []
    for (let pair = 0; pair < EXPRESS.pairs; pair++) {
      // Short runs in pairs, alternating which route goes first (bare-auth, auth-bare, …): a
      // shared machine's speed drifts, and it drifts less within a pair than across minutes.
      const order = pair % 2 ? (['auth', 'bare'] as const) : (['bare', 'auth'] as const)
      const runs: Partial<Record<'bare' | 'auth', ExpressRun>> = {}
      for (const route of order) {
        const cpuBefore = await cpuTime()
        const result = await cannon(`${base}/${route}`, EXPRESS.sliceSeconds)
        const cpuUs = (await cpuTime()) - cpuBefore
        runs[route] = {
          cpuUsPerRequest: cpuUs / Math.max(1, result.requests.total),
          requestsPerSecond: result.requests.average,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          failures: result.non2xx + result.errors,
        }
      }
      const { bare, auth } = runs as Record<'bare' | 'auth', ExpressRun>
      pairs.push({
        bare,
        auth,
        ratio: auth.requestsPerSecond / bare.requestsPerSecond,
        cpuRatio: bare.cpuUsPerRequest / auth.cpuUsPerRequest,
      })
    }
    return {
      pairs,
      bare: mean(pairs.map((pair) => pair.bare.requestsPerSecond)),
      auth: mean(pairs.map((pair) => pair.auth.requestsPerSecond)),
      ratio: median(pairs.map((pair) => pair.ratio)),
      cpuRatio: median(pairs.map((pair) => pair.cpuRatio)),
      tokenRequests: sim.stats.tokenRequests.total - before,
    }
  } finally {
    child.disconnect()
    await new Promise((resolve) => {
      if (child.exitCode !== null) resolve(undefined)
      else child.once('exit', resolve)
    })
  }
}

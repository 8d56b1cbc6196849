import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { expect, it } from 'vitest'
import { getStitchToken, stitchAuth } from '../src/index.js'
import { useAdapterSimulator } from './helpers.js'

// Measures, does not assert: timing depends on the machine. The numbers are printed.
const N = 20_000
const ROUNDS = 5

const ctx = useAdapterSimulator()

/** Calls `middleware` N times, one after the other, each awaited until it calls next(). */
async function sequential(middleware: RequestHandler, req: Request, res: Response) {
  const start = performance.now()
  for (let index = 0; index < N; index++) {
    await new Promise<void>((resolve) => middleware(req, res, resolve as NextFunction))
  }
  return ((performance.now() - start) * 1e6) / N
}

/** Starts N calls at once and waits until all have called next(). */
function concurrent(middleware: RequestHandler, req: Request, res: Response) {
  return new Promise<number>((resolve) => {
    let pending = N
    const start = performance.now()
    const next = (() => {
      if (--pending === 0) resolve(((performance.now() - start) * 1e6) / N)
    }) as NextFunction
    for (let index = 0; index < N; index++) middleware(req, res, next)
  })
}

const best = (samples: number[]) => Math.min(...samples).toFixed(0)

it(`measures warm-cache middleware overhead over ${N} calls`, async () => {
  const scopes = ['client_paymentrequest'] as const
  const client = ctx.client()
  const middleware = stitchAuth({ client, scopes })
  const noop: RequestHandler = (_req, _res, next) => next()
  const req = {} as Request
  const res = {} as Response
  await client.getToken(scopes)
  const tokenRequests = ctx.sim.stats.tokenRequests.total

  const results = { noopSeq: [] as number[], stitchSeq: [] as number[] }
  const batch = { noop: [] as number[], stitch: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    results.noopSeq.push(await sequential(noop, req, res))
    results.stitchSeq.push(await sequential(middleware, req, res))
    batch.noop.push(await concurrent(noop, req, res))
    batch.stitch.push(await concurrent(middleware, req, res))
  }

  console.info(
    [
      `stitchAuth warm-cache overhead, N=${N}, best of ${ROUNDS} rounds (ns per call):`,
      `  awaited one by one: no-op ${best(results.noopSeq)}, stitchAuth ${best(results.stitchSeq)}`,
      `  all started at once: no-op ${best(batch.noop)}, stitchAuth ${best(batch.stitch)}`,
    ].join('\n'),
  )
  expect(getStitchToken(req).accessToken).toBeTypeOf('string')
  expect(ctx.sim.stats.tokenRequests.total).toBe(tokenRequests)
})

// stitch.run() with the catalog from @stitch-auth/express/operations in an Express route:
// typed results, and stitchErrorHandler() answering core's one error body for its refusals.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stitchErrorHandler } from '../src/index.js'
import { getPaymentRequest } from '../src/operations.js'
import { useAdapterSimulator } from './helpers.js'

const ctx = useAdapterSimulator({ sharedClient: {} })
let server: Server
let url: string

beforeAll(async () => {
  const stitch = ctx.sharedClient
  const app = express()
  app.get('/orders/:id/state', async (req, res, next) => {
    try {
      const request = await stitch.run(getPaymentRequest, { id: req.params.id })
      res.json({ state: request?.state.__typename ?? null })
    } catch (error) {
      next(error)
    }
  })
  app.use(stitchErrorHandler())
  server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('catalog operations in Express routes', () => {
  it('returns the typed result of a catalog operation', async () => {
    const response = await fetch(`${url}/orders/unknown-id/state`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ state: null })
    expect(ctx.sim.apiRequests.map((entry) => entry.operationName)).toEqual(['GetPaymentRequest'])
  })

  it('answers invalid variables 400 with each issue, without calling Stitch', async () => {
    const response = await fetch(`${url}/orders/${'x'.repeat(5000)}/state`)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      error: {
        code: 'STITCH_AUTH_INVALID_VARIABLES',
        message: 'The input is invalid.',
        issues: [{ path: 'id', message: 'must be at most 4096 characters' }],
      },
    })
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
    expect(ctx.sim.stats.apiCalls.total).toBe(0)
  })
})

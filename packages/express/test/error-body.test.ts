// The error-body contract of @stitch-auth/testing on every Express surface: a route calling
// graphql() behind stitchErrorHandler(), stitchAuth() behind it, and stitchProxy(). Each
// must answer the table's failures exactly as core's proxy engine and Nest do.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ErrorBodyServer, ErrorBodySetup, ErrorBodySurface } from '@stitch-auth/testing'
import { runErrorBodyTable } from '@stitch-auth/testing'
import express from 'express'
import { describe, it } from 'vitest'
import {
  createStitchAuth,
  defineOperations,
  getStitchToken,
  paymentRequestStatusOperation,
  stitchAuth,
  stitchErrorHandler,
  stitchProxy,
} from '../src/index.js'

/** Serves `app` on 127.0.0.1 and a free port; `request()` POSTs to `path`. */
async function serve(
  app: express.Express,
  path: string,
  init: RequestInit,
  closeClient: () => Promise<void>,
): Promise<ErrorBodyServer> {
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    request: () => fetch(`http://127.0.0.1:${port}${path}`, init),
    async close() {
      await closeClient()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

const graphqlRoute: ErrorBodySurface = {
  makes: 'api',
  canAbort: true,
  start({ client: options, call }: ErrorBodySetup) {
    const stitch = createStitchAuth(options)
    const app = express()
    app.post('/call', (_req, res, next) => {
      const signal =
        call.abortAfterMs === undefined ? undefined : AbortSignal.timeout(call.abortAfterMs)
      stitch
        .graphql(call.document, undefined, { scopes: call.scopes, ...(signal ? { signal } : {}) })
        .then((data) => res.json(data), next)
    })
    app.use(stitchErrorHandler())
    return serve(app, '/call', { method: 'POST' }, () => stitch.close())
  },
}

const middleware: ErrorBodySurface = {
  makes: 'token',
  canAbort: false,
  start({ client: options, call }: ErrorBodySetup) {
    const stitch = createStitchAuth(options)
    const app = express()
    app.get('/checkout', stitchAuth({ client: stitch, scopes: call.scopes }), (req, res) => {
      res.json({ preview: getStitchToken(req).preview })
    })
    app.use(stitchErrorHandler())
    return serve(app, '/checkout', { method: 'GET' }, () => stitch.close())
  },
}

const proxy: ErrorBodySurface = {
  makes: 'api',
  // Its calls stop when the browser goes away, and then nobody reads the answer.
  canAbort: false,
  start({ client: options }: ErrorBodySetup) {
    const stitch = createStitchAuth(options)
    const app = express()
    // A ready-made operation with the table's scopes; what it asks Stitch does not matter here.
    const operations = defineOperations({ status: paymentRequestStatusOperation() })
    app.use('/stitch', stitchProxy({ client: stitch, operations }))
    return serve(
      app,
      '/stitch/status',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
        body: JSON.stringify({ id: 'payment-request-1' }),
      },
      () => stitch.close(),
    )
  },
}

describe('error-body contract: stitchErrorHandler() after a graphql() route', () => {
  runErrorBodyTable(graphqlRoute, it)
})

describe('error-body contract: stitchErrorHandler() after stitchAuth()', () => {
  runErrorBodyTable(middleware, it)
})

describe('error-body contract: stitchProxy()', () => {
  runErrorBodyTable(proxy, it)
})

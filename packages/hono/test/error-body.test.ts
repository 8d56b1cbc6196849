// The error-body contract of @stitch-auth/testing on every Hono surface, served by Node through
// @hono/node-server: a route calling graphql() behind stitchErrorHandler(), stitchAuth() behind
// it, and stitchProxy(). Each must answer the table's failures exactly as Express, Nest and
// core's proxy engine do.
import type { ErrorBodyServer, ErrorBodySetup, ErrorBodySurface } from '@stitch-auth/testing'
import { runErrorBodyTable } from '@stitch-auth/testing'
import { Hono } from 'hono'
import { describe, it } from 'vitest'
import {
  createStitchAuth,
  defineOperations,
  paymentRequestStatusOperation,
  stitchAuth,
  stitchErrorHandler,
  stitchProxy,
} from '../src/index.js'
import { listen } from './helpers.js'

/** Serves `app`; `request()` sends `init` to `path`. */
async function serve(
  app: Hono,
  path: string,
  init: RequestInit,
  closeClient: () => Promise<void>,
): Promise<ErrorBodyServer> {
  const served = await listen(app)
  return {
    request: () => fetch(`${served.url}${path}`, init),
    async close() {
      await closeClient()
      await served.close()
    },
  }
}

const graphqlRoute: ErrorBodySurface = {
  makes: 'api',
  canAbort: true,
  start({ client: options, call }: ErrorBodySetup) {
    const stitch = createStitchAuth(options)
    const app = new Hono()
    app.post('/call', async (c) => {
      const signal =
        call.abortAfterMs === undefined ? undefined : AbortSignal.timeout(call.abortAfterMs)
      const data = await stitch.graphql(call.document, undefined, {
        scopes: call.scopes,
        ...(signal ? { signal } : {}),
      })
      return c.json(data)
    })
    app.onError(stitchErrorHandler())
    return serve(app, '/call', { method: 'POST' }, () => stitch.close())
  },
}

const middleware: ErrorBodySurface = {
  makes: 'token',
  canAbort: false,
  start({ client: options, call }: ErrorBodySetup) {
    const stitch = createStitchAuth(options)
    const app = new Hono()
    app.get('/checkout', stitchAuth({ client: stitch, scopes: call.scopes }), (c) =>
      c.json({ preview: c.get('stitchToken').preview }),
    )
    app.onError(stitchErrorHandler())
    return serve(app, '/checkout', { method: 'GET' }, () => stitch.close())
  },
}

const proxy: ErrorBodySurface = {
  makes: 'api',
  // Its calls stop when the browser goes away, and then nobody reads the answer.
  canAbort: false,
  start({ client: options }: ErrorBodySetup) {
    const stitch = createStitchAuth(options)
    // A ready-made operation with the table's scopes; what it asks Stitch does not matter here.
    const operations = defineOperations({ status: paymentRequestStatusOperation() })
    const app = new Hono().route('/stitch', stitchProxy({ client: stitch, operations }))
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

// The error-body contract of @stitch-auth/testing on every Fastify surface: a route calling
// graphql() behind stitchErrorHandler(), the hook of fastify.stitchAuth() behind it, and
// stitchProxy. Each must answer the table's failures exactly as core's proxy engine, Express
// and Nest do.
import type { ErrorBodyServer, ErrorBodySetup, ErrorBodySurface } from '@stitch-auth/testing'
import { runErrorBodyTable } from '@stitch-auth/testing'
import type { FastifyInstance } from 'fastify'
import { describe, it } from 'vitest'
import {
  createStitchAuth,
  defineOperations,
  getStitchToken,
  paymentRequestStatusOperation,
  stitchAuthPlugin,
  stitchErrorHandler,
  stitchProxy,
} from '../src/index.js'
import { createApp, listen } from './helpers.js'

/** Serves `app` on 127.0.0.1 and a free port; `request()` calls `path`. */
async function serve(
  app: FastifyInstance,
  path: string,
  init: RequestInit,
  closeClient: () => Promise<void>,
): Promise<ErrorBodyServer> {
  const origin = await listen(app)
  return {
    request: () => fetch(`${origin}${path}`, init),
    async close() {
      await app.close()
      await closeClient()
    },
  }
}

const graphqlRoute: ErrorBodySurface = {
  makes: 'api',
  canAbort: true,
  start({ client: options, call }: ErrorBodySetup) {
    const stitch = createStitchAuth(options)
    const app = createApp()
    app.setErrorHandler(stitchErrorHandler())
    app.post('/call', async () => {
      const signal =
        call.abortAfterMs === undefined ? undefined : AbortSignal.timeout(call.abortAfterMs)
      return stitch.graphql(call.document, undefined, {
        scopes: call.scopes,
        ...(signal ? { signal } : {}),
      })
    })
    return serve(app, '/call', { method: 'POST' }, () => stitch.close())
  },
}

const hook: ErrorBodySurface = {
  makes: 'token',
  canAbort: false,
  async start({ client: options, call }: ErrorBodySetup) {
    const stitch = createStitchAuth(options)
    const app = createApp()
    await app.register(stitchAuthPlugin, { client: stitch })
    app.setErrorHandler(stitchErrorHandler())
    app.get(
      '/checkout',
      { preHandler: app.stitchAuth({ scopes: call.scopes }) },
      async (request) => ({
        preview: getStitchToken(request).preview,
      }),
    )
    return serve(app, '/checkout', { method: 'GET' }, () => stitch.close())
  },
}

const proxy: ErrorBodySurface = {
  makes: 'api',
  // Its calls stop when the browser goes away, and then nobody reads the answer.
  canAbort: false,
  async start({ client: options }: ErrorBodySetup) {
    const stitch = createStitchAuth(options)
    const app = createApp()
    // A ready-made operation with the table's scopes; what it asks Stitch does not matter here.
    const operations = defineOperations({ status: paymentRequestStatusOperation() })
    await app.register(stitchProxy, { client: stitch, operations, prefix: '/stitch' })
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

describe('error-body contract: stitchErrorHandler() after fastify.stitchAuth()', () => {
  runErrorBodyTable(hook, it)
})

describe('error-body contract: stitchProxy', () => {
  runErrorBodyTable(proxy, it)
})

import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperation,
  defineOperations,
  type ExpressProxyCall,
  getStitchToken,
  keepRawBody,
  type StitchToken,
  type StitchWebhooksOptions,
  stitchAuth,
  stitchProxy,
  stitchWebhooks,
} from '@stitch-auth/express'
import type { StitchWebhookHandlerOptions } from '@stitch-auth/express/webhooks'
import express, { type Request, type RequestHandler, type Router } from 'express'
import { describe, expectTypeOf, it } from 'vitest'

const stitch = createStitchAuth({
  clientId: 'id',
  clientSecret: 'secret',
  scopes: ['client_paymentrequest'],
})

const payment = createPaymentRequestOperation({
  beneficiary: { name: 'Shop', bankId: 'fnb', accountNumber: '1' },
  beneficiaryReference: 'Shop',
  allowBrowserAmount: true,
})

describe('req.stitchToken', () => {
  it('is honest: optional on any request, a StitchToken through getStitchToken()', () => {
    const app = express()
    app.get('/checkout', stitchAuth({ client: stitch }), (req, res) => {
      expectTypeOf(req.stitchToken).toEqualTypeOf<StitchToken | undefined>()
      // @ts-expect-error it may be missing where stitchAuth() is not mounted
      void req.stitchToken.accessToken
      expectTypeOf(getStitchToken(req)).toEqualTypeOf<StitchToken>()
      expectTypeOf(getStitchToken(req).accessToken).toEqualTypeOf<string>()
      expectTypeOf(getStitchToken(req).authorizationHeader).toEqualTypeOf<string>()
      res.end()
    })
    express.Router().post('/pay', (req) => {
      expectTypeOf(getStitchToken(req).accessToken).toEqualTypeOf<string>()
    })
    expectTypeOf<Request['stitchToken']>().toEqualTypeOf<StitchToken | undefined>()
  })
})

describe('stitchAuth()', () => {
  it('checks scopes against the shared client or the documented list', () => {
    stitchAuth({ client: stitch, scopes: ['client_refund', 'client_paymentrequest'] })
    // @ts-expect-error a typo is not a Stitch scope
    stitchAuth({ client: stitch, scopes: ['client_paymentreqest'] })
    // @ts-expect-error a typo is not a Stitch scope
    stitchAuth({ clientId: 'id', clientSecret: 's', scopes: ['client_paymentreqest'] })
    stitchAuth({
      clientId: 'id',
      clientSecret: 's',
      scopes: ['client_new'],
      allowUnknownScopes: true,
    })
  })

  it('returns Express middleware that carries its client', () => {
    const middleware = stitchAuth({ clientId: 'id', clientSecret: 's', scopes: ['client_refund'] })
    express().use(middleware)
    expectTypeOf(middleware.client.getToken).returns.resolves.toEqualTypeOf<StitchToken>()
  })
})

describe('stitchProxy()', () => {
  it('is a Router whose operations may read the Express req and res', () => {
    const operations = defineOperations({
      createPaymentRequest: payment,
      members: defineOperation({
        ...payment,
        authorize: (call: ExpressProxyCall) => {
          expectTypeOf(call.context.req).toEqualTypeOf<Request>()
          return call.context.res.locals.user !== undefined
        },
      }),
    })
    expectTypeOf(stitchProxy({ client: stitch, operations })).toEqualTypeOf<Router>()
  })

  it('refuses operations written for another framework context', () => {
    const nest = defineOperation({
      ...payment,
      authorize: (call: { request: globalThis.Request; context: { user: string } }) =>
        call.context.user === 'alice',
    })
    // @ts-expect-error the hook wants a context Express does not give
    stitchProxy({ client: stitch, operations: { nest } })
  })
})

describe('stitchWebhooks()', () => {
  it('is a request handler whose handlers get typed events', () => {
    const handler = stitchWebhooks({
      secrets: 'whsec_…',
      on: {
        payment: (event, delivery) => {
          expectTypeOf(event.type).toEqualTypeOf<'payment'>()
          expectTypeOf(event.data.id).toEqualTypeOf<string>()
          expectTypeOf(event.data.state.__typename).toExtend<string>()
          expectTypeOf(delivery.id).toEqualTypeOf<string>()
        },
        unknown: (event) => {
          expectTypeOf(event.known).toEqualTypeOf<false>()
        },
      },
    })
    expectTypeOf(handler).toEqualTypeOf<RequestHandler>()
    express().post('/webhooks/stitch', handler)
  })

  it('takes core options only, and its keepRawBody fits every body parser', () => {
    // @ts-expect-error: a typo in an event type is not a handler
    stitchWebhooks({ secrets: 'whsec_…', on: { paymnet: () => {} } })
    express().use(express.json({ verify: keepRawBody }))
    express().use(express.text({ verify: keepRawBody }))
    expectTypeOf<StitchWebhooksOptions>().toEqualTypeOf<StitchWebhookHandlerOptions>()
  })
})

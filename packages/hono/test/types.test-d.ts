import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperation,
  defineOperations,
  getStitchToken,
  type HonoProxyCall,
  type StitchAuthEnv,
  type StitchAuthVariables,
  type StitchToken,
  stitchAuth,
  stitchErrorHandler,
  stitchProxy,
} from '@stitch-auth/hono'
import { type Context, type ErrorHandler, Hono, type MiddlewareHandler } from 'hono'
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

describe("c.get('stitchToken')", () => {
  it('is a StitchToken in a route chained after stitchAuth(), with no Env declared', () => {
    new Hono().get('/checkout', stitchAuth({ client: stitch }), (c) => {
      expectTypeOf(c.get('stitchToken')).toEqualTypeOf<StitchToken>()
      expectTypeOf(c.var.stitchToken.authorizationHeader).toEqualTypeOf<string>()
      return c.json({ scopes: c.get('stitchToken').scopes })
    })
  })

  it('is a StitchToken in routes after app.use(stitchAuth())', () => {
    new Hono().use(stitchAuth({ client: stitch })).get('/checkout', (c) => {
      expectTypeOf(c.get('stitchToken')).toEqualTypeOf<StitchToken>()
      return c.text('ok')
    })
  })

  it('is typed app-wide with StitchAuthVariables or StitchAuthEnv', () => {
    new Hono<{ Variables: StitchAuthVariables }>().get('/a', (c) => {
      expectTypeOf(c.get('stitchToken')).toEqualTypeOf<StitchToken>()
      return c.text('ok')
    })
    new Hono<StitchAuthEnv & { Variables: { user: string } }>().get('/b', (c) => {
      expectTypeOf(c.get('stitchToken')).toEqualTypeOf<StitchToken>()
      expectTypeOf(c.get('user')).toEqualTypeOf<string>()
      return c.text('ok')
    })
  })

  it('is unknown to routes without it; getStitchToken(c) reads it as a StitchToken', () => {
    new Hono().get('/plain', (c) => {
      // @ts-expect-error no middleware declared the variable here
      c.get('stitchToken').accessToken
      expectTypeOf(getStitchToken(c)).toEqualTypeOf<StitchToken>()
      return c.text('ok')
    })
  })
})

describe('stitchAuth()', () => {
  it('checks scopes against the shared client', () => {
    stitchAuth({ client: stitch, scopes: ['client_refund', 'client_paymentrequest'] })
    // @ts-expect-error a typo is not a Stitch scope
    stitchAuth({ client: stitch, scopes: ['client_paymentreqest'] })
    // @ts-expect-error the Hono middleware takes a client, not the options to make one
    stitchAuth({ clientId: 'id', clientSecret: 's', scopes: ['client_refund'] })
  })

  it('is Hono middleware declaring its variable', () => {
    expectTypeOf(stitchAuth({ client: stitch })).toEqualTypeOf<MiddlewareHandler<StitchAuthEnv>>()
  })
})

describe('stitchErrorHandler()', () => {
  it('is an app.onError handler, whose fallback is one too', () => {
    expectTypeOf(stitchErrorHandler()).toEqualTypeOf<ErrorHandler>()
    new Hono().onError(stitchErrorHandler({ fallback: (error, c) => c.text(error.message, 500) }))
  })
})

describe('stitchProxy()', () => {
  it("is a sub-app whose operations may read the Hono context and the app's variables", () => {
    type AppEnv = { Variables: { user?: string } }
    const operations = defineOperations({
      createPaymentRequest: payment,
      members: defineOperation({
        ...payment,
        authorize: (call: HonoProxyCall<AppEnv>) => {
          expectTypeOf(call.context).toEqualTypeOf<Context<AppEnv>>()
          expectTypeOf(call.context.get('user')).toEqualTypeOf<string | undefined>()
          expectTypeOf(call.request).toEqualTypeOf<Request>()
          return call.context.get('user') !== undefined
        },
      }),
    })
    const proxy = stitchProxy({ client: stitch, operations })
    expectTypeOf(proxy).toEqualTypeOf<Hono>()
    new Hono<AppEnv>().route('/stitch', proxy)
  })

  it('refuses operations written for another framework context', () => {
    const express = defineOperation({
      ...payment,
      authorize: (call: { request: Request; context: { res: { locals: { user: string } } } }) =>
        call.context.res.locals.user === 'alice',
    })
    // @ts-expect-error the hook wants a context Hono does not give
    stitchProxy({ client: stitch, operations: { express } })
  })
})

import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type AnyStitchScope,
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperation,
  defineOperations,
  type FastifyProxyCall,
  getStitchToken,
  type StitchAuth,
  type StitchToken,
  type StitchTokenHook,
  stitchAuthPlugin,
  stitchErrorHandler,
  stitchProxy,
} from '../src/index.js'

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

describe('request.stitchToken', () => {
  it('is honest: optional on any request, a StitchToken through getStitchToken()', async () => {
    const app = Fastify()
    await app.register(stitchAuthPlugin, { client: stitch })
    app.get('/checkout', { preHandler: app.stitchAuth() }, async (request) => {
      expectTypeOf(request.stitchToken).toEqualTypeOf<StitchToken | undefined>()
      // @ts-expect-error it may be missing where the hook is not on the route
      void request.stitchToken.accessToken
      expectTypeOf(getStitchToken(request)).toEqualTypeOf<StitchToken>()
      expectTypeOf(getStitchToken(request).authorizationHeader).toEqualTypeOf<string>()
      return { ok: true }
    })
    expectTypeOf<FastifyRequest['stitchToken']>().toEqualTypeOf<StitchToken | undefined>()
  })

  it('reads the same on routes with their own generics', () => {
    const app = Fastify()
    app.post<{ Params: { id: string }; Body: { amount: number } }>(
      '/orders/:id',
      { preHandler: [app.stitchAuth({ scopes: ['client_refund'] })] },
      async (request) => {
        expectTypeOf(request.params.id).toEqualTypeOf<string>()
        expectTypeOf(getStitchToken(request)).toEqualTypeOf<StitchToken>()
        return null
      },
    )
  })
})

describe('fastify.stitchAuth() and fastify.stitch', () => {
  it('makes a hook for onRequest, preHandler and addHook', () => {
    const app = Fastify()
    const hook = app.stitchAuth({ scopes: ['client_paymentrequest', 'client_refund'] })
    expectTypeOf(hook).toEqualTypeOf<StitchTokenHook>()
    app.get('/a', { onRequest: hook }, async () => null)
    app.get('/b', { preHandler: [hook] }, async () => null)
    app.addHook('preHandler', hook)
    app.addHook('onRequest', hook)
    app.route({ method: 'GET', url: '/c', preHandler: hook, handler: async () => null })
  })

  it('offers the documented scopes and takes new ones (checked when the hook is made)', () => {
    const app = Fastify()
    expectTypeOf(app.stitchAuth)
      .parameter(0)
      .toEqualTypeOf<{ scopes?: readonly AnyStitchScope[] } | undefined>()
    // @ts-expect-error scopes is a list
    app.stitchAuth({ scopes: 'client_refund' })
  })

  it('exposes the client', () => {
    const app = Fastify()
    expectTypeOf(app.stitch).toEqualTypeOf<StitchAuth<AnyStitchScope>>()
    expectTypeOf(app.stitch.getToken).returns.resolves.toEqualTypeOf<StitchToken>()
  })
})

describe('stitchAuthPlugin', () => {
  it('takes a shared client or core options', async () => {
    const app = Fastify()
    await app.register(stitchAuthPlugin, { client: stitch })
    await app.register(stitchAuthPlugin, {
      clientId: 'id',
      clientSecret: 's',
      scopes: ['client_refund'],
    })
    await app.register(stitchAuthPlugin, {
      clientId: 'id',
      clientSecret: 's',
      // @ts-expect-error a typo is not a Stitch scope
      scopes: ['client_refnd'],
    })
  })
})

describe('stitchProxy', () => {
  it('registers with core’s options and a prefix; operations may read the request and reply', async () => {
    const app = Fastify()
    const operations = defineOperations({
      createPaymentRequest: payment,
      members: defineOperation({
        ...payment,
        authorize: (call: FastifyProxyCall) => {
          expectTypeOf(call.context.request).toEqualTypeOf<FastifyRequest>()
          expectTypeOf(call.context.reply).toEqualTypeOf<FastifyReply>()
          return call.context.request.headers['x-user'] === 'alice'
        },
      }),
    })
    await app.register(stitchProxy, { client: stitch, operations, prefix: '/stitch' })
    await app.register(stitchProxy, { client: stitch, operations, maxBodyBytes: 4_096 })
    // @ts-expect-error the operations are required
    await app.register(stitchProxy, { client: stitch })
  })

  it('refuses operations written for another framework context', async () => {
    const nest = defineOperation({
      ...payment,
      authorize: (call: { request: globalThis.Request; context: { user: string } }) =>
        call.context.user === 'alice',
    })
    // @ts-expect-error the hook wants a context Fastify does not give
    await Fastify().register(stitchProxy, { client: stitch, operations: { nest } })
  })
})

describe('stitchErrorHandler()', () => {
  it('is a setErrorHandler() handler', () => {
    const app = Fastify()
    app.setErrorHandler(stitchErrorHandler())
    app.register(async (child) => {
      child.setErrorHandler(stitchErrorHandler({ exposeMessages: true }))
    })
  })
})

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import {
  getStitchToken,
  type StitchAuth,
  StitchConfigError,
  StitchToken,
  stitchAuthPlugin,
  stitchErrorHandler,
} from '../src/index.js'
import {
  CLIENT_ID,
  clientOptions,
  createApp,
  expectNoSecrets,
  FAST_FAILURE,
  issuedTokens,
  listen,
  useFastifySimulator,
  WRONG_SECRET,
} from './helpers.js'

const ctx = useFastifySimulator()

/** What a route knows about `request.stitchToken`, never the token itself. */
function describeToken(request: FastifyRequest) {
  return {
    isStitchToken: request.stitchToken instanceof StitchToken,
    scopes: getStitchToken(request).scopes,
    preview: getStitchToken(request).preview,
  }
}

/**
 * An app with the plugin and `GET /token` behind `fastify.stitchAuth()`. A route takes the
 * error handler its context has when it is added, so `errorHandler` comes first.
 */
async function tokenApp(
  shared: StitchAuth,
  seen: StitchToken[] = [],
  errorHandler?: Parameters<FastifyInstance['setErrorHandler']>[0],
) {
  const server = ctx.app()
  await server.register(stitchAuthPlugin, { client: shared })
  if (errorHandler) server.setErrorHandler(errorHandler)
  server.get('/token', { preHandler: server.stitchAuth() }, async (request) => {
    seen.push(getStitchToken(request))
    return describeToken(request)
  })
  return server
}

describe('stitchAuthPlugin and fastify.stitchAuth()', () => {
  it('sets request.stitchToken to a token the Stitch API accepts, on a listening server', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, { client: ctx.client() })
    server.get('/api', { preHandler: server.stitchAuth() }, async (request) => {
      const api = await fetch(ctx.sim.graphqlUrl, {
        method: 'POST',
        headers: {
          authorization: getStitchToken(request).authorizationHeader,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ query: 'query { __typename }' }),
      })
      return { isStitchToken: request.stitchToken instanceof StitchToken, api: await api.json() }
    })
    const origin = await listen(server)

    const response = await fetch(`${origin}/api`)
    const body = await response.text()
    expect(response.status).toBe(200)
    expect(JSON.parse(body)).toEqual({
      isStitchToken: true,
      api: { data: { __typename: 'Query' } },
    })
    expect(ctx.sim.apiRequests).toEqual([
      expect.objectContaining({
        clientId: CLIENT_ID,
        scopes: ['client_paymentrequest'],
        outcome: 'ok',
      }),
    ])
    expect(issuedTokens.size).toBeGreaterThan(0)
    expectNoSecrets({ body, headers: response.headers })
  })

  it('asks Stitch once for 200 concurrent requests on a cold cache, over HTTP', async () => {
    const seen: StitchToken[] = []
    const server = await tokenApp(ctx.client(), seen)
    const origin = await listen(server)
    const responses = await Promise.all(Array.from({ length: 200 }, () => fetch(`${origin}/token`)))
    expect(responses.map((response) => response.status)).toEqual(Array(200).fill(200))
    for (const response of responses) {
      expectNoSecrets({
        body: await response.text(),
        headers: response.headers,
      })
    }
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
    expect(seen).toHaveLength(200)
    expect(new Set(seen.map((token) => token.accessToken)).size).toBe(1)
  })

  it('asks Stitch once for 200 concurrent fastify.inject() requests on a cold cache', async () => {
    const seen: StitchToken[] = []
    const server = await tokenApp(ctx.client(), seen)
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => server.inject({ method: 'GET', url: '/token' })),
    )
    expect(responses.map((response) => response.statusCode)).toEqual(Array(200).fill(200))
    expect(responses[0]?.json()).toMatchObject({
      isStitchToken: true,
      scopes: ['client_paymentrequest'],
    })
    for (const response of responses) expectNoSecrets(response)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
    expect(new Set(seen.map((token) => token.accessToken)).size).toBe(1)
  })

  it('gives no token to routes without the hook, and getStitchToken() says where it is missing', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, { client: ctx.client() })
    server.setErrorHandler((error: Error, _request, reply) => {
      reply.code(500).send({ name: error.name, message: error.message })
    })
    server.get('/with', { preHandler: server.stitchAuth() }, async (request) => ({
      preview: getStitchToken(request).preview,
    }))
    server.get('/without', async (request) => ({
      // Declared on every request (one shape), set on none.
      declared: 'stitchToken' in request,
      token: request.stitchToken ?? null,
    }))
    server.get('/read', async (request) => ({ preview: getStitchToken(request).preview }))

    const without = await server.inject({ method: 'GET', url: '/without' })
    expect(without.json()).toEqual({ declared: true, token: null })
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)

    const read = await server.inject({ method: 'GET', url: '/read?x=1' })
    expect(read.statusCode).toBe(500)
    expect(read.json()).toEqual({
      name: 'StitchConfigError',
      message:
        'Cannot read request.stitchToken:\n  - no Stitch token on this request (GET /read): give the route the hook of fastify.stitchAuth() (onRequest or preHandler)',
    })
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)

    const withToken = await server.inject({ method: 'GET', url: '/with' })
    expect(withToken.json().preview).toMatch(/…$/)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('shares one token between routes asking for the same scopes in a different order', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, { client: ctx.client() })
    const seen: StitchToken[] = []
    const answer = async (request: FastifyRequest) => {
      seen.push(getStitchToken(request))
      return { scopes: getStitchToken(request).scopes }
    }
    server.get(
      '/a',
      { preHandler: server.stitchAuth({ scopes: ['client_paymentrequest', 'client_refund'] }) },
      answer,
    )
    server.get(
      '/b',
      { preHandler: server.stitchAuth({ scopes: ['client_refund', 'client_paymentrequest'] }) },
      answer,
    )
    const [a, b] = await Promise.all([
      server.inject({ method: 'GET', url: '/a' }),
      server.inject({ method: 'GET', url: '/b' }),
    ])
    expect(a.json()).toEqual({ scopes: ['client_paymentrequest', 'client_refund'] })
    expect(b.json()).toEqual(a.json())
    expect(seen[0]?.accessToken).toBe(seen[1]?.accessToken)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('gets different tokens for different scopes', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, { client: ctx.client() })
    const seen: StitchToken[] = []
    const answer = async (request: FastifyRequest) => {
      seen.push(getStitchToken(request))
      return { scopes: getStitchToken(request).scopes }
    }
    server.get('/pay', { preHandler: server.stitchAuth() }, answer)
    server.get('/refund', { onRequest: server.stitchAuth({ scopes: ['client_refund'] }) }, answer)

    expect((await server.inject({ url: '/pay' })).json()).toEqual({
      scopes: ['client_paymentrequest'],
    })
    expect((await server.inject({ url: '/refund' })).json()).toEqual({
      scopes: ['client_refund'],
    })
    expect(seen[0]?.accessToken).not.toBe(seen[1]?.accessToken)
    expect(ctx.sim.tokenRequests.map((entry) => entry.scope)).toEqual([
      'client_paymentrequest',
      'client_refund',
    ])
  })

  it('on a warm cache, the hook is done before it returns: no promise, no I/O', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, { client: ctx.client() })
    const hook = server.stitchAuth()
    await server.stitch.getToken()
    const request = { stitchToken: undefined } as FastifyRequest
    let doneWith: unknown = 'not called'
    hook(request, {} as FastifyReply, (error) => {
      doneWith = error
    })
    expect(doneWith).toBeUndefined()
    expect(request.stitchToken).toBeInstanceOf(StitchToken)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('creates its own client from core options, as fastify.stitch, and closes it with Fastify', async () => {
    const server = createApp()
    await server.register(stitchAuthPlugin, clientOptions(ctx.sim, { scopes: ['client_refund'] }))
    server.get('/token', { preHandler: server.stitchAuth() }, async (request) =>
      describeToken(request),
    )
    const first = await server.inject({ url: '/token' })
    expect(first.json()).toMatchObject({ isStitchToken: true, scopes: ['client_refund'] })
    await server.inject({ url: '/token' })
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
    expect(server.stitch.clientId).toBe(CLIENT_ID)

    const own = server.stitch
    await server.close()
    await expect(own.getToken()).rejects.toMatchObject({ code: 'STITCH_AUTH_CLIENT_CLOSED' })
  })

  it('leaves a shared client open when Fastify closes', async () => {
    const shared = ctx.client()
    const server = createApp()
    await server.register(stitchAuthPlugin, { client: shared })
    expect(server.stitch).toBe(shared)
    await server.close()
    await expect(shared.getToken()).resolves.toBeInstanceOf(StitchToken)
  })
})

describe('encapsulation', () => {
  /**
   * Registers a child plugin context and returns it once it has loaded (in an object: an
   * instance is a thenable, which a promise would adopt).
   */
  async function child(
    parent: FastifyInstance,
    setup: (instance: FastifyInstance) => void | Promise<void>,
    prefix: string,
  ): Promise<{ context: FastifyInstance }> {
    let registered: FastifyInstance | undefined
    await parent.register(
      async (instance) => {
        registered = instance
        await setup(instance)
      },
      { prefix },
    )
    if (!registered) throw new Error('the child context did not load')
    return { context: registered }
  }

  it('decorates the context it is registered in and its children, not a sibling context', async () => {
    const server = ctx.app()
    const shared = ctx.client()
    const { context: checkout } = await child(
      server,
      async (instance) => {
        await instance.register(stitchAuthPlugin, { client: shared })
        instance.get('/token', { preHandler: instance.stitchAuth() }, async (request) =>
          describeToken(request),
        )
        await instance.register(async (nested) => {
          nested.get('/nested', { preHandler: nested.stitchAuth() }, async (request) =>
            describeToken(request),
          )
        })
      },
      '/checkout',
    )
    const { context: admin } = await child(
      server,
      (instance) => {
        instance.get('/token', async (request) => ({
          declared: 'stitchToken' in request,
          token: request.stitchToken ?? null,
        }))
      },
      '/admin',
    )
    await server.ready()

    expect(checkout.hasDecorator('stitchAuth')).toBe(true)
    expect(checkout.hasRequestDecorator('stitchToken')).toBe(true)
    expect(admin.hasDecorator('stitchAuth')).toBe(false)
    expect(admin.hasDecorator('stitch')).toBe(false)
    expect(admin.hasRequestDecorator('stitchToken')).toBe(false)
    expect(server.hasDecorator('stitchAuth')).toBe(false)

    expect((await server.inject({ url: '/checkout/token' })).json()).toMatchObject({
      isStitchToken: true,
    })
    expect((await server.inject({ url: '/checkout/nested' })).json()).toMatchObject({
      isStitchToken: true,
    })
    expect((await server.inject({ url: '/admin/token' })).json()).toEqual({
      declared: false,
      token: null,
    })
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('a hook added to one plugin context serves its routes only, not a sibling’s or the root’s', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, { client: ctx.client() })
    const report = async (request: FastifyRequest) => ({
      token: request.stitchToken?.preview ?? null,
    })
    await child(
      server,
      (instance) => {
        // Every route of this context gets a token; nothing outside it does.
        instance.addHook('preHandler', instance.stitchAuth())
        instance.get('/a', report)
        instance.get('/b', report)
      },
      '/payments',
    )
    await child(
      server,
      (instance) => {
        instance.get('/a', report)
      },
      '/reports',
    )
    server.get('/home', report)

    for (const url of ['/payments/a', '/payments/b']) {
      expect((await server.inject({ url })).json().token, url).toMatch(/…$/)
    }
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
    ctx.sim.resetStats()
    for (const url of ['/reports/a', '/home']) {
      expect((await server.inject({ url })).json(), url).toEqual({ token: null })
    }
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
  })

  it('serves two clients in two sibling contexts, each with its own decorators', async () => {
    const server = ctx.app()
    const pay = ctx.client()
    const refund = ctx.client({ scopes: ['client_refund'] })
    for (const [prefix, shared] of [
      ['/pay', pay],
      ['/refund', refund],
    ] as const) {
      await child(
        server,
        async (instance) => {
          await instance.register(stitchAuthPlugin, { client: shared })
          instance.get('/token', { preHandler: instance.stitchAuth() }, async (request) => ({
            scopes: getStitchToken(request).scopes,
            same: instance.stitch === shared,
          }))
        },
        prefix,
      )
    }
    expect((await server.inject({ url: '/pay/token' })).json()).toEqual({
      scopes: ['client_paymentrequest'],
      same: true,
    })
    expect((await server.inject({ url: '/refund/token' })).json()).toEqual({
      scopes: ['client_refund'],
      same: true,
    })
  })

  it('refuses a second registration in the same context (one client per context)', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, { client: ctx.client() })
    const second = server.register(stitchAuthPlugin, { client: ctx.client() })
    await expect(second).rejects.toMatchObject({ code: 'FST_ERR_DEC_ALREADY_PRESENT' })
  })
})

describe('token failures through Fastify’s error handling', () => {
  it('Fastify’s default handler answers with the error’s status and Retry-After', async () => {
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 7 })
    const server = await tokenApp(ctx.client(FAST_FAILURE))
    const response = await server.inject({ url: '/token' })
    expect(response.statusCode).toBe(503)
    expect(response.headers['retry-after']).toBe('7')
    expect(response.json()).toMatchObject({ code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE' })
    expectNoSecrets(response)
  })

  it('hands the untouched core error to the error handler', async () => {
    const errors: unknown[] = []
    const server = await tokenApp(
      ctx.client({ clientSecret: WRONG_SECRET }),
      [],
      (error, _request, reply) => {
        errors.push(error)
        reply.code(418).send()
      },
    )
    expect((await server.inject({ url: '/token' })).statusCode).toBe(418)
    expect(errors).toEqual([
      expect.objectContaining({
        name: 'StitchTokenRequestError',
        code: 'STITCH_AUTH_TOKEN_REJECTED',
        error: 'invalid_client',
        statusCode: 502,
        upstreamStatus: 401,
      }),
    ])
  })

  it('an onRequest hook fails the same way, before the body is read', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, { client: ctx.client({ clientSecret: WRONG_SECRET }) })
    server.setErrorHandler(stitchErrorHandler())
    server.post('/pay', { onRequest: server.stitchAuth() }, async () => ({ ok: true }))
    const response = await server.inject({ method: 'POST', url: '/pay', payload: { a: 1 } })
    expect(response.statusCode).toBe(502)
    expect(response.json()).toEqual({
      error: {
        code: 'STITCH_AUTH_TOKEN_REJECTED',
        message: 'Stitch could not complete the request.',
      },
    })
  })
})

describe('stitchErrorHandler()', () => {
  it('answers JSON { error: { code, message } } with the status and Retry-After', async () => {
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 3 })
    const server = await tokenApp(ctx.client(FAST_FAILURE), [], stitchErrorHandler())
    const origin = await listen(server)

    const response = await fetch(`${origin}/token`)
    const body = await response.text()
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('retry-after')).toBe('3')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(JSON.parse(body)).toEqual({
      error: {
        code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
        message: 'Stitch is unavailable; try again shortly.',
      },
    })
    expectNoSecrets({ body, headers: response.headers })
  })

  it('answers 502 for a refused client and can expose the message', async () => {
    const server = await tokenApp(
      ctx.client({ clientSecret: WRONG_SECRET }),
      [],
      stitchErrorHandler({ exposeMessages: true }),
    )
    const response = await server.inject({ url: '/token' })
    expect(response.statusCode).toBe(502)
    expect(response.json().error.code).toBe('STITCH_AUTH_TOKEN_REJECTED')
    expect(response.json().error.message).toMatch(/invalid_client/)
    expectNoSecrets(response)
  })

  it('passes other errors on to the parent context’s handler', async () => {
    const server = ctx.app()
    server.setErrorHandler((error: Error, _request, reply: FastifyReply) => {
      reply.code(418).send({ parent: error.message })
    })
    await server.register(async (instance) => {
      instance.setErrorHandler(stitchErrorHandler())
      instance.get('/boom', async () => {
        throw new Error('not ours')
      })
      instance.get('/look-alike', async () => {
        // No statusCode, retryable or headers: answering it would read fields it lacks.
        throw Object.assign(new Error('not ours either'), {
          code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
        })
      })
    })
    for (const [url, message] of [
      ['/boom', 'not ours'],
      ['/look-alike', 'not ours either'],
    ] as const) {
      const response = await server.inject({ url })
      expect(response.statusCode, url).toBe(418)
      expect(response.json()).toEqual({ parent: message })
    }
  })

  it('passes other errors on to Fastify’s default handler at the root', async () => {
    const server = ctx.app()
    server.setErrorHandler(stitchErrorHandler())
    server.get('/boom', async () => {
      throw Object.assign(new Error('not ours'), { statusCode: 409 })
    })
    const response = await server.inject({ url: '/boom' })
    expect(response.statusCode).toBe(409)
    expect(response.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'not ours',
    })
  })
})

describe('construction', () => {
  const fail = (create: () => unknown) => {
    try {
      create()
    } catch (error) {
      return error as StitchConfigError
    }
    throw new Error('expected construction to throw')
  }

  it('refuses bad client options when the plugin is registered, listing every problem', async () => {
    const server = ctx.app()
    const error = await server
      .register(stitchAuthPlugin, { clientId: '', scopes: ['client_paymentreqest'] } as never)
      .then(
        () => undefined,
        (thrown: unknown) => thrown as StitchConfigError,
      )
    expect(error).toBeInstanceOf(StitchConfigError)
    expect(error?.code).toBe('STITCH_AUTH_CONFIG_INVALID')
    expect(error?.issues).toEqual(
      expect.arrayContaining([
        '"clientId" must not be empty',
        expect.stringContaining('give either "clientSecret" or "privateKey"'),
        expect.stringContaining('Did you mean "client_paymentrequest"?'),
      ]),
    )
  })

  it('refuses a shared client that is not one, or one given with client options', async () => {
    for (const [options, issues] of [
      [{ client: {} }, ['"client" must be a client from createStitchAuth()']],
      [
        { client: ctx.client(), clientId: 'x' },
        ['give "client" or client options, not both (also got: clientId)'],
      ],
    ] as const) {
      const server = ctx.app()
      await expect(server.register(stitchAuthPlugin, options as never)).rejects.toMatchObject({
        name: 'StitchConfigError',
        issues,
      })
    }
  })

  it('ignores Fastify’s own register options', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, {
      ...clientOptions(ctx.sim),
      logLevel: 'warn',
    } as never)
    expect(server.stitch.clientId).toBe(CLIENT_ID)
  })

  it('refuses bad hook options when the route is made', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, { client: ctx.client() })
    expect(fail(() => server.stitchAuth({ scopes: [] })).issues).toEqual([
      '"scopes" must be a non-empty array of scopes',
    ])
    expect(fail(() => server.stitchAuth({ scopes: ['client_refnd'] })).issues).toEqual([
      '"scopes": unknown scope "client_refnd". Did you mean "client_refund"? Valid scopes: client_paymentrequest, client_bankaccountverification, client_imageupload, client_businesslookup, client_paymentauthorizationrequest, client_refund, client_disbursement, client_recurringpaymentconsentrequest. If Stitch has added this scope, pass allowUnknownScopes: true.',
    ])
    const typos = fail(() => server.stitchAuth({ scope: ['client_refund'] } as never))
    expect(typos).toMatchObject({ name: 'StitchConfigError', code: 'STITCH_AUTH_CONFIG_INVALID' })
    expect(typos.message).toMatch(/^Invalid fastify\.stitchAuth\(\) options:\n {2}- /)
    expect(typos.issues).toEqual(['unknown option(s): scope (use "scopes")'])
  })

  it('requires scopes when the client has none, and allows new ones with allowUnknownScopes', async () => {
    const server = ctx.app()
    await server.register(stitchAuthPlugin, { client: ctx.client({ scopes: undefined }) })
    expect(fail(() => server.stitchAuth()).issues).toEqual([
      '"scopes" is required when the client has no default scopes',
    ])

    const lenient = ctx.app()
    await lenient.register(stitchAuthPlugin, { client: ctx.client({ allowUnknownScopes: true }) })
    expect(() => lenient.stitchAuth({ scopes: ['client_new'] })).not.toThrow()
    expect(fail(() => lenient.stitchAuth({ scopes: ['two words'] })).issues).toEqual([
      '"scopes": scope "two words" contains whitespace; pass each scope as its own array item',
    ])
  })
})

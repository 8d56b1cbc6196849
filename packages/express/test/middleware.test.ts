import type { Server } from 'node:http'
import express from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import {
  getStitchToken,
  StitchConfigError,
  StitchToken,
  stitchAuth,
  stitchErrorHandler,
} from '../src/index.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  clientOptions,
  expectNoSecrets,
  FAST_FAILURE,
  issuedTokens,
  useAdapterSimulator,
  WRONG_SECRET,
} from './helpers.js'

const ctx = useAdapterSimulator()

/** An app whose route answers with what it knows about `req.stitchToken`, never the token. */
function tokenApp(middleware: express.RequestHandler, seen: StitchToken[] = []) {
  const app = express()
  app.get('/token', middleware, (req, res) => {
    seen.push(getStitchToken(req))
    res.json({
      isStitchToken: req.stitchToken instanceof StitchToken,
      scopes: getStitchToken(req).scopes,
      preview: getStitchToken(req).preview,
    })
  })
  return app
}

describe('stitchAuth()', () => {
  it('sets req.stitchToken to a token the Stitch API accepts', async () => {
    const app = express()
    app.get('/api', stitchAuth({ client: ctx.client() }), async (req, res) => {
      const api = await fetch(ctx.sim.graphqlUrl, {
        method: 'POST',
        headers: {
          authorization: getStitchToken(req).authorizationHeader,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ query: 'query { __typename }' }),
      })
      res.json({ isStitchToken: req.stitchToken instanceof StitchToken, api: await api.json() })
    })

    const response = await request(app).get('/api').expect(200)
    expect(response.body).toEqual({ isStitchToken: true, api: { data: { __typename: 'Query' } } })
    // Stitch saw the call made with a token of this client carrying the default scopes.
    expect(ctx.sim.apiRequests).toEqual([
      expect.objectContaining({
        clientId: CLIENT_ID,
        scopes: ['client_paymentrequest'],
        outcome: 'ok',
      }),
    ])
    // The leak checks below know the tokens that were handed out.
    expect(issuedTokens.size).toBeGreaterThan(0)
    expectNoSecrets(response)
  })

  it('asks Stitch once for 200 concurrent requests on a cold cache', async () => {
    const seen: StitchToken[] = []
    const app = tokenApp(
      stitchAuth({ client: ctx.client(), scopes: ['client_paymentrequest'] }),
      seen,
    )
    const server: Server = app.listen(0, '127.0.0.1')
    try {
      const responses = await Promise.all(
        Array.from({ length: 200 }, () => request(server).get('/token')),
      )
      expect(responses.map((response) => response.status)).toEqual(Array(200).fill(200))
      expect(ctx.sim.stats.tokenRequests.total).toBe(1)
      expect(new Set(seen.map((token) => token.accessToken)).size).toBe(1)
      for (const response of responses) expectNoSecrets(response)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('shares one token between routes asking for the same scopes in a different order', async () => {
    const shared = ctx.client()
    const seen: StitchToken[] = []
    const app = express()
    const answer: express.RequestHandler = (req, res) => {
      seen.push(getStitchToken(req))
      res.json({ scopes: getStitchToken(req).scopes })
    }
    app.get(
      '/a',
      stitchAuth({ client: shared, scopes: ['client_paymentrequest', 'client_refund'] }),
      answer,
    )
    app.get(
      '/b',
      stitchAuth({ client: shared, scopes: ['client_refund', 'client_paymentrequest'] }),
      answer,
    )

    const [a, b] = await Promise.all([request(app).get('/a'), request(app).get('/b')])
    expect(a.body).toEqual({ scopes: ['client_paymentrequest', 'client_refund'] })
    expect(b.body).toEqual(a.body)
    expect(seen[0]?.accessToken).toBe(seen[1]?.accessToken)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('gets different tokens for different scopes', async () => {
    const shared = ctx.client()
    const seen: StitchToken[] = []
    const app = express()
    const answer: express.RequestHandler = (req, res) => {
      seen.push(getStitchToken(req))
      res.json({ scopes: getStitchToken(req).scopes })
    }
    app.get('/pay', stitchAuth({ client: shared, scopes: ['client_paymentrequest'] }), answer)
    app.get('/refund', stitchAuth({ client: shared, scopes: ['client_refund'] }), answer)

    expect((await request(app).get('/pay')).body).toEqual({ scopes: ['client_paymentrequest'] })
    expect((await request(app).get('/refund')).body).toEqual({ scopes: ['client_refund'] })
    expect(seen[0]?.accessToken).not.toBe(seen[1]?.accessToken)
    expect(ctx.sim.tokenRequests.map((entry) => entry.scope)).toEqual([
      'client_paymentrequest',
      'client_refund',
    ])
  })

  it('creates its own client from core options and exposes it', async () => {
    const middleware = stitchAuth(clientOptions(ctx.sim, { scopes: ['client_refund'] }))
    ctx.closeAfterTest(middleware.client)
    const response = await request(tokenApp(middleware)).get('/token').expect(200)
    expect(response.body).toMatchObject({ isStitchToken: true, scopes: ['client_refund'] })
    await request(tokenApp(middleware)).get('/token').expect(200)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })
})

describe('getStitchToken()', () => {
  it('reads the token behind stitchAuth(), and says where the middleware is missing elsewhere', async () => {
    const client = ctx.client()
    const app = express()
    app.get('/with', stitchAuth({ client }), (req, res) => {
      res.json({ preview: getStitchToken(req).preview })
    })
    app.get('/without', (req, res) => {
      res.json({ preview: getStitchToken(req).preview })
    })
    app.use(
      (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).json({ name: error.name, message: error.message })
      },
    )
    const withToken = await request(app).get('/with').expect(200)
    expect(withToken.body.preview).toMatch(/…$/)
    const without = await request(app).get('/without?x=1').expect(500)
    expect(without.body).toEqual({
      name: 'StitchConfigError',
      message:
        'Cannot read req.stitchToken:\n  - no Stitch token on this request (GET /without): mount stitchAuth() on the route before this handler',
    })
  })
})

describe('token failures', () => {
  it('answers 503 with Retry-After when the token endpoint is unavailable', async () => {
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 7 })
    const app = tokenApp(stitchAuth({ client: ctx.client(FAST_FAILURE) }))

    const response = await request(app).get('/token').expect(503)
    expect(response.headers['retry-after']).toBe('7')
    expectNoSecrets(response)
  })

  it('answers 503 without Retry-After when the endpoint keeps failing without one', async () => {
    ctx.sim.fault({ endpoint: 'token', reset: true })
    const app = tokenApp(stitchAuth({ client: ctx.client(FAST_FAILURE) }))

    const response = await request(app).get('/token').expect(503)
    expect(response.headers['retry-after']).toBeUndefined()
    expect(ctx.sim.stats.tokenRequests.total).toBe(2)
    expectNoSecrets(response)
  })

  it('answers 502 when Stitch refuses the client (wrong secret)', async () => {
    const app = tokenApp(stitchAuth({ client: ctx.client({ clientSecret: WRONG_SECRET }) }))

    const response = await request(app).get('/token').expect(502)
    expect(ctx.sim.stats.tokenRequests.byOutcome.invalid_client).toBe(1)
    expectNoSecrets(response)
  })

  it('answers 500 when the client it made has no scopes to ask for', async () => {
    const middleware = stitchAuth({ ...clientOptions(ctx.sim), scopes: undefined })
    ctx.closeAfterTest(middleware.client)
    const response = await request(tokenApp(middleware)).get('/token').expect(500)
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
    expectNoSecrets(response)
  })

  it('refuses a malformed scope at creation, even with allowUnknownScopes', () => {
    const shared = ctx.client({ allowUnknownScopes: true })
    expect(() =>
      stitchAuth({ client: shared, scopes: ['client paymentrequest' as never] }),
    ).toThrow(
      /"scopes": scope "client paymentrequest" contains whitespace; pass each scope as its own array item/,
    )
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
  })

  it('hands the untouched core error to next(err)', async () => {
    const errors: unknown[] = []
    const app = tokenApp(stitchAuth({ client: ctx.client({ clientSecret: WRONG_SECRET }) }))
    app.use(((error, _req, res, _next) => {
      errors.push(error)
      res.status(418).end()
    }) satisfies express.ErrorRequestHandler)

    await request(app).get('/token').expect(418)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({
      name: 'StitchTokenRequestError',
      code: 'STITCH_AUTH_TOKEN_REJECTED',
      error: 'invalid_client',
      statusCode: 502,
      upstreamStatus: 401,
    })
  })
})

describe('stitchErrorHandler()', () => {
  it('answers JSON { error: { code, message } } with the status and Retry-After', async () => {
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 3 })
    const app = tokenApp(stitchAuth({ client: ctx.client(FAST_FAILURE) }))
    app.use(stitchErrorHandler())

    const response = await request(app).get('/token').expect(503)
    expect(response.headers['content-type']).toMatch(/^application\/json/)
    expect(response.headers['retry-after']).toBe('3')
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.body).toEqual({
      error: {
        code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
        message: 'Stitch is unavailable; try again shortly.',
      },
    })
    expectNoSecrets(response)
  })

  it('answers 502 for a refused client and can expose the message', async () => {
    const app = tokenApp(stitchAuth({ client: ctx.client({ clientSecret: WRONG_SECRET }) }))
    app.use(stitchErrorHandler({ exposeMessages: true }))

    const response = await request(app).get('/token').expect(502)
    expect(response.body.error.code).toBe('STITCH_AUTH_TOKEN_REJECTED')
    expect(response.body.error.message).toMatch(/invalid_client/)
    expectNoSecrets(response)
  })

  it('passes other errors on', async () => {
    const app = express()
    app.get('/boom', () => {
      throw Object.assign(new Error('not ours'), { status: 418 })
    })
    app.use(stitchErrorHandler())
    const response = await request(app).get('/boom').expect(418)
    expect(response.headers['content-type']).toMatch(/^text\/html/)
  })

  it('passes on an error that only borrows a STITCH_AUTH_ code', async () => {
    const app = express()
    app.get('/look-alike', () => {
      // No statusCode, retryable or headers: answering it would read fields it lacks.
      throw Object.assign(new Error('not ours either'), {
        status: 418,
        code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
      })
    })
    app.use(stitchErrorHandler())
    const response = await request(app).get('/look-alike').expect(418)
    expect(response.headers['content-type']).toMatch(/^text\/html/)
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

  it('throws StitchConfigError for bad client options, listing every problem', () => {
    const error = fail(() =>
      stitchAuth({ clientId: '', scopes: ['client_paymentreqest'] } as never),
    )
    expect(error).toBeInstanceOf(StitchConfigError)
    expect(error.code).toBe('STITCH_AUTH_CONFIG_INVALID')
    expect(error.issues).toEqual(
      expect.arrayContaining([
        '"clientId" must not be empty',
        expect.stringContaining('give either "clientSecret" or "privateKey"'),
        expect.stringContaining('Did you mean "client_paymentrequest"?'),
      ]),
    )
  })

  it('throws StitchConfigError for bad shared-client options', () => {
    const shared = ctx.client()
    expect(fail(() => stitchAuth({ client: shared, scopes: [] })).issues).toEqual([
      '"scopes" must be a non-empty array of scopes',
    ])
    expect(
      fail(() => stitchAuth({ client: shared, scopes: ['client_refnd' as never] })).issues,
    ).toEqual([
      '"scopes": unknown scope "client_refnd". Did you mean "client_refund"? Valid scopes: client_paymentrequest, client_bankaccountverification, client_imageupload, client_businesslookup, client_paymentauthorizationrequest, client_refund, client_disbursement, client_recurringpaymentconsentrequest. If Stitch has added this scope, pass allowUnknownScopes: true.',
    ])
    expect(fail(() => stitchAuth({ client: shared, clientId: 'x' } as never)).issues).toEqual([
      'give "client" or client options, not both (also got: clientId)',
    ])
    expect(fail(() => stitchAuth({ client: {} } as never)).issues).toContain(
      '"client" must be a client from createStitchAuth()',
    )
    const withoutDefaults = ctx.client({ scopes: undefined })
    expect(fail(() => stitchAuth({ client: withoutDefaults })).issues).toEqual([
      '"scopes" is required when the client has no default scopes',
    ])
  })

  it('lists every problem of shared-client options at once', () => {
    const error = fail(() => stitchAuth({ client: {}, scopes: [], clientId: 'x' } as never))
    expect(error).toMatchObject({ name: 'StitchConfigError', code: 'STITCH_AUTH_CONFIG_INVALID' })
    expect(error.message).toMatch(/^Invalid stitchAuth\(\) options:\n {2}- /)
    expect(error.issues).toHaveLength(3)
    expect(error.issues).toEqual(
      expect.arrayContaining([
        '"client" must be a client from createStitchAuth()',
        'give "client" or client options, not both (also got: clientId)',
        '"scopes" must be a non-empty array of scopes',
      ]),
    )

    const withoutDefaults = ctx.client({ scopes: undefined })
    const missing = fail(() => stitchAuth({ client: withoutDefaults, tokenUrl: 'x' } as never))
    expect(missing.issues).toHaveLength(2)
    expect(missing.issues).toEqual(
      expect.arrayContaining([
        'give "client" or client options, not both (also got: tokenUrl)',
        '"scopes" is required when the client has no default scopes',
      ]),
    )

    const typos = fail(() =>
      stitchAuth({ client: ctx.client(), scopes: ['client_refnd', 'two words'] as never[] }),
    )
    expect(typos.issues).toEqual([
      expect.stringMatching(
        /^"scopes": unknown scope "client_refnd"\. Did you mean "client_refund"\?/,
      ),
      '"scopes": scope "two words" contains whitespace; pass each scope as its own array item',
    ])
  })

  it('never puts the secret in a construction error', () => {
    const error = fail(() =>
      stitchAuth({ clientId: 'x', clientSecret: CLIENT_SECRET, tokenUrl: 'http://example.com' }),
    )
    expect(error).toBeInstanceOf(StitchConfigError)
    expect(`${error.message}${JSON.stringify(error)}`).not.toContain(CLIENT_SECRET)
  })
})

// stitchAuth(), getStitchToken() and stitchErrorHandler() against a real simulator: over HTTP
// through @hono/node-server, and in process through Hono's app.request().
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { describe, expect, it } from 'vitest'
import {
  getStitchToken,
  type StitchAuth,
  type StitchAuthEnv,
  StitchConfigError,
  StitchEndpointUnavailableError,
  StitchToken,
  stitchAuth,
  stitchErrorHandler,
} from '../src/index.js'
import {
  CLIENT_SECRET,
  expectNoSecrets,
  FAST_FAILURE,
  issuedTokens,
  listen,
  useAdapterSimulator,
  WRONG_SECRET,
} from './helpers.js'

const ctx = useAdapterSimulator()

/** An app whose route answers with what it knows about the token, never the token. */
function tokenApp(shared: StitchAuth, seen: StitchToken[] = []) {
  return new Hono().get('/token', stitchAuth({ client: shared }), (c) => {
    const token = c.get('stitchToken')
    seen.push(token)
    return c.json({
      isStitchToken: token instanceof StitchToken,
      scopes: token.scopes,
      preview: token.preview,
    })
  })
}

describe('stitchAuth()', () => {
  it('sets c.get("stitchToken") to a token the Stitch API accepts (over HTTP)', async () => {
    const app = new Hono().get('/api', stitchAuth({ client: ctx.client() }), async (c) => {
      const api = await fetch(ctx.sim.graphqlUrl, {
        method: 'POST',
        headers: {
          authorization: c.get('stitchToken').authorizationHeader,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ query: 'query { __typename }' }),
      })
      return c.json({
        isStitchToken: c.get('stitchToken') instanceof StitchToken,
        api: await api.json(),
      })
    })
    const served = await listen(app)
    try {
      const response = await fetch(`${served.url}/api`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({
        isStitchToken: true,
        api: { data: { __typename: 'Query' } },
      })
      expect(ctx.sim.apiRequests).toEqual([
        expect.objectContaining({ scopes: ['client_paymentrequest'], outcome: 'ok' }),
      ])
    } finally {
      await served.close()
    }
  })

  it('asks Stitch once for 200 concurrent requests on a cold cache (over HTTP)', async () => {
    const seen: StitchToken[] = []
    const served = await listen(tokenApp(ctx.client(), seen))
    try {
      const responses = await Promise.all(
        Array.from({ length: 200 }, () => fetch(`${served.url}/token`)),
      )
      expect(responses.map((response) => response.status)).toEqual(Array(200).fill(200))
      const answers = await Promise.all(
        responses.map(async (response) => [await response.text(), response.headers] as const),
      )
      expect(ctx.sim.stats.tokenRequests.total).toBe(1)
      expect(new Set(seen.map((token) => token.accessToken)).size).toBe(1)
      // The leak checks know the token the routes were given.
      expect(issuedTokens).toContain(seen[0]?.accessToken)
      for (const [text, headers] of answers) expectNoSecrets(text, headers)
    } finally {
      await served.close()
    }
  })

  it('serves a warm cache from the same token, without asking Stitch again (app.request)', async () => {
    const seen: StitchToken[] = []
    const app = tokenApp(ctx.client(), seen)
    for (let index = 0; index < 5; index += 1) {
      expect((await app.request('/token')).status).toBe(200)
    }
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
    expect(new Set(seen).size).toBe(1)
  })

  it('shares one token between routes asking for the same scopes in a different order', async () => {
    const shared = ctx.client()
    const seen: StitchToken[] = []
    const app = new Hono()
      .get(
        '/a',
        stitchAuth({ client: shared, scopes: ['client_paymentrequest', 'client_refund'] }),
        (c) => {
          seen.push(c.get('stitchToken'))
          return c.json({ scopes: c.get('stitchToken').scopes })
        },
      )
      .get(
        '/b',
        stitchAuth({ client: shared, scopes: ['client_refund', 'client_paymentrequest'] }),
        (c) => {
          seen.push(c.get('stitchToken'))
          return c.json({ scopes: c.get('stitchToken').scopes })
        },
      )
    const [a, b] = await Promise.all([app.request('/a'), app.request('/b')])
    expect(await a.json()).toEqual({ scopes: ['client_paymentrequest', 'client_refund'] })
    expect(await b.json()).toEqual({ scopes: ['client_paymentrequest', 'client_refund'] })
    expect(seen[0]?.accessToken).toBe(seen[1]?.accessToken)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('gets different tokens for different scopes, also as app.use() middleware', async () => {
    const shared = ctx.client()
    const app = new Hono<StitchAuthEnv>()
    app.use('/pay/*', stitchAuth({ client: shared, scopes: ['client_paymentrequest'] }))
    app.use('/refund/*', stitchAuth({ client: shared, scopes: ['client_refund'] }))
    app.get('/pay/token', (c) => c.json({ scopes: c.get('stitchToken').scopes }))
    app.get('/refund/token', (c) => c.json({ scopes: c.get('stitchToken').scopes }))

    expect(await (await app.request('/pay/token')).json()).toEqual({
      scopes: ['client_paymentrequest'],
    })
    expect(await (await app.request('/refund/token')).json()).toEqual({
      scopes: ['client_refund'],
    })
    expect(ctx.sim.tokenRequests.map((entry) => entry.scope)).toEqual([
      'client_paymentrequest',
      'client_refund',
    ])
  })
})

describe('getStitchToken()', () => {
  it('reads the token behind stitchAuth(), and says where the middleware is missing elsewhere', async () => {
    const shared = ctx.client()
    const app = new Hono()
      .get('/with', stitchAuth({ client: shared }), (c) =>
        c.json({ same: getStitchToken(c) === c.get('stitchToken') }),
      )
      .get('/without', (c) => c.json({ preview: getStitchToken(c).preview }))
      .onError((error, c) =>
        c.json(
          {
            name: error.name,
            issues: (error as StitchConfigError).issues,
          },
          500,
        ),
      )
    expect(await (await app.request('/with')).json()).toEqual({ same: true })
    const without = await app.request('/without?x=1')
    expect(without.status).toBe(500)
    expect(await without.json()).toEqual({
      name: 'StitchConfigError',
      issues: [
        'no Stitch token on this request (GET /without): mount stitchAuth() on the route before this handler',
      ],
    })
  })
})

describe('token failures and stitchErrorHandler()', () => {
  it('answers 503 JSON with Retry-After when the token endpoint is unavailable (over HTTP)', async () => {
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 3 })
    const app = tokenApp(ctx.client(FAST_FAILURE)).onError(stitchErrorHandler())
    const served = await listen(app)
    try {
      const response = await fetch(`${served.url}/token`)
      expect(response.status).toBe(503)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(response.headers.get('retry-after')).toBe('3')
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await response.json()).toEqual({
        error: {
          code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
          message: 'Stitch is unavailable; try again shortly.',
        },
      })
    } finally {
      await served.close()
    }
  })

  it('answers 502 for a refused client and can expose the message', async () => {
    const app = tokenApp(ctx.client({ clientSecret: WRONG_SECRET })).onError(
      stitchErrorHandler({ exposeMessages: true }),
    )
    const response = await app.request('/token')
    expect(response.status).toBe(502)
    const text = await response.text()
    expect(JSON.parse(text).error.code).toBe('STITCH_AUTH_TOKEN_REJECTED')
    expect(JSON.parse(text).error.message).toMatch(/invalid_client/)
    expectNoSecrets(text, response.headers)
  })

  it('throws the untouched core error to onError', async () => {
    ctx.sim.fault({ endpoint: 'token', status: 503 })
    const caught: unknown[] = []
    const app = tokenApp(ctx.client(FAST_FAILURE)).onError((error, c) => {
      caught.push(error)
      return c.text('seen', 500)
    })
    expect((await app.request('/token')).status).toBe(500)
    expect(caught).toHaveLength(1)
    expect(caught[0]).toBeInstanceOf(StitchEndpointUnavailableError)
  })

  it("answers other errors as Hono would: an HTTPException's response, else a 500", async () => {
    const app = new Hono()
      .get('/teapot', () => {
        throw new HTTPException(418, { message: 'short and stout' })
      })
      .get('/boom', () => {
        throw new Error('not ours')
      })
      .onError(stitchErrorHandler())
    const teapot = await app.request('/teapot')
    expect(teapot.status).toBe(418)
    expect(await teapot.text()).toBe('short and stout')
    const errors: unknown[] = []
    const original = console.error
    console.error = (error: unknown) => errors.push(error)
    try {
      const boom = await app.request('/boom')
      expect(boom.status).toBe(500)
      expect(await boom.text()).toBe('Internal Server Error')
    } finally {
      console.error = original
    }
    expect(errors).toEqual([expect.objectContaining({ message: 'not ours' })])
  })

  it('passes errors that only borrow a STITCH_AUTH_ code to the fallback', async () => {
    const app = new Hono()
      .get('/look-alike', () => {
        throw Object.assign(new Error('not ours either'), {
          code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
        })
      })
      .onError(
        stitchErrorHandler({ fallback: (error, c) => c.json({ other: error.message }, 500) }),
      )
    const response = await app.request('/look-alike')
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ other: 'not ours either' })
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

  it('throws StitchConfigError for bad options, one problem at a time', () => {
    const shared = ctx.client()
    expect(fail(() => stitchAuth({ client: shared, scopes: [] })).issues).toEqual([
      '"scopes" must be a non-empty array of scopes',
    ])
    expect(
      fail(() => stitchAuth({ client: shared, scopes: ['client_refnd' as never] })).issues,
    ).toEqual([
      '"scopes": unknown scope "client_refnd". Did you mean "client_refund"? Valid scopes: client_paymentrequest, client_bankaccountverification, client_imageupload, client_businesslookup, client_paymentauthorizationrequest, client_refund, client_disbursement, client_recurringpaymentconsentrequest. If Stitch has added this scope, pass allowUnknownScopes: true.',
    ])
    expect(fail(() => stitchAuth({ client: {} } as never)).issues).toEqual([
      '"client" must be a client from createStitchAuth()',
    ])
    expect(fail(() => stitchAuth(undefined as never)).issues).toEqual([
      'options must be an object with a "client"',
    ])
    const withoutDefaults = ctx.client({ scopes: undefined })
    expect(fail(() => stitchAuth({ client: withoutDefaults })).issues).toEqual([
      '"scopes" is required when the client has no default scopes',
    ])
  })

  it('lists every problem at once, and never the secret', () => {
    const error = fail(() =>
      stitchAuth({ client: {}, scopes: [], clientSecret: CLIENT_SECRET } as never),
    )
    expect(error).toMatchObject({ name: 'StitchConfigError', code: 'STITCH_AUTH_CONFIG_INVALID' })
    expect(error.message).toMatch(/^Invalid stitchAuth\(\) options:\n {2}- /)
    expect(error.issues).toEqual([
      'give a "client" from createStitchAuth() and optionally "scopes", nothing else (also got: clientSecret)',
      '"client" must be a client from createStitchAuth()',
      '"scopes" must be a non-empty array of scopes',
    ])
    expect(`${error.message}${JSON.stringify(error)}`).not.toContain(CLIENT_SECRET)

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
})

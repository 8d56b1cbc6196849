import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createPaymentRequestOperation,
  defineOperation,
  defineOperations,
  type FastifyProxyCall,
  type FastifyProxyContext,
  paymentRequestStatusOperation,
  type StitchAuth,
  StitchConfigError,
  stitchErrorHandler,
  stitchProxy,
} from '../src/index.js'
import {
  expectNoSecrets,
  FAST_FAILURE,
  listen,
  useFastifySimulator,
  WRONG_SECRET,
} from './helpers.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the test app's own auth hook, for `authorize`. */
    user?: string
  }
}

const BENEFICIARY = { name: 'Test Shop', bankId: 'fnb', accountNumber: '62000000000' } as const

const paymentRequest = createPaymentRequestOperation<FastifyProxyContext>({
  beneficiary: BENEFICIARY,
  beneficiaryReference: 'TestShop',
  allowBrowserAmount: true,
})
const operations = defineOperations({
  createPaymentRequest: paymentRequest,
  paymentRequestStatus: paymentRequestStatusOperation(),
  // Signed-in shoppers only: the app's own onRequest hook put the user on the request.
  memberPaymentRequest: defineOperation({
    ...paymentRequest,
    authorize: (call: FastifyProxyCall) =>
      call.context.request.user === 'alice' && call.context.reply.statusCode === 200,
  }),
  // A server-side misconfiguration: Stitch refuses the beneficiary.
  misconfigured: createPaymentRequestOperation({
    beneficiary: { ...BENEFICIARY, bankId: 'no_such_bank' },
    beneficiaryReference: 'TestShop',
    allowBrowserAmount: true,
  }),
})

// The proxy's client; a test that makes Stitch refuse a client gives the proxy a fresh one.
const ctx = useFastifySimulator({ sharedClient: FAST_FAILURE })
const onError = vi.fn()
afterEach(() => onError.mockClear())

function fresh(overrides: Parameters<typeof ctx.client>[0]): StitchAuth {
  return ctx.client({ ...FAST_FAILURE, ...overrides })
}

/** The app: its own auth hook, the proxy at /stitch, and a JSON route of its own beside it. */
async function proxyApp(proxyClient: StitchAuth = ctx.sharedClient): Promise<FastifyInstance> {
  const app = ctx.app()
  app.decorateRequest('user', undefined)
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-user']
    if (user === 'banned') throw Object.assign(new Error('banned'), { statusCode: 401 })
    request.user = typeof user === 'string' ? user : undefined
  })
  await app.register(stitchProxy, {
    client: proxyClient,
    operations,
    onError,
    prefix: '/stitch',
  })
  app.post('/echo', async (request) => ({ body: request.body }))
  return app
}

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json(): { data?: Record<string, unknown>; error?: { code?: string; issues?: unknown } }
}

/** A request sent two ways: `fastify.inject()`, and fetch() to the app listening on 127.0.0.1. */
type Send = (
  app: FastifyInstance,
  request: { method?: string; url: string; headers?: Record<string, string>; body?: string },
) => Promise<Answer>

const transports: [string, Send][] = [
  [
    'fastify.inject()',
    async (app, { method = 'POST', url, headers = {}, body }) => {
      const response = await app.inject({
        method: method as 'POST',
        url,
        headers,
        ...(body === undefined ? {} : { payload: body }),
      })
      return {
        status: response.statusCode,
        headers: response.headers as Answer['headers'],
        body: response.body,
        json: () => response.json(),
      }
    },
  ],
  [
    'a listening server',
    async (app, { method = 'POST', url, headers = {}, body }) => {
      const origin = app.server.listening ? originOf(app) : await listen(app)
      const response = await fetch(`${origin}${url}`, { method, headers, body: body ?? null })
      const text = await response.text()
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: text,
        json: () => JSON.parse(text),
      }
    },
  ],
]

function originOf(app: FastifyInstance): string {
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP')
  return `http://127.0.0.1:${address.port}`
}

describe.each(transports)('stitchProxy through %s', (_transport, send) => {
  /** A well-formed proxy call; `headers` and `body` override the defaults. */
  async function call(
    operation: string,
    body: unknown = { amount: 150, reference: 'order-42' },
    options: { headers?: Record<string, string>; app?: FastifyInstance } = {},
  ) {
    const answer = await send(options.app ?? (await proxyApp()), {
      url: `/stitch/${operation}`,
      headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1', ...options.headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    expectNoSecrets(answer)
    return answer
  }

  it('creates a payment request with the beneficiary from the server config, end to end', async () => {
    const app = await proxyApp()
    const before = ctx.sim.paymentRequests.length
    const response = await call('createPaymentRequest', undefined, { app })
    expect(response.status).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.headers['content-type']).toBe('application/json')
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body)))
    expect(ctx.sim.paymentRequests).toHaveLength(before + 1)
    const created = ctx.sim.paymentRequests.at(-1)
    expect(response.json()).toEqual({ data: { id: created?.id, url: created?.url } })
    expect(created).toMatchObject({
      amount: { quantity: '150.00', currency: 'ZAR' },
      payerReference: 'order-42',
      beneficiaryReference: 'TestShop',
      beneficiary: BENEFICIARY,
    })

    const status = await call('paymentRequestStatus', { id: created?.id }, { app })
    expect(status.json()).toEqual({ data: { id: created?.id, status: 'pending', found: true } })
    expect(ctx.sim.stats.apiCalls.total).toBe(2)
    expect(ctx.sim.stats.tokenRequests.total).toBeLessThanOrEqual(1)
  })

  it('gives authorize() the Fastify request and reply, after the app’s own hooks ran', async () => {
    const before = ctx.sim.paymentRequests.length
    const response = await call('memberPaymentRequest', undefined, {
      headers: { 'x-user': 'alice' },
    })
    expect(response.status).toBe(200)
    expect(ctx.sim.paymentRequests).toHaveLength(before + 1)
  })

  it('leaves errors of the app’s own hooks to the app', async () => {
    const response = await call('createPaymentRequest', undefined, {
      headers: { 'x-user': 'banned' },
    })
    expect(response.status).toBe(401)
    expect(response.json()).toMatchObject({ statusCode: 401, message: 'banned' })
    expect(ctx.sim.stats.apiCalls.total).toBe(0)
  })

  describe('denies before Stitch is called', () => {
    afterEach(() => {
      expect(ctx.sim.stats.apiCalls.total).toBe(0)
      expect(ctx.sim.stats.tokenRequests.total).toBe(0)
    })

    const expectDenied = (response: Answer, status: number, code: string) => {
      expectNoSecrets(response)
      expect({ status: response.status, code: response.json().error?.code }).toEqual({
        status,
        code,
      })
      expect(response.headers['cache-control']).toBe('no-store')
    }

    it.each([
      'nope',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      '%5F%5Fproto%5F%5F',
      'createPaymentRequest%2F..',
      'x/createPaymentRequest',
      'createPaymentRequest/',
    ])('an unknown operation: %s', async (operation) => {
      expectDenied(await call(operation), 404, 'unknown_operation')
    })

    it('a call to the prefix itself', async () => {
      const app = await proxyApp()
      for (const url of ['/stitch', '/stitch/']) {
        const response = await send(app, { url, headers: { 'x-stitch-proxy': '1' } })
        expectDenied(response, 404, 'unknown_operation')
      }
    })

    it('GET and other methods', async () => {
      const app = await proxyApp()
      // QUERY without a content type: Fastify refuses it before the route, and hands it to core.
      for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'QUERY']) {
        const response = await send(app, {
          method,
          url: '/stitch/createPaymentRequest',
          headers: { 'x-stitch-proxy': '1' },
        })
        expectDenied(response, 405, 'method_not_allowed')
        expect(response.headers.allow).toBe('POST')
      }
      // No body on the wire (inject() shows what was written before Node drops it).
      const head = await send(app, { method: 'HEAD', url: '/stitch/createPaymentRequest' })
      expect({ status: head.status, allow: head.headers.allow }).toEqual({
        status: 405,
        allow: 'POST',
      })
    })

    it.each([
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      // Malformed: Fastify refuses these before any parser runs, and hands them to core.
      'application/json, text/plain',
      'text/plain; application/json',
    ])('content type %s', async (type) => {
      const response = await call('createPaymentRequest', undefined, {
        headers: { 'content-type': type },
      })
      expectDenied(response, 415, 'unsupported_media_type')
    })

    it('an unknown operation with a malformed content type is still unknown', async () => {
      const response = await call('nope', undefined, {
        headers: { 'content-type': 'application/json, text/plain' },
      })
      expectDenied(response, 404, 'unknown_operation')
    })

    it('a call without the x-stitch-proxy header', async () => {
      const app = await proxyApp()
      const response = await send(app, {
        url: '/stitch/createPaymentRequest',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 150, reference: 'order-42' }),
      })
      expectDenied(response, 403, 'csrf_header_missing')
    })

    it('a body over 16 KB', async () => {
      const body = { amount: 150, reference: 'order-42', padding: 'x'.repeat(17_000) }
      expectDenied(await call('createPaymentRequest', body), 413, 'body_too_large')
    })

    it.each([
      ['at the top', '{"__proto__": {"isAdmin": true}, "amount": 1, "reference": "a"}'],
      ['nested', '{"amount": 1, "reference": "a", "x": {"constructor": {"prototype": {}}}}'],
    ])('keys such as __proto__ (%s), which core sees as sent', async (_where, body) => {
      // Fastify's JSON parser would have answered this itself, in its own format.
      const response = await call('createPaymentRequest', body)
      expectDenied(response, 400, 'invalid_json')
      expect(response.json().error).toEqual({
        code: 'invalid_json',
        message: 'Keys such as __proto__ are not allowed.',
      })
    })

    it('a body that is not JSON, answered by core, not by Fastify’s parser', async () => {
      const response = await call('createPaymentRequest', '{"amount": 1,')
      expectDenied(response, 400, 'invalid_json')
    })

    it('invalid input', async () => {
      const negative = await call('createPaymentRequest', { amount: -1, reference: 'order-42' })
      expectDenied(negative, 400, 'invalid_input')
      expect(negative.json().error?.issues).toEqual([
        { path: 'amount', message: 'must be more than 0' },
      ])

      const extra = await call('createPaymentRequest', {
        amount: 1,
        reference: 'a',
        beneficiary: { accountNumber: '1' },
      })
      expectDenied(extra, 400, 'invalid_input')
    })

    it('authorize() returning false', async () => {
      const response = await call('memberPaymentRequest', undefined, {
        headers: { 'x-user': 'mallory' },
      })
      expectDenied(response, 403, 'forbidden')
    })
  })

  describe('upstream failures are sanitized', () => {
    it('503 with Retry-After when the token endpoint is unavailable', async () => {
      ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 5 })
      const response = await call('createPaymentRequest', undefined, {
        app: await proxyApp(fresh({})),
      })
      expect(response.status).toBe(503)
      expect(response.headers['retry-after']).toBe('5')
      expect(response.json()).toEqual({
        error: {
          code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
          message: 'Stitch is unavailable; try again shortly.',
        },
      })
      expect(ctx.sim.stats.apiCalls.total).toBe(0)
      expect(onError).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE' }),
        'createPaymentRequest',
      )
    })

    it('502 when Stitch refuses the client (wrong secret)', async () => {
      const response = await call('createPaymentRequest', undefined, {
        app: await proxyApp(fresh({ clientSecret: WRONG_SECRET })),
      })
      expect(response.status).toBe(502)
      expect(response.json()).toEqual({
        error: {
          code: 'STITCH_AUTH_TOKEN_REJECTED',
          message: 'Stitch could not complete the request.',
        },
      })
    })

    it('503 STITCH_AUTH_API_UNAVAILABLE when the API connection drops', async () => {
      ctx.sim.fault({ endpoint: 'graphql', reset: true, times: 1 })
      const response = await call('createPaymentRequest')
      expect(response.status).toBe(503)
      expect(response.json().error?.code).toBe('STITCH_AUTH_API_UNAVAILABLE')
    })

    it('502 without Stitch details when Stitch refuses the server-side input', async () => {
      const response = await call('misconfigured')
      expect(response.status).toBe(502)
      expect(response.body).not.toMatch(/no_such_bank|BAD_USER_INPUT/)
      expect(onError).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'STITCH_AUTH_API_ERROR' }),
        'misconfigured',
      )
    })
  })
})

describe('stitchProxy on a listening server', () => {
  it('refuses a chunked body over 16 KB (no Content-Length) without reading all of it', async () => {
    const app = await proxyApp()
    const origin = new URL(await listen(app))
    const body = JSON.stringify({
      amount: 150,
      reference: 'order-42',
      padding: 'x'.repeat(400_000),
    })
    const answer = await new Promise<{
      status: number
      headers: IncomingHttpHeaders
      text: string
    }>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: origin.hostname,
          port: origin.port,
          path: '/stitch/createPaymentRequest',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
        },
        (incoming) => {
          let text = ''
          incoming.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk
          })
          incoming.on('end', () =>
            resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text }),
          )
        },
      )
      outgoing.on('error', reject)
      for (let offset = 0; offset < body.length; offset += 1024) {
        outgoing.write(body.slice(offset, offset + 1024))
      }
      outgoing.end()
    })
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'body_too_large' } })
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
  })

  it('cancels the Stitch call when the browser goes away', async () => {
    const app = await proxyApp()
    const origin = await listen(app)
    await ctx.sharedClient.getToken()
    ctx.sim.fault({ endpoint: 'graphql', hang: true })
    const calls = Array.from({ length: 5 }, () =>
      fetch(`${origin}/stitch/createPaymentRequest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
        body: JSON.stringify({ amount: 150, reference: 'order-42' }),
        signal: AbortSignal.timeout(300),
      }),
    )
    for (const outcome of await Promise.allSettled(calls)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'TimeoutError' } })
    }
    // Each disconnect aborts its Stitch call (the API timeout alone would take 30 s).
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(5), { timeout: 2_000 })
    for (const [error] of onError.mock.calls) {
      expect(error).toMatchObject({ code: 'STITCH_AUTH_ABORTED' })
    }
  })
})

describe('stitchProxy encapsulation', () => {
  it('keeps its body handling and error handler to itself: the app’s routes parse JSON as before', async () => {
    const app = await proxyApp()
    const echoed = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"amount":150}',
    })
    expect(echoed.json()).toEqual({ body: { amount: 150 } })
    // Fastify's own parser and error format outside the proxy.
    const poisoned = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"__proto__":{"x":1}}',
    })
    expect(poisoned.statusCode).toBe(400)
    expect(poisoned.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' })
    const malformed = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json, text/plain' },
      payload: '{}',
    })
    expect(malformed.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })
    // Nothing outside the prefix reaches core.
    const outside = await app.inject({ method: 'POST', url: '/createPaymentRequest' })
    expect(outside.json()).toMatchObject({ statusCode: 404, error: 'Not Found' })
  })

  it('serves two proxies with their own operations and options under two prefixes', async () => {
    const app = ctx.app()
    app.setErrorHandler(stitchErrorHandler())
    await app.register(stitchProxy, {
      client: ctx.sharedClient,
      operations: { createPaymentRequest: paymentRequest },
      prefix: '/shop',
    })
    await app.register(stitchProxy, {
      client: ctx.sharedClient,
      operations: { paymentRequestStatus: paymentRequestStatusOperation() },
      prefix: '/status',
      csrfHeader: 'x-status-call',
      maxBodyBytes: 64,
    })
    const shop = await app.inject({
      method: 'POST',
      url: '/shop/paymentRequestStatus',
      headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
      payload: '{"id":"x"}',
    })
    expect(shop.json().error.code).toBe('unknown_operation')
    const status = await app.inject({
      method: 'POST',
      url: '/status/paymentRequestStatus',
      headers: { 'content-type': 'application/json', 'x-status-call': '1' },
      payload: '{"id":"x"}',
    })
    expect(status.json()).toEqual({ data: { id: 'x', status: 'unknown', found: false } })
    const large = await app.inject({
      method: 'POST',
      url: '/status/paymentRequestStatus',
      headers: { 'content-type': 'application/json', 'x-status-call': '1' },
      payload: JSON.stringify({ id: 'x'.repeat(64) }),
    })
    expect(large.json().error.code).toBe('body_too_large')
  })

  it('refuses bad options when it is registered, with core’s message', async () => {
    const app = ctx.app()
    const error = await app
      .register(stitchProxy, {
        client: ctx.sharedClient,
        operations: { 'bad name': paymentRequest },
        maxBodyBytes: 0,
      })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      )
    expect(error).toBeInstanceOf(StitchConfigError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_CONFIG_INVALID',
      issues: [
        'operation name "bad name" must start with a letter and hold only letters, digits, _ and -',
        '"maxBodyBytes" must be a positive whole number of bytes',
      ],
    })
  })
})

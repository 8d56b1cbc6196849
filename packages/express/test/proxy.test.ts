import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createPaymentRequestOperation,
  defineOperation,
  defineOperations,
  type ExpressProxyCall,
  type ExpressProxyContext,
  paymentRequestStatusOperation,
  type StitchAuth,
  stitchProxy,
} from '../src/index.js'
import { expectNoSecrets, FAST_FAILURE, useAdapterSimulator, WRONG_SECRET } from './helpers.js'

const BENEFICIARY = { name: 'Test Shop', bankId: 'fnb', accountNumber: '62000000000' } as const

const paymentRequest = createPaymentRequestOperation<ExpressProxyContext>({
  beneficiary: BENEFICIARY,
  beneficiaryReference: 'TestShop',
  allowBrowserAmount: true,
})
const operations = defineOperations({
  createPaymentRequest: paymentRequest,
  paymentRequestStatus: paymentRequestStatusOperation(),
  // Signed-in shoppers only: a middleware in front put the user in res.locals.
  memberPaymentRequest: defineOperation({
    ...paymentRequest,
    authorize: (call: ExpressProxyCall) => call.context.res.locals.user === 'alice',
  }),
  // A server-side misconfiguration: Stitch refuses the beneficiary.
  misconfigured: createPaymentRequestOperation({
    beneficiary: { ...BENEFICIARY, bankId: 'no_such_bank' },
    beneficiaryReference: 'TestShop',
    allowBrowserAmount: true,
  }),
})

// The proxy's client; a test that makes Stitch refuse a client gives the proxy a fresh one.
const ctx = useAdapterSimulator({ sharedClient: FAST_FAILURE })

const modes = [
  { mode: 'behind express.json()', json: true },
  { mode: 'without a body parser', json: false },
] as const

describe.each(modes)('stitchProxy() $mode', ({ json }) => {
  const onError = vi.fn()
  afterEach(() => onError.mockClear())

  function app(proxyClient: StitchAuth = ctx.sharedClient) {
    const app = express()
    if (json) app.use(express.json())
    app.use((req, res, next) => {
      res.locals.user = req.get('x-user')
      next()
    })
    app.use('/stitch', stitchProxy({ client: proxyClient, operations, onError }))
    return app
  }

  /** A well-formed proxy call; `headers` and `body` override the defaults. */
  async function call(
    operation: string,
    body: unknown = { amount: 150, reference: 'order-42' },
    options: { headers?: Record<string, string>; target?: express.Express } = {},
  ) {
    let pending = request(options.target ?? app())
      .post(`/stitch/${operation}`)
      .set({ 'content-type': 'application/json', 'x-stitch-proxy': '1', ...options.headers })
    pending = pending.send(typeof body === 'string' ? body : JSON.stringify(body))
    const response = await pending
    expectNoSecrets(response)
    return response
  }

  it('creates a payment request with the beneficiary from the server config', async () => {
    const before = ctx.sim.paymentRequests.length
    const response = await call('createPaymentRequest')
    expect(response.status).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(ctx.sim.paymentRequests).toHaveLength(before + 1)
    const created = ctx.sim.paymentRequests.at(-1)
    expect(response.body).toEqual({ data: { id: created?.id, url: created?.url } })
    expect(created).toMatchObject({
      amount: { quantity: '150.00', currency: 'ZAR' },
      payerReference: 'order-42',
      beneficiaryReference: 'TestShop',
      beneficiary: BENEFICIARY,
    })

    const status = await call('paymentRequestStatus', { id: created?.id })
    expect(status.body).toEqual({ data: { id: created?.id, status: 'pending', found: true } })
    expect(ctx.sim.stats.apiCalls.total).toBe(2)
  })

  it('gives authorize() the Express req and res', async () => {
    const before = ctx.sim.paymentRequests.length
    const response = await call('memberPaymentRequest', undefined, {
      headers: { 'x-user': 'alice' },
    })
    expect(response.status).toBe(200)
    expect(ctx.sim.paymentRequests).toHaveLength(before + 1)
  })

  describe('denies before Stitch is called', () => {
    afterEach(() => {
      expect(ctx.sim.stats.apiCalls.total).toBe(0)
      expect(ctx.sim.stats.tokenRequests.total).toBe(0)
    })

    const expectDenied = (
      response: {
        status: number
        body: { error?: { code?: string } }
        text: string
        headers: Record<string, unknown>
      },
      status: number,
      code: string,
    ) => {
      expectNoSecrets(response)
      expect({ status: response.status, code: response.body.error?.code }).toEqual({ status, code })
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
    ])('an unknown operation: %s', async (operation) => {
      expectDenied(await call(operation), 404, 'unknown_operation')
    })

    it('a call to the mount point itself', async () => {
      const response = await request(app()).post('/stitch').set('x-stitch-proxy', '1')
      expectDenied(response, 404, 'unknown_operation')
    })

    it('GET and other methods', async () => {
      for (const method of ['get', 'put', 'delete', 'options'] as const) {
        const response = await request(app())
          [method]('/stitch/createPaymentRequest')
          .set('x-stitch-proxy', '1')
        expectDenied(response, 405, 'method_not_allowed')
        expect(response.headers.allow).toBe('POST')
      }
    })

    it('text/plain', async () => {
      const response = await call('createPaymentRequest', undefined, {
        headers: { 'content-type': 'text/plain' },
      })
      expectDenied(response, 415, 'unsupported_media_type')
    })

    it('a form', async () => {
      const response = await request(app())
        .post('/stitch/createPaymentRequest')
        .set('x-stitch-proxy', '1')
        .type('form')
        .send({ amount: '150', reference: 'order-42' })
      expectDenied(response, 415, 'unsupported_media_type')
    })

    it('a call without the x-stitch-proxy header', async () => {
      const response = await request(app())
        .post('/stitch/createPaymentRequest')
        .send({ amount: 150, reference: 'order-42' })
      expectDenied(response, 403, 'csrf_header_missing')
    })

    it('a body over 16 KB', async () => {
      const body = { amount: 150, reference: 'order-42', padding: 'x'.repeat(17_000) }
      expectDenied(await call('createPaymentRequest', body), 413, 'body_too_large')
    })

    it('a body over 16 KB sent chunked, without Content-Length', async () => {
      const body = JSON.stringify({
        amount: 150,
        reference: 'order-42',
        padding: 'x'.repeat(40_000),
      })
      const response = await chunkedPost(app(), '/stitch/createPaymentRequest', body)
      expect(response.headers['content-length']).toBeDefined()
      expectDenied(response, 413, 'body_too_large')
    })

    it.each([
      ['at the top', '{"__proto__": {"isAdmin": true}, "amount": 1, "reference": "a"}'],
      ['nested', '{"amount": 1, "reference": "a", "x": {"constructor": {"prototype": {}}}}'],
    ])('keys such as __proto__ (%s)', async (_where, body) => {
      expectDenied(await call('createPaymentRequest', body), 400, 'invalid_json')
    })

    it('invalid input', async () => {
      const negative = await call('createPaymentRequest', { amount: -1, reference: 'order-42' })
      expectDenied(negative, 400, 'invalid_input')
      expect(negative.body.error.issues).toEqual([
        { path: 'amount', message: 'must be more than 0' },
      ])

      const long = await call('createPaymentRequest', { amount: 1, reference: 'x'.repeat(13) })
      expectDenied(long, 400, 'invalid_input')
      expect(long.body.error.issues).toEqual([
        { path: 'reference', message: 'must be at most 12 characters' },
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

    it('a body that is not JSON', async () => {
      const response = await call('createPaymentRequest', '{"amount": 1,')
      if (json) {
        // express.json() answers this itself, before the proxy runs.
        expect(response.status).toBe(400)
        expect(ctx.sim.stats.apiCalls.total).toBe(0)
      } else {
        expectDenied(response, 400, 'invalid_json')
      }
    })
  })

  describe('upstream failures are sanitized', () => {
    it('503 with Retry-After when the token endpoint is unavailable', async () => {
      ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 5 })
      const response = await call('createPaymentRequest', undefined, {
        target: app(fresh({})),
      })
      expect(response.status).toBe(503)
      expect(response.headers['retry-after']).toBe('5')
      expect(response.body).toEqual({
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
        target: app(fresh({ clientSecret: WRONG_SECRET })),
      })
      expect(response.status).toBe(502)
      expect(response.body).toEqual({
        error: {
          code: 'STITCH_AUTH_TOKEN_REJECTED',
          message: 'Stitch could not complete the request.',
        },
      })
    })

    it('502 when the API fails', async () => {
      ctx.sim.fault({ endpoint: 'graphql', status: 500, times: 1 })
      const before = ctx.sim.paymentRequests.length
      const response = await call('createPaymentRequest')
      expect(response.status).toBe(502)
      expect(response.body.error.code).toBe('STITCH_AUTH_API_ERROR')
      expect(ctx.sim.paymentRequests).toHaveLength(before)
    })

    it('503 STITCH_AUTH_API_UNAVAILABLE when the API connection drops', async () => {
      ctx.sim.fault({ endpoint: 'graphql', reset: true, times: 1 })
      const response = await call('createPaymentRequest')
      expect(response.status).toBe(503)
      expect(response.body).toEqual({
        error: {
          code: 'STITCH_AUTH_API_UNAVAILABLE',
          message: 'Stitch is unavailable; try again shortly.',
        },
      })
    })

    it('502 without Stitch details when Stitch refuses the server-side input', async () => {
      const response = await call('misconfigured')
      expect(response.status).toBe(502)
      expect(response.text).not.toMatch(/no_such_bank|BAD_USER_INPUT/)
      expect(onError).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'STITCH_AUTH_API_ERROR' }),
        'misconfigured',
      )
    })
  })
})

/** A client of its own, cold and with fast failures, for the tests that break it. */
function fresh(overrides: Parameters<typeof ctx.client>[0]): StitchAuth {
  return ctx.client({ ...FAST_FAILURE, ...overrides })
}

/** POSTs `body` with Transfer-Encoding: chunked, in 1 KB writes, with Node's own client. */
async function chunkedPost(app: express.Express, path: string, body: string) {
  const server: Server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  try {
    return await new Promise<{
      status: number
      headers: IncomingHttpHeaders
      body: { error?: { code?: string } }
      text: string
    }>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          port,
          host: '127.0.0.1',
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
        },
        (incoming) => {
          let text = ''
          incoming.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk
          })
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              headers: incoming.headers,
              body: JSON.parse(text),
              text,
            }),
          )
        },
      )
      outgoing.on('error', reject)
      for (let offset = 0; offset < body.length; offset += 1024) {
        outgoing.write(body.slice(offset, offset + 1024))
      }
      outgoing.end()
    })
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

// stitchProxy() end to end against the simulator, over HTTP through @hono/node-server and in
// process through Hono's app.request(): the ready-made payment operation, hooks that read the
// Hono context, refusals before Stitch, sanitized failures, and calls cancelled on disconnect.
import { Hono } from 'hono'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  createPaymentRequestOperation,
  defineOperation,
  defineOperations,
  type HonoProxyCall,
  type HonoProxyContext,
  paymentRequestStatusOperation,
  stitchProxy,
} from '../src/index.js'
import {
  expectNoSecrets,
  FAST_FAILURE,
  listen,
  type ServedApp,
  useAdapterSimulator,
} from './helpers.js'

const BENEFICIARY = { name: 'Test Shop', bankId: 'fnb', accountNumber: '62000000000' } as const

/** The app's own Env: a sign-in middleware in front of the proxy sets `user`. */
type AppEnv = { Variables: { user: string | undefined } }

const paymentRequest = createPaymentRequestOperation<HonoProxyContext>({
  beneficiary: BENEFICIARY,
  beneficiaryReference: 'TestShop',
  allowBrowserAmount: true,
})
const operations = defineOperations({
  createPaymentRequest: paymentRequest,
  paymentRequestStatus: paymentRequestStatusOperation(),
  // Signed-in shoppers only.
  memberPaymentRequest: defineOperation({
    ...paymentRequest,
    authorize: (call: HonoProxyCall<AppEnv>) => call.context.get('user') === 'alice',
  }),
})

const ctx = useAdapterSimulator({ sharedClient: FAST_FAILURE })

const onError = vi.fn()
afterEach(() => onError.mockClear())

function app(): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .use(async (c, next) => {
      c.set('user', c.req.header('x-user'))
      await next()
    })
    .route('/stitch', stitchProxy({ client: ctx.sharedClient, operations, onError }))
}

type Send = (path: string, init: RequestInit) => Promise<Response>

const transports: { name: string; start: () => Promise<{ send: Send; close(): Promise<void> }> }[] =
  [
    {
      name: 'over HTTP (@hono/node-server)',
      async start() {
        const served: ServedApp = await listen(app())
        return { send: (path, init) => fetch(`${served.url}${path}`, init), close: served.close }
      },
    },
    {
      name: 'in process (app.request)',
      async start() {
        const target = app()
        return { send: async (path, init) => target.request(path, init), close: async () => {} }
      },
    },
  ]

describe.each(transports)('stitchProxy() $name', ({ start }) => {
  let send: Send
  let close: () => Promise<void>
  beforeAll(async () => {
    ;({ send, close } = await start())
  })
  afterAll(() => close())

  /** A well-formed proxy call; `headers` override the defaults. */
  async function call(
    operation: string,
    body: unknown = { amount: 150, reference: 'order-42' },
    headers: Record<string, string> = {},
  ) {
    const response = await send(`/stitch/${operation}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await response.text()
    expectNoSecrets(text, response.headers)
    expect(text).not.toMatch(/access_token|Bearer/)
    return { status: response.status, headers: response.headers, body: JSON.parse(text) }
  }

  it('creates a payment request with the beneficiary from the server config', async () => {
    const response = await call('createPaymentRequest')
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(ctx.sim.paymentRequests.length).toBeGreaterThan(0)
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

  it("gives authorize() the Hono context, with the app's variables", async () => {
    const before = ctx.sim.paymentRequests.length
    expect((await call('memberPaymentRequest', undefined, { 'x-user': 'alice' })).status).toBe(200)
    expect(ctx.sim.paymentRequests).toHaveLength(before + 1)

    const refused = await call('memberPaymentRequest', undefined, { 'x-user': 'mallory' })
    expect(refused).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', message: 'Not allowed.' } },
    })
    expect(ctx.sim.paymentRequests).toHaveLength(before + 1)
  })

  it('refuses before Stitch is called', async () => {
    expect(await call('clientRefundInitiate')).toMatchObject({
      status: 404,
      body: { error: { code: 'unknown_operation' } },
    })
    expect(await call('createPaymentRequest', undefined, { 'x-stitch-proxy': '' })).toMatchObject({
      status: 403,
      body: { error: { code: 'csrf_header_missing' } },
    })
    expect(await call('createPaymentRequest', { amount: -1, reference: 'order-42' })).toEqual({
      status: 400,
      headers: expect.anything(),
      body: {
        error: {
          code: 'invalid_input',
          message: 'The input is invalid.',
          issues: [{ path: 'amount', message: 'must be more than 0' }],
        },
      },
    })
    const get = await send('/stitch/createPaymentRequest', { method: 'GET' })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(await get.json()).toMatchObject({ error: { code: 'method_not_allowed' } })
    expect(ctx.sim.stats.apiCalls.total).toBe(0)
    expect(onError).not.toHaveBeenCalled()
  })

  it('hides upstream failures from the browser and hands them to onError', async () => {
    ctx.sim.fault({ endpoint: 'graphql', status: 503, retryAfter: 4 })
    const response = await call('createPaymentRequest')
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('4')
    expect(response.body).toEqual({
      error: {
        code: 'STITCH_AUTH_API_UNAVAILABLE',
        message: 'Stitch is unavailable; try again shortly.',
      },
    })
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'STITCH_AUTH_API_UNAVAILABLE' }),
      'createPaymentRequest',
    )
  })
})

describe('stitchProxy() mounting', () => {
  it('serves under a basePath and beside other routes', async () => {
    const api = new Hono()
      .basePath('/api')
      .get('/health', (c) => c.text('ok'))
      .route('/stitch', stitchProxy({ client: ctx.sharedClient, operations }))
    const response = await api.request('/api/stitch/paymentRequestStatus', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
      body: JSON.stringify({ id: 'no-such-request' }),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      data: { id: 'no-such-request', status: 'unknown', found: false },
    })
    expect(await (await api.request('/api/health')).text()).toBe('ok')
    // Outside its mount the proxy answers nothing: the app's own 404.
    expect((await api.request('/api/createPaymentRequest', { method: 'POST' })).status).toBe(404)
  })

  it('cancels its Stitch call when the browser goes away (over HTTP)', async () => {
    await ctx.sharedClient.getToken()
    ctx.sim.fault({ endpoint: 'graphql', hang: true })
    const served = await listen(app())
    try {
      const gaveUp = fetch(`${served.url}/stitch/createPaymentRequest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
        body: JSON.stringify({ amount: 150, reference: 'order-42' }),
        signal: AbortSignal.timeout(300),
      })
      await expect(gaveUp).rejects.toMatchObject({ name: 'TimeoutError' })
      // The API timeout alone would take 30 s.
      await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1), { timeout: 2_000 })
      expect(onError).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'STITCH_AUTH_ABORTED' }),
        'createPaymentRequest',
      )
    } finally {
      ctx.sim.clearFaults()
      await served.close()
    }
  })
})

// stitchWebhooks() on a real Express app on 127.0.0.1, receiving the simulator's signed
// deliveries (real events and made-up ones), plus deliveries signed by the official svix package.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import express, { type RequestHandler } from 'express'
import fc from 'fast-check'
import { Webhook } from 'svix'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createStitchAuth, StitchConfigError } from '../src/index.js'
import { addWebhookEndpoint, createPaymentRequest } from '../src/operations.js'
import {
  keepRawBody,
  type StitchWebhookErrorInfo,
  type StitchWebhooksOptions,
  stitchWebhooks,
} from '../src/webhooks.js'
import { CLIENT_ID, CLIENT_SECRET } from './helpers.js'

const PATH = '/webhooks/stitch'

function makeSecret(bytes = 24): string {
  return `whsec_${randomBytes(bytes).toString('base64')}`
}

/** An Express app listening on 127.0.0.1:0, closed with `await using`. */
async function listen(app: express.Express): Promise<{ url: string } & AsyncDisposable> {
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`
  return {
    url,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

function startSim(): Promise<StitchSimulator> {
  return startStitchSimulator({
    clients: [
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['client_paymentrequest'] },
    ],
  })
}

/** A delivery signed by the official svix package, as Stitch's provider signs. */
function svixDelivery(secret: string, body: string, options: { id?: string; at?: Date } = {}) {
  const id = options.id ?? `msg_${randomBytes(12).toString('hex')}`
  const at = options.at ?? new Date()
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
      'svix-signature': new Webhook(secret).sign(id, at, body),
    } as Record<string, string>,
  }
}

function post(url: string, delivery: { body: string; headers: Record<string, string> }) {
  return fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body })
}

const paymentBody = (id = 'cGF5cmVxLzEyMw==') =>
  JSON.stringify({
    data: {
      client: {
        paymentInitiationRequests: {
          node: {
            __typename: 'PaymentInitiationRequest',
            id,
            externalReference: 'order-42',
            amount: { quantity: '150.00', currency: 'ZAR' },
            state: {
              __typename: 'PaymentInitiationRequestCompleted',
              date: '2025-03-01T10:00:00Z',
            },
          },
          eventId: 'ZXZlbnQvMQ==',
          subscriptionId: 'c3ViLzE=',
          time: '2025-03-01T10:00:00.000Z',
        },
      },
    },
  })

const BENEFICIARY = {
  bankAccount: { name: 'My Shop', bankId: 'fnb', accountNumber: '62000000000' },
}

describe('end to end with the simulator', () => {
  async function subscribedApp(sim: StitchSimulator, options: Partial<StitchWebhooksOptions>) {
    const stitch = createStitchAuth({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scopes: ['client_paymentrequest'],
      tokenUrl: sim.tokenUrl,
      apiUrl: sim.graphqlUrl,
    })
    const app = express()
    const server = await listen(app)
    // Core's operation lets plain HTTP through for a loopback host, as the simulator does.
    const endpoint = await stitch.run(addWebhookEndpoint, {
      input: { url: server.url, filterTypes: ['payment'] },
    })
    app.post(PATH, stitchWebhooks({ secrets: endpoint.secret ?? '', on: {}, ...options }))
    app.use(express.json())
    const request = await stitch.run(createPaymentRequest, {
      input: {
        amount: { quantity: 150, currency: 'ZAR' },
        payerReference: 'order-42',
        beneficiaryReference: 'MyShop',
        externalReference: 'order-42',
        beneficiary: BENEFICIARY,
      },
    })
    return { server, stitch, request }
  }

  it('runs the typed payment handler once for a paid payment request, answered 204', async () => {
    await using sim = await startSim()
    const payment = vi.fn()
    const onError = vi.fn()
    const { server, stitch, request } = await subscribedApp(sim, { on: { payment }, onError })
    await using _server = server

    sim.completePaymentRequest(request.id)
    const [delivery, ...others] = await sim.webhooksSettled()

    expect(others).toEqual([])
    expect(delivery).toMatchObject({ type: 'payment', status: 'delivered', url: server.url })
    expect(delivery?.attempts.map((attempt) => attempt.status)).toEqual([204])
    expect(payment).toHaveBeenCalledTimes(1)
    const [event, info] = payment.mock.calls[0] ?? []
    expect(event).toMatchObject({
      type: 'payment',
      known: true,
      data: {
        id: request.id,
        externalReference: 'order-42',
        state: { __typename: 'PaymentInitiationRequestCompleted' },
      },
    })
    expect(info.id).toBe(delivery?.id)
    expect(onError).not.toHaveBeenCalled()
    await stitch.close()
  })

  it('answers 500 when the handler throws, and runs it again on the retry of the same svix-id', async () => {
    await using sim = await startSim()
    const seen: string[] = []
    const payment = vi.fn((_event: unknown, delivery: { id: string }) => {
      seen.push(delivery.id)
      if (seen.length === 1) throw new Error('the order database is down')
    })
    const onError = vi.fn()
    const { server, stitch, request } = await subscribedApp(sim, { on: { payment }, onError })
    await using _server = server

    sim.completePaymentRequest(request.id)
    const [delivery] = await sim.webhooksSettled()

    expect(delivery?.status).toBe('delivered')
    expect(delivery?.attempts.map((attempt) => attempt.status)).toEqual([500, 204])
    expect(delivery?.attempts.map((attempt) => attempt.headers['svix-id'])).toEqual([
      delivery?.id,
      delivery?.id,
    ])
    // Core's fixed message: the handler's own error stays on the server.
    expect(JSON.parse(delivery?.attempts[0]?.response ?? '')).toEqual({
      error: { code: 'STITCH_AUTH_INTERNAL', message: 'The server failed unexpectedly.' },
    })
    expect(seen).toEqual([delivery?.id, delivery?.id])
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ message: 'the order database is down' })
    expect(onError.mock.calls[0]?.[1]).toMatchObject({ stage: 'handler', deliveryId: delivery?.id })
    await stitch.close()
  })
})

describe('deliveries', () => {
  let sim: StitchSimulator
  beforeAll(async () => {
    sim = await startSim()
  })
  afterAll(() => sim.close())

  async function receiver(options: Partial<StitchWebhooksOptions> = {}) {
    const secret = makeSecret()
    const payment = vi.fn()
    const onError = vi.fn<(error: unknown, info: StitchWebhookErrorInfo) => void>()
    const app = express()
    app.post(PATH, stitchWebhooks({ secrets: secret, on: { payment }, onError, ...options }))
    const server = await listen(app)
    return { secret, payment, onError, server, url: server.url }
  }

  it('accepts a delivery signed by the official svix package', async () => {
    const { secret, payment, server } = await receiver()
    await using _server = server
    const delivery = svixDelivery(secret, paymentBody('cGF5cmVxLzk5'))

    const response = await post(server.url, delivery)

    expect(response.status).toBe(204)
    expect(payment).toHaveBeenCalledTimes(1)
    expect(payment.mock.calls[0]?.[0]).toMatchObject({
      type: 'payment',
      data: { id: 'cGF5cmVxLzk5' },
    })
    expect(payment.mock.calls[0]?.[1]).toMatchObject({ id: delivery.headers['svix-id'] })
  })

  const refusals = [
    {
      name: 'a tampered body',
      spec: { signature: 'tampered' },
      status: 401,
      code: 'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
      message: 'The webhook signature does not match.',
    },
    {
      name: 'a wrong secret',
      spec: { signature: 'wrong-secret' },
      status: 401,
      code: 'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
      message: 'The webhook signature does not match.',
    },
    {
      name: 'a stale timestamp',
      spec: { timestamp: Math.floor(Date.now() / 1000) - 600 },
      status: 401,
      code: 'STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
      message: 'The webhook timestamp is outside the allowed window.',
    },
    {
      name: 'a future timestamp',
      spec: { timestamp: Math.floor(Date.now() / 1000) + 600 },
      status: 401,
      code: 'STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
      message: 'The webhook timestamp is outside the allowed window.',
    },
  ] as const

  it.each(refusals)(
    'refuses $name with $status $code, without running the handler',
    async (refusal) => {
      const { secret, payment, onError, server } = await receiver()
      await using _server = server

      const delivery = await sim.sendWebhook({
        url: server.url,
        secret,
        type: 'payment',
        ...refusal.spec,
      })

      const [attempt] = delivery.attempts
      expect(attempt?.status).toBe(refusal.status)
      expect(JSON.parse(attempt?.response ?? '')).toEqual({
        error: { code: refusal.code, message: refusal.message },
      })
      expect(payment).not.toHaveBeenCalled()
      expect(onError).toHaveBeenCalledTimes(1)
      expect(onError.mock.calls[0]?.[0]).toMatchObject({
        code: refusal.code,
        deliveryId: delivery.id,
      })
      expect(onError.mock.calls[0]?.[1]).toEqual({ stage: 'verify', deliveryId: delivery.id })
    },
  )

  it.each(['svix-id', 'svix-timestamp', 'svix-signature'])(
    'refuses a delivery without %s with 400, without running the handler',
    async (missing) => {
      const { secret, payment, server } = await receiver()
      await using _server = server
      const delivery = svixDelivery(secret, paymentBody())
      delete delivery.headers[missing]

      const response = await post(server.url, delivery)

      expect(response.status).toBe(400)
      expect(await response.json()).toEqual({
        error: {
          code: 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID',
          message: 'A svix-id, svix-timestamp or svix-signature header is missing or malformed.',
        },
      })
      expect(payment).not.toHaveBeenCalled()
    },
  )

  it('answers a replayed delivery id 200 without running the handler again', async () => {
    const { secret, payment, server } = await receiver()
    await using _server = server
    const id = `msg_${randomBytes(12).toString('hex')}`

    const first = await sim.sendWebhook({ url: server.url, secret, type: 'payment', id })
    const replay = await sim.sendWebhook({ url: server.url, secret, type: 'payment', id })

    expect(first.attempts[0]?.status).toBe(204)
    expect(replay.attempts[0]?.status).toBe(200)
    expect(JSON.parse(replay.attempts[0]?.response ?? '')).toEqual({ duplicate: true })
    expect(payment).toHaveBeenCalledTimes(1)
  })

  it('accepts the old and the new secret during a rotation, and no other', async () => {
    const oldSecret = makeSecret()
    const newSecret = makeSecret()
    const { payment, server } = await receiver({ secrets: [newSecret, oldSecret] })
    await using _server = server

    const statuses = []
    for (const secret of [oldSecret, newSecret, makeSecret()]) {
      const delivery = await sim.sendWebhook({ url: server.url, secret, type: 'payment' })
      statuses.push(delivery.attempts[0]?.status)
    }

    expect(statuses).toEqual([204, 204, 401])
    expect(payment).toHaveBeenCalledTimes(2)
  })

  it('answers 413 to a body over maxBodyBytes, and the connection stays usable', async () => {
    const { secret, payment, server } = await receiver({ maxBodyBytes: 1024 })
    await using _server = server

    const big = await post(
      server.url,
      svixDelivery(secret, JSON.stringify({ pad: 'x'.repeat(4096) })),
    )
    const small = await post(server.url, svixDelivery(secret, paymentBody()))

    expect(big.status).toBe(413)
    expect(await big.json()).toEqual({
      error: { code: 'body_too_large', message: 'The body is over 1024 bytes.' },
    })
    expect(small.status).toBe(204)
    expect(payment).toHaveBeenCalledTimes(1)
  })

  it('answers 405 with Allow: POST to another method where it is mounted for every method', async () => {
    const app = express()
    app.use(PATH, stitchWebhooks({ secrets: makeSecret(), on: {} }))
    await using server = await listen(app)

    const response = await fetch(server.url)

    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })
})

describe('body parsers in front', () => {
  let sim: StitchSimulator
  beforeAll(async () => {
    sim = await startSim()
  })
  afterAll(() => sim.close())

  const CONFIG_ANSWER = {
    error: {
      code: 'STITCH_AUTH_CONFIG_INVALID',
      message: 'The server is not set up correctly for Stitch.',
    },
  }

  const parsers: { name: string; parser: () => RequestHandler }[] = [
    { name: 'express.json()', parser: () => express.json() },
    { name: 'express.text()', parser: () => express.text({ type: 'application/json' }) },
    {
      name: 'express.urlencoded()',
      parser: () => express.urlencoded({ type: 'application/json', extended: false }),
    },
  ]

  it.each(parsers)(
    'answers 500 behind $name without the raw body, saying how to mount it, and never runs the handler',
    async ({ parser }) => {
      const secret = makeSecret()
      const payment = vi.fn()
      const onError = vi.fn()
      const app = express()
      app.use(parser())
      app.post(PATH, stitchWebhooks({ secrets: secret, on: { payment }, onError }))
      await using server = await listen(app)

      const delivery = await sim.sendWebhook({ url: server.url, secret, type: 'payment' })

      expect(delivery.attempts[0]?.status).toBe(500)
      expect(JSON.parse(delivery.attempts[0]?.response ?? '')).toEqual(CONFIG_ANSWER)
      expect(payment).not.toHaveBeenCalled()
      expect(onError).toHaveBeenCalledTimes(1)
      const [error, info] = onError.mock.calls[0] ?? []
      expect(error).toBeInstanceOf(StitchConfigError)
      expect(error).toMatchObject({
        code: 'STITCH_AUTH_CONFIG_INVALID',
        issues: [
          `the body of POST ${PATH} was read by a body parser (express.json(), express.urlencoded() or express.text()) before stitchWebhooks(), which kept only the parsed body: the webhook signature covers the raw bytes. Mount stitchWebhooks() before express.json() (app.post('/webhooks/stitch', stitchWebhooks(…)) above app.use(express.json())), or keep the raw bytes with express.json({ verify: keepRawBody })`,
        ],
      })
      expect((error as Error).message).toMatch(/^Cannot verify a Stitch webhook:\n {2}- the body/)
      expect(info).toEqual({ stage: 'verify', deliveryId: delivery.id })
    },
  )

  it('writes the mounting mistake to console.error when there is no onError', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const secret = makeSecret()
      const app = express()
      app.use(express.json())
      app.post(PATH, stitchWebhooks({ secrets: secret, on: {} }))
      await using server = await listen(app)

      const delivery = await sim.sendWebhook({ url: server.url, secret, type: 'payment' })

      expect(delivery.attempts[0]?.status).toBe(500)
      expect(consoleError).toHaveBeenCalledTimes(1)
      expect(consoleError.mock.calls[0]?.[0]).toBeInstanceOf(StitchConfigError)
    } finally {
      consoleError.mockRestore()
    }
  })

  it('keeps answering when onError throws', async () => {
    const app = express()
    app.use(express.json())
    const onError = () => {
      throw new Error('the logger is down')
    }
    const secret = makeSecret()
    app.post(PATH, stitchWebhooks({ secrets: secret, on: {}, onError }))
    await using server = await listen(app)

    const delivery = await sim.sendWebhook({ url: server.url, secret, type: 'payment' })

    expect(JSON.parse(delivery.attempts[0]?.response ?? '')).toEqual(CONFIG_ANSWER)
  })

  // Pretty-printed, so only the bytes as sent verify: JSON.stringify(req.body) would not.
  const prettyBody = JSON.stringify(JSON.parse(paymentBody('cGF5cmVxLzc3')), null, 2)

  const working: {
    name: string
    mount: (app: express.Express, hook: RequestHandler) => void
    orderType?: string
  }[] = [
    {
      name: 'mounted before express.json()',
      mount: (app, hook) => {
        app.post(PATH, hook)
        app.use(express.json())
      },
    },
    {
      name: 'behind express.json({ verify: keepRawBody })',
      mount: (app, hook) => {
        app.use(express.json({ verify: keepRawBody }))
        app.post(PATH, hook)
      },
    },
    {
      name: "behind express.raw({ type: 'application/json' })",
      mount: (app, hook) => {
        app.use(PATH, express.raw({ type: 'application/json' }))
        app.use(express.json())
        app.post(PATH, hook)
      },
    },
    {
      name: 'behind express.json() for another content type',
      mount: (app, hook) => {
        app.use(express.json({ type: 'application/vnd.api+json' }))
        app.post(PATH, hook)
      },
      orderType: 'application/vnd.api+json',
    },
  ]

  it.each(working)('verifies the exact bytes $name', async ({ mount, orderType }) => {
    const secret = makeSecret()
    const payment = vi.fn()
    const app = express()
    mount(app, stitchWebhooks({ secrets: secret, on: { payment } }))
    // The app's other JSON routes keep their parsed body.
    app.post('/orders', (req, res) => {
      res.json({ got: req.body })
    })
    await using server = await listen(app)

    const delivery = await sim.sendWebhook({
      url: server.url,
      secret,
      type: 'payment',
      body: prettyBody,
    })
    const order = await fetch(server.url.replace(PATH, '/orders'), {
      method: 'POST',
      headers: { 'content-type': orderType ?? 'application/json' },
      body: '{"id":"order-42"}',
    })

    expect(delivery.attempts[0]?.status).toBe(204)
    expect(payment).toHaveBeenCalledTimes(1)
    expect(payment.mock.calls[0]?.[0]).toMatchObject({ data: { id: 'cGF5cmVxLzc3' } })
    expect(await order.json()).toEqual({ got: { id: 'order-42' } })
  })
})

describe('options', () => {
  it('are checked by core when the handler is made, with every problem listed', () => {
    const short = `whsec_${randomBytes(8).toString('base64')}`
    let thrown: unknown
    try {
      stitchWebhooks({
        secrets: [short, 'not-a-secret'],
        on: { paymnet: () => {} } as StitchWebhooksOptions['on'],
        maxBodyBytes: 0,
      })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(StitchConfigError)
    expect(thrown).toMatchObject({
      code: 'STITCH_AUTH_CONFIG_INVALID',
      issues: [
        '"secrets[0]" must hold a key of 24 to 75 bytes after "whsec_", as Svix makes them: is it cut short or joined to something?',
        '"secrets[1]" must start with "whsec_": use the signing secret Stitch gave for this endpoint (clientWebhookAdd returns it as "secret")',
        expect.stringMatching(/^"on\.paymnet" is not an event type/),
        '"maxBodyBytes" must be a positive whole number of bytes',
      ],
    })
    expect(inspect(thrown)).not.toContain(short)
  })
})

describe('secrets never leak', () => {
  it('holds no secret in any answer, log, onError report or error (property)', async () => {
    let current: RequestHandler = (_req, res) => {
      res.end()
    }
    const app = express()
    app.post(PATH, (req, res, next) => current(req, res, next))
    app.use('/late', express.json(), (req, res, next) => current(req, res, next))
    await using server = await listen(app)
    const lateUrl = server.url.replace(PATH, '/late')

    const logged: unknown[] = []
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(...args)
      }),
    )
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 24, maxLength: 75 }),
          fc.uint8Array({ minLength: 24, maxLength: 75 }),
          async (key, otherKey) => {
            const secret = `whsec_${Buffer.from(key).toString('base64')}`
            const other = `whsec_${Buffer.from(otherKey).toString('base64')}`
            const seen: string[] = []
            const reported: unknown[] = []
            current = stitchWebhooks({
              secrets: [secret],
              on: {
                payment: () => {
                  throw new Error('handler failed')
                },
              },
              onError: (error, info) => reported.push(error, info),
            })
            const body = paymentBody()
            const valid = svixDelivery(secret, body)
            const deliveries = [
              [server.url, valid],
              [server.url, { ...valid, body: body.replace('150.00', '250.00') }],
              [server.url, svixDelivery(other, body)],
              [server.url, svixDelivery(secret, body, { at: new Date(Date.now() - 3_600_000) })],
              [server.url, { body, headers: { 'content-type': 'application/json' } }],
              [lateUrl, valid],
            ] as const
            const statuses: number[] = []
            for (const [url, delivery] of deliveries) {
              const response = await post(url, delivery)
              statuses.push(response.status)
              seen.push(JSON.stringify([...response.headers]), await response.text())
            }
            // Every path ran: handler failed, tampered, wrong secret, stale, no headers, parsed body.
            expect(statuses).toEqual([500, 401, 401, 401, 400, 500])
            // A secret with a stray newline, as read from a file: refused, and not shown.
            for (const secrets of [`${secret}\n`, secret.slice(0, 20), [other, `${secret} `]]) {
              try {
                stitchWebhooks({ secrets, on: {} })
              } catch (error) {
                reported.push(error)
              }
            }

            const everything = [
              ...seen,
              ...[...reported, ...logged].map((item) =>
                typeof item === 'string'
                  ? item
                  : `${inspect(item, { depth: 10 })}${safeJson(item)}`,
              ),
            ].join('\n')
            for (const needle of [secret, other, secret.slice(6), other.slice(6)]) {
              expect(everything).not.toContain(needle)
            }
            expect(reported.length).toBeGreaterThan(0)
          },
        ),
        { numRuns: 25 },
      )
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })
})

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? ''
  } catch {
    return ''
  }
}

describe('the README', () => {
  it('runs the Webhooks example against the simulator', async () => {
    await using sim = await startSim()
    const stitch = createStitchAuth({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scopes: ['client_paymentrequest'],
      tokenUrl: sim.tokenUrl,
      apiUrl: sim.graphqlUrl,
    })
    const orders = {
      markPaid: vi.fn(async (_orderId: string, _amount: string) => {}),
      markFailed: vi.fn(async (_orderId: string, _why: string) => {}),
    }
    const refunds = { update: vi.fn(async (_id: string, _status: string) => {}) }
    const app = express()
    await using server = await listen(app)
    const { secret } = await stitch.run(addWebhookEndpoint, {
      input: { url: server.url, filterTypes: ['payment', 'refund'] },
    })
    const env = { STITCH_WEBHOOK_SECRET: secret }

    app.post(
      '/webhooks/stitch',
      stitchWebhooks({
        secrets: env.STITCH_WEBHOOK_SECRET!,
        on: {
          payment: async ({ data }) => {
            if (data.externalReference === undefined) return
            switch (data.state.__typename) {
              case 'PaymentInitiationRequestCompleted':
                await orders.markPaid(data.externalReference, data.amount?.quantity ?? '')
                break
              case 'PaymentInitiationRequestCancelled':
              case 'PaymentInitiationRequestExpired':
                await orders.markFailed(data.externalReference, data.state.__typename)
                break
              default:
            }
          },
          refund: ({ data }) => refunds.update(data.id, data.status.__typename),
          unknown: (event) => console.warn('unhandled Stitch webhook', event.type, event.reason),
        },
        onError: (error, { stage, deliveryId }) =>
          console.error('Stitch webhook', stage, deliveryId, error),
      }),
    )
    app.use(express.json())

    const paid = await stitch.run(createPaymentRequest, {
      input: {
        amount: { quantity: 150, currency: 'ZAR' },
        payerReference: 'order-42',
        beneficiaryReference: 'MyShop',
        externalReference: 'order-42',
        beneficiary: BENEFICIARY,
      },
    })
    const cancelled = await stitch.run(createPaymentRequest, {
      input: {
        amount: { quantity: 99, currency: 'ZAR' },
        payerReference: 'order-43',
        beneficiaryReference: 'MyShop',
        externalReference: 'order-43',
        beneficiary: BENEFICIARY,
      },
    })
    sim.completePaymentRequest(paid.id)
    sim.cancelPaymentRequest(cancelled.id, 'the shopper left')
    const deliveries = await sim.webhooksSettled()

    expect(
      deliveries.map((delivery) => delivery.attempts.map((attempt) => attempt.status)),
    ).toEqual([[204], [204]])
    expect(orders.markPaid).toHaveBeenCalledWith('order-42', '150.00')
    expect(orders.markFailed).toHaveBeenCalledWith('order-43', 'PaymentInitiationRequestCancelled')
    await stitch.close()
  })
})

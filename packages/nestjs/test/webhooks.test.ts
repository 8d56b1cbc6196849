import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import {
  type INestApplication,
  Inject,
  Injectable,
  type LoggerService,
  Module,
  type NestApplicationOptions,
} from '@nestjs/common'
import { ConfigModule, ConfigService } from '@nestjs/config'
import { ModuleRef } from '@nestjs/core'
import { Test } from '@nestjs/testing'
import { createStitchAuth } from '@stitch-auth/core'
import {
  type StitchSimulator,
  startStitchSimulator,
  type WebhookDeliveryLogEntry,
} from '@stitch-auth/testing'
import { Webhook } from 'svix'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createStitchWebhookController,
  type KnownStitchWebhookEvent,
  StitchAuthModule,
  type StitchAuthModuleOptions,
  StitchAuthService,
  StitchConfigError,
  StitchWebhookController,
  type StitchWebhookDelivery,
} from '../src/index.js'
import { addWebhookEndpoint, createPaymentRequest } from '../src/operations.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  createApp,
  PLATFORMS,
  type PlatformName,
  request,
  SIM_SCOPES,
  simulatorOptions,
} from './helpers.js'

/** A signing secret as Svix makes them: `whsec_` and 24 random bytes in base64. */
const makeSecret = () => `whsec_${randomBytes(24).toString('base64')}`

/** Fast retries, so the retry of a failed delivery comes within the test. */
function startSimulator(): Promise<StitchSimulator> {
  return startStitchSimulator({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: SIM_SCOPES }],
    webhookRetryDelaysMs: [50, 100],
  })
}

/** Nest's logger output, every line, to look for what it says and what it must never say. */
function captureLogs(): { logger: LoggerService; lines: string[] } {
  const lines: string[] = []
  const record =
    (level: string) =>
    (...parts: unknown[]) => {
      lines.push(`${level} ${parts.map(String).join(' ')}`)
    }
  const logger: LoggerService = {
    log: record('log'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
    verbose: record('verbose'),
    fatal: record('fatal'),
  }
  return { logger, lines }
}

/**
 * A port nothing listens on now. The endpoint's URL (and so the port) must be known before
 * the app boots, because the secret Stitch returns for it is part of the app's options.
 */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** The app's own service, which the webhook handler calls: as an app records payments. */
@Injectable()
class OrdersService {
  /** Every run of the handler, by delivery id, including those that threw. */
  readonly runs: string[] = []
  readonly payments: { id: string; state: string; reference?: string; deliveryId: string }[] = []
  failuresLeft = 0

  async recordPayment(
    event: KnownStitchWebhookEvent<'payment'>,
    delivery: StitchWebhookDelivery,
  ): Promise<void> {
    this.runs.push(delivery.id)
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1
      throw new Error('the orders database is down')
    }
    this.payments.push({
      id: event.data.id,
      state: event.data.state.__typename,
      reference: event.data.externalReference,
      deliveryId: delivery.id,
    })
  }
}

@Module({ providers: [OrdersService], exports: [OrdersService] })
class OrdersModule {}

/** As the README has it: secrets from ConfigService, the handler a method of an injected service. */
function webhookAppModule(
  sim: StitchSimulator,
  env: Record<string, string>,
  controller = StitchWebhookController,
) {
  @Module({
    imports: [
      OrdersModule,
      StitchAuthModule.forRootAsync({
        imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => env] }), OrdersModule],
        inject: [ConfigService, OrdersService],
        useFactory: (config: ConfigService, orders: OrdersService): StitchAuthModuleOptions => ({
          ...simulatorOptions(sim),
          webhooks: {
            secrets: [
              config.getOrThrow<string>('STITCH_WEBHOOK_SECRET'),
              config.getOrThrow<string>('STITCH_WEBHOOK_SECRET_OLD'),
            ],
            eventTypes: ['payment'],
            on: { payment: (event, delivery) => orders.recordPayment(event, delivery) },
          },
        }),
      }),
    ],
    controllers: [controller],
  })
  class AppModule {}
  return AppModule
}

/**
 * The body Stitch sends for a payment request's change (see core's events.ts), laid out as no
 * JSON parser would write it again: only the bytes as sent match their signature.
 */
function paymentBody(id: string): string {
  const event = {
    data: {
      client: {
        paymentInitiationRequests: {
          eventId: randomBytes(8).toString('hex'),
          subscriptionId: 'c3ViLzE=',
          time: new Date().toISOString(),
          node: {
            __typename: 'PaymentInitiationRequest',
            id,
            externalReference: 'order-svix',
            amount: { quantity: '10.00', currency: 'ZAR' },
            state: {
              __typename: 'PaymentInitiationRequestCompleted',
              date: '2025-03-01T10:00:00Z',
            },
          },
        },
      },
    },
  }
  return `${JSON.stringify(event, null, 2)}\n`
}

/** A delivery signed by the official `svix` package with each secret (two: as in a rotation). */
function svixDelivery(
  secrets: string[],
  body: string,
  id = `msg_${randomBytes(8).toString('hex')}`,
) {
  const now = new Date()
  const signature = secrets.map((secret) => new Webhook(secret).sign(id, now, body)).join(' ')
  return {
    id,
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
      'svix-signature': signature,
    },
  }
}

const statuses = (entry: WebhookDeliveryLogEntry | undefined) =>
  entry?.attempts.map((attempt) => attempt.status)
const answer = (entry: WebhookDeliveryLogEntry, attempt = 0): unknown =>
  JSON.parse(entry.attempts[attempt]?.response ?? 'null')

/** The secret and its key, as they could leak: whole, or the base64 after `whsec_`. */
const forms = (secret: string) => [secret, secret.slice('whsec_'.length)]

async function listenOn(
  platform: PlatformName,
  module: unknown,
  options: NestApplicationOptions,
  port = 0,
): Promise<{ app: INestApplication; url: string }> {
  const app = await createApp(platform, module, options)
  await app.listen(port, '127.0.0.1')
  return { app, url: await app.getUrl() }
}

describe.each(PLATFORMS)('on %s', (platform: PlatformName) => {
  describe('StitchWebhookController with rawBody: true', () => {
    let sim: StitchSimulator
    let app: INestApplication
    let url: string
    let orders: OrdersService
    let endpoint: { id: string; secret: string }
    const oldSecret = makeSecret()
    const logs = captureLogs()
    /** Every answer a test got straight from the app, to look for leaks. */
    const answers: string[] = []

    beforeAll(async () => {
      sim = await startSimulator()
      const port = await freePort()
      url = `http://127.0.0.1:${port}/webhooks/stitch`
      // Subscribe first, as one does once in real life: Stitch returns the endpoint's secret.
      const stitch = createStitchAuth(simulatorOptions(sim))
      const added = await stitch.run(addWebhookEndpoint, {
        input: { url, filterTypes: ['payment'] },
      })
      await stitch.close()
      endpoint = { id: added.id ?? '', secret: added.secret ?? '' }
      const env = { STITCH_WEBHOOK_SECRET: endpoint.secret, STITCH_WEBHOOK_SECRET_OLD: oldSecret }
      ;({ app } = await listenOn(
        platform,
        webhookAppModule(sim, env),
        { rawBody: true, logger: logs.logger },
        port,
      ))
      orders = app.get(OrdersService)
    })

    afterAll(async () => {
      await app.close()
      await sim.close()
    })

    beforeEach(() => {
      orders.runs.length = 0
      orders.payments.length = 0
      orders.failuresLeft = 0
    })

    it('runs the payment handler of the injected service once when the payer pays', async () => {
      const { id } = await app.get(StitchAuthService).run(createPaymentRequest, {
        input: {
          amount: { quantity: 150, currency: 'ZAR' },
          payerReference: 'order-42',
          beneficiaryReference: 'NestShop',
          externalReference: 'order-42',
          beneficiary: {
            bankAccount: { name: 'Nest Shop', bankId: 'fnb', accountNumber: '62000000000' },
          },
        },
      })

      sim.completePaymentRequest(id)
      const deliveries = (await sim.webhooksSettled()).filter((entry) => entry.body.includes(id))

      expect(deliveries).toHaveLength(1)
      const [delivery] = deliveries
      expect(delivery).toMatchObject({
        endpointId: endpoint.id,
        type: 'payment',
        trigger: 'event',
        status: 'delivered',
      })
      expect(statuses(delivery)).toEqual([204])
      expect(orders.payments).toEqual([
        {
          id,
          state: 'PaymentInitiationRequestCompleted',
          reference: 'order-42',
          deliveryId: delivery?.id,
        },
      ])
    })

    it('accepts deliveries signed by the official svix package, with either secret', async () => {
      // One signature per secret; the last carries an unknown one first, as a rotation may.
      for (const secrets of [[endpoint.secret], [oldSecret], [makeSecret(), endpoint.secret]]) {
        const body = paymentBody('pay-svix')
        const signed = svixDelivery(secrets, body)
        const response = await request(url, { method: 'POST', headers: signed.headers, body })
        answers.push(response.text)

        expect(response.status).toBe(204)
        expect(orders.runs.at(-1)).toBe(signed.id)
      }
      expect(orders.payments.map((payment) => payment.id)).toEqual([
        'pay-svix',
        'pay-svix',
        'pay-svix',
      ])
    })

    // Express leaves a type it has no parser for unread; Fastify reads text/plain as text,
    // which is the bytes as sent. Neither is a missing rawBody.
    it('takes a delivery whose body the platform kept as sent (text/plain)', async () => {
      const body = paymentBody('pay-text')
      const signed = svixDelivery([endpoint.secret], body)
      const response = await request(url, {
        method: 'POST',
        headers: { ...signed.headers, 'content-type': 'text/plain' },
        body,
      })

      expect(response.status).toBe(204)
      expect(orders.runs).toEqual([signed.id])
    })

    it('accepts the current and the previous secret during a rotation', async () => {
      const current = await sim.sendWebhook({ endpointId: endpoint.id, type: 'payment' })
      const previous = await sim.sendWebhook({ url, secret: oldSecret, type: 'payment' })
      const other = await sim.sendWebhook({ url, secret: makeSecret(), type: 'payment' })

      expect(statuses(current)).toEqual([204])
      expect(statuses(previous)).toEqual([204])
      expect(statuses(other)).toEqual([401])
      expect(orders.runs).toEqual([current.id, previous.id])
    })

    it.each([
      ['a tampered body', { signature: 'tampered' }, 401, 'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID'],
      [
        'a wrong secret',
        { signature: 'wrong-secret' },
        401,
        'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
      ],
      [
        'a stale timestamp',
        { timestamp: Math.floor(Date.now() / 1000) - 600 },
        401,
        'STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
      ],
    ] as const)('refuses %s without running the handler', async (_case, spec, status, code) => {
      const entry = await sim.sendWebhook({ endpointId: endpoint.id, type: 'payment', ...spec })

      expect(statuses(entry)).toEqual([status])
      expect(answer(entry)).toEqual({ error: { code, message: expect.any(String) } })
      expect(orders.runs).toEqual([])
      // Refusals go to Nest's logger as warnings, with the delivery id to find it at Stitch.
      expect(logs.lines).toContainEqual(
        expect.stringMatching(new RegExp(`^warn Stitch webhook ${entry.id} refused: .*${code}`)),
      )
    })

    it.each([
      ['no svix headers', {}],
      ['no svix-signature', { 'svix-id': 'msg_1', 'svix-timestamp': String(Date.now() / 1000) }],
    ])('refuses a delivery with %s: 400', async (_case, headers) => {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: paymentBody('pay-unsigned'),
      })
      answers.push(response.text)

      expect(response).toMatchObject({
        status: 400,
        json: { error: { code: 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID' } },
      })
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(orders.runs).toEqual([])
    })

    it('answers a replayed delivery id 200 and runs the handler once', async () => {
      const first = await sim.sendWebhook({ endpointId: endpoint.id, type: 'payment' })
      const replay = await sim.sendWebhook({
        endpointId: endpoint.id,
        type: 'payment',
        id: first.id,
        body: first.body,
      })

      expect(statuses(first)).toEqual([204])
      expect(statuses(replay)).toEqual([200])
      expect(answer(replay)).toEqual({ duplicate: true })
      expect(orders.runs).toEqual([first.id])
    })

    it('answers 500 when the handler throws, and the simulator’s retry runs it', async () => {
      orders.failuresLeft = 1

      const sent = await sim.sendWebhook({ endpointId: endpoint.id, type: 'payment', retry: true })
      const entry = (await sim.webhooksSettled()).find((delivery) => delivery.id === sent.id)

      expect(entry?.status).toBe('delivered')
      expect(statuses(entry)).toEqual([500, 204])
      // Core's fixed message: the handler's own error stays on the server.
      expect(entry && answer(entry)).toEqual({
        error: { code: 'STITCH_AUTH_INTERNAL', message: 'The server failed unexpectedly.' },
      })
      expect(entry?.attempts[0]?.response).not.toContain('database')
      expect(orders.runs).toEqual([sent.id, sent.id])
      expect(orders.payments).toHaveLength(1)
      expect(logs.lines).toContainEqual(
        expect.stringContaining(
          `error Stitch webhook ${sent.id} failed (handler): Error: the orders database is down`,
        ),
      )
    })

    it('answers another method 405 with Allow: POST, as core does', async () => {
      const response = await request(url)
      answers.push(response.text)

      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
      expect(response.json).toMatchObject({ error: { code: 'method_not_allowed' } })
    })

    it('never puts a secret in an answer or in Nest’s logs', () => {
      const sent = [
        ...answers,
        ...sim.webhookDeliveries.flatMap((entry) =>
          entry.attempts.map((attempt) => attempt.response ?? ''),
        ),
      ].join('\n')
      const logged = logs.lines.join('\n')
      // Not vacuous: the tests above made the app answer and log refusals and failures.
      expect(sent).toContain('STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID')
      expect(logged).toContain('STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE')
      for (const secret of [...forms(endpoint.secret), ...forms(oldSecret), CLIENT_SECRET]) {
        expect(sent).not.toContain(secret)
        expect(logged).not.toContain(secret)
      }
    })
  })

  describe('an app without rawBody: true', () => {
    let sim: StitchSimulator
    beforeAll(async () => {
      sim = await startSimulator()
    })
    afterAll(async () => {
      await sim.close()
    })

    async function start(options: NestApplicationOptions, webhooks: object = {}) {
      const secret = makeSecret()
      const payment = vi.fn()
      @Module({
        imports: [
          StitchAuthModule.forRoot({
            ...simulatorOptions(sim),
            webhooks: { secrets: secret, on: { payment }, ...webhooks },
          }),
        ],
        controllers: [StitchWebhookController],
      })
      class AppModule {}
      const running = await listenOn(platform, AppModule, options)
      return { ...running, secret, payment, url: `${running.url}/webhooks/stitch` }
    }

    it('answers 500 with core’s body and logs what to change; the handler never runs', async () => {
      const logs = captureLogs()
      const { app, url, secret, payment } = await start({ logger: logs.logger })
      try {
        const entry = await sim.sendWebhook({ url, secret, type: 'payment' })

        expect(statuses(entry)).toEqual([500])
        expect(answer(entry)).toEqual({
          error: {
            code: 'STITCH_AUTH_CONFIG_INVALID',
            message: 'The server is not set up correctly for Stitch.',
          },
        })
        expect(payment).not.toHaveBeenCalled()
        const logged = logs.lines.join('\n')
        expect(logged).toContain(
          `error Stitch webhook ${entry.id} failed (verify): StitchConfigError (STITCH_AUTH_CONFIG_INVALID): The Stitch webhook controller at "webhooks/stitch" got a body already parsed, without its bytes`,
        )
        expect(logged).toContain('NestFactory.create(AppModule, { rawBody: true })')
        for (const form of forms(secret)) expect(logged).not.toContain(form)
      } finally {
        await app.close()
      }
    })

    it('gives onError the StitchConfigError, with the delivery id', async () => {
      const onError = vi.fn()
      const { app, url, secret, payment } = await start({}, { onError })
      try {
        const entry = await sim.sendWebhook({ url, secret, type: 'payment' })

        expect(statuses(entry)).toEqual([500])
        expect(payment).not.toHaveBeenCalled()
        expect(onError).toHaveBeenCalledOnce()
        const [error, info] = onError.mock.calls[0] ?? []
        expect(error).toBeInstanceOf(StitchConfigError)
        expect(error).toMatchObject({
          code: 'STITCH_AUTH_CONFIG_INVALID',
          issues: [expect.stringContaining('NestFactory.create(AppModule, { rawBody: true })')],
        })
        expect(info).toEqual({ stage: 'verify', deliveryId: entry.id })
      } finally {
        await app.close()
      }
    })

    // With no body parser, nothing has read the stream, which holds the bytes as sent. On
    // Fastify its own JSON parser still reads it, so rawBody: true is still needed there.
    it(`with bodyParser: false ${platform === 'express' ? 'reads the stream' : 'answers 500'}`, async () => {
      const { app, url, secret, payment } = await start({ bodyParser: false })
      try {
        const entry = await sim.sendWebhook({ url, secret, type: 'payment' })

        if (platform === 'express') {
          expect(statuses(entry)).toEqual([204])
          expect(payment).toHaveBeenCalledOnce()
        } else {
          expect(statuses(entry)).toEqual([500])
          expect(payment).not.toHaveBeenCalled()
        }
      } finally {
        await app.close()
      }
    })
  })

  describe('createStitchWebhookController(path)', () => {
    it('mounts the endpoint at another path', async () => {
      const sim = await startSimulator()
      const secret = makeSecret()
      const payment = vi.fn()
      @Module({
        imports: [
          StitchAuthModule.forRoot({
            ...simulatorOptions(sim),
            webhooks: { secrets: secret, on: { payment } },
          }),
        ],
        controllers: [createStitchWebhookController('hooks/stitch')],
      })
      class AppModule {}
      const { app, url } = await listenOn(platform, AppModule, { rawBody: true })
      try {
        const moved = await sim.sendWebhook({ url: `${url}/hooks/stitch`, secret, type: 'payment' })
        const old = await sim.sendWebhook({
          url: `${url}/webhooks/stitch`,
          secret,
          type: 'payment',
        })

        expect(statuses(moved)).toEqual([204])
        expect(statuses(old)).toEqual([404])
        expect(payment).toHaveBeenCalledOnce()
      } finally {
        await app.close()
        await sim.close()
      }
    })
  })

  describe('bad configuration fails bootstrap', () => {
    it('rejects the webhook controller when the module has no webhooks option', async () => {
      const sim = await startSimulator()
      @Module({
        imports: [StitchAuthModule.forRoot(simulatorOptions(sim))],
        controllers: [StitchWebhookController],
      })
      class WebhooksWithoutOptions {}
      try {
        await expect(createApp(platform, WebhooksWithoutOptions)).rejects.toMatchObject({
          name: 'StitchConfigError',
          code: 'STITCH_AUTH_CONFIG_INVALID',
          issues: [
            'a webhook controller is mounted at "webhooks/stitch", but StitchAuthModule has no "webhooks" option: add webhooks: { secrets, on }',
          ],
        })
      } finally {
        await sim.close()
      }
    })
  })
})

describe('the webhooks option is checked at bootstrap', () => {
  const options = {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    tokenUrl: 'https://simulator.example/connect/token',
    apiUrl: 'https://simulator.example/graphql',
  }

  function compile(moduleOptions: unknown) {
    return Test.createTestingModule({
      imports: [StitchAuthModule.forRoot(moduleOptions as StitchAuthModuleOptions)],
    }).compile()
  }

  it('lists every problem, core’s and the module’s, under "webhooks", and no secret', async () => {
    const short = `whsec_${randomBytes(8).toString('base64')}`
    const spaced = ` ${makeSecret()}`
    const error: unknown = await compile({
      ...options,
      refreshJitter: 3,
      exposeMessages: 'yes',
      webhooks: {
        secrets: [short, spaced],
        on: { paymnt: () => {}, refund: 'no' },
        maxBodyBytes: 0,
      },
    }).catch((failure: unknown) => failure)

    expect(error).toBeInstanceOf(StitchConfigError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_CONFIG_INVALID',
      message: expect.stringMatching(/^Invalid stitch-auth options:\n {2}- /),
      issues: [
        expect.stringMatching(/^"refreshJitter" /),
        '"exposeMessages" must be true or false',
        expect.stringMatching(/^"webhooks\.secrets\[0\]" must hold a key of 24 to 75 bytes/),
        expect.stringMatching(/^"webhooks\.secrets\[1\]" has spaces or a line break around it/),
        expect.stringMatching(/^"webhooks\.on\.paymnt" is not an event type: use one of payment, /),
        '"webhooks.on.refund" must be a function',
        '"webhooks.maxBodyBytes" must be a positive whole number of bytes',
      ],
    })
    const text = `${(error as Error).message}${JSON.stringify(error)}`
    for (const secret of [short, spaced.trim(), CLIENT_SECRET]) {
      for (const form of forms(secret)) expect(text).not.toContain(form)
    }
  })

  it.each([
    ['null', null],
    ['a list', [makeSecret()]],
    ['a string', makeSecret()],
  ])('refuses webhooks that is %s', async (_case, webhooks) => {
    await expect(compile({ ...options, webhooks })).rejects.toMatchObject({
      name: 'StitchConfigError',
      issues: ['"webhooks" must be an object with "secrets" and "on"'],
    })
  })

  it('refuses webhooks without secrets or handlers', async () => {
    await expect(compile({ ...options, webhooks: {} })).rejects.toMatchObject({
      issues: [
        '"webhooks.secrets" must be the endpoint\'s signing secret ("whsec_…"), or a non-empty list of them',
        expect.stringMatching(/^"webhooks\.on" must be an object of handlers by event type/),
      ],
    })
  })

  it('checks forRootAsync’s webhooks the same way', async () => {
    const compiled = Test.createTestingModule({
      imports: [
        StitchAuthModule.forRootAsync({
          imports: [
            ConfigModule.forRoot({
              ignoreEnvFile: true,
              load: [() => ({ STITCH_WEBHOOK_SECRET: 'not-a-whsec-secret' })],
            }),
          ],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            ...options,
            webhooks: { secrets: config.getOrThrow<string>('STITCH_WEBHOOK_SECRET'), on: {} },
          }),
        }),
      ],
    }).compile()

    const error: unknown = await compiled.catch((failure: unknown) => failure)
    expect(error).toMatchObject({
      name: 'StitchConfigError',
      issues: [expect.stringMatching(/^"webhooks\.secrets" must start with "whsec_"/)],
    })
    expect(JSON.stringify(error)).not.toContain('not-a-whsec-secret')
  })

  it('lets a handler’s service reach StitchAuthService through ModuleRef, as the README says', async () => {
    @Injectable()
    class RefundsService {
      constructor(@Inject(ModuleRef) private readonly moduleRef: ModuleRef) {}
      stitch(): StitchAuthService {
        return this.moduleRef.get(StitchAuthService, { strict: false })
      }
    }
    @Module({ providers: [RefundsService], exports: [RefundsService] })
    class RefundsModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        RefundsModule,
        StitchAuthModule.forRootAsync({
          imports: [RefundsModule],
          inject: [RefundsService],
          useFactory: (refunds: RefundsService) => ({
            ...options,
            webhooks: { secrets: makeSecret(), on: { refund: () => void refunds.stitch() } },
          }),
        }),
      ],
    }).compile()
    expect(moduleRef.get(RefundsService).stitch()).toBe(moduleRef.get(StitchAuthService))
    await moduleRef.close()
  })
})

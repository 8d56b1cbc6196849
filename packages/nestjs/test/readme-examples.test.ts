// The README's examples, run as written: each block is read from the README by its section's
// heading and saved beside the package under the file name its first line gives (the blocks
// import each other by those names), then imported; vitest compiles Nest's decorators as the
// README's last section says. `app.listen(3000)` listens on a free port of 127.0.0.1 instead.
import { readFileSync, rmSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { INestApplication, NestApplicationOptions, Type } from '@nestjs/common'
import { NestApplication, NestFactory } from '@nestjs/core'
import { Test } from '@nestjs/testing'
import { createStitchAuth } from '@stitch-auth/core'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import {
  readmeBlock,
  runReadmeBlock,
  saveReadmeBlock,
} from '../../../test-support/readme-examples.js'
import { StitchAuthModule } from '../src/index.js'
import { addWebhookEndpoint, createPaymentRequest } from '../src/operations.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  SIM_SCOPES,
  simulatorOptions,
  startSimulator,
} from './helpers.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const SCRATCH = join(ROOT, '.readme-examples')

/** What the README's PaymentsService offers, as this file calls it. */
interface Payments {
  create(amount: number, reference: string): Promise<{ id: string; url: string }>
  refund(paymentRequestId: string, rand: number): Promise<unknown>
}

/** The file name a block gives on its first line (`// app.module.ts: …`). */
function fileName(code: string): string {
  const name = /^\/\/ ([\w.-]+\.ts)\b/.exec(code)?.[1]
  if (name === undefined) throw new Error(`a block does not start with its file name:\n${code}`)
  return name
}

/** A port nothing listens on now: the endpoint's URL must be known before the app boots. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * The apps the blocks create with NestFactory.create(), quiet, with a bootstrap failure
 * rejecting instead of aborting the process, and listening on 127.0.0.1:`port`.
 */
function bootedApps(port: number): INestApplication[] {
  const apps: INestApplication[] = []
  const create = NestFactory.create.bind(NestFactory) as (
    module: unknown,
    options: NestApplicationOptions,
  ) => Promise<INestApplication>
  vi.spyOn(NestFactory, 'create').mockImplementation((async (
    module: unknown,
    options: NestApplicationOptions = {},
  ) => {
    const app = await create(module, { logger: false, abortOnError: false, ...options })
    apps.push(app)
    return app
  }) as never)
  const { listen } = NestApplication.prototype
  vi.spyOn(NestApplication.prototype, 'listen').mockImplementation(function (
    this: NestApplication,
  ) {
    return listen.call(this, port, '127.0.0.1')
  })
  return apps
}

afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }))

// The testing section is a test itself: it runs here as one of this file's tests.
describe('the README testing section', async () => {
  const code = readmeBlock(README, '## Testing with `@stitch-auth/testing`', "it('")
  await runReadmeBlock(SCRATCH, 'testing/gets-a-token.ts', code)
})

describe('the README', () => {
  it('injecting the service: PaymentsService creates a payment request, and refunds it once', async () => {
    await using sim = await startSimulator()
    const code = readmeBlock(README, '## Injecting the service', 'class PaymentsService')
    const { PaymentsService } = (await runReadmeBlock(
      SCRATCH,
      'service/payments.service.ts',
      code,
    )) as { PaymentsService: Type<Payments> }
    const moduleRef = await Test.createTestingModule({
      imports: [StitchAuthModule.forRoot({ ...simulatorOptions(sim), scopes: [...SIM_SCOPES] })],
      providers: [PaymentsService],
    }).compile()
    await using _module = { [Symbol.asyncDispose]: () => moduleRef.close() }
    const payments = moduleRef.get(PaymentsService)

    const created = await payments.create(150, 'order-42')
    expect(created).toEqual({ id: expect.any(String), url: expect.stringContaining(sim.url) })
    expect(sim.paymentRequests[0]).toMatchObject({
      amount: { quantity: '150.00', currency: 'ZAR' },
      externalReference: 'order-42',
    })
    sim.completePaymentRequest(created.id)
    const refund = await payments.refund(created.id, 50)
    expect(refund).toMatchObject({ nonce: `refund-${created.id}` })
    // A second click: refused as a duplicate, not a second refund.
    await expect(payments.refund(created.id, 50)).rejects.toMatchObject({
      code: 'STITCH_AUTH_API_NONCE_REUSED',
      statusCode: 409,
    })
    expect(sim.refunds).toHaveLength(1)
  })

  it('webhooks: a paid payment request reaches OrdersService, a forgery and an unknown event do not', async () => {
    await using sim = await startSimulator()
    const stitch = createStitchAuth(simulatorOptions(sim))
    const port = await freePort()
    const endpoint = await stitch.run(addWebhookEndpoint, {
      input: { url: `http://127.0.0.1:${port}/webhooks/stitch`, filterTypes: ['payment'] },
    })
    vi.stubEnv('STITCH_CLIENT_ID', CLIENT_ID)
    vi.stubEnv('STITCH_CLIENT_SECRET', CLIENT_SECRET)
    vi.stubEnv('STITCH_WEBHOOK_SECRET', endpoint.secret ?? '')
    const files: Record<string, string> = {}
    for (const marker of ['// orders.service.ts', '// app.module.ts', '// main.ts']) {
      const code = readmeBlock(README, '## Webhooks', marker)
      const name = fileName(code)
      files[name] = saveReadmeBlock(SCRATCH, `webhooks/${name}`, code)
    }
    const { OrdersService } = await import(/* @vite-ignore */ files['orders.service.ts']!)
    const onPayment = vi.spyOn(OrdersService.prototype, 'onPayment')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const apps = bootedApps(port)

    await import(/* @vite-ignore */ files['main.ts']!)
    expect(apps).toHaveLength(1)
    await using _app = { [Symbol.asyncDispose]: () => apps[0]!.close() }

    const { id } = await stitch.run(createPaymentRequest, {
      input: {
        amount: { quantity: 150, currency: 'ZAR' },
        payerReference: 'order-42',
        beneficiaryReference: 'MyShop',
        externalReference: 'order-42',
        beneficiary: {
          bankAccount: { name: 'My Shop', bankId: 'fnb', accountNumber: '62000000000' },
        },
      },
    })
    sim.completePaymentRequest(id)
    const [delivery, ...others] = await sim.webhooksSettled()
    const forged = await sim.sendWebhook({
      endpointId: endpoint.id,
      type: 'payment',
      signature: 'tampered',
    })
    const unknown = await sim.sendWebhook({
      endpointId: endpoint.id,
      type: 'payout',
      body: { data: { client: { payouts: { node: { id: 'cGF5b3V0LzE=' } } } } },
    })

    expect(others).toEqual([])
    expect(delivery?.attempts.map((attempt) => attempt.status)).toEqual([204])
    expect(onPayment).toHaveBeenCalledTimes(1)
    expect(onPayment.mock.calls[0]?.[0]).toMatchObject({
      type: 'payment',
      known: true,
      data: {
        id,
        externalReference: 'order-42',
        amount: { quantity: '150.00', currency: 'ZAR' },
        state: { __typename: 'PaymentInitiationRequestCompleted' },
      },
    })
    expect(forged.attempts[0]?.status).toBe(401)
    expect(unknown.attempts[0]?.status).toBe(204)
    expect(warn).toHaveBeenCalledExactlyOnceWith(
      'Unhandled Stitch webhook',
      undefined,
      'unknown-type',
    )
    await stitch.close()
  })
})

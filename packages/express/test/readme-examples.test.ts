// The README's examples, run as written: each block is read from the README by its section's
// heading, saved beside the package as a module and imported, with the requests it sends to
// Stitch's hosts answered by the simulator. What a block takes from an earlier section ("as
// above": the app, the client) is handed to it by name; `app.listen(3000)` hands over the app.
import { readFileSync, rmSync } from 'node:fs'
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import express from 'express'
import request from 'supertest'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { readmeBlock, runReadmeBlock } from '../../../test-support/readme-examples.js'
import { createStitchAuth, type StitchScope } from '../src/index.js'
import { addWebhookEndpoint, createPaymentRequest } from '../src/operations.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const SCRATCH = join(ROOT, '.readme-examples')
const CLIENT_ID = 'readme-client'
const CLIENT_SECRET = 'readme-secret'

/** The apps the blocks start with `app.listen(3000)`, kept instead of listening. */
function listenedApps(): express.Express[] {
  const apps: express.Express[] = []
  vi.spyOn(express.application, 'listen').mockImplementation(function (this: express.Express) {
    apps.push(this)
    return undefined as never
  })
  return apps
}

/** The blocks' client reads its credentials from the environment and calls Stitch's URLs. */
function routeStitchTo(sim: StitchSimulator): void {
  vi.stubGlobal('fetch', sim.fetch)
  vi.stubEnv('STITCH_CLIENT_ID', CLIENT_ID)
  vi.stubEnv('STITCH_CLIENT_SECRET', CLIENT_SECRET)
}

/** The README's client, pointed at the simulator: what the blocks are handed as `stitch`. */
function simulatorClient(sim: StitchSimulator, scopes: StitchScope[] = ['client_paymentrequest']) {
  return createStitchAuth({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes,
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
  })
}

function startSim(): Promise<StitchSimulator> {
  return startStitchSimulator({
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        scopes: ['client_paymentrequest', 'client_bankaccountverification'],
      },
    ],
  })
}

/** A server on 127.0.0.1:0 that hands every request to `handler()`, closed with `await using`. */
async function listen(handler: () => RequestListener) {
  const server = createServer((req, res) => handler()(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }))

describe('the README', () => {
  it('quick start: the proxy charges the order’s total, and the route gets a token', async () => {
    await using sim = await startSim()
    routeStitchTo(sim)
    const apps = listenedApps()

    await runReadmeBlock(
      SCRATCH,
      'quick-start',
      readmeBlock(README, '## Quick start', 'stitchProxy('),
    )

    expect(apps).toHaveLength(1)
    const app = apps[0]!
    const created = await request(app)
      .post('/stitch/createPaymentRequest')
      .set('x-stitch-proxy', '1')
      .send({ amount: 1, reference: 'order-42' })
      .expect(200)
    expect(created.body.data.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pay\//)
    // The order's total is charged, not the amount the browser sent.
    expect(sim.paymentRequests[0]?.amount).toEqual({ quantity: '150.00', currency: 'ZAR' })
    const status = await request(app)
      .post('/stitch/paymentRequestStatus')
      .set('x-stitch-proxy', '1')
      .send({ id: created.body.data.id })
      .expect(200)
    expect(status.body.data.status).toBe('pending')
    const expiry = await request(app).get('/token-expiry').expect(200)
    expect(Date.parse(expiry.body.expiresAt)).toBeGreaterThan(Date.now())
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  it('typed operations: the route answers the verification, and 400 with the issues for bad input', async () => {
    await using sim = await startSim()
    const code = readmeBlock(README, '## Typed operations in your routes', 'verifyBankAccount')
    // The section's client: its `scopes` include client_bankaccountverification, as it says.
    expect(code).toContain('include client_bankaccountverification')
    const stitch = simulatorClient(sim, ['client_paymentrequest', 'client_bankaccountverification'])
    const app = express()

    await runReadmeBlock(SCRATCH, 'typed-operations', code, { app, stitch, express })

    const verified = await request(app)
      .post('/suppliers/verify-account')
      .send({
        accountNumber: '62000000000',
        bankId: 'fnb',
        name: 'Supplier',
        registrationNumber: '2020/123456/07',
      })
      .expect(200)
    expect(typeof verified.body.verified).toBe('string')
    expect(
      sim.apiRequests.map(({ operationName, outcome }) => ({ operationName, outcome })),
    ).toEqual([{ operationName: 'VerifyBankAccount', outcome: 'ok' }])

    const invalid = await request(app)
      .post('/suppliers/verify-account')
      .send({ accountNumber: '', bankId: 'fnb', name: 'Supplier', registrationNumber: 'x' })
      .expect(400)
    expect(invalid.body.error).toMatchObject({
      code: 'STITCH_AUTH_INVALID_VARIABLES',
      issues: expect.arrayContaining([expect.objectContaining({ path: 'input.accountNumber' })]),
    })
    expect(sim.apiRequests).toHaveLength(1)
    await stitch.close()
  })

  it('webhooks: paid and cancelled orders, a refund and an unknown event reach their handlers; a forgery does not', async () => {
    await using sim = await startSim()
    const stitch = simulatorClient(sim)
    const apps = listenedApps()
    await using server = await listen(() => apps[0]!)
    const url = `${server.url}/webhooks/stitch`
    const endpoint = await stitch.run(addWebhookEndpoint, {
      input: { url, filterTypes: ['payment', 'refund'] },
    })
    vi.stubEnv('STITCH_WEBHOOK_SECRET', endpoint.secret ?? '')
    const orders = {
      markPaid: vi.fn(async (_orderId: string, _amount: string) => {}),
      markFailed: vi.fn(async (_orderId: string, _why: string) => {}),
    }
    const refunds = { update: vi.fn(async (_id: string, _status: string) => {}) }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})

    await runReadmeBlock(
      SCRATCH,
      'webhooks',
      readmeBlock(README, '## Webhooks', 'orders.markPaid'),
      { orders, refunds },
    )
    expect(apps).toHaveLength(1)

    const pay = (reference: string) =>
      stitch.run(createPaymentRequest, {
        input: {
          amount: { quantity: 150, currency: 'ZAR' },
          payerReference: reference,
          beneficiaryReference: 'MyShop',
          externalReference: reference,
          beneficiary: {
            bankAccount: { name: 'My Shop', bankId: 'fnb', accountNumber: '62000000000' },
          },
        },
      })
    const paid = await pay('order-42')
    const cancelled = await pay('order-43')
    sim.completePaymentRequest(paid.id)
    sim.cancelPaymentRequest(cancelled.id, 'the shopper left')
    const deliveries = await sim.webhooksSettled()
    const refund = await sim.sendWebhook({ endpointId: endpoint.id, type: 'refund' })
    const unknown = await sim.sendWebhook({
      endpointId: endpoint.id,
      type: 'payout',
      body: { data: { client: { payouts: { node: { id: 'cGF5b3V0LzE=' } } } } },
    })
    const forged = await sim.sendWebhook({
      endpointId: endpoint.id,
      type: 'payment',
      signature: 'tampered',
    })

    expect(
      deliveries.map((delivery) => delivery.attempts.map((attempt) => attempt.status)),
    ).toEqual([[204], [204]])
    expect(orders.markPaid).toHaveBeenCalledExactlyOnceWith('order-42', '150.00')
    expect(orders.markFailed).toHaveBeenCalledExactlyOnceWith(
      'order-43',
      'PaymentInitiationRequestCancelled',
    )
    expect(refund.attempts[0]?.status).toBe(204)
    const refunded = JSON.parse(refund.body).data.client.refunds.node
    expect(refunds.update).toHaveBeenCalledExactlyOnceWith(refunded.id, 'RefundCompleted')
    expect(unknown.attempts[0]?.status).toBe(204)
    expect(warn).toHaveBeenCalledExactlyOnceWith(
      'unhandled Stitch webhook',
      undefined,
      'unknown-type',
    )
    expect(forged.attempts[0]?.status).toBe(401)
    expect(error).toHaveBeenCalledExactlyOnceWith(
      'Stitch webhook',
      'verify',
      forged.id,
      expect.objectContaining({ code: 'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID' }),
    )
    await stitch.close()
  })

  it('subscribing the endpoint: Stitch returns the secret that signs its deliveries', async () => {
    await using sim = await startSim()
    const stitch = simulatorClient(sim)

    await runReadmeBlock(
      SCRATCH,
      'subscribe',
      readmeBlock(README, '## Webhooks', 'import { addWebhookEndpoint }'),
      {
        stitch,
      },
    )

    expect(sim.webhookEndpoints).toEqual([
      expect.objectContaining({
        url: 'https://shop.example.com/webhooks/stitch',
        filterTypes: ['payment', 'refund'],
        secret: expect.stringMatching(/^whsec_/),
      }),
    ])
    await stitch.close()
  })
})

import { createHmac } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Webhook } from 'svix'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  DOCUMENTED_SCOPES,
  type StitchSimulator,
  type StitchSimulatorOptions,
  startStitchSimulator,
  type WebhookDeliveryLogEntry,
} from '../src/index.js'
import {
  createPaymentRequest,
  type GraphQLAnswer,
  getAccessToken,
  gql,
  paymentInput,
  requestToken,
  secretClient,
  sleep,
} from './helpers.js'

const client = { ...secretClient, scopes: [...DOCUMENTED_SCOPES] }
const otherClient = { ...client, clientId: 'other-client', clientSecret: 'other-secret' }

/** Fast retries and a short per-attempt timeout keep every test well under a second or two. */
const FAST: StitchSimulatorOptions = { webhookRetryDelaysMs: [20, 40, 80], webhookTimeoutMs: 300 }

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function start(options: StitchSimulatorOptions = {}): Promise<StitchSimulator> {
  const sim = await startStitchSimulator({ clients: [client, otherClient], ...FAST, ...options })
  cleanups.push(() => sim.close())
  return sim
}

interface Received {
  /** The path and query it was sent to. */
  path: string
  headers: IncomingHttpHeaders
  body: string
  at: number
}

/** What a receiver does with one request; requests past the list are answered 200. */
type Behaviour = { status: number } | 'drop' | 'hang'

/** A real HTTP receiver on 127.0.0.1 that records what it gets. */
async function startReceiver(behaviours: Behaviour[] = []) {
  const received: Received[] = []
  const sockets = new Set<Socket>()
  const waiters: (() => void)[] = []
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      })
      for (const wake of waiters.splice(0)) wake()
      const behaviour = behaviours.shift() ?? { status: 200 }
      if (behaviour === 'drop') req.socket.destroy()
      else if (behaviour === 'hang') return
      else res.writeHead(behaviour.status, { 'content-type': 'text/plain' }).end('answer')
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const receiver = {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    /** Resolves once `count` requests have arrived (or fails after `ms`). */
    async waitFor(count: number, ms = 3000): Promise<Received[]> {
      const deadline = Date.now() + ms
      while (received.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} requests, got ${received.length}`)
        }
        await Promise.race([new Promise<void>((wake) => waiters.push(wake)), sleep(50)])
      }
      return received
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
  cleanups.push(receiver.close)
  return receiver
}

const ADD = /* GraphQL */ `
  mutation AddWebhook($input: ClientAddWebhookInput!) {
    clientWebhookAdd(input: $input) { id url filterTypes secret }
  }
`

async function subscribe(
  sim: StitchSimulator,
  token: string,
  url: string,
  filterTypes: string[],
): Promise<{ id: string; secret: string }> {
  const { body } = await gql(sim, token, ADD, { input: { url, filterTypes } })
  const added = body.data?.clientWebhookAdd as { id: string; secret: string } | null | undefined
  if (!added) throw new Error(`clientWebhookAdd failed: ${JSON.stringify(body.errors)}`)
  return added
}

async function otherToken(sim: StitchSimulator): Promise<string> {
  const { json } = await requestToken(sim, {
    client_id: otherClient.clientId,
    client_secret: otherClient.clientSecret,
    scope: DOCUMENTED_SCOPES.join(' '),
  })
  return String(json.access_token)
}

/** The data of a GraphQL answer, which must have no errors. */
function data(body: GraphQLAnswer['body']): Record<string, unknown> {
  if (!body.data || body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`)
  return body.data
}

const allScopes = (sim: StitchSimulator) => getAccessToken(sim, DOCUMENTED_SCOPES.join(' '))

/** The independent check: the official Svix library must accept the delivery. */
function svixAccepts(secret: string, request: { headers: IncomingHttpHeaders; body: string }) {
  new Webhook(secret).verify(request.body, request.headers as Record<string, string>)
}

/** The edge of a delivered body: `data.client.<edge>`. */
function edgeOf(body: string, edge: string) {
  const parsed = JSON.parse(body) as {
    data: { client: Record<string, { node: Record<string, unknown> } & Record<string, unknown>> }
  }
  expect(Object.keys(parsed.data.client)).toEqual([edge])
  return parsed.data.client[edge] as {
    node: Record<string, unknown> & { state?: unknown; status?: unknown }
    eventId: string
    subscriptionId: string
    time: string
  }
}

describe('webhook delivery', () => {
  it('delivers one signed payment event when a payment request is paid, only to endpoints subscribed to payment', async () => {
    const sim = await start()
    const receiver = await startReceiver()
    const token = await allScopes(sim)
    const payments = await subscribe(sim, token, `${receiver.url}?for=payment`, ['payment'])
    await subscribe(sim, token, `${receiver.url}?for=refund`, ['refund'])
    const { id } = await createPaymentRequest(sim, token)
    expect(sim.webhookDeliveries).toEqual([]) // a new, pending request sends nothing

    sim.completePaymentRequest(id)
    const [delivery] = (await sim.webhooksSettled()) as [WebhookDeliveryLogEntry]

    expect(receiver.received).toHaveLength(1)
    const [request] = receiver.received as [Received]
    expect(request.path).toBe('/webhooks?for=payment')
    svixAccepts(payments.secret, request)
    expect(request.headers['content-type']).toBe('application/json')
    expect(request.headers['svix-id']).toMatch(/^msg_[0-9A-Za-z]{27}$/)
    const timestamp = Number(request.headers['svix-timestamp'])
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(5)
    // Svix's scheme computed by hand as well: HMAC-SHA256 keyed with the secret's bytes.
    const key = Buffer.from(payments.secret.slice('whsec_'.length), 'base64')
    const mac = createHmac('sha256', key)
      .update(`${request.headers['svix-id']}.${timestamp}.${request.body}`)
      .digest('base64')
    expect(request.headers['svix-signature']).toBe(`v1,${mac}`)

    const edge = edgeOf(request.body, 'paymentInitiationRequests')
    expect(edge.node).toMatchObject({
      __typename: 'PaymentInitiationRequest',
      id,
      externalReference: 'b7c1f1d2',
      amount: { currency: 'ZAR', quantity: '150.00' },
      payerReference: 'order-42',
      beneficiaryReference: 'shop-42',
      state: {
        __typename: 'PaymentInitiationRequestCompleted',
        amount: { currency: 'ZAR', quantity: '150.00' },
        date: expect.any(String),
      },
      bankBeneficiaries: [
        {
          __typename: 'BankBeneficiary',
          name: 'Acme Ltd',
          bankId: 'fnb',
          bankAccountNumber: '62000000000',
        },
      ],
    })
    expect(edge.subscriptionId).toBe(payments.id)
    expect(edge.eventId).toEqual(expect.any(String))
    expect(Date.parse(edge.time)).not.toBeNaN()
    // Keys come sorted, as in Stitch's example: __typename, amount, bankBeneficiaries, …
    expect(Object.keys(edge.node)).toEqual(Object.keys(edge.node).sort())
    expect(Object.keys(edge)).toEqual(['eventId', 'node', 'subscriptionId', 'time'])

    expect(delivery).toEqual({
      id: request.headers['svix-id'],
      endpointId: payments.id,
      clientId: client.clientId,
      url: `${receiver.url}?for=payment`,
      type: 'payment',
      body: request.body,
      trigger: 'event',
      signature: 'valid',
      createdAt: expect.any(Number),
      status: 'delivered',
      attempts: [
        {
          at: expect.any(Number),
          headers: {
            'content-type': 'application/json',
            'svix-id': request.headers['svix-id'],
            'svix-timestamp': String(timestamp),
            'svix-signature': request.headers['svix-signature'],
          },
          status: 200,
          response: 'answer',
          durationMs: expect.any(Number),
          ok: true,
        },
      ],
    })
  })

  it('sends the payment request as GraphQL serves it', async () => {
    const sim = await start()
    const receiver = await startReceiver()
    const token = await allScopes(sim)
    await subscribe(sim, token, receiver.url, ['payment'])
    const { id } = await createPaymentRequest(sim, token)
    sim.completePaymentRequest(id)
    await sim.webhooksSettled()
    const { node } = edgeOf((receiver.received[0] as Received).body, 'paymentInitiationRequests')
    const { body } = await gql(
      sim,
      token,
      /* GraphQL */ `query Node($id: ID!) {
        node(id: $id) {
          __typename
          ... on PaymentInitiationRequest {
            id url created updated amount payerReference beneficiaryReference externalReference
            merchant expireAt metadata
            beneficiaries { __typename ... on BankBeneficiary { bankAccountNumber bankId name } }
            state { __typename ... on PaymentInitiationRequestCompleted { date amount
              beneficiary { __typename ... on BankBeneficiary { bankAccountNumber bankId name } } } }
          }
        }
      }`,
      { id },
    )
    const { bankBeneficiaries, ...rest } = node
    expect(rest).toEqual(body.data?.node)
    expect(bankBeneficiaries).toEqual((data(body).node as { beneficiaries: unknown }).beneficiaries)
  })

  it('delivers payment events for cancelled and expired requests, also when expireAt passes by itself', async () => {
    const sim = await start()
    const receiver = await startReceiver()
    const token = await allScopes(sim)
    const endpoint = await subscribe(sim, token, receiver.url, ['payment'])

    const cancelled = await createPaymentRequest(sim, token)
    const { body } = await gql(
      sim,
      token,
      /* GraphQL */ `mutation Cancel($input: PaymentInitiationRequestCancelInput!) {
        clientPaymentInitiationRequestCancel(input: $input) { id }
      }`,
      { input: { requestId: cancelled.id, reason: 'out of stock' } },
    )
    expect(body.errors).toBeUndefined()
    const expired = await createPaymentRequest(sim, token)
    sim.expirePaymentRequest(expired.id)
    // Nobody reads this one: its expiry is noticed by the simulator's own timer.
    const expiresSoon = await createPaymentRequest(
      sim,
      token,
      paymentInput({ expireAt: new Date(Date.now() + 150).toISOString() }),
    )
    await receiver.waitFor(3)
    await sim.webhooksSettled()

    const states = receiver.received.map((request) => {
      svixAccepts(endpoint.secret, request)
      const { node } = edgeOf(request.body, 'paymentInitiationRequests')
      return { id: node.id, state: node.state }
    })
    expect(states).toEqual([
      {
        id: cancelled.id,
        state: {
          __typename: 'PaymentInitiationRequestCancelled',
          date: expect.any(String),
          reason: 'out of stock',
        },
      },
      {
        id: expired.id,
        state: { __typename: 'PaymentInitiationRequestExpired', date: expect.any(String) },
      },
      {
        id: expiresSoon.id,
        state: { __typename: 'PaymentInitiationRequestExpired', date: expect.any(String) },
      },
    ])
    expect(sim.webhookDeliveries.map((delivery) => delivery.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ])
  })

  it('delivers refund events on each refund status change', async () => {
    const sim = await start()
    const receiver = await startReceiver()
    const token = await allScopes(sim)
    const refunds = await subscribe(sim, token, receiver.url, ['refund'])
    const { id: paymentRequestId } = await createPaymentRequest(sim, token)
    sim.completePaymentRequest(paymentRequestId) // not subscribed to payment: no delivery
    const { body } = await gql(
      sim,
      token,
      /* GraphQL */ `mutation Refund($input: ClientRefundInitiateInput!) {
        clientRefundInitiate(input: $input) { refund { id } }
      }`,
      {
        input: {
          paymentRequestId,
          amount: { quantity: '50.00', currency: 'ZAR' },
          reason: 'requested_by_user',
          nonce: crypto.randomUUID(),
          beneficiaryReference: 'refund-42',
        },
      },
    )
    const refundId = (data(body).clientRefundInitiate as { refund: { id: string } }).refund.id
    expect(await sim.webhooksSettled()).toEqual([]) // created pending: no event yet
    sim.setRefundStatus(refundId, { type: 'submitted' })
    sim.setRefundStatus(refundId, { type: 'completed' })
    await sim.webhooksSettled()

    expect(receiver.received).toHaveLength(2)
    const nodes = receiver.received.map((request) => {
      svixAccepts(refunds.secret, request)
      return edgeOf(request.body, 'refunds').node
    })
    expect(nodes.map((node) => (node.status as { __typename: string }).__typename)).toEqual([
      'RefundSubmitted',
      'RefundCompleted',
    ])
    expect(nodes[1]).toEqual({
      __typename: 'Refund',
      id: refundId,
      amount: { currency: 'ZAR', quantity: '50.00' },
      beneficiaryReference: 'refund-42',
      created: expect.any(String),
      nonce: expect.any(String),
      paymentInitiationRequest: { id: paymentRequestId },
      reason: 'requested_by_user',
      status: {
        __typename: 'RefundCompleted',
        date: expect.any(String),
        expectedSettlement: expect.any(String),
      },
    })
    // Two messages, two ids.
    expect(new Set(receiver.received.map((request) => request.headers['svix-id'])).size).toBe(2)
  })

  it('delivers disbursement events on each status change, a cancellation included', async () => {
    const sim = await start()
    const receiver = await startReceiver()
    const token = await allScopes(sim)
    const endpoint = await subscribe(sim, token, receiver.url, ['disbursement', 'payment'])
    const disburse = async () => {
      const { body } = await gql(
        sim,
        token,
        /* GraphQL */ `mutation Disburse($input: ClientDisbursementCreateInput!) {
          clientDisbursementCreate(input: $input) { disbursement { id } }
        }`,
        {
          input: {
            amount: { quantity: '250.00', currency: 'ZAR' },
            nonce: crypto.randomUUID(),
            beneficiaryReference: 'payout-7',
            externalReference: 'ext-7',
            bankBeneficiary: {
              bankId: 'fnb',
              name: 'Jane Doe',
              accountNumber: '62000000001',
              accountType: 'current',
            },
          },
        },
      )
      return (data(body).clientDisbursementCreate as { disbursement: { id: string } }).disbursement
        .id
    }
    const paid = await disburse()
    const cancelled = await disburse()
    sim.setDisbursementStatus(paid, { type: 'submitted' })
    sim.setDisbursementStatus(paid, { type: 'completed' })
    sim.setDisbursementStatus(paid, { type: 'reversed', reason: 'invalid_account' })
    const { body } = await gql(
      sim,
      token,
      /* GraphQL */ `mutation Cancel($input: ClientCancelDisbursementInput!) {
        clientCancelDisbursement(input: $input) { id }
      }`,
      { input: { id: cancelled, reason: 'customer asked' } },
    )
    expect(body.errors).toBeUndefined()
    await sim.webhooksSettled()

    const events = receiver.received.map((request) => {
      svixAccepts(endpoint.secret, request)
      const { node } = edgeOf(request.body, 'disbursements')
      return [node.id, (node.status as { __typename: string }).__typename]
    })
    expect(events).toEqual([
      [paid, 'DisbursementSubmitted'],
      [paid, 'DisbursementCompleted'],
      [paid, 'DisbursementReversed'],
      [cancelled, 'DisbursementCancelled'],
    ])
    const reversed = edgeOf((receiver.received[2] as Received).body, 'disbursements').node
    expect(reversed).toMatchObject({
      __typename: 'Disbursement',
      amount: { currency: 'ZAR', quantity: '250.00' },
      beneficiaryReference: 'payout-7',
      externalReference: 'ext-7',
      status: {
        __typename: 'DisbursementReversed',
        disbursementReversedReason: 'invalid_account',
        disbursementReversedDescription: expect.any(String),
      },
    })
    expect(sim.webhookDeliveries.every((delivery) => delivery.type === 'disbursement')).toBe(true)
  })

  it('delivers payment-consent-request events when a consent request is granted', async () => {
    const sim = await start()
    const receiver = await startReceiver()
    const token = await allScopes(sim)
    const endpoint = await subscribe(sim, token, receiver.url, ['payment-consent-request'])
    const { body } = await gql(
      sim,
      token,
      /* GraphQL */ `mutation Consent($input: CreatePaymentConsentRequestInput!) {
        paymentConsentRequestCreate(input: $input) { id }
      }`,
      {
        input: {
          nonce: crypto.randomUUID(),
          paymentMethods: {
            capitecPay: {
              enabled: true,
              paymentOptions: {
                variable: {
                  initial: { quantity: '10.00', currency: 'ZAR' },
                  max: { quantity: '500.00', currency: 'ZAR' },
                },
              },
              paymentSchedule: { frequency: 'MONTHLY' },
              paymentDescription: 'Acme subscription',
            },
          },
        },
      },
    )
    expect(body.errors).toBeUndefined()
    const { id } = data(body).paymentConsentRequestCreate as { id: string }
    sim.grantPaymentConsentRequest(id)
    await sim.webhooksSettled()
    expect(receiver.received).toHaveLength(1)
    const [request] = receiver.received as [Received]
    svixAccepts(endpoint.secret, request)
    expect(edgeOf(request.body, 'paymentConsentRequests').node).toMatchObject({
      __typename: 'PaymentConsentRequest',
      id,
      status: { __typename: 'PaymentConsentGranted', isPendingRevocation: false },
    })
  })

  it("never delivers one client's events to another client's endpoints", async () => {
    const sim = await start()
    const mine = await startReceiver()
    const theirs = await startReceiver()
    const token = await allScopes(sim)
    await subscribe(sim, token, mine.url, ['payment'])
    await subscribe(sim, await otherToken(sim), theirs.url, ['payment', 'refund'])
    const { id } = await createPaymentRequest(sim, token)
    sim.completePaymentRequest(id)
    await sim.webhooksSettled()
    expect(mine.received).toHaveLength(1)
    expect(theirs.received).toEqual([])
    expect(sim.webhookDeliveries.map((delivery) => delivery.clientId)).toEqual([client.clientId])
  })

  it('retries after a 500, a dropped connection and a timeout, with backoff, the same svix-id and fresh timestamps', async () => {
    const sim = await start({ webhookRetryDelaysMs: [30, 60, 90, 120], webhookTimeoutMs: 200 })
    const receiver = await startReceiver([{ status: 500 }, 'drop', 'hang'])
    const token = await allScopes(sim)
    const endpoint = await subscribe(sim, token, receiver.url, ['payment'])
    const { id } = await createPaymentRequest(sim, token)
    sim.completePaymentRequest(id)
    // Move the simulator's clock on after the first attempt: a fresh timestamp must follow.
    await receiver.waitFor(1)
    sim.setClockOffset(3000)
    const [delivery] = (await sim.webhooksSettled()) as [WebhookDeliveryLogEntry]

    expect(receiver.received).toHaveLength(4)
    for (const request of receiver.received) svixAccepts(endpoint.secret, request)
    const ids = new Set(receiver.received.map((request) => request.headers['svix-id']))
    expect([...ids]).toEqual([delivery.id])
    // One body for every attempt, signed anew each time.
    expect(new Set(receiver.received.map((request) => request.body)).size).toBe(1)
    const timestamps = receiver.received.map((request) => Number(request.headers['svix-timestamp']))
    expect(timestamps[1]).toBeGreaterThanOrEqual((timestamps[0] as number) + 2)
    // Signed anew: the moved clock gives the second attempt another timestamp and signature.
    const signatures = receiver.received.map((request) => request.headers['svix-signature'])
    expect(signatures[1]).not.toBe(signatures[0])

    expect(delivery.status).toBe('delivered')
    const attempts = delivery.attempts
    expect(attempts.map(({ status, ok }) => ({ status, ok }))).toEqual([
      { status: 500, ok: false },
      { status: undefined, ok: false },
      { status: undefined, ok: false },
      { status: 200, ok: true },
    ])
    expect(attempts[1]?.error).toMatch(/socket hang up|ECONNRESET/)
    expect(attempts[2]?.error).toBe('timeout: no complete answer within 200 ms')
    expect(attempts[2]?.durationMs).toBeGreaterThanOrEqual(190)
    // The waits between attempts follow the schedule (give or take the timer's granularity).
    const gaps = attempts.slice(1).map((attempt, index) => {
      const previous = attempts[index] as (typeof attempts)[number]
      return attempt.at - previous.at - previous.durationMs
    })
    expect(gaps[0]).toBeGreaterThanOrEqual(30 - 5)
    expect(gaps[1]).toBeGreaterThanOrEqual(60 - 5)
    expect(gaps[2]).toBeGreaterThanOrEqual(90 - 5)
    // The clock moved by 3 s after the first attempt; the attempts' `at` say so too.
    expect(attempts[1]?.headers['svix-timestamp']).toBe(String(timestamps[1]))
  })

  it('gives up after the last attempt of the schedule', async () => {
    const sim = await start({ webhookRetryDelaysMs: [10, 20], webhookTimeoutMs: 200 })
    const receiver = await startReceiver([{ status: 500 }, { status: 503 }, { status: 404 }])
    const token = await allScopes(sim)
    await subscribe(sim, token, receiver.url, ['payment'])
    const { id } = await createPaymentRequest(sim, token)
    sim.completePaymentRequest(id)
    const [delivery] = (await sim.webhooksSettled()) as [WebhookDeliveryLogEntry]
    expect(delivery.status).toBe('failed')
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([500, 503, 404])
    expect(delivery).not.toHaveProperty('nextAttemptAt')
    await sleep(60)
    expect(receiver.received).toHaveLength(3) // and nothing after
  })

  it('counts a redirect as a failure and retries nothing with an empty schedule', async () => {
    const sim = await start({ webhookRetryDelaysMs: [] })
    const receiver = await startReceiver([{ status: 302 }])
    const token = await allScopes(sim)
    await subscribe(sim, token, receiver.url, ['payment'])
    const { id } = await createPaymentRequest(sim, token)
    sim.completePaymentRequest(id)
    const [delivery] = (await sim.webhooksSettled()) as [WebhookDeliveryLogEntry]
    expect(delivery.status).toBe('failed')
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([302])
  })

  it('logs a network error when nothing listens', async () => {
    const sim = await start({ webhookRetryDelaysMs: [10] })
    const receiver = await startReceiver()
    const token = await allScopes(sim)
    await subscribe(sim, token, receiver.url, ['payment'])
    await receiver.close()
    const { id } = await createPaymentRequest(sim, token)
    sim.completePaymentRequest(id)
    const [delivery] = (await sim.webhooksSettled()) as [WebhookDeliveryLogEntry]
    expect(delivery.status).toBe('failed')
    expect(delivery.attempts).toHaveLength(2)
    for (const attempt of delivery.attempts) expect(attempt.error).toMatch(/ECONNREFUSED/)
  })

  describe('close()', () => {
    it('cancels pending retries and leaves no timer behind', async () => {
      const sim = await startStitchSimulator({
        clients: [client],
        webhookRetryDelaysMs: [100_000],
      })
      const receiver = await startReceiver([{ status: 500 }])
      const token = await allScopes(sim)
      await subscribe(sim, token, receiver.url, ['payment'])
      const { id } = await createPaymentRequest(sim, token)
      const timers = watchSimulatorTimers()
      sim.completePaymentRequest(id)
      await receiver.waitFor(1)
      while (sim.webhookDeliveries[0]?.nextAttemptAt === undefined) await sleep(5)
      expect(timers.live()).toBe(1) // the retry waits
      const settled = sim.webhooksSettled()

      const closing = Date.now()
      await sim.close()
      expect(Date.now() - closing).toBeLessThan(1000)
      const [delivery] = await settled
      expect(delivery?.status).toBe('cancelled')
      expect(delivery?.attempts).toHaveLength(1)
      expect(delivery).not.toHaveProperty('nextAttemptAt')
      expect(timers.set).toBeGreaterThanOrEqual(3) // first attempt, its timeout, the retry
      expect(timers.live()).toBe(0)
      expect(await sim.webhooksSettled()).toEqual([delivery])
    })

    it('ends an attempt in flight at once', async () => {
      const sim = await startStitchSimulator({ clients: [client], webhookTimeoutMs: 60_000 })
      const receiver = await startReceiver(['hang'])
      const token = await allScopes(sim)
      await subscribe(sim, token, receiver.url, ['payment'])
      const { id } = await createPaymentRequest(sim, token)
      sim.completePaymentRequest(id)
      await receiver.waitFor(1)
      const closing = Date.now()
      await sim.close()
      expect(Date.now() - closing).toBeLessThan(1000)
      const [delivery] = sim.webhookDeliveries
      expect(delivery?.status).toBe('cancelled')
      expect(delivery?.attempts).toEqual([
        expect.objectContaining({ ok: false, error: 'the simulator closed' }),
      ])
    })

    it('stops the expiry timers of payment requests', async () => {
      const sim = await startStitchSimulator({ clients: [client] })
      const token = await allScopes(sim)
      const timers = watchSimulatorTimers()
      for (const hours of [1, 24 * 60]) {
        await createPaymentRequest(
          sim,
          token,
          paymentInput({ expireAt: new Date(Date.now() + hours * 3_600_000).toISOString() }),
        )
      }
      expect(timers.live()).toBe(2)
      await sim.close()
      expect(timers.live()).toBe(0)
    })

    it('refuses sendWebhook after close', async () => {
      const sim = await start()
      await sim.close()
      await expect(
        sim.sendWebhook({ url: 'http://127.0.0.1:9/', secret: 'whsec_AAAA', type: 'payment' }),
      ).rejects.toThrow('The simulator is closed')
    })
  })

  describe('sendWebhook()', () => {
    async function setUp() {
      const sim = await start()
      const receiver = await startReceiver()
      const token = await allScopes(sim)
      const endpoint = await subscribe(sim, token, receiver.url, ['payment'])
      return { sim, receiver, endpoint }
    }

    it('sends a valid example event of the type to an endpoint', async () => {
      const { sim, receiver, endpoint } = await setUp()
      const delivery = await sim.sendWebhook({ endpointId: endpoint.id, type: 'payment' })
      const [request] = receiver.received as [Received]
      svixAccepts(endpoint.secret, request)
      expect(delivery).toMatchObject({
        endpointId: endpoint.id,
        type: 'payment',
        trigger: 'sendWebhook',
        signature: 'valid',
        status: 'delivered',
        body: request.body,
      })
      const { node } = edgeOf(request.body, 'paymentInitiationRequests')
      expect(node).toMatchObject({
        __typename: 'PaymentInitiationRequest',
        state: { __typename: 'PaymentInitiationRequestCompleted' },
      })
      for (const type of ['refund', 'disbursement'] as const) {
        const example = await sim.sendWebhook({ endpointId: endpoint.id, type })
        expect(Object.keys(JSON.parse(example.body).data.client)).toEqual([`${type}s`])
      }
    })

    it('sends a given body as it is, to a URL with a secret', async () => {
      const { sim, receiver, endpoint } = await setUp()
      const body = '{"data":{"client":{}}}'
      const delivery = await sim.sendWebhook({
        url: `${receiver.url}?raw`,
        secret: endpoint.secret,
        type: 'transaction',
        body,
      })
      expect(delivery).not.toHaveProperty('endpointId')
      const [request] = receiver.received as [Received]
      expect(request.body).toBe(body)
      svixAccepts(endpoint.secret, request)
      // An object body is sent as JSON; a URL without a secret uses its endpoint's.
      await sim.sendWebhook({ url: receiver.url, type: 'payment', body: { hello: 'world' } })
      const second = receiver.received[1] as Received
      expect(second.body).toBe('{"hello":"world"}')
      svixAccepts(endpoint.secret, second)
    })

    it('makes deliveries that Svix refuses: wrong secret, tampered body, stale timestamp', async () => {
      const { sim, receiver, endpoint } = await setUp()
      const wrong = await sim.sendWebhook({
        endpointId: endpoint.id,
        type: 'payment',
        signature: 'wrong-secret',
      })
      const tampered = await sim.sendWebhook({
        endpointId: endpoint.id,
        type: 'payment',
        body: '{"amount":{"quantity":"150.00","currency":"ZAR"}}',
        signature: 'tampered',
      })
      const stale = await sim.sendWebhook({
        endpointId: endpoint.id,
        type: 'payment',
        timestamp: Math.floor(Date.now() / 1000) - 600,
      })
      const future = await sim.sendWebhook({
        endpointId: endpoint.id,
        type: 'payment',
        timestamp: new Date(Date.now() + 600_000),
      })
      expect(receiver.received).toHaveLength(4)
      const [wrongRequest, tamperedRequest, staleRequest, futureRequest] =
        receiver.received as Received[]
      expect(() => svixAccepts(endpoint.secret, wrongRequest as Received)).toThrow(
        'No matching signature found',
      )
      expect(() => svixAccepts(endpoint.secret, tamperedRequest as Received)).toThrow(
        'No matching signature found',
      )
      expect(tamperedRequest?.body).toBe('{"amount":{"quantity":"250.00","currency":"ZAR"}}')
      expect(tampered.body).toBe(tamperedRequest?.body)
      expect(() => svixAccepts(endpoint.secret, staleRequest as Received)).toThrow(
        'Message timestamp too old',
      )
      expect(() => svixAccepts(endpoint.secret, futureRequest as Received)).toThrow(
        'Message timestamp too new',
      )
      expect([wrong.signature, tampered.signature, stale.signature]).toEqual([
        'wrong-secret',
        'tampered',
        'valid',
      ])
      // The receiver answered 200 to all of them (it does not verify): each was delivered.
      expect([wrong, tampered, stale, future].map((delivery) => delivery.status)).toEqual([
        'delivered',
        'delivered',
        'delivered',
        'delivered',
      ])
    })

    it('replays a delivery with the same svix-id, still validly signed', async () => {
      const { sim, receiver, endpoint } = await setUp()
      const first = await sim.sendWebhook({ endpointId: endpoint.id, type: 'payment' })
      const replay = await sim.sendWebhook({
        endpointId: endpoint.id,
        type: 'payment',
        id: first.id,
        body: first.body,
      })
      expect(replay.id).toBe(first.id)
      const [a, b] = receiver.received as [Received, Received]
      expect(b.headers['svix-id']).toBe(a.headers['svix-id'])
      expect(b.body).toBe(a.body)
      svixAccepts(endpoint.secret, a)
      svixAccepts(endpoint.secret, b)
    })

    it('makes one attempt unless told to retry', async () => {
      const sim = await start({ webhookRetryDelaysMs: [10, 10] })
      const receiver = await startReceiver([{ status: 400 }, { status: 500 }, { status: 500 }])
      const token = await allScopes(sim)
      const endpoint = await subscribe(sim, token, receiver.url, ['payment'])
      const once = await sim.sendWebhook({ endpointId: endpoint.id, type: 'payment' })
      expect(once.status).toBe('failed')
      expect(once.attempts.map((attempt) => attempt.status)).toEqual([400])
      const retried = await sim.sendWebhook({
        endpointId: endpoint.id,
        type: 'payment',
        retry: true,
      })
      expect(retried.status).toBe('delivered')
      expect(retried.attempts.map((attempt) => attempt.status)).toEqual([500, 500, 200])
    })

    it('refuses specs it cannot send', async () => {
      const { sim, endpoint } = await setUp()
      await expect(sim.sendWebhook({ type: 'payment' })).rejects.toThrow(
        'sendWebhook: give an endpointId or a url',
      )
      await expect(sim.sendWebhook({ endpointId: 'nope', type: 'payment' })).rejects.toThrow(
        'sendWebhook: no webhook endpoint with id "nope"',
      )
      await expect(
        sim.sendWebhook({ url: 'http://127.0.0.1:9/unknown', type: 'payment' }),
      ).rejects.toThrow('sendWebhook: give the secret to sign with')
      await expect(
        sim.sendWebhook({ endpointId: endpoint.id, type: 'settlement' }),
      ).rejects.toThrow('sendWebhook: give a body for "settlement" events')
      await expect(
        sim.sendWebhook({ endpointId: endpoint.id, type: 'payment', secret: 'plain' }),
      ).rejects.toThrow('secret must be "whsec_"')
    })
  })

  it('refuses bad delivery options', async () => {
    await expect(
      startStitchSimulator({ webhookRetryDelaysMs: [10, -1], webhookTimeoutMs: 0 }),
    ).rejects.toThrow(
      /each webhookRetryDelaysMs entry must be whole milliseconds 0-2147483647 \(got -1\)[\s\S]*"webhookTimeoutMs" must be a positive integer/,
    )
  })
})

/**
 * Watches the timers the simulator's own code sets (told apart by the stack that sets them),
 * to show that close() cancels every one: `live()` counts those not yet fired or cleared.
 */
function watchSimulatorTimers() {
  const timers: { _destroyed?: boolean }[] = []
  const real = globalThis.setTimeout
  const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
    ...args: Parameters<typeof setTimeout>
  ) => {
    const timer = real(...args)
    const stack = new Error().stack ?? ''
    if (/[\\/]src[\\/](state|webhooks)\.ts/.test(stack)) timers.push(timer as never)
    return timer
  }) as typeof setTimeout)
  cleanups.push(async () => spy.mockRestore())
  return {
    /** Timers set so far by the simulator. */
    get set() {
      return timers.length
    },
    // Node marks a Timeout `_destroyed` once it has fired or been cleared.
    live: () => timers.filter((timer) => timer._destroyed !== true).length,
  }
}

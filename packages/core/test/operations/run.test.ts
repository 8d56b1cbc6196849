import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createStitchAuth,
  StitchApiError,
  type StitchAuthOptions,
  StitchConfigError,
  StitchInputError,
} from '../../src/index.js'
import {
  cancelPaymentRequest,
  createPaymentRequest,
  defineApiOperation,
  getPaymentRequest,
  initiateRefund,
} from '../../src/operations/index.js'

const CLIENT_ID = 'test-operations-client'
const CLIENT_SECRET = 'operations-secret'
let sim: StitchSimulator
const open: Array<{ close(): Promise<void> }> = []

beforeAll(async () => {
  sim = await startStitchSimulator({
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        scopes: ['client_paymentrequest', 'client_refund'],
      },
    ],
  })
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()))
  sim.clearFaults()
  sim.resetStats()
})
afterAll(() => sim.close())

function client(overrides: Partial<StitchAuthOptions> = {}) {
  const stitch = createStitchAuth({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...overrides,
  } as StitchAuthOptions)
  open.push(stitch)
  return stitch
}

const paymentInput = {
  amount: { quantity: 150, currency: 'ZAR' },
  payerReference: 'order-42',
  beneficiaryReference: 'MyShop',
  externalReference: 'order-42',
  beneficiary: { bankAccount: { name: 'My Shop', bankId: 'fnb', accountNumber: '62000000000' } },
}

/** The scopes of the tokens the simulator issued, in order. */
function issuedScopes(): string[][] {
  return sim.tokenRequests.map((request) => (request.scope ?? '').split(' ').sort())
}

function refundsOf(paymentRequestId: string) {
  return sim.refunds.filter((refund) => refund.paymentRequestId === paymentRequestId)
}

async function paidPaymentRequest(stitch = client()) {
  const { id } = await stitch.run(createPaymentRequest, { input: paymentInput })
  sim.completePaymentRequest(id)
  return id
}

describe('run(): payment requests', () => {
  it('creates, reads and cancels, each with a token for exactly client_paymentrequest', async () => {
    const stitch = client()
    const created = await stitch.run(createPaymentRequest, { input: paymentInput })
    expect(created).toEqual({ id: expect.any(String), url: expect.stringMatching(/^http/) })

    const pending = await stitch.run(getPaymentRequest, { id: created.id })
    expect(pending).toMatchObject({
      id: created.id,
      amount: { quantity: '150.00', currency: 'ZAR' },
      payerReference: 'order-42',
      externalReference: 'order-42',
      state: { __typename: 'PaymentInitiationRequestPending' },
      refunds: [],
    })

    await expect(
      stitch.run(cancelPaymentRequest, {
        input: { requestId: created.id, reason: 'Order cancelled' },
      }),
    ).resolves.toEqual({ id: created.id })
    const cancelled = await stitch.run(getPaymentRequest, { id: created.id })
    if (cancelled?.state.__typename !== 'PaymentInitiationRequestCancelled') {
      throw new Error(`expected a cancelled request, got ${cancelled?.state.__typename}`)
    }
    expect(cancelled.state.reason).toBe('Order cancelled')

    expect(issuedScopes()).toEqual([['client_paymentrequest']])
    expect(sim.apiRequests.map((request) => request.operationName)).toEqual([
      'CreatePaymentRequest',
      'GetPaymentRequest',
      'CancelPaymentRequest',
      'GetPaymentRequest',
    ])
    // The amount went out as Stitch's Decimal string, whatever the caller wrote.
    expect(sim.apiRequests[0]?.variables).toMatchObject({
      input: { amount: { quantity: '150.00', currency: 'ZAR' } },
    })
  })

  it('reads a completed request with its amount, and null for an id Stitch does not know', async () => {
    const stitch = client()
    const id = await paidPaymentRequest(stitch)
    const paid = await stitch.run(getPaymentRequest, { id })
    expect(paid?.state).toMatchObject({
      __typename: 'PaymentInitiationRequestCompleted',
      amount: { quantity: '150.00', currency: 'ZAR' },
    })
    await expect(stitch.run(getPaymentRequest, { id: 'cGF5cmVxLzAwMDA=' })).resolves.toBeNull()
  })
})

describe('run(): variables', () => {
  it('refuses invalid variables before any request, naming each field and its limit', async () => {
    const stitch = client()
    const error = await stitch
      .run(createPaymentRequest, {
        input: {
          ...paymentInput,
          amount: { quantity: 10.005, currency: 'rand' },
          payerReference: 'a reference that is too long',
          beneficiaryReference: '',
        },
      })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchInputError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_INVALID_VARIABLES', statusCode: 400 })
    const issues = (error as StitchInputError).issues
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'input.amount.quantity', message: 'must have at most 2 decimals' },
        {
          path: 'input.amount.currency',
          message: 'must be an ISO 4217 currency code such as ZAR',
        },
        { path: 'input.payerReference', message: 'must be at most 12 characters' },
        { path: 'input.beneficiaryReference', message: 'must not be empty' },
      ]),
    )
    expect((error as Error).message).toContain(
      'input.payerReference: must be at most 12 characters',
    )
    expect(sim.tokenRequests).toHaveLength(0)
    expect(sim.apiRequests).toHaveLength(0)
  })

  it('refuses a payment request with both or neither of beneficiary and merchantId', async () => {
    const stitch = client()
    const { beneficiary: _beneficiary, ...withoutBeneficiary } = paymentInput
    for (const input of [withoutBeneficiary, { ...paymentInput, merchantId: 'merchant-1' }]) {
      await expect(stitch.run(createPaymentRequest, { input })).rejects.toMatchObject({
        issues: [
          {
            path: 'input',
            message: 'give either beneficiary or merchantId (one of the two, as Stitch requires)',
          },
        ],
      })
    }
    expect(sim.apiRequests).toHaveLength(0)
  })
})

describe('run(): scopes', () => {
  it("refuses an operation outside the client's scopes before any request", async () => {
    const stitch = client({ scopes: ['client_paymentrequest'] })
    // The scopes are not known to the compiler here (see the type tests for when they are).
    const error = await stitch
      .run(initiateRefund, {
        input: {
          paymentRequestId: 'x',
          amount: { quantity: 1 },
          reason: 'duplicate',
          beneficiaryReference: 'Refund',
        },
      })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchConfigError)
    expect((error as StitchConfigError).issues[0]).toContain(
      'InitiateRefund needs client_refund, which the client\'s "scopes" option does not list',
    )
    expect(sim.tokenRequests).toHaveLength(0)
  })

  it('maps the API refusing a missing scope to STITCH_AUTH_API_FORBIDDEN', async () => {
    const stitch = client()
    const wrongScope = defineApiOperation({ ...getPaymentRequest, scopes: ['client_refund'] })
    const id = await paidPaymentRequest(stitch)
    const error = await stitch.run(wrongScope, { id }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_API_FORBIDDEN',
      requiredScopes: ['client_paymentrequest'],
    })
  })
})

describe('run(): idempotency', () => {
  const refundInput = (paymentRequestId: string, nonce?: string) => ({
    input: {
      paymentRequestId,
      amount: { quantity: '50.00', currency: 'ZAR' },
      reason: 'requested_by_user' as const,
      beneficiaryReference: 'Refund order-42',
      ...(nonce === undefined ? {} : { nonce }),
    },
  })

  it('generates a nonce, returns it and sends exactly that one', async () => {
    const stitch = client()
    const id = await paidPaymentRequest(stitch)
    const refund = await stitch.run(initiateRefund, refundInput(id))
    expect(refund.nonce).toMatch(/^[0-9a-f-]{36}$/)
    expect(refund).toMatchObject({
      amount: { quantity: '50.00', currency: 'ZAR' },
      status: { __typename: 'RefundPending' },
    })
    const sent = sim.apiRequests.find((request) => request.operationName === 'InitiateRefund')
    expect(sent?.variables).toMatchObject({ input: { nonce: refund.nonce } })
    expect(issuedScopes()).toEqual([['client_paymentrequest'], ['client_refund']])
  })

  it('keeps the same nonce when the call is made again after a re-authentication', async () => {
    const stitch = client()
    const id = await paidPaymentRequest(stitch)
    await stitch.getToken(['client_refund'])
    // Stitch stops accepting the cached token: the first attempt is refused, the second runs.
    sim.expireAllTokens()
    const refund = await stitch.run(initiateRefund, refundInput(id))
    const attempts = sim.apiRequests.filter((request) => request.operationName === 'InitiateRefund')
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['unauthenticated', 'ok'])
    const nonces = attempts.map(
      (attempt) => (attempt.variables as { input: { nonce: string } }).input.nonce,
    )
    expect(nonces).toEqual([refund.nonce, refund.nonce])
    expect(refundsOf(id)).toHaveLength(1)
  })

  it('gives a reused nonce its own error code, and the refund is made once', async () => {
    const stitch = client()
    const id = await paidPaymentRequest(stitch)
    await stitch.run(initiateRefund, refundInput(id, 'refund-order-42'))
    const error = await stitch
      .run(initiateRefund, refundInput(id, 'refund-order-42'))
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_API_NONCE_REUSED', statusCode: 409 })
    expect(refundsOf(id)).toHaveLength(1)
  })

  it('maps Stitch refusing the input (a refund over the amount paid) to STITCH_AUTH_API_INVALID_INPUT', async () => {
    const stitch = client()
    const id = await paidPaymentRequest(stitch)
    const error = await stitch
      .run(initiateRefund, {
        input: { ...refundInput(id).input, amount: { quantity: '500.00', currency: 'ZAR' } },
      })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_API_INVALID_INPUT', statusCode: 422 })
  })
})

describe('defineApiOperation', () => {
  it('refuses a name that is not an operation of the document', () => {
    expect(() => defineApiOperation({ ...getPaymentRequest, name: 'GetPaymentRequests' })).toThrow(
      StitchConfigError,
    )
    expect(() => defineApiOperation({ ...getPaymentRequest, name: 'Get PaymentRequest' })).toThrow(
      '"name" must be the name of an operation in "document"',
    )
  })

  it('runs an application-defined operation like a catalog one', async () => {
    const stitch = client()
    const paymentRequestAmount = defineApiOperation({
      name: 'PaymentRequestAmount',
      document: `query PaymentRequestAmount($id: ID!) {
        node(id: $id) { ... on PaymentInitiationRequest { id amount } }
      }`,
      scopes: ['client_paymentrequest'],
      variables: z.object({ id: z.string().min(1) }),
      result: (data) =>
        z
          .object({
            node: z.object({ id: z.string(), amount: z.object({ quantity: z.string() }) }),
          })
          .parse(data).node.amount.quantity,
    })
    const { id } = await stitch.run(createPaymentRequest, { input: paymentInput })
    await expect(stitch.run(paymentRequestAmount, { id })).resolves.toBe('150.00')
  })

  it('turns an answer of another shape into a StitchApiError naming the operation', async () => {
    const stitch = client()
    const expectsMore = defineApiOperation({
      name: 'ExpectsMore',
      document: 'query ExpectsMore { client { id } }',
      scopes: ['client_paymentrequest'],
      variables: z.object({}).optional(),
      result: (data) => z.object({ client: z.object({ missing: z.string() }) }).parse(data),
    })
    const error = await stitch.run(expectsMore).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchApiError)
    expect((error as Error).message).toContain(
      "The Stitch API's answer to ExpectsMore does not have the expected shape (client.missing:",
    )
  })
})

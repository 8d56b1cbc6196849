import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { StitchApiError, StitchConfigError, type StitchScope } from '../../src/index.js'
import {
  cancelPaymentRequest,
  createPaymentRequest,
  defineApiOperation,
  getPaymentRequest,
  initiateRefund,
} from '../../src/operations/index.js'
import { errorOf, useOperationsSimulator } from './setup.js'

const SHOP = { clientId: 'test-operations-client', clientSecret: 'operations-secret' }

const ctx = useOperationsSimulator({
  clients: [{ ...SHOP, scopes: ['client_paymentrequest', 'client_refund'] }],
})

const paymentInput = {
  amount: { quantity: 150, currency: 'ZAR' },
  payerReference: 'order-42',
  beneficiaryReference: 'MyShop',
  externalReference: 'order-42',
  beneficiary: { bankAccount: { name: 'My Shop', bankId: 'fnb', accountNumber: '62000000000' } },
}

function refundsOf(paymentRequestId: string) {
  return ctx.sim.refunds.filter((refund) => refund.paymentRequestId === paymentRequestId)
}

async function paidPaymentRequest(stitch = ctx.client()) {
  const { id } = await stitch.run(createPaymentRequest, { input: paymentInput })
  ctx.sim.completePaymentRequest(id)
  return id
}

describe('run(): payment requests', () => {
  it('creates, reads and cancels, each with a token for exactly client_paymentrequest', async () => {
    const stitch = ctx.client()
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

    expect(ctx.requestedScopes()).toEqual(['client_paymentrequest'])
    expect(ctx.sim.apiRequests.map((request) => request.operationName)).toEqual([
      'CreatePaymentRequest',
      'GetPaymentRequest',
      'CancelPaymentRequest',
      'GetPaymentRequest',
    ])
    // The amount went out as Stitch's Decimal string, whatever the caller wrote.
    expect(ctx.sim.apiRequests[0]?.variables).toMatchObject({
      input: { amount: { quantity: '150.00', currency: 'ZAR' } },
    })
  })

  it('reads a completed request with its amount, and null for an id Stitch does not know', async () => {
    const stitch = ctx.client()
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
    const stitch = ctx.client()
    const error = await ctx.expectRefusedLocally(
      stitch.run(createPaymentRequest, {
        input: {
          ...paymentInput,
          amount: { quantity: 10.005, currency: 'rand' },
          payerReference: 'a reference that is too long',
          beneficiaryReference: '',
        },
      }),
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
    expect(error).toMatchObject({ statusCode: 400 })
    expect(error.message).toContain('input.payerReference: must be at most 12 characters')
  })

  it('refuses a payment request with both or neither of beneficiary and merchantId', async () => {
    const stitch = ctx.client()
    const { beneficiary: _beneficiary, ...withoutBeneficiary } = paymentInput
    for (const input of [withoutBeneficiary, { ...paymentInput, merchantId: 'merchant-1' }]) {
      await ctx.expectRefusedLocally(stitch.run(createPaymentRequest, { input }), [
        {
          path: 'input',
          message: 'give either beneficiary or merchantId (one of the two, as Stitch requires)',
        },
      ])
    }
  })
})

describe('run(): scopes', () => {
  it("refuses an operation outside the client's scopes before any request", async () => {
    // Typed as any scopes, so the compiler does not know them here and the check is left to
    // run() (see the type tests for when the compiler knows them).
    const scopes: StitchScope[] = ['client_paymentrequest']
    const stitch = ctx.client(SHOP, scopes)
    const needs =
      'InitiateRefund needs client_refund, which the client\'s "scopes" option does not list'
    const error = await ctx.expectRefusedByScopesOption(
      stitch.run(initiateRefund, {
        input: {
          paymentRequestId: 'x',
          amount: { quantity: 1 },
          reason: 'duplicate',
          beneficiaryReference: 'Refund',
        },
      }),
      needs,
    )
    expect(error.issues[0]).toContain(needs)
  })

  it('maps the API refusing a missing scope to STITCH_AUTH_API_FORBIDDEN', async () => {
    const stitch = ctx.client()
    const wrongScope = defineApiOperation({ ...getPaymentRequest, scopes: ['client_refund'] })
    const id = await paidPaymentRequest(stitch)
    const error = await errorOf(stitch.run(wrongScope, { id }))
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
    const stitch = ctx.client()
    const id = await paidPaymentRequest(stitch)
    const refund = await stitch.run(initiateRefund, refundInput(id))
    expect(refund.nonce).toMatch(/^[0-9a-f-]{36}$/)
    expect(refund).toMatchObject({
      amount: { quantity: '50.00', currency: 'ZAR' },
      status: { __typename: 'RefundPending' },
    })
    const sent = ctx.sim.apiRequests.find((request) => request.operationName === 'InitiateRefund')
    expect(sent?.variables).toMatchObject({ input: { nonce: refund.nonce } })
    expect(ctx.requestedScopes()).toEqual(['client_paymentrequest', 'client_refund'])
  })

  it('keeps the same nonce when the call is made again after a re-authentication', async () => {
    const stitch = ctx.client()
    const id = await paidPaymentRequest(stitch)
    await stitch.getToken(['client_refund'])
    // Stitch stops accepting the cached token: the first attempt is refused, the second runs.
    ctx.sim.expireAllTokens()
    const refund = await stitch.run(initiateRefund, refundInput(id))
    const attempts = ctx.sim.apiRequests.filter(
      (request) => request.operationName === 'InitiateRefund',
    )
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['unauthenticated', 'ok'])
    const nonces = attempts.map(
      (attempt) => (attempt.variables as { input: { nonce: string } }).input.nonce,
    )
    expect(nonces).toEqual([refund.nonce, refund.nonce])
    expect(refundsOf(id)).toHaveLength(1)
  })

  it('gives a reused nonce its own error code, and the refund is made once', async () => {
    const stitch = ctx.client()
    const id = await paidPaymentRequest(stitch)
    await stitch.run(initiateRefund, refundInput(id, 'refund-order-42'))
    const error = await errorOf(stitch.run(initiateRefund, refundInput(id, 'refund-order-42')))
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_API_NONCE_REUSED', statusCode: 409 })
    expect(refundsOf(id)).toHaveLength(1)
  })

  it('maps Stitch refusing the input (a refund over the amount paid) to STITCH_AUTH_API_INVALID_INPUT', async () => {
    const stitch = ctx.client()
    const id = await paidPaymentRequest(stitch)
    await ctx.expectInputRefusedByStitch(
      stitch.run(initiateRefund, {
        input: { ...refundInput(id).input, amount: { quantity: '500.00', currency: 'ZAR' } },
      }),
    )
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
    const stitch = ctx.client()
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
    const stitch = ctx.client()
    const expectsMore = defineApiOperation({
      name: 'ExpectsMore',
      document: 'query ExpectsMore { client { id } }',
      scopes: ['client_paymentrequest'],
      variables: z.object({}).optional(),
      result: (data) => z.object({ client: z.object({ missing: z.string() }) }).parse(data),
    })
    const error = await errorOf(stitch.run(expectsMore))
    expect(error).toBeInstanceOf(StitchApiError)
    expect((error as Error).message).toContain(
      "The Stitch API's answer to ExpectsMore does not have the expected shape (client.missing:",
    )
  })
})

import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createStitchProxyHandler,
  defineOperations,
  exposeOperation,
  StitchConfigError,
} from '../../src/index.js'
import {
  cancelPaymentRequest,
  createPaymentRequest,
  getPaymentRequest,
  initiateRefund,
} from '../../src/operations/index.js'
import { useOperationsSimulator } from './setup.js'

const SHOP = { clientId: 'test-expose-client', clientSecret: 'expose-secret' }

const ctx = useOperationsSimulator({
  clients: [{ ...SHOP, scopes: ['client_paymentrequest', 'client_refund'] }],
})

function post(path: string, body: unknown) {
  return new Request(`http://shop.test/stitch/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
    body: JSON.stringify(body),
  })
}

const paymentInput = {
  amount: { quantity: '150.00', currency: 'ZAR' },
  payerReference: 'order-42',
  beneficiaryReference: 'Shop',
  beneficiary: { bankAccount: { name: 'Shop', bankId: 'fnb', accountNumber: '62000000000' } },
}

const refundFromBrowser = {
  input: z.strictObject({ paymentRequestId: z.string().min(1) }),
  toVariables: ({ paymentRequestId }: { paymentRequestId: string }) => ({
    input: {
      paymentRequestId,
      amount: { quantity: '10.00', currency: 'ZAR' },
      reason: 'requested_by_user' as const,
      beneficiaryReference: 'Refund',
    },
  }),
  toOutput: ({ id }: { id: string }) => ({ id }),
}

describe('exposeOperation', () => {
  it('serves a catalog operation: browser input in, typed result out, its scopes only', async () => {
    const stitch = ctx.client(SHOP, ['client_paymentrequest'])
    const { id } = await stitch.run(createPaymentRequest, { input: paymentInput })
    const handle = createStitchProxyHandler({
      client: stitch,
      operations: defineOperations({
        cancelOrder: exposeOperation(cancelPaymentRequest, {
          input: z.strictObject({ id: z.string().min(1).max(200) }),
          toVariables: ({ id }) => ({ input: { requestId: id, reason: 'Cancelled by the payer' } }),
          toOutput: (result) => ({ cancelled: result.id }),
        }),
        order: exposeOperation(getPaymentRequest, {
          input: z.strictObject({ id: z.string().min(1).max(200) }),
          toVariables: ({ id }) => ({ id }),
          toOutput: (request) => ({ state: request?.state.__typename ?? 'unknown' }),
        }),
      }),
    })
    const cancelled = await handle(post('cancelOrder', { id }))
    expect(await cancelled.json()).toEqual({ data: { cancelled: id } })
    const order = await handle(post('order', { id }))
    expect(await order.json()).toEqual({ data: { state: 'PaymentInitiationRequestCancelled' } })
    const names = ctx.sim.apiRequests.map((request) => request.operationName)
    expect(names).toEqual(['CreatePaymentRequest', 'CancelPaymentRequest', 'GetPaymentRequest'])
  })

  it("checks the server's variables against the operation's schema before calling Stitch", async () => {
    const handle = createStitchProxyHandler({
      client: ctx.client(SHOP, ['client_paymentrequest']),
      operations: defineOperations({
        pay: exposeOperation(createPaymentRequest, {
          input: z.strictObject({ reference: z.string() }),
          // The browser's reference is passed through unchecked: Stitch's limit still holds.
          toVariables: ({ reference }) => ({
            input: { ...paymentInput, payerReference: reference },
          }),
          toOutput: ({ url }) => ({ url }),
        }),
      }),
    })
    const response = await handle(post('pay', { reference: 'much longer than twelve' }))
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      error: {
        code: 'STITCH_AUTH_INVALID_VARIABLES',
        message: 'The input is invalid.',
        issues: [{ path: 'input.payerReference', message: 'must be at most 12 characters' }],
      },
    })
    ctx.expectNoRequestMade()
  })

  it('never serves an operation that moves money out by default', () => {
    expect(() => exposeOperation(initiateRefund, refundFromBrowser)).toThrow(StitchConfigError)
    expect(() => exposeOperation(initiateRefund, refundFromBrowser)).toThrow(
      'InitiateRefund pays money out of the client\'s account, so it is not served to a browser by default: pass "allowMoneyMovement: true" and an "authorize"',
    )
    // Allowing it is not enough without a check of who asks.
    expect(() =>
      exposeOperation(initiateRefund, { ...refundFromBrowser, allowMoneyMovement: true }),
    ).toThrow(StitchConfigError)
  })

  it('serves it to the people authorize admits when allowed, and refuses everyone else', async () => {
    const stitch = ctx.client(SHOP, ['client_paymentrequest', 'client_refund'])
    const { id } = await stitch.run(createPaymentRequest, { input: paymentInput })
    ctx.sim.completePaymentRequest(id)
    const handle = createStitchProxyHandler<
      ReturnType<typeof defineOperations>,
      { staff: boolean }
    >({
      client: stitch,
      operations: defineOperations({
        refund: exposeOperation(initiateRefund, {
          ...refundFromBrowser,
          allowMoneyMovement: true,
          authorize: ({ context }) => (context as { staff: boolean }).staff,
        }),
      }),
    })
    const refused = await handle(post('refund', { paymentRequestId: id }), {
      context: { staff: false },
    })
    expect(refused.status).toBe(403)
    expect(ctx.sim.refunds.filter((refund) => refund.paymentRequestId === id)).toHaveLength(0)
    const made = await handle(post('refund', { paymentRequestId: id }), {
      context: { staff: true },
    })
    expect(made.status).toBe(200)
    expect(ctx.sim.refunds.filter((refund) => refund.paymentRequestId === id)).toHaveLength(1)
  })
})

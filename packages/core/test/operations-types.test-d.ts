import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { createStitchAuth, type StitchAuth } from '../src/index.js'
import {
  type ApiOperationResult,
  type ApiOperationVariables,
  cancelPaymentRequest,
  createPaymentRequest,
  defineApiOperation,
  getPaymentRequest,
  initiateRefund,
  type PaymentRequest,
  type Refund,
} from '../src/operations/index.js'

const paymentInput = {
  amount: { quantity: 150, currency: 'ZAR' },
  payerReference: 'order-42',
  beneficiaryReference: 'MyShop',
  beneficiary: { bankAccount: { name: 'My Shop', bankId: 'fnb', accountNumber: '62000000000' } },
}

describe('operation types', () => {
  const stitch = createStitchAuth({
    clientId: 'a',
    clientSecret: 'b',
    scopes: ['client_paymentrequest'],
  })

  it('types results from the operation', () => {
    expectTypeOf(stitch.run(createPaymentRequest, { input: paymentInput })).resolves.toEqualTypeOf<{
      id: string
      url: string
    }>()
    expectTypeOf(
      stitch.run(getPaymentRequest, { id: 'x' }),
    ).resolves.toEqualTypeOf<PaymentRequest | null>()
    expectTypeOf<ApiOperationResult<typeof initiateRefund>>().toEqualTypeOf<Refund>()
    expectTypeOf<ApiOperationResult<typeof initiateRefund>['nonce']>().toEqualTypeOf<string>()
  })

  it('types variables from the schema: a nonce is optional going in', () => {
    type RefundVariables = ApiOperationVariables<typeof initiateRefund>
    expectTypeOf<RefundVariables['input']['nonce']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<RefundVariables['input']['reason']>().toEqualTypeOf<
      'duplicate' | 'fraudulent' | 'requested_by_user'
    >()
  })

  it('refuses a missing variable and a wrong type', () => {
    // @ts-expect-error the variables are required
    void stitch.run(getPaymentRequest)
    // @ts-expect-error `id` is missing
    void stitch.run(getPaymentRequest, {})
    // @ts-expect-error `id` must be a string
    void stitch.run(getPaymentRequest, { id: 42 })
    // @ts-expect-error `reason` is required
    void stitch.run(cancelPaymentRequest, { input: { requestId: 'x' } })
    void stitch.run(createPaymentRequest, {
      // @ts-expect-error `payerReference` is required
      input: { ...paymentInput, payerReference: undefined },
    })
  })

  it("refuses an operation outside the client's scopes", () => {
    const refund = {
      input: {
        paymentRequestId: 'x',
        amount: { quantity: 1 },
        reason: 'duplicate' as const,
        beneficiaryReference: 'Refund',
      },
    }
    // @ts-expect-error client_refund is not among the client's scopes
    void stitch.run(initiateRefund, refund)
    const both = createStitchAuth({
      clientId: 'a',
      clientSecret: 'b',
      scopes: ['client_paymentrequest', 'client_refund'],
    })
    void both.run(initiateRefund, refund)
    // A client whose scopes are not written out accepts any operation (checked at run time).
    const fromConfig = createStitchAuth({
      clientId: 'a',
      clientSecret: 'b',
      scopes: ['client_refund'] as string[] as ('client_refund' | 'client_paymentrequest')[],
    })
    void fromConfig.run(initiateRefund, refund)
    // Clients with narrower scopes still go wherever a `StitchAuth` is expected.
    expectTypeOf(stitch).toExtend<StitchAuth>()
  })

  it('narrows a payment request on its state', async () => {
    const request = await stitch.run(getPaymentRequest, { id: 'x' })
    if (!request) return
    const { state } = request
    if (state.__typename === 'PaymentInitiationRequestCompleted') {
      expectTypeOf(state.amount).toEqualTypeOf<{ quantity: string; currency: string }>()
      expectTypeOf(state.date).toEqualTypeOf<string>()
    } else if (state.__typename === 'PaymentInitiationRequestCancelled') {
      expectTypeOf(state.reason).toEqualTypeOf<string>()
    } else {
      // @ts-expect-error only a cancelled request has a reason
      void state.reason
    }
  })

  it('types an application-defined operation the same way', () => {
    const amountOf = defineApiOperation({
      name: 'AmountOf',
      document: 'query AmountOf($id: ID!) { node(id: $id) { id } }',
      scopes: ['client_paymentrequest'],
      variables: z.object({ id: z.string() }),
      result: (data) => z.object({ node: z.object({ id: z.string() }) }).parse(data).node.id,
    })
    expectTypeOf(stitch.run(amountOf, { id: 'x' })).resolves.toEqualTypeOf<string>()
    // @ts-expect-error a misspelt scope does not compile
    defineApiOperation({ ...amountOf, scopes: ['client_paymentrequests'] })
  })
})

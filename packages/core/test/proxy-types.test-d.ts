import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import {
  defineOperation,
  defineOperations,
  exposeOperation,
  type OperationInput,
  type OperationOutput,
} from '../src/index.js'
import { getPaymentRequest } from '../src/operations/index.js'
import { createPaymentRequestOperation, paymentRequestStatusOperation } from '../src/proxy/index.js'

const operations = defineOperations({
  createPaymentRequest: createPaymentRequestOperation({
    beneficiary: { name: 'Shop', bankId: 'fnb', accountNumber: '1' },
    beneficiaryReference: 'Shop',
    allowBrowserAmount: true,
  }),
  paymentStatus: paymentRequestStatusOperation(),
  echo: defineOperation({
    document: 'query { client { clientId } }',
    scopes: ['client_refund'],
    input: z.object({ count: z.string().transform(Number) }),
    toOutput: (data) => ({ scopes: [(data as { client: { clientId: string } }).client.clientId] }),
  }),
  paymentState: exposeOperation(getPaymentRequest, {
    input: z.strictObject({ id: z.string() }),
    toVariables: ({ id }) => ({ id }),
    toOutput: (request) => request?.state ?? null,
  }),
})

describe('operation types', () => {
  it('infers input and output of the ready-made operations', () => {
    expectTypeOf<OperationInput<typeof operations.createPaymentRequest>>().toEqualTypeOf<{
      amount: number
      reference: string
    }>()
    expectTypeOf<OperationOutput<typeof operations.createPaymentRequest>>().toEqualTypeOf<{
      id: string
      url: string
    }>()
    expectTypeOf<OperationOutput<typeof operations.paymentStatus>['status']>().toEqualTypeOf<
      'pending' | 'completed' | 'cancelled' | 'expired' | 'unknown'
    >()
  })

  it('types an exposed catalog operation from its result, through to the browser', () => {
    expectTypeOf<OperationInput<typeof operations.paymentState>>().toEqualTypeOf<{ id: string }>()
    type State = NonNullable<OperationOutput<typeof operations.paymentState>>
    expectTypeOf<State['__typename']>().toEqualTypeOf<
      | 'PaymentInitiationRequestPending'
      | 'PaymentInitiationRequestCompleted'
      | 'PaymentInitiationRequestManuallyCompleted'
      | 'PaymentInitiationRequestCancelled'
      | 'PaymentInitiationRequestExpired'
    >()
    exposeOperation(getPaymentRequest, {
      input: z.strictObject({ id: z.string() }),
      // @ts-expect-error the variables must be the operation's
      toVariables: ({ id }) => ({ paymentRequestId: id }),
      toOutput: (request) => request,
    })
  })

  it('uses the schema input (before transforms) for what the browser sends', () => {
    expectTypeOf<OperationInput<typeof operations.echo>>().toEqualTypeOf<{ count: string }>()
    expectTypeOf<OperationOutput<typeof operations.echo>>().toEqualTypeOf<{ scopes: string[] }>()
  })
})

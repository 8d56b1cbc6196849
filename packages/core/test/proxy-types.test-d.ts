import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import {
  createPaymentRequestOperation,
  defineOperation,
  defineOperations,
  type OperationInput,
  type OperationOutput,
  paymentRequestStatusOperation,
} from '../src/index.js'

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

  it('uses the schema input (before transforms) for what the browser sends', () => {
    expectTypeOf<OperationInput<typeof operations.echo>>().toEqualTypeOf<{ count: string }>()
    expectTypeOf<OperationOutput<typeof operations.echo>>().toEqualTypeOf<{ scopes: string[] }>()
  })
})

import { describe, expectTypeOf, it } from 'vitest'
import {
  type AnyStitchProxyError,
  createStitchProxyClient,
  isStitchProxyError,
  type StitchProxyClient,
  type StitchProxyIssue,
} from '../src/index.js'
// Type-only, as a page does: the server's operations never reach the bundle.
import type { operations } from './fixtures/operations.js'

type Operations = typeof operations

const api = createStitchProxyClient<Operations>({ baseUrl: '/stitch' })

describe('createStitchProxyClient<typeof operations>()', () => {
  it('infers input and output of the ready-made operations', () => {
    expectTypeOf(api.createPaymentRequest).parameter(0).toEqualTypeOf<{
      amount: number
      reference: string
    }>()
    expectTypeOf(api.createPaymentRequest).returns.resolves.toEqualTypeOf<{
      id: string
      url: string
    }>()
    expectTypeOf(api.paymentRequestStatus).parameter(0).toEqualTypeOf<{ id: string }>()
    expectTypeOf(api.paymentRequestStatus).returns.resolves.toEqualTypeOf<{
      id: string
      status: 'pending' | 'completed' | 'cancelled' | 'expired' | 'unknown'
      found: boolean
    }>()
  })

  it('infers a custom operation: schema input (before defaults), awaited output', () => {
    expectTypeOf(api.clientInfo)
      .parameter(0)
      .toEqualTypeOf<{ casing?: 'as-is' | 'upper' | undefined } | undefined>()
    expectTypeOf(api.clientInfo).returns.resolves.toEqualTypeOf<{
      clientId: string
      nodeId: string
    }>()
  })

  it('makes the input optional when the schema accepts undefined', () => {
    expectTypeOf(api.clientInfo()).resolves.toHaveProperty('clientId')
    expectTypeOf(
      api.clientInfo(undefined, { signal: AbortSignal.timeout(1) }),
    ).resolves.toHaveProperty('nodeId')
  })

  it('has exactly one method per operation', () => {
    expectTypeOf<keyof typeof api>().toEqualTypeOf<
      'createPaymentRequest' | 'paymentRequestStatus' | 'clientInfo'
    >()
    expectTypeOf(api).toEqualTypeOf<StitchProxyClient<Operations>>()
  })

  it('refuses wrong input and unknown operations at compile time', () => {
    // @ts-expect-error: `reference` is missing.
    void api.createPaymentRequest({ amount: 150 })
    // @ts-expect-error: `amount` is a number.
    void api.createPaymentRequest({ amount: '150', reference: 'order-42' })
    // @ts-expect-error: the schema is strict; `beneficiary` is the server's business.
    void api.createPaymentRequest({ amount: 150, reference: 'order-42', beneficiary: {} })
    // @ts-expect-error: input is required for this operation.
    void api.createPaymentRequest()
    // @ts-expect-error: not one of the schema's values.
    void api.clientInfo({ casing: 'lower' })
    // @ts-expect-error: `id` is a string.
    void api.paymentRequestStatus({ id: 42 })
    // @ts-expect-error: no such operation.
    void api.refundEverything({})
    // @ts-expect-error: the output has no token, or anything else not picked by toOutput.
    void api.createPaymentRequest({ amount: 1, reference: 'a' }).then((output) => output.token)
  })

  it('keeps then/toJSON out of the type, as the runtime does', () => {
    const odd = createStitchProxyClient<
      Operations & { then: Operations['clientInfo']; toJSON: Operations['clientInfo'] }
    >({ baseUrl: '/stitch' })
    expectTypeOf<keyof typeof odd>().toEqualTypeOf<keyof typeof api>()
  })

  it('narrows errors by kind', () => {
    const error: unknown = undefined
    if (isStitchProxyError(error)) {
      expectTypeOf(error).toEqualTypeOf<AnyStitchProxyError>()
      if (error.kind === 'rejected') {
        expectTypeOf(error.status).toEqualTypeOf<number>()
        expectTypeOf(error.issues).toEqualTypeOf<readonly StitchProxyIssue[]>()
        expectTypeOf(error.code).toExtend<
          'invalid_input' | 'unknown_operation' | 'http_error' | string
        >()
      }
      if (error.kind === 'server')
        expectTypeOf(error.retryAfterMs).toEqualTypeOf<number | undefined>()
      if (error.kind === 'network') expectTypeOf(error.status).toEqualTypeOf<undefined>()
    }
  })

  it('takes only the documented options', () => {
    // @ts-expect-error: the browser has no secret to give.
    createStitchProxyClient<Operations>({ baseUrl: '/stitch', clientSecret: 'x' })
    // @ts-expect-error: baseUrl is required.
    createStitchProxyClient<Operations>({})
  })
})

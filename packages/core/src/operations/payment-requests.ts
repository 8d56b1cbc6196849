import { z } from 'zod'
import { defineApiOperation } from '../api-operation.js'
import { isoDate, lazy, money, moneyInput, optional, text } from './common.js'

const beneficiaryBankAccount = /* @__PURE__ */ lazy(() =>
  z.object({
    name: text({ max: 20 }),
    bankId: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be one of Stitch's bank ids, e.g. fnb"),
    accountNumber: text({ max: 64 }),
  }),
)

const createPaymentRequestInput = /* @__PURE__ */ lazy(() =>
  z
    .object({
      amount: moneyInput,
      /** Must be 12 characters or less (Stitch). */
      payerReference: text({ max: 12 }),
      /** Must be 20 characters or less (Stitch). */
      beneficiaryReference: text({ max: 20 }),
      /** Either `beneficiary` or `merchantId` is required. */
      beneficiary: z
        .object({
          bankAccount: beneficiaryBankAccount().optional(),
          bankAccounts: z.array(beneficiaryBankAccount()).min(1).optional(),
        })
        .optional(),
      merchantId: text({ max: 4096 }).optional(),
      externalReference: text({ max: 4096 }).optional(),
      expireAt: isoDate.optional(),
      payerInformation: z.record(z.string(), z.unknown()).optional(),
      paymentMethods: z.record(z.string(), z.unknown()).optional(),
      restrictPayerBank: z.string().optional(),
      metadata: z.record(z.string(), z.unknown()).optional(),
    })
    .refine(
      (input) => (input.beneficiary === undefined) !== (input.merchantId === undefined),
      'give either beneficiary or merchantId (one of the two, as Stitch requires)',
    ),
)

const created = /* @__PURE__ */ lazy(() =>
  z.object({
    clientPaymentInitiationRequestCreate: z.object({
      paymentInitiationRequest: z.object({ id: z.string(), url: z.string() }),
    }),
  }),
)

/**
 * Creates a payment request (`client_paymentrequest`); send the payer to its `url`.
 *
 * @example
 * const { id, url } = await stitch.run(createPaymentRequest, {
 *   input: {
 *     amount: { quantity: 150, currency: 'ZAR' },
 *     payerReference: 'order-42',
 *     beneficiaryReference: 'MyShop',
 *     beneficiary: { bankAccount: { name: 'My Shop', bankId: 'fnb', accountNumber: '62000000000' } },
 *   },
 * })
 */
export const createPaymentRequest = /* @__PURE__ */ defineApiOperation({
  name: 'CreatePaymentRequest',
  document: /* GraphQL */ `
    mutation CreatePaymentRequest($input: ClientPaymentInitiationRequestCreateInput!) {
      clientPaymentInitiationRequestCreate(input: $input) {
        paymentInitiationRequest { id url }
      }
    }
  `,
  scopes: ['client_paymentrequest'],
  variables: () => z.object({ input: createPaymentRequestInput() }),
  result: (data) =>
    created().parse(data).clientPaymentInitiationRequestCreate.paymentInitiationRequest,
})

const cancelled = /* @__PURE__ */ lazy(() =>
  z.object({
    clientPaymentInitiationRequestCancel: z.object({ id: z.string() }),
  }),
)

/**
 * Cancels a payment request that is still pending (`client_paymentrequest`).
 *
 * @example
 * await stitch.run(cancelPaymentRequest, { input: { requestId: id, reason: 'Order cancelled' } })
 */
export const cancelPaymentRequest = /* @__PURE__ */ defineApiOperation({
  name: 'CancelPaymentRequest',
  document: /* GraphQL */ `
    mutation CancelPaymentRequest($input: PaymentInitiationRequestCancelInput!) {
      clientPaymentInitiationRequestCancel(input: $input) { id }
    }
  `,
  scopes: ['client_paymentrequest'],
  variables: () =>
    z.object({
      input: z.object({ requestId: text({ max: 4096 }), reason: text({ max: 4096 }) }),
    }),
  result: (data) => cancelled().parse(data).clientPaymentInitiationRequestCancel,
})

const paymentRequestState = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('__typename', [
    z.object({ __typename: z.literal('PaymentInitiationRequestPending') }),
    z.object({
      __typename: z.literal('PaymentInitiationRequestCompleted'),
      date: z.string(),
      amount: money,
    }),
    z.object({
      __typename: z.literal('PaymentInitiationRequestManuallyCompleted'),
      date: z.string(),
    }),
    z.object({
      __typename: z.literal('PaymentInitiationRequestCancelled'),
      date: z.string(),
      reason: z.string(),
    }),
    z.object({ __typename: z.literal('PaymentInitiationRequestExpired'), date: z.string() }),
  ]),
)

/** Where a payment request stands; narrow on `__typename`. */
export type PaymentRequestState = z.output<ReturnType<typeof paymentRequestState>>

const refundSummary = /* @__PURE__ */ lazy(() =>
  z.object({
    id: z.string(),
    amount: money,
    reason: z.string(),
    created: z.string(),
    status: z.object({ __typename: z.string() }),
  }),
)

const paymentRequestNode = /* @__PURE__ */ lazy(() =>
  z.object({
    node: z
      .object({
        __typename: z.literal('PaymentInitiationRequest'),
        id: z.string(),
        url: z.string(),
        created: z.string(),
        updated: z.string(),
        amount: money,
        payerReference: z.string(),
        beneficiaryReference: z.string(),
        externalReference: optional(z.string()),
        expireAt: optional(z.string()),
        metadata: optional(z.unknown()),
        state: paymentRequestState(),
        refunds: z.array(refundSummary()),
      })
      .nullable(),
  }),
)

/** A payment request as {@link getPaymentRequest} reads it. */
export type PaymentRequest = NonNullable<z.output<ReturnType<typeof paymentRequestNode>>['node']>

/**
 * Reads a payment request by id (`client_paymentrequest`): its amount, references, `state`
 * (a discriminated union on `__typename`) and refunds. `null` when Stitch knows no such request.
 *
 * @example
 * const request = await stitch.run(getPaymentRequest, { id })
 * if (request?.state.__typename === 'PaymentInitiationRequestCompleted') ship(request.state.amount)
 */
export const getPaymentRequest = /* @__PURE__ */ defineApiOperation({
  name: 'GetPaymentRequest',
  document: /* GraphQL */ `
    query GetPaymentRequest($id: ID!) {
      node(id: $id) {
        __typename
        ... on PaymentInitiationRequest {
          id
          url
          created
          updated
          amount
          payerReference
          beneficiaryReference
          externalReference
          expireAt
          metadata
          state {
            __typename
            ... on PaymentInitiationRequestCompleted { date amount }
            ... on PaymentInitiationRequestManuallyCompleted { date }
            ... on PaymentInitiationRequestCancelled { date reason }
            ... on PaymentInitiationRequestExpired { date }
          }
          refunds { id amount reason created status { __typename } }
        }
      }
    }
  `,
  scopes: ['client_paymentrequest'],
  variables: () => z.object({ id: text({ max: 4096 }) }),
  result: (data): PaymentRequest | null => {
    // `node(id)` answers any Node; an id of another type reads as no payment request.
    const typename = (data as { node?: { __typename?: unknown } | null } | null)?.node?.__typename
    if (typename !== undefined && typename !== 'PaymentInitiationRequest') return null
    return paymentRequestNode().parse(data).node
  },
})

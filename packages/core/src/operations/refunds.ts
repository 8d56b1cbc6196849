import { z } from 'zod'
import { defineApiOperation } from '../api-operation.js'
import { lazy, money, moneyInput, nonce, text } from './common.js'

const refundStatus = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('__typename', [
    z.object({ __typename: z.literal('RefundPending'), date: z.string() }),
    z.object({ __typename: z.literal('RefundSubmitted'), date: z.string() }),
    z.object({
      __typename: z.literal('RefundCompleted'),
      date: z.string(),
      expectedSettlement: z.string(),
    }),
    // Aliased in the document: the two `reason` fields have different enum types, which one
    // selection set cannot hold under one name.
    z.object({ __typename: z.literal('RefundError'), date: z.string(), errorReason: z.string() }),
    z.object({ __typename: z.literal('RefundPaused'), date: z.string(), pausedReason: z.string() }),
  ]),
)

/** Where a refund stands; narrow on `__typename`. */
export type RefundStatus = z.output<ReturnType<typeof refundStatus>>

const refundInitiated = /* @__PURE__ */ lazy(() =>
  z.object({
    clientRefundInitiate: z.object({
      refund: z.object({
        id: z.string(),
        amount: money,
        reason: z.string(),
        created: z.string(),
        beneficiaryReference: z.string(),
        nonce: z.string(),
        status: refundStatus(),
      }),
    }),
  }),
)

/** A refund as {@link initiateRefund} returns it, with the `nonce` it was made with. */
export type Refund = z.output<ReturnType<typeof refundInitiated>>['clientRefundInitiate']['refund']

/**
 * Refunds (part of) a paid payment request (`client_refund`). Money leaves the client's
 * account, so the proxy never serves this to a browser unless told to.
 *
 * `nonce` is generated when not given and comes back in the result; Stitch refuses a second
 * request with the same nonce (`STITCH_AUTH_API_NONCE_REUSED`). To retry safely after a lost
 * answer, give your own, derived from your record.
 *
 * @example
 * const refund = await stitch.run(initiateRefund, {
 *   input: {
 *     paymentRequestId,
 *     amount: { quantity: 50, currency: 'ZAR' },
 *     reason: 'requested_by_user',
 *     beneficiaryReference: 'Refund order-42',
 *     nonce: `refund-${orderId}`,
 *   },
 * })
 */
export const initiateRefund = /* @__PURE__ */ defineApiOperation({
  name: 'InitiateRefund',
  document: /* GraphQL */ `
    mutation InitiateRefund($input: ClientRefundInitiateInput!) {
      clientRefundInitiate(input: $input) {
        refund {
          id
          amount
          reason
          created
          beneficiaryReference
          nonce
          status {
            __typename
            ... on RefundPending { date }
            ... on RefundSubmitted { date }
            ... on RefundCompleted { date expectedSettlement }
            ... on RefundError { date errorReason: reason }
            ... on RefundPaused { date pausedReason: reason }
          }
        }
      }
    }
  `,
  scopes: ['client_refund'],
  movesMoney: true,
  variables: () =>
    z.object({
      input: z.object({
        paymentRequestId: text({ max: 4096 }),
        /** At most the amount paid, less earlier refunds: Stitch checks that. */
        amount: moneyInput,
        reason: z.enum(['duplicate', 'fraudulent', 'requested_by_user']),
        nonce,
        /** Between 1 and 30 characters: shown on the refunded payer's statement. */
        beneficiaryReference: text({ max: 30 }),
        clearingType: z.enum(['INSTANT', 'DEFAULT']).optional(),
      }),
    }),
  result: (data) => refundInitiated().parse(data).clientRefundInitiate.refund,
})

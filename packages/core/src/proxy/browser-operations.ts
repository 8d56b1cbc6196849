import { z } from 'zod'
import { StitchConfigError } from '../errors.js'
import { lazy } from '../operations/common.js'
import {
  createPaymentRequest,
  getPaymentRequest,
  type PaymentRequestState,
} from '../operations/payment-requests.js'
import { describeIssues } from '../validation.js'
import { exposeOperation, type ProxyCallContext } from './handler.js'

/** The bank account a shop is paid into; fixed on the server, never sent by the browser. */
export interface PaymentBeneficiary {
  name: string
  /** Stitch's bank id, e.g. `fnb`, `absa`, `standard_bank`, `nedbank`, `capitec`. */
  bankId: string
  accountNumber: string
}

export interface PaymentRequestOperationOptions<TContext = unknown> {
  beneficiary: PaymentBeneficiary
  /** The reference that shows on the shop's statement (Stitch allows up to 20 characters). */
  beneficiaryReference: string
  /**
   * The largest amount (in rand) a browser may ask for.
   * @default 100000
   */
  maxAmount?: number
  /**
   * Decides the amount (in rand) on the server, for example from the order the browser's
   * `reference` names; the browser's `amount` is passed along but never charged as such.
   * Required unless `allowBrowserAmount` is set: a visitor can send any amount.
   * @example resolveAmount: async ({ reference }) => (await orders.get(reference)).total
   */
  resolveAmount?: (
    input: { amount: number; reference: string },
    call: ProxyCallContext<TContext>,
  ) => number | Promise<number>
  /**
   * Charges whatever amount the browser sends (up to `maxAmount`): only for a donation box or
   * a "pay what you like" page. Without it, `resolveAmount` is required.
   * @default false
   */
  allowBrowserAmount?: boolean
}

// Stitch's documented limits on a payment request (ClientPaymentInitiationRequestCreateInput).
const PAYER_REFERENCE_MAX = 12
const BENEFICIARY_REFERENCE_MAX = 20
const BENEFICIARY_NAME_MAX = 20

// Made on first use: nothing runs when the module loads, so an app that never calls the
// factories below bundles none of this, nor zod.
const paymentRequestOptionsSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    beneficiary: z.object({
      name: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(BENEFICIARY_NAME_MAX, `must be at most ${BENEFICIARY_NAME_MAX} characters`),
      bankId: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be one of Stitch's bank ids, e.g. fnb"),
      accountNumber: z.string().trim().min(1, 'must not be empty'),
    }),
    beneficiaryReference: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(BENEFICIARY_REFERENCE_MAX, `must be at most ${BENEFICIARY_REFERENCE_MAX} characters`),
  }),
)

/**
 * "Pay with Stitch" in one operation: the browser sends an amount in rand and its order
 * reference; the beneficiary and the shop's reference come from the server.
 *
 * What the browser controls: `amount` (only passed to `resolveAmount`, unless
 * `allowBrowserAmount`) and `reference`, which becomes the payer's statement reference and
 * the request's `externalReference` (letters, digits, spaces and dashes, at most 12). The
 * beneficiary, the shop's statement reference and the amount charged are the server's.
 *
 * @example
 * const operations = defineOperations({
 *   createPaymentRequest: createPaymentRequestOperation({
 *     beneficiary: { name: 'My Shop', bankId: 'fnb', accountNumber: '62000000000' },
 *     beneficiaryReference: 'MyShop',
 *     resolveAmount: async ({ reference }) => (await orders.get(reference)).total,
 *   }),
 * })
 */
export function createPaymentRequestOperation<TContext = unknown>(
  options: PaymentRequestOperationOptions<TContext>,
) {
  const parsed = paymentRequestOptionsSchema().safeParse(options)
  const problems = parsed.success ? [] : describeIssues(parsed.error.issues)
  const { resolveAmount, allowBrowserAmount } = options
  if (resolveAmount === undefined && allowBrowserAmount !== true) {
    problems.push(
      '"resolveAmount" is required: decide the amount on the server (for example from the order the reference names), because a browser can send any amount. Only for a donation box, pass "allowBrowserAmount: true" to charge what the browser sends.',
    )
  } else if (resolveAmount !== undefined && allowBrowserAmount === true) {
    problems.push('give "resolveAmount" or "allowBrowserAmount: true", not both')
  }
  if (!parsed.success || problems.length > 0) {
    throw new StitchConfigError(problems, 'Invalid createPaymentRequestOperation options')
  }
  const { beneficiary, beneficiaryReference } = parsed.data
  const maxAmount = options.maxAmount ?? 100_000
  return exposeOperation(createPaymentRequest, {
    input: z.strictObject({
      amount: z
        .number()
        .positive('must be more than 0')
        .max(maxAmount, `must be at most ${maxAmount}`)
        .refine(
          (value) => Number.isInteger(Math.round(value * 100 * 1e6) / 1e6),
          'must have at most 2 decimals',
        ),
      // The browser's reference becomes the payer's statement reference: Stitch allows 12.
      reference: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(PAYER_REFERENCE_MAX, `must be at most ${PAYER_REFERENCE_MAX} characters`)
        .regex(/^[A-Za-z0-9 -]+$/, 'may hold letters, digits, spaces and dashes only'),
    }),
    toVariables: async (input, call: ProxyCallContext<TContext>) => ({
      input: {
        amount: {
          quantity: resolveAmount ? await resolveAmount(input, call) : input.amount,
          currency: 'ZAR',
        },
        payerReference: input.reference,
        beneficiaryReference,
        externalReference: input.reference,
        beneficiary: { bankAccount: { ...beneficiary } },
      },
    }),
    toOutput: ({ id, url }) => ({ id, url }),
  })
}

/** Payment request statuses a page can show. */
export type PaymentRequestStatus = 'pending' | 'completed' | 'cancelled' | 'expired' | 'unknown'

// The members of Stitch's `PaymentInitiationRequestState` union.
const statusNames: Record<PaymentRequestState['__typename'], PaymentRequestStatus> = {
  PaymentInitiationRequestPending: 'pending',
  PaymentInitiationRequestCompleted: 'completed',
  PaymentInitiationRequestManuallyCompleted: 'completed',
  PaymentInitiationRequestCancelled: 'cancelled',
  PaymentInitiationRequestExpired: 'expired',
}

/**
 * Reads a payment request's status by id. Ids are unguessable, but add `authorize` (via
 * `defineOperation({ ...paymentRequestStatusOperation(), authorize })`) to tie them to a user.
 */
export function paymentRequestStatusOperation() {
  return exposeOperation(getPaymentRequest, {
    input: z.strictObject({ id: z.string().min(1).max(200) }),
    toVariables: ({ id }) => ({ id }),
    toOutput: (request, input) => ({
      id: request?.id ?? input.id,
      status: request ? statusNames[request.state.__typename] : ('unknown' as const),
      found: request !== null,
    }),
  })
}

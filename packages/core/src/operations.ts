import { z } from 'zod'
import { StitchConfigError } from './errors.js'
import { defineOperation, type ProxyCallContext } from './proxy.js'
import { describeIssues } from './validation.js'

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

export const CREATE_PAYMENT_REQUEST_DOCUMENT = /* GraphQL */ `
  mutation CreatePaymentRequest($input: ClientPaymentInitiationRequestCreateInput!) {
    clientPaymentInitiationRequestCreate(input: $input) {
      paymentInitiationRequest { id url }
    }
  }
`

export const PAYMENT_REQUEST_STATUS_DOCUMENT = /* GraphQL */ `
  query PaymentRequestStatus($id: ID!) {
    node(id: $id) {
      ... on PaymentInitiationRequest {
        id
        state { __typename }
      }
    }
  }
`

// Stitch's documented limits on a payment request (ClientPaymentInitiationRequestCreateInput).
const PAYER_REFERENCE_MAX = 12
const BENEFICIARY_REFERENCE_MAX = 20
const BENEFICIARY_NAME_MAX = 20

const paymentRequestOptionsSchema = z.object({
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
})

/**
 * Stitch's `MoneyInput`: `quantity` is a Decimal, which Stitch documents as "encoded as a
 * string", so amounts are sent as "150.00" rather than as a JSON number.
 */
function toMoneyInput(amount: number): { quantity: string; currency: 'ZAR' } {
  return { quantity: amount.toFixed(2), currency: 'ZAR' }
}

const paymentRequestCreated = z.object({
  clientPaymentInitiationRequestCreate: z.object({
    paymentInitiationRequest: z.object({ id: z.string(), url: z.string() }),
  }),
})

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
  const parsed = paymentRequestOptionsSchema.safeParse(options)
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
  return defineOperation({
    document: CREATE_PAYMENT_REQUEST_DOCUMENT,
    scopes: ['client_paymentrequest'],
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
        amount: toMoneyInput(resolveAmount ? await resolveAmount(input, call) : input.amount),
        payerReference: input.reference,
        beneficiaryReference,
        externalReference: input.reference,
        beneficiary: { bankAccount: { ...beneficiary } },
      },
    }),
    toOutput: (data) => {
      const { paymentInitiationRequest } =
        paymentRequestCreated.parse(data).clientPaymentInitiationRequestCreate
      return { id: paymentInitiationRequest.id, url: paymentInitiationRequest.url }
    },
  })
}

/** Payment request statuses a page can show. */
export type PaymentRequestStatus = 'pending' | 'completed' | 'cancelled' | 'expired' | 'unknown'

// The members of Stitch's `PaymentInitiationRequestState` union.
const statusNames: Record<string, PaymentRequestStatus> = {
  PaymentInitiationRequestPending: 'pending',
  PaymentInitiationRequestCompleted: 'completed',
  PaymentInitiationRequestManuallyCompleted: 'completed',
  PaymentInitiationRequestCancelled: 'cancelled',
  PaymentInitiationRequestExpired: 'expired',
}

const paymentRequestNode = z.object({
  node: z.object({ id: z.string(), state: z.object({ __typename: z.string() }) }).nullable(),
})

/**
 * Reads a payment request's status by id. Ids are unguessable, but add `authorize` (via
 * `defineOperation({ ...paymentRequestStatusOperation(), authorize })`) to tie them to a user.
 */
export function paymentRequestStatusOperation() {
  return defineOperation({
    document: PAYMENT_REQUEST_STATUS_DOCUMENT,
    scopes: ['client_paymentrequest'],
    input: z.strictObject({ id: z.string().min(1).max(200) }),
    toOutput: (data, input) => {
      const node = paymentRequestNode.parse(data).node
      const status: PaymentRequestStatus = node
        ? (statusNames[node.state.__typename] ?? 'unknown')
        : 'unknown'
      return { id: node?.id ?? input.id, status, found: node !== null }
    },
  })
}

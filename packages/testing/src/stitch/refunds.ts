import type { SimulatorState } from '../state.js'
import {
  checkMove,
  claimNonce,
  enumValues,
  isoNow,
  lengthProblems,
  type Money,
  type MoneyInput,
  newId,
  oneOf,
  ownedBy,
  readDate,
  readMoney,
  type StitchContext,
  type StitchDomain,
  throwIfBadInput,
} from './kit.js'
import {
  currentState,
  toGraphQL as paymentRequestToGraphQL,
  type SimulatedPaymentRequest,
} from './payment-requests.js'

const SCOPES = ['client_refund'] as const

// The reference has no RefundReason page; these values come from a schema snapshot generated
// from Stitch's (an older one), so they may be incomplete.
export const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_user'] as const
export type RefundReason = (typeof REFUND_REASONS)[number]

export const CLEARING_TYPES = ['INSTANT', 'DEFAULT'] as const
export type ClearingType = (typeof CLEARING_TYPES)[number]

export const REFUND_ERROR_REASONS = [
  'bank_error',
  'bank_processing_error',
  'insufficient_funds',
  'restricted_account',
  'inactive_account',
  'exceeded_limit',
  'invalid_account',
  'beneficiary_bank_processing_error',
  'invalid_transaction_details',
  'payment_not_received',
  'invalid_destination',
  'internal_error',
] as const
export type RefundErrorReason = (typeof REFUND_ERROR_REASONS)[number]
const DEPRECATED_REFUND_ERROR_REASONS: readonly RefundErrorReason[] = [
  'invalid_destination',
  'internal_error',
]

export const REFUND_PAUSED_REASONS = ['insufficient_funds'] as const
export type RefundPausedReason = (typeof REFUND_PAUSED_REASONS)[number]

export type RefundStatus =
  | { type: 'pending'; date: string }
  | { type: 'submitted'; date: string }
  | { type: 'completed'; date: string; expectedSettlement: string }
  | { type: 'error'; date: string; reason: RefundErrorReason }
  | { type: 'paused'; date: string; reason: RefundPausedReason }

/**
 * A status to move a refund to: `date` defaults to the simulator's clock and a completed
 * refund's `expectedSettlement` to its `date`.
 */
export type RefundStatusUpdate = Undated<RefundStatus>

type Undated<S> = S extends { expectedSettlement: string }
  ? Omit<S, 'date' | 'expectedSettlement'> & { date?: string; expectedSettlement?: string }
  : Omit<S, 'date'> & { date?: string }

/** A refund created through `clientRefundInitiate`. */
export interface SimulatedRefund {
  id: string
  /** The client whose token created it; other clients can't read it. */
  clientId: string
  paymentRequestId: string
  amount: Money
  reason: RefundReason
  nonce: string
  beneficiaryReference: string
  /** Stitch's `Refund` doesn't show it; kept so tests can see what was asked for. */
  clearingType: ClearingType
  created: string
  status: RefundStatus
}

interface InitiateInput {
  paymentRequestId: string
  amount: MoneyInput
  reason: RefundReason
  nonce: string
  beneficiaryReference: string
  clearingType?: ClearingType | null
}

const MOVES: Readonly<Record<RefundStatus['type'], readonly RefundStatus['type'][]>> = {
  pending: ['submitted', 'error', 'paused'],
  submitted: ['completed', 'error'],
  // `insufficient_funds` as an error reason reads "had insufficient_funds for longer than the
  // allowed duration": a paused refund can end in error.
  paused: ['pending', 'error'],
  completed: [],
  error: [],
}

export const refunds: StitchDomain = {
  sdl: /* GraphQL */ `
    enum RefundReason {
      ${REFUND_REASONS.join('\n      ')}
    }

    enum ClearingType {
      "Attempt to clear this payment immediately if the financial institution supports it. Can incur additional cost."
      INSTANT
      "Default type, in which case the payment will be processed by the institutions standard method."
      DEFAULT
    }

    enum RefundErrorReason {
      ${enumValues(REFUND_ERROR_REASONS, DEPRECATED_REFUND_ERROR_REASONS)}
    }

    "Why the refund has not been paid out yet."
    enum RefundPausedReason {
      ${REFUND_PAUSED_REASONS.join('\n      ')}
    }

    input ClientRefundInitiateInput {
      paymentRequestId: ID!
      "At most the amount paid, less what earlier refunds of the payment returned."
      amount: MoneyInput!
      reason: RefundReason!
      "Randomly generated unique string to ensure idempotency"
      nonce: String!
      "Must be between 1 and 30 characters. The reference that will be displayed on the refunded users statement"
      beneficiaryReference: String!
      "Affects how soon the refund will be paid out"
      clearingType: ClearingType
    }

    type RefundInitiatePayload {
      refund: Refund!
    }

    "The refund has been accepted and is awaiting processing"
    type RefundPending {
      date: Date!
    }

    "The refund has been submitted to bank"
    type RefundSubmitted {
      date: Date!
    }

    "Bank has successfully processed the refund"
    type RefundCompleted {
      date: Date!
      expectedSettlement: Date!
    }

    "Refund has failed to complete"
    type RefundError {
      reason: RefundErrorReason!
      date: Date!
    }

    "The refund has been paused"
    type RefundPaused {
      date: Date!
      reason: RefundPausedReason!
    }

    union RefundStatus = RefundPending | RefundSubmitted | RefundCompleted | RefundError | RefundPaused

    type Refund implements Node {
      id: ID!
      status: RefundStatus!
      reason: RefundReason!
      amount: Money!
      created: Date!
      "The reference that will be displayed on the refunded users statement"
      beneficiaryReference: String!
      paymentInitiationRequest: PaymentInitiationRequest
      nonce: String!
    }

    extend type Mutation {
      clientRefundInitiate(input: ClientRefundInitiateInput!): RefundInitiatePayload!
    }

    extend type PaymentInitiationRequest {
      refunds: [Refund!]!
    }
  `,
  fields: {
    // The reference states no scope of its own for this field.
    'PaymentInitiationRequest.refunds': {
      resolve: (source: { id: string }, _args, context) =>
        [...context.state.refunds.values()]
          .filter((refund) => refund.paymentRequestId === source.id)
          .map((refund) => toGraphQL(refund, context.state)),
    },
    'Mutation.clientRefundInitiate': {
      scopes: SCOPES,
      resolve: (_source, { input }: { input: InitiateInput }, context) => {
        const refund = initiateRefund(input, context)
        return { refund: toGraphQL(refund, context.state) }
      },
    },
  },
  node: (id, context) => {
    const refund = ownedBy(context.state.refunds.get(id), context)
    return refund && { value: toGraphQL(refund, context.state), scopes: SCOPES }
  },
}

function initiateRefund(input: InitiateInput, context: StitchContext): SimulatedRefund {
  const recordNonce = claimNonce(context, 'clientRefundInitiate', input.nonce)
  const { state } = context
  const problems: string[] = []
  const amount = readMoney(input.amount, 'input.amount', problems)
  const amountIsValid = problems.length === 0
  problems.push(
    ...lengthProblems(input.beneficiaryReference, 'input.beneficiaryReference', {
      min: 1,
      max: 30,
    }),
  )
  const request = ownedBy(state.paymentRequests.get(input.paymentRequestId), context)
  if (request === undefined) {
    problems.push(`input.paymentRequestId: no payment request with id "${input.paymentRequestId}"`)
  } else {
    const paid = currentState(state, request)
    if (paid.type !== 'completed') {
      problems.push(
        `input.paymentRequestId: payment request "${request.id}" is ${paid.type}; only a completed payment can be refunded`,
      )
    } else if (amountIsValid) {
      const left = cents(paid.amount.quantity) - refundedCents(state, request)
      if (cents(amount.quantity) > left) {
        problems.push(
          `input.amount.quantity must be at most ${fromCents(left)}, what is left of the ${paid.amount.quantity} paid after earlier refunds (got ${amount.quantity})`,
        )
      }
    }
  }
  throwIfBadInput(problems)
  recordNonce()

  const now = isoNow(context)
  const refund: SimulatedRefund = {
    id: newId('refund'),
    clientId: context.token.clientId,
    paymentRequestId: input.paymentRequestId,
    amount,
    reason: input.reason,
    nonce: input.nonce,
    beneficiaryReference: input.beneficiaryReference,
    clearingType: input.clearingType ?? 'DEFAULT',
    created: now,
    status: { type: 'pending', date: now },
  }
  state.refunds.set(refund.id, refund)
  return refund
}

// Stitch's guide: "Multiple partial refunds can also be created up to the amount of the
// original payment." A refund that ended in error returned nothing, so it doesn't count.
function refundedCents(state: SimulatorState, request: SimulatedPaymentRequest): number {
  let total = 0
  for (const refund of state.refunds.values()) {
    if (refund.paymentRequestId === request.id && refund.status.type !== 'error') {
      total += cents(refund.amount.quantity)
    }
  }
  return total
}

// Amounts are stored with two decimals, so whole cents compare exactly.
function cents(quantity: string): number {
  return Math.round(Number(quantity) * 100)
}

function fromCents(value: number): string {
  return (value / 100).toFixed(2)
}

/**
 * Moves a refund on, as Stitch and the bank would: pending → submitted → completed, pending or
 * submitted → error, pending → paused → pending (or error). Throws on any other move.
 */
export function setRefundStatus(
  state: SimulatorState,
  id: string,
  update: RefundStatusUpdate,
): SimulatedRefund {
  const refund = state.refunds.get(id)
  if (refund === undefined) throw new Error(`No refund with id "${id}"`)
  checkMove(`Refund "${id}"`, MOVES, refund.status.type, update.type)
  const date = readDate(update.date, state, `Refund "${id}": date`)
  switch (update.type) {
    case 'pending':
    case 'submitted':
      refund.status = { type: update.type, date }
      break
    case 'completed':
      refund.status = {
        type: 'completed',
        date,
        expectedSettlement: readDate(
          update.expectedSettlement ?? date,
          state,
          `Refund "${id}": expectedSettlement`,
        ),
      }
      break
    case 'error':
      refund.status = {
        type: 'error',
        date,
        reason: oneOf(`Refund "${id}"`, REFUND_ERROR_REASONS, update.reason),
      }
      break
    case 'paused':
      refund.status = {
        type: 'paused',
        date,
        reason: oneOf(`Refund "${id}"`, REFUND_PAUSED_REASONS, update.reason),
      }
      break
  }
  state.changed({ kind: 'refund', refund })
  return refund
}

/** The object GraphQL serves for a refund; `Money` is a scalar, so amounts are plain objects. */
export function toGraphQL(refund: SimulatedRefund, state: SimulatorState): object {
  const request = state.paymentRequests.get(refund.paymentRequestId)
  return {
    __typename: 'Refund',
    id: refund.id,
    status: statusToGraphQL(refund.status),
    reason: refund.reason,
    amount: { ...refund.amount },
    created: refund.created,
    beneficiaryReference: refund.beneficiaryReference,
    paymentInitiationRequest: request ? paymentRequestToGraphQL(request, state) : null,
    nonce: refund.nonce,
  }
}

function statusToGraphQL(status: RefundStatus): object {
  switch (status.type) {
    case 'pending':
      return { __typename: 'RefundPending', date: status.date }
    case 'submitted':
      return { __typename: 'RefundSubmitted', date: status.date }
    case 'completed':
      return {
        __typename: 'RefundCompleted',
        date: status.date,
        expectedSettlement: status.expectedSettlement,
      }
    case 'error':
      return { __typename: 'RefundError', reason: status.reason, date: status.date }
    case 'paused':
      return { __typename: 'RefundPaused', date: status.date, reason: status.reason }
  }
}

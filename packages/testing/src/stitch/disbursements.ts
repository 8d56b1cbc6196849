import { GraphQLError } from 'graphql'
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

const SCOPES = ['client_disbursement'] as const

export const DISBURSEMENT_TYPES = ['INSTANT', 'DEFAULT'] as const
export type DisbursementType = (typeof DISBURSEMENT_TYPES)[number]

/** The banks Stitch disburses to (`DisbursementBankBeneficiaryBankId`). */
export const DISBURSEMENT_BANK_IDS = [
  'absa',
  'african_bank',
  'capitec',
  'discovery_bank',
  'fnb',
  'grindrod_bank',
  'investec',
  'nedbank',
  'sasfin_bank',
  'standard_bank',
  'tymebank',
  'za_bidvest',
  'za_access_bank',
  'za_citibank',
  'za_u_bank',
  'za_jp_morgan_chase_bank',
  'za_mercantile_bank',
  'za_capitec_business',
  'za_postbank',
  'za_bank_windhoek',
  'za_nedbank_namibia',
  'za_hbz_bank',
  'za_olympus_mobile',
  'za_hsbc',
  'za_vbs_mutual_bank',
  'za_finbond_mutual_bank',
  'za_finbond_net1',
  'za_bnp_paribas',
  'za_habib_overseas_bank',
  'za_people_bank',
  'za_standard_chartered_bank',
  'za_ithala_bank',
  'za_unibank',
  'za_albaraka_bank',
  'za_state_bank_of_india',
  'za_bank_zero',
] as const
export type DisbursementBankBeneficiaryBankId = (typeof DISBURSEMENT_BANK_IDS)[number]
// Deprecated values stay valid input, as in any GraphQL schema; what Stitch does with a
// disbursement to one is not documented, so the simulator accepts it.
const DEPRECATED_BANK_IDS: readonly DisbursementBankBeneficiaryBankId[] = [
  'za_bank_windhoek',
  'za_nedbank_namibia',
  'za_ithala_bank',
]

export const DISBURSEMENT_PAUSED_REASONS = [
  'insufficient_funds',
  'no_satisfactory_source_bank',
] as const
export type DisbursementPausedReason = (typeof DISBURSEMENT_PAUSED_REASONS)[number]

/**
 * Each error reason with the description Stitch's reference gives it, which the simulator
 * uses as `disbursementErrorDescription` when a test gives none (Stitch's own wording of that
 * field is not documented).
 */
export const DISBURSEMENT_ERROR_REASONS = {
  account_verification_failed: 'Disbursement was not processed due to failed account verification.',
  bank_error: 'There was a problem communicating with the processing bank.',
  bank_processing_error:
    'An internal error occurred inside the bank while trying to process the transaction.',
  insufficient_funds:
    'The account from which the disbursement was to be made had insufficient_funds for longer than the allowed duration',
  restricted_account:
    'There was a restriction on the account. This could be anything from FICA compliance to the account being manually frozen.',
  inactive_account: 'The account is inactive. This can be remedied by reactivating it.',
  exceeded_limit: 'A limit was exceeded.',
  invalid_account:
    'The account was not found. It may have been closed or cannot process this type of transaction.',
  beneficiary_bank_processing_error:
    'The recipient bank did not accept the transaction. Common causes are the beneficiary bank not responding to an RTC payment within the required 60 seconds, or not being enrolled for RTC.',
  invalid_transaction_details:
    'The details (e.g. account number or branch code) were rejected by the bank.',
  invalid_destination: 'The provided beneficiary account is invalid.',
  internal_error:
    'An unknown error has occurred processing the disbursement into the provided beneficiary account.',
} as const
export type DisbursementErrorReason = keyof typeof DISBURSEMENT_ERROR_REASONS
const DEPRECATED_ERROR_REASONS: readonly DisbursementErrorReason[] = [
  'invalid_destination',
  'internal_error',
]

/** Each reversal reason with its description in Stitch's reference (see the error reasons). */
export const DISBURSEMENT_REVERSED_REASONS = {
  invalid_destination: 'The provided beneficiary account is invalid',
  invalid_account:
    'The account was not found. It may have been closed or cannot process this type of transaction.',
} as const
export type DisbursementReversedReason = keyof typeof DISBURSEMENT_REVERSED_REASONS
const DEPRECATED_REVERSED_REASONS: readonly DisbursementReversedReason[] = ['invalid_destination']

export type DisbursementStatus =
  | { type: 'pending'; date: string }
  | { type: 'paused'; date: string; reason: DisbursementPausedReason }
  | { type: 'submitted'; date: string }
  | { type: 'completed'; date: string; expectedSettlement: string }
  | { type: 'error'; date: string; reason: DisbursementErrorReason; description: string }
  | { type: 'cancelled'; date: string; reason: string }
  | { type: 'reversed'; date: string; reason: DisbursementReversedReason; description: string }

/**
 * A status to move a disbursement to: `date` defaults to the simulator's clock, a completed
 * disbursement's `expectedSettlement` to its `date`, and a `description` to the one Stitch's
 * reference gives the reason.
 */
export type DisbursementStatusUpdate = Undated<DisbursementStatus>

type Undated<S> = S extends { expectedSettlement: string }
  ? Omit<S, 'date' | 'expectedSettlement'> & { date?: string; expectedSettlement?: string }
  : S extends { description: string }
    ? Omit<S, 'date' | 'description'> & { date?: string; description?: string }
    : Omit<S, 'date'> & { date?: string }

/** A disbursement created through `clientDisbursementCreate`. */
export interface SimulatedDisbursement {
  id: string
  /** The client whose token created it; other clients can't read it. */
  clientId: string
  amount: Money
  nonce: string
  /** Stitch's `Disbursement` doesn't show it; kept so tests can see what was asked for. */
  disbursementType: DisbursementType
  beneficiaryReference: string
  externalReference: string | null
  bankBeneficiary: {
    name: string
    bankId: DisbursementBankBeneficiaryBankId
    accountNumber: string
    /** An `AccountType` value. */
    accountType: string
  }
  recipientAccountHolder: {
    name: string | null
    email: string | null
    phoneNumber: string | null
    payeeId: string | null
  } | null
  created: string
  status: DisbursementStatus
}

interface CreateInput {
  amount: MoneyInput
  nonce: string
  disbursementType?: DisbursementType | null
  beneficiaryReference: string
  externalReference?: string | null
  bankBeneficiary: {
    bankId: DisbursementBankBeneficiaryBankId
    name: string
    accountNumber: string
    accountType: string
  }
  recipientAccountHolder?: {
    name?: string | null
    email?: string | null
    phoneNumber?: string | null
    payeeId?: string | null
  } | null
}

const MOVES: Readonly<Record<DisbursementStatus['type'], readonly DisbursementStatus['type'][]>> = {
  pending: ['submitted', 'paused', 'error', 'cancelled'],
  // A paused disbursement "requires interaction": it can be cancelled like a pending one, and
  // the error reason `insufficient_funds` ("for longer than the allowed duration") is where a
  // pause for lack of funds ends.
  paused: ['pending', 'cancelled', 'error'],
  submitted: ['completed', 'error'],
  // "DisbursementCompleted is not always a final state ... DisbursementReversed ... is a
  // final state." (Stitch's disbursements guide)
  completed: ['reversed'],
  error: [],
  cancelled: [],
  reversed: [],
}

export const disbursements: StitchDomain = {
  sdl: /* GraphQL */ `
    enum DisbursementType {
      "Attempt to clear this payment immediately if the financial institution supports it. Can incur additional cost."
      INSTANT
      "Default type, in which case the disbursement will be processed by the institutions standard method."
      DEFAULT
    }

    "The banks for which client disbursement is enabled."
    enum DisbursementBankBeneficiaryBankId {
      ${enumValues(DISBURSEMENT_BANK_IDS, DEPRECATED_BANK_IDS)}
    }

    "Why the disbursement has not been paid out yet."
    enum DisbursementPausedReason {
      ${DISBURSEMENT_PAUSED_REASONS.join('\n      ')}
    }

    enum DisbursementErrorReason {
      ${enumValues(Object.keys(DISBURSEMENT_ERROR_REASONS), DEPRECATED_ERROR_REASONS)}
    }

    enum DisbursementReversedReason {
      ${enumValues(Object.keys(DISBURSEMENT_REVERSED_REASONS), DEPRECATED_REVERSED_REASONS)}
    }

    "The bank details of a person receiving a payment."
    input ClientDisbursementCreateBeneficiaryBankAccountInput {
      bankId: DisbursementBankBeneficiaryBankId!
      "Must be between 1 and 20 characters. Any numeric and alpha-numeric values are accepted. However, name length may be truncated according to the banking guidelines."
      name: String!
      accountNumber: String!
      accountType: AccountType!
    }

    "Details which identify the recipient of the disbursement."
    input DisbursementCreateRecipientAccountHolderDetailsInput {
      "The name of the recipient Any numeric and alpha-numeric value is accepted. However, name length may be truncated according to the banking guidelines"
      name: String
      "Email address of the recipient. Either email or phone number must be supplied."
      email: EmailAddress
      "Phone number of the recipient. Either email or phone number must be supplied."
      phoneNumber: String
      "The client's internal identifier for the user."
      payeeId: String
    }

    input ClientDisbursementCreateInput {
      "The currency and quantity to be disbursed"
      amount: MoneyInput!
      "Randomly generated unique string to ensure idempotency. At most 4096 characters."
      nonce: String!
      "Affects how soon the disbursement will be paid out"
      disbursementType: DisbursementType
      "The reference that will be displayed on the users statement Any numeric and alpha-numeric values are accepted. However, beneficiaryReference length may be truncated according to the banking guidelines"
      beneficiaryReference: String!
      "An optional field that allows attaching an external reference identifier to the disbursement for tracking or reconciliation purposes"
      externalReference: String
      "The bank beneficiary of the disbursement"
      bankBeneficiary: ClientDisbursementCreateBeneficiaryBankAccountInput!
      "Details which identify the recipient of the disbursement."
      recipientAccountHolder: DisbursementCreateRecipientAccountHolderDetailsInput
    }

    type ClientDisbursementCreatePayload {
      disbursement: Disbursement!
    }

    input ClientCancelDisbursementInput {
      id: ID!
      reason: String!
    }

    type ClientDisbursementCancelPayload {
      id: ID!
      reason: String!
    }

    type DisbursementBankBeneficiary {
      accountHolder: String!
      bankId: DisbursementBankBeneficiaryBankId!
      accountNumber: String!
      accountType: AccountType
    }

    type DisbursementRecipientAccountHolder {
      name: String
      email: EmailAddress
      phoneNumber: String
      payeeId: String
    }

    "The disbursement has been accepted and is awaiting processing"
    type DisbursementPending {
      date: Date!
    }

    "Disbursement has been paused and requires interaction"
    type DisbursementPaused {
      disbursementPausedReason: DisbursementPausedReason!
      date: Date!
    }

    "The disbursement has been submitted to bank"
    type DisbursementSubmitted {
      date: Date!
    }

    "Bank has successfully processed the disbursement"
    type DisbursementCompleted {
      date: Date!
      expectedSettlement: Date!
    }

    "Disbursement has failed to complete"
    type DisbursementError {
      disbursementErrorReason: DisbursementErrorReason!
      disbursementErrorDescription: String!
      date: Date!
    }

    "Disbursement has been cancelled"
    type DisbursementCancelled {
      disbursementCancelledReason: String!
      date: Date!
    }

    "Disbursement has been reversed"
    type DisbursementReversed {
      disbursementReversedReason: DisbursementReversedReason!
      disbursementReversedDescription: String!
      date: Date!
    }

    union DisbursementStatus =
      | DisbursementPending
      | DisbursementPaused
      | DisbursementSubmitted
      | DisbursementCompleted
      | DisbursementError
      | DisbursementCancelled
      | DisbursementReversed

    type Disbursement implements Node {
      id: ID!
      "The amount and currency to be disbursed"
      amount: Money!
      "Randomly generated unique string to ensure idempotency"
      nonce: String!
      "The reference that will be displayed on the users statement"
      beneficiaryReference: String!
      "An optional field that allows attaching an external reference identifier to the disbursement for tracking or reconciliation purposes"
      externalReference: String
      "The bank details of the beneficiary of the disbursement"
      bankBeneficiary: DisbursementBankBeneficiary!
      "This field is populated if the disbursement is linked to a user"
      linkedAccountId: ID
      "The identifying details of the recipient of the disbursement"
      recipientAccountHolder: DisbursementRecipientAccountHolder
      "The status of that disbursement"
      status: DisbursementStatus!
      "The date of disbursement creation"
      created: Date!
    }

    extend type Mutation {
      clientDisbursementCreate(input: ClientDisbursementCreateInput!): ClientDisbursementCreatePayload!
      clientCancelDisbursement(input: ClientCancelDisbursementInput!): ClientDisbursementCancelPayload!
    }
  `,
  fields: {
    'Mutation.clientDisbursementCreate': {
      scopes: SCOPES,
      resolve: (_source, { input }: { input: CreateInput }, context) => {
        const disbursement = createDisbursement(input, context)
        return { disbursement: toGraphQL(disbursement) }
      },
    },
    'Mutation.clientCancelDisbursement': {
      scopes: SCOPES,
      resolve: (_source, { input }: { input: { id: string; reason: string } }, context) => {
        const disbursement = ownedBy(context.state.disbursements.get(input.id), context)
        throwIfBadInput([
          ...(disbursement === undefined
            ? [`input.id: no disbursement with id "${input.id}"`]
            : []),
          // Stitch documents no limit on the reason; the simulator's is a guess, as for
          // payment requests.
          ...lengthProblems(input.reason, 'input.reason', { min: 1, max: 4096 }),
        ])
        cancelDisbursement(context.state, input.id, input.reason)
        return { id: input.id, reason: input.reason }
      },
    },
  },
  node: (id, context) => {
    const disbursement = ownedBy(context.state.disbursements.get(id), context)
    return disbursement && { value: toGraphQL(disbursement), scopes: SCOPES }
  },
}

function createDisbursement(input: CreateInput, context: StitchContext): SimulatedDisbursement {
  const recordNonce = claimNonce(context, 'clientDisbursementCreate', input.nonce)
  const problems: string[] = []
  const amount = readMoney(input.amount, 'input.amount', problems)
  const { bankBeneficiary: bank, recipientAccountHolder: holder } = input
  problems.push(
    // "The nonce field is required, and allows a maximum of 4096 characters." (Stitch's guide)
    ...lengthProblems(input.nonce, 'input.nonce', { min: 1, max: 4096 }),
    // The guide's sentence on externalReference's limit is lost; 4096 is a guess, the limit
    // Stitch documents for the same field on payment requests.
    ...lengthProblems(input.externalReference, 'input.externalReference', { max: 4096 }),
    ...lengthProblems(bank.name, 'input.bankBeneficiary.name', { min: 1, max: 20 }),
  )
  if (!/^\d+$/.test(bank.accountNumber)) {
    problems.push('input.bankBeneficiary.accountNumber must contain only digits')
  }
  if (holder != null && !supplied(holder.email) && !supplied(holder.phoneNumber)) {
    problems.push('input.recipientAccountHolder: either email or phone number must be supplied')
  }
  throwIfBadInput(problems)
  recordNonce()

  const now = isoNow(context)
  const disbursement: SimulatedDisbursement = {
    id: newId('disbursement'),
    clientId: context.token.clientId,
    amount,
    nonce: input.nonce,
    disbursementType: input.disbursementType ?? 'DEFAULT',
    beneficiaryReference: input.beneficiaryReference,
    externalReference: input.externalReference ?? null,
    bankBeneficiary: {
      name: bank.name,
      bankId: bank.bankId,
      accountNumber: bank.accountNumber,
      accountType: bank.accountType,
    },
    recipientAccountHolder: holder
      ? {
          name: holder.name ?? null,
          email: holder.email ?? null,
          phoneNumber: holder.phoneNumber ?? null,
          payeeId: holder.payeeId ?? null,
        }
      : null,
    created: now,
    status: { type: 'pending', date: now },
  }
  context.state.disbursements.set(disbursement.id, disbursement)
  return disbursement
}

function supplied(value: string | null | undefined): boolean {
  return value != null && value.trim() !== ''
}

function findDisbursement(state: SimulatorState, id: string): SimulatedDisbursement {
  const disbursement = state.disbursements.get(id)
  if (disbursement === undefined) throw new Error(`No disbursement with id "${id}"`)
  return disbursement
}

/** Cancels a pending or paused disbursement, as `clientCancelDisbursement` does. */
export function cancelDisbursement(
  state: SimulatorState,
  id: string,
  reason: string,
): SimulatedDisbursement {
  const disbursement = findDisbursement(state, id)
  if (disbursement.status.type !== 'pending' && disbursement.status.type !== 'paused') {
    // Stitch does not document this error; the simulator refuses like any bad input.
    throw new GraphQLError(
      `Disbursement "${id}" is ${disbursement.status.type} and can't be cancelled`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    )
  }
  disbursement.status = { type: 'cancelled', date: isoNow({ state }), reason }
  state.changed({ kind: 'disbursement', disbursement })
  return disbursement
}

/**
 * Moves a disbursement on, as Stitch and the bank would: pending → submitted → completed →
 * reversed, pending ⇄ paused, pending, paused or submitted → error, pending or paused →
 * cancelled. Throws on any other move.
 */
export function setDisbursementStatus(
  state: SimulatorState,
  id: string,
  update: DisbursementStatusUpdate,
): SimulatedDisbursement {
  const disbursement = findDisbursement(state, id)
  checkMove(`Disbursement "${id}"`, MOVES, disbursement.status.type, update.type)
  const date = readDate(update.date, state, `Disbursement "${id}": date`)
  switch (update.type) {
    case 'pending':
    case 'submitted':
      disbursement.status = { type: update.type, date }
      break
    case 'paused':
      disbursement.status = {
        type: 'paused',
        date,
        reason: oneOf(`Disbursement "${id}"`, DISBURSEMENT_PAUSED_REASONS, update.reason),
      }
      break
    case 'completed':
      disbursement.status = {
        type: 'completed',
        date,
        expectedSettlement: readDate(
          update.expectedSettlement ?? date,
          state,
          `Disbursement "${id}": expectedSettlement`,
        ),
      }
      break
    case 'error': {
      const reason = oneOf(
        `Disbursement "${id}"`,
        Object.keys(DISBURSEMENT_ERROR_REASONS),
        update.reason,
      )
      const description = update.description ?? DISBURSEMENT_ERROR_REASONS[reason]
      disbursement.status = { type: 'error', date, reason, description }
      break
    }
    case 'cancelled':
      disbursement.status = { type: 'cancelled', date, reason: update.reason }
      break
    case 'reversed': {
      const reason = oneOf(
        `Disbursement "${id}"`,
        Object.keys(DISBURSEMENT_REVERSED_REASONS),
        update.reason,
      )
      const description = update.description ?? DISBURSEMENT_REVERSED_REASONS[reason]
      disbursement.status = { type: 'reversed', date, reason, description }
      break
    }
  }
  state.changed({ kind: 'disbursement', disbursement })
  return disbursement
}

/** The object GraphQL serves for a disbursement; `Money` is a scalar, so amounts are plain objects. */
export function toGraphQL(disbursement: SimulatedDisbursement): object {
  const { bankBeneficiary: bank, recipientAccountHolder: holder } = disbursement
  return {
    __typename: 'Disbursement',
    id: disbursement.id,
    amount: { ...disbursement.amount },
    nonce: disbursement.nonce,
    beneficiaryReference: disbursement.beneficiaryReference,
    externalReference: disbursement.externalReference,
    bankBeneficiary: {
      __typename: 'DisbursementBankBeneficiary',
      accountHolder: bank.name,
      bankId: bank.bankId,
      accountNumber: bank.accountNumber,
      accountType: bank.accountType,
    },
    // Client disbursements are not made on a user's behalf, so none is linked.
    linkedAccountId: null,
    recipientAccountHolder: holder && {
      __typename: 'DisbursementRecipientAccountHolder',
      ...holder,
    },
    status: statusToGraphQL(disbursement.status),
    created: disbursement.created,
  }
}

function statusToGraphQL(status: DisbursementStatus): object {
  switch (status.type) {
    case 'pending':
      return { __typename: 'DisbursementPending', date: status.date }
    case 'paused':
      return {
        __typename: 'DisbursementPaused',
        disbursementPausedReason: status.reason,
        date: status.date,
      }
    case 'submitted':
      return { __typename: 'DisbursementSubmitted', date: status.date }
    case 'completed':
      return {
        __typename: 'DisbursementCompleted',
        date: status.date,
        expectedSettlement: status.expectedSettlement,
      }
    case 'error':
      return {
        __typename: 'DisbursementError',
        disbursementErrorReason: status.reason,
        disbursementErrorDescription: status.description,
        date: status.date,
      }
    case 'cancelled':
      return {
        __typename: 'DisbursementCancelled',
        disbursementCancelledReason: status.reason,
        date: status.date,
      }
    case 'reversed':
      return {
        __typename: 'DisbursementReversed',
        disbursementReversedReason: status.reason,
        disbursementReversedDescription: status.description,
        date: status.date,
      }
  }
}

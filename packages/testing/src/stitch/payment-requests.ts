import { GraphQLError } from 'graphql'
import type { SimulatorState } from '../state.js'
import {
  isoNow,
  lengthProblems,
  type Money,
  type MoneyInput,
  newId,
  ownedBy,
  readMoney,
  type StitchContext,
  type StitchDomain,
  throwIfBadInput,
} from './kit.js'

const SCOPES = ['client_paymentrequest'] as const

/** The banks Stitch pays a payment request's beneficiary at (`BankBeneficiaryBankId`). */
export const BANK_BENEFICIARY_BANK_IDS = [
  'absa',
  'capitec',
  'discovery_bank',
  'fnb',
  'investec',
  'nedbank',
  'sasfin_bank',
  'standard_bank',
  'tymebank',
  'za_access_bank',
  'access_bank',
  'first_bank_of_nigeria',
  'gtbank',
  'providus_bank',
  'sterling_bank',
  'united_bank_for_africa',
  'vfd_microfinance_bank',
  'wema_bank',
  'zenith_bank',
  'za_bidvest',
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

export type PaymentRequestState =
  | { type: 'pending' }
  | { type: 'completed'; date: string; amount: Money }
  | { type: 'cancelled'; date: string; reason: string }
  | { type: 'expired'; date: string }

/** A payment request created through `clientPaymentInitiationRequestCreate`. */
export interface SimulatedPaymentRequest {
  id: string
  /** Where the payer goes to pay; the simulator serves a small page there. */
  url: string
  /** The client whose token created it; other clients can't read it. */
  clientId: string
  created: string
  updated: string
  amount: Money
  payerReference: string
  beneficiaryReference: string
  externalReference: string | null
  /** The bank account paid into, or null when the request names a `merchantId`. */
  beneficiary: { name: string; bankId: string; accountNumber: string } | null
  merchantId: string | null
  expireAt: string | null
  metadata: unknown
  state: PaymentRequestState
}

interface CreateInput {
  amount: MoneyInput
  merchantId?: string | null
  beneficiary?: {
    bankAccount?: { name: string; bankId: string; accountNumber: string } | null
    bankAccounts?: { name: string; bankId: string; accountNumber: string }[] | null
  } | null
  payerReference: string
  beneficiaryReference: string
  externalReference?: string | null
  expireAt?: string | null
  metadata?: unknown
}

export const paymentRequests: StitchDomain = {
  sdl: /* GraphQL */ `
    "The banks for which bank beneficiary payment is enabled."
    enum BankBeneficiaryBankId {
      ${BANK_BENEFICIARY_BANK_IDS.join('\n      ')}
    }

    "The banks which a user can link or pay from."
    enum PayerBankId {
      absa
      capitec
      discovery_bank
      investec
      fnb
      nedbank
      standard_bank
      tymebank
    }

    "The name and bank details of a person receiving a payment."
    input BankBeneficiaryInput {
      "At most 20 characters."
      name: String!
      bankId: BankBeneficiaryBankId!
      accountNumber: String!
    }

    input BeneficiaryInput {
      "The bank account that the payment will be made to"
      bankAccount: BankBeneficiaryInput
      "A list of bank accounts that the payment could be made to."
      bankAccounts: [BankBeneficiaryInput!]
    }

    "KYC information for the payer supplied by the client."
    input PayerInformationInput {
      payerId: String
      identifyingDocument: IdentifyingDocumentInput
      businessRegistration: BusinessRegistrationInput
      mobileNumber: String
      email: String
      fullName: String
      bankAccountNumber: String
      accountCreatedDate: String
    }

    "Details of the merchant issuing the transaction"
    input MerchantDetailsInput {
      capitecPayMerchantReference: String
      name: String!
    }

    input CardPaymentMethodInput {
      enabled: Boolean
      requireSecure3d: Boolean
    }

    input CapitecPayInput {
      identityNumber: String
      enabled: Boolean
    }

    input EftManualMethodInput {
      enabled: Boolean!
      mobileNumber: String
      email: String
      reference: String
    }

    input AbsaEftInput {
      payerDisplayNarrative: String
      enabled: Boolean
    }

    input EftPaymentMethodInput {
      enabled: Boolean
      capitecPay: CapitecPayInput
      manual: EftManualMethodInput
      absaEft: AbsaEftInput
    }

    input CashAtmMethodInput {
      enabled: Boolean!
      mobileNumber: String
      reference: String
    }

    input CashRetailerMethodInput {
      enabled: Boolean!
    }

    input CashPaymentMethodInput {
      atm: CashAtmMethodInput
      retailer: CashRetailerMethodInput
    }

    input PaymentMethodsInput {
      cash: CashPaymentMethodInput
      eft: EftPaymentMethodInput
      card: CardPaymentMethodInput
    }

    "All of the data required to create a payment request."
    input ClientPaymentInitiationRequestCreateInput {
      amount: MoneyInput!
      "Either beneficiary or merchantId must be specified."
      merchantId: String
      "Either beneficiary or merchantId must be specified."
      beneficiary: BeneficiaryInput
      "Must be 12 characters or less."
      payerReference: String!
      payerInformation: PayerInformationInput
      "Must be 20 characters or less."
      beneficiaryReference: String!
      "At most 4096 characters."
      externalReference: String
      "Optional Date (ISO 8601) input used to set an expiry on a payment"
      expireAt: Date
      merchant: String
      iframeAllowlist: [String]
      restrictPayerBank: PayerBankId
      merchantDetails: MerchantDetailsInput
      paymentMethods: PaymentMethodsInput
      metadata: Json
    }

    "A newly created payment initiation request."
    type ClientPaymentInitiationRequestCreatePayload {
      paymentInitiationRequest: PaymentInitiationRequest!
    }

    input PaymentInitiationRequestCancelInput {
      requestId: ID!
      reason: String!
    }

    "The ID of the cancelled payment initiation request."
    type ClientPaymentInitiationRequestCancelPayload {
      id: ID!
    }

    "The name and bank details of a person receiving a payment."
    type BankBeneficiary {
      name: String!
      bankId: BankBeneficiaryBankId!
      bankAccountNumber: String!
    }

    "The details of a person receiving a payment"
    union Beneficiary = BankBeneficiary

    "The payment to the beneficiary has been initiated."
    type PaymentInitiationRequestCompleted {
      date: Date!
      amount: Money!
      beneficiary: Beneficiary
    }

    "The payment request was manually marked as completed."
    type PaymentInitiationRequestManuallyCompleted {
      date: Date!
    }

    "The payment has been cancelled and cannot be completed."
    type PaymentInitiationRequestCancelled {
      date: Date!
      reason: String!
    }

    "Payment initiation request expired before the user attempted to pay"
    type PaymentInitiationRequestExpired {
      date: Date!
    }

    "The payment has not yet been initiated, waiting for user to complete request"
    type PaymentInitiationRequestPending {
      paymentInitiationRequest: PaymentInitiationRequest
    }

    union PaymentInitiationRequestState =
      | PaymentInitiationRequestCompleted
      | PaymentInitiationRequestManuallyCompleted
      | PaymentInitiationRequestCancelled
      | PaymentInitiationRequestExpired
      | PaymentInitiationRequestPending

    "A request to pay an amount to a beneficiary."
    type PaymentInitiationRequest implements Node {
      id: ID!
      url: URL!
      created: Date!
      updated: Date!
      amount: Money!
      payerReference: String!
      beneficiaryReference: String!
      externalReference: String
      merchant: String
      beneficiaries: [Beneficiary!]!
      state: PaymentInitiationRequestState!
      expireAt: Date
      metadata: Json
    }

    extend type Mutation {
      clientPaymentInitiationRequestCreate(
        input: ClientPaymentInitiationRequestCreateInput!
      ): ClientPaymentInitiationRequestCreatePayload
      clientPaymentInitiationRequestCancel(
        input: PaymentInitiationRequestCancelInput!
      ): ClientPaymentInitiationRequestCancelPayload
    }
  `,
  fields: {
    'Mutation.clientPaymentInitiationRequestCreate': {
      scopes: SCOPES,
      resolve: (_source, { input }: { input: CreateInput }, context) => {
        const request = createPaymentRequest(input, context)
        return { paymentInitiationRequest: toGraphQL(request, context.state) }
      },
    },
    'Mutation.clientPaymentInitiationRequestCancel': {
      scopes: SCOPES,
      resolve: (_source, { input }: { input: { requestId: string; reason: string } }, context) => {
        const request = ownedBy(context.state.paymentRequests.get(input.requestId), context)
        throwIfBadInput([
          ...(request === undefined
            ? [`input.requestId: no payment request with id "${input.requestId}"`]
            : []),
          ...lengthProblems(input.reason, 'input.reason', { min: 1, max: 4096 }),
        ])
        cancelPaymentRequest(context.state, input.requestId, input.reason)
        return { id: input.requestId }
      },
    },
  },
  node: (id, context) => {
    const request = ownedBy(context.state.paymentRequests.get(id), context)
    return request && { value: toGraphQL(request, context.state), scopes: SCOPES }
  },
}

function createPaymentRequest(input: CreateInput, context: StitchContext): SimulatedPaymentRequest {
  const { state } = context
  const problems: string[] = []
  const amount = readMoney(input.amount, 'input.amount', problems)
  problems.push(
    ...lengthProblems(input.payerReference, 'input.payerReference', { min: 1, max: 12 }),
    ...lengthProblems(input.beneficiaryReference, 'input.beneficiaryReference', {
      min: 1,
      max: 20,
    }),
    ...lengthProblems(input.externalReference, 'input.externalReference', { max: 4096 }),
  )
  const accounts = [
    ...(input.beneficiary?.bankAccount ? [input.beneficiary.bankAccount] : []),
    ...(input.beneficiary?.bankAccounts ?? []),
  ]
  const hasMerchant = input.merchantId != null && input.merchantId !== ''
  if (accounts.length === 0 && !hasMerchant) {
    problems.push('input: either beneficiary or merchantId must be specified')
  }
  accounts.forEach((account, index) => {
    const path = input.beneficiary?.bankAccount
      ? 'input.beneficiary.bankAccount'
      : `input.beneficiary.bankAccounts[${index}]`
    problems.push(...lengthProblems(account.name, `${path}.name`, { min: 1, max: 20 }))
    // Stitch documents no format; digits only is the simulator's guess at its check.
    if (!/^\d+$/.test(account.accountNumber)) {
      problems.push(`${path}.accountNumber must contain digits only`)
    }
  })
  let expireAt: string | null = null
  if (input.expireAt != null) {
    const at = Date.parse(input.expireAt)
    if (Number.isNaN(at)) problems.push('input.expireAt must be an ISO 8601 date')
    else if (at <= state.now()) problems.push('input.expireAt must be in the future')
    else expireAt = new Date(at).toISOString()
  }
  throwIfBadInput(problems)

  const id = newId('paymentrequest')
  const now = isoNow(context)
  const account = accounts[0]
  const request: SimulatedPaymentRequest = {
    id,
    url: `${state.baseUrl}/pay/${id}`,
    clientId: context.token.clientId,
    created: now,
    updated: now,
    amount,
    payerReference: input.payerReference,
    beneficiaryReference: input.beneficiaryReference,
    externalReference: input.externalReference ?? null,
    beneficiary: account
      ? { name: account.name, bankId: account.bankId, accountNumber: account.accountNumber }
      : null,
    merchantId: hasMerchant ? (input.merchantId ?? null) : null,
    expireAt,
    metadata: input.metadata ?? null,
    state: { type: 'pending' },
  }
  state.paymentRequests.set(id, request)
  watchExpiry(state, request)
  return request
}

/**
 * Expires a request when its `expireAt` passes, so subscribers hear of it then, as they would
 * from Stitch (not only when someone next reads it). The timer is unref'd and ends with the
 * simulator; a clock moved back (`setClockOffset`) just makes it wait again.
 */
function watchExpiry(state: SimulatorState, request: SimulatedPaymentRequest): void {
  if (request.expireAt === null) return
  state.later(Date.parse(request.expireAt) - state.now(), () => {
    if (currentState(state, request).type === 'pending') watchExpiry(state, request)
  })
}

/**
 * A request past its `expireAt` is expired whenever it is next looked at, as on Stitch,
 * where the payer can no longer pay it.
 */
export function currentState(
  state: SimulatorState,
  request: SimulatedPaymentRequest,
): PaymentRequestState {
  if (
    request.state.type === 'pending' &&
    request.expireAt !== null &&
    Date.parse(request.expireAt) <= state.now()
  ) {
    moveTo(state, request, { type: 'expired', date: request.expireAt })
  }
  return request.state
}

function moveTo(
  state: SimulatorState,
  request: SimulatedPaymentRequest,
  next: PaymentRequestState,
) {
  request.state = next
  request.updated = new Date(state.now()).toISOString()
  state.changed({ kind: 'payment-request', paymentRequest: request })
}

function findRequest(state: SimulatorState, id: string): SimulatedPaymentRequest {
  const request = state.paymentRequests.get(id)
  if (request === undefined) throw new Error(`No payment request with id "${id}"`)
  currentState(state, request)
  return request
}

/** The payer paid in full. Only a pending request can be paid. */
export function completePaymentRequest(state: SimulatorState, id: string): SimulatedPaymentRequest {
  const request = findRequest(state, id)
  if (request.state.type !== 'pending') {
    throw new Error(`Payment request "${id}" is ${request.state.type} and can't be paid`)
  }
  moveTo(state, request, {
    type: 'completed',
    date: new Date(state.now()).toISOString(),
    amount: { ...request.amount },
  })
  return request
}

/** Cancels a pending request, as `clientPaymentInitiationRequestCancel` does. */
export function cancelPaymentRequest(
  state: SimulatorState,
  id: string,
  reason: string,
): SimulatedPaymentRequest {
  const request = findRequest(state, id)
  if (request.state.type !== 'pending') {
    // Stitch does not document this error; the simulator refuses like any bad input.
    throw new GraphQLError(
      `Payment request "${id}" is ${request.state.type} and can't be cancelled`,
      {
        extensions: { code: 'BAD_USER_INPUT' },
      },
    )
  }
  moveTo(state, request, { type: 'cancelled', date: new Date(state.now()).toISOString(), reason })
  return request
}

/** Expires a pending request now, as if its `expireAt` had passed. */
export function expirePaymentRequest(state: SimulatorState, id: string): SimulatedPaymentRequest {
  const request = findRequest(state, id)
  if (request.state.type !== 'pending') {
    throw new Error(`Payment request "${id}" is ${request.state.type} and can't expire`)
  }
  moveTo(state, request, { type: 'expired', date: new Date(state.now()).toISOString() })
  return request
}

/** The object GraphQL serves for a request; `Money` is a scalar, so amounts are plain objects. */
export function toGraphQL(request: SimulatedPaymentRequest, state: SimulatorState): object {
  const beneficiaries = request.beneficiary
    ? [
        {
          __typename: 'BankBeneficiary',
          name: request.beneficiary.name,
          bankId: request.beneficiary.bankId,
          bankAccountNumber: request.beneficiary.accountNumber,
        },
      ]
    : []
  const current = currentState(state, request)
  const value = {
    __typename: 'PaymentInitiationRequest',
    id: request.id,
    url: request.url,
    created: request.created,
    updated: request.updated,
    amount: { ...request.amount },
    payerReference: request.payerReference,
    beneficiaryReference: request.beneficiaryReference,
    externalReference: request.externalReference,
    merchant: request.merchantId,
    beneficiaries,
    expireAt: request.expireAt,
    metadata: request.metadata,
    state: {} as object,
  }
  switch (current.type) {
    case 'pending':
      value.state = {
        __typename: 'PaymentInitiationRequestPending',
        paymentInitiationRequest: value,
      }
      break
    case 'completed':
      value.state = {
        __typename: 'PaymentInitiationRequestCompleted',
        date: current.date,
        amount: { ...current.amount },
        beneficiary: beneficiaries[0] ?? null,
      }
      break
    case 'cancelled':
      value.state = {
        __typename: 'PaymentInitiationRequestCancelled',
        date: current.date,
        reason: current.reason,
      }
      break
    case 'expired':
      value.state = { __typename: 'PaymentInitiationRequestExpired', date: current.date }
      break
  }
  return value
}

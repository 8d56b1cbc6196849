import { GraphQLError } from 'graphql'
import type { SimulatorState } from '../state.js'
import {
  claimNonce,
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
import { isCalendarDate } from './payment-authorization.js'
import {
  type BusinessRegistration,
  exactlyOneOf,
  type IdentifyingDocumentInput,
  readIdentifyingDocument,
} from './verification.js'

const SCOPES = ['client_recurringpaymentconsentrequest'] as const

// Stitch's Decimal scalar: "must strictly match /^-?([0-9]|([1-9][0-9]+))(.[0-9]+)?$/".
const DECIMAL = /^-?([0-9]|([1-9][0-9]+))(\.[0-9]+)?$/

type CollectionFrequency =
  | 'weekly'
  | 'fortnightly'
  | 'monthly'
  | 'quarterly'
  | 'biannually'
  | 'yearly'
  | 'adHoc'

/**
 * The days `collectionDay` may name for each frequency, from the field's description. Stitch
 * names none for yearly, so any day is accepted there.
 */
const COLLECTION_DAYS: Record<
  CollectionFrequency,
  { allows: (day: number) => boolean; says: string }
> = {
  weekly: { allows: (day) => day >= 1 && day <= 7, says: '1 (Monday) to 7 (Sunday)' },
  fortnightly: { allows: (day) => day >= 1 && day <= 14, says: '1 to 14' },
  monthly: { allows: (day) => day >= 1 && day <= 30, says: '1 to 30' },
  quarterly: { allows: (day) => (day >= 1 && day <= 30) || day === 99, says: '1 to 30, or 99' },
  biannually: { allows: (day) => (day >= 1 && day <= 30) || day === 99, says: '1 to 30, or 99' },
  yearly: { allows: () => true, says: 'any day' },
  adHoc: {
    allows: (day) => (day >= 1 && day <= 12) || day === 14 || day === 99,
    says: '1 to 12, 14 or 99',
  },
}

export type PaymentConsentStatus =
  | { type: 'pending'; date: string }
  | { type: 'processing'; date: string }
  | { type: 'granted'; date: string }
  | { type: 'revoked'; date: string }

interface DebicheckCollection {
  collectionFrequency: CollectionFrequency
  collectionDay: number | null
  debitValueType: 'usageBased' | 'variable' | 'fixed'
  instalmentAmount: Money | null
  maximumCollectionAmount: Money | null
  amountAdjustmentFrequency: 'never' | 'quarterly' | 'biannually' | 'annually' | 'repo'
  adjustmentAmount: Money | null
  adjustmentRate: string | null
  firstCollectionDate: string | null
  firstCollectionAmount: Money | null
}

type DebicheckAccountType = 'current' | 'savings'

interface DocumentDetails {
  kind: 'identityDocument' | 'passport' | 'temporaryResidenceId' | 'businessRegistration'
  /** Null when the payer gave none; served as Stitch's "unknown" country, `ZZ`. */
  country: string | null
  number: string
}

/** What the simulator knows of the payer of a DebiCheck mandate. */
interface DebicheckCustomer {
  fullName: string | null
  accountNumber: string | null
  accountType: DebicheckAccountType | null
  bankId: string | null
  branchCode: string | null
  phoneNumber: string | null
  email: string | null
  identifyingDocument: DocumentDetails | null
}

/** A consent request created through `paymentConsentRequestCreate`. */
export interface SimulatedPaymentConsentRequest {
  id: string
  /** The client whose token created it; other clients can't read it. */
  clientId: string
  /** Where the payer goes to authorise; the simulator serves no page there yet. */
  url: string
  created: string
  updated: string
  nonce: string
  externalReference: string | null
  metadata: unknown
  status: PaymentConsentStatus
  /** A revocation's reason, served as `statusReason`. */
  statusReason: string | null
  card: {
    enabled: boolean
    initialCharge: {
      amount: Money
      nonce: string | null
      externalReference: string | null
      merchantId: string | null
    } | null
  } | null
  debicheck: {
    enabled: boolean
    contractReference: string
    collection: DebicheckCollection
    authenticationChannel: string | null
    customer: DebicheckCustomer
  } | null
  capitecPay: {
    enabled: boolean
    schedule: { start: string | null; frequency: string }
    paymentDescription: string | null
  } | null
  /** The method the payer confirmed (or was granted) with; null while pending. */
  confirmedMethod: 'card' | 'debicheck' | 'capitecPay' | null
}

interface PayerInformationInput {
  payerId?: string | null
  identifyingDocument?: IdentifyingDocumentInput | null
  businessRegistration?: BusinessRegistration | null
  mobileNumber?: string | null
  email?: string | null
  fullName?: string | null
  bankAccountNumber?: string | null
  accountCreatedDate?: string | null
}

interface CollectionInput {
  collectionFrequency: CollectionFrequency
  collectionDay?: number | null
  debitValueType: DebicheckCollection['debitValueType']
  instalmentAmount?: MoneyInput | null
  maximumCollectionAmount?: MoneyInput | null
  amountAdjustmentFrequency: DebicheckCollection['amountAdjustmentFrequency']
  adjustmentAmount?: MoneyInput | null
  adjustmentRate?: string | null
  firstCollectionDate?: string | null
  firstCollectionAmount?: MoneyInput | null
}

interface CreateInput {
  nonce: string
  externalReference?: string | null
  payerInformation?: PayerInformationInput | null
  paymentMethods: {
    card?: {
      enabled: boolean
      initialCharge?: {
        amount: MoneyInput
        nonce?: string | null
        externalReference?: string | null
        merchantId?: string | null
      } | null
    } | null
    debicheck?: {
      enabled?: boolean | null
      details: {
        contractReference: string
        collection: CollectionInput
        payerBank?: {
          accountNumber?: string | null
          accountType?: DebicheckAccountType | null
          bankId?: string | null
          branchCode?: string | null
        } | null
        authenticationChannel?: string | null
      }
    } | null
    capitecPay?: {
      enabled: boolean
      paymentOptions: { variable?: { initial?: MoneyInput | null; max: MoneyInput } | null }
      paymentSchedule: { start?: string | null; frequency: string }
      paymentDescription?: string | null
    } | null
  }
  metadata?: unknown
}

interface DocumentConfirmationInput {
  identityDocument?: { country?: string | null; number: string } | null
  passport?: { country?: string | null; number: string } | null
  temporaryResidenceId?: { country?: string | null; number: string } | null
  businessRegistration?: BusinessRegistration | null
}

interface ConfirmInput {
  nonce: string
  externalReference?: string | null
  deviceInformation?: unknown
  debicheck?: {
    collection?: { collectionDay: number; collectionFrequency: CollectionFrequency } | null
    customer?: {
      fullName: string
      accountNumber: string
      accountType: DebicheckAccountType
      bankId?: string | null
      branchCode?: string | null
      identifyingDocument: DocumentConfirmationInput
      phoneNumber: string
    } | null
  } | null
  capitecPay?: {
    identityDocument?: { country: string; number: string } | null
    mobileNumber?: string | null
    bankAccountNumber?: string | null
  } | null
}

/**
 * Stitch's recurring payment consents (card, DebiCheck, Capitec Pay). Left out because their
 * types could not be read in Stitch's reference: card `recurringPayment` (AgreementInput),
 * Capitec Pay `fixed` and `tipOptions`, the confirmation's `card` (CardInput), the device's `ip`,
 * `PaymentConsentFailed.details`, `amendmentDetails`, `paymentConsentRequestAmend`, the card and
 * Capitec Pay method options, card consent details, the Capitec Pay consent details'
 * `paymentOptions`, and the Cancelled and Expired statuses (with them `paymentConsentRequestCancel`,
 * which would end in one). The Pending, Processing, Revoked and Paused statuses' `date` is
 * inferred: each one's filter input has only `date`, as Granted and Failed, which have it.
 */
export const consents: StitchDomain = {
  sdl: /* GraphQL */ `
    "The banks which DebiCheck supports."
    enum DebicheckBankId {
      absa
      access_bank
      african_bank
      capitec
      fnb
      tymebank
      nedbank
      standard_bank
      za_access_bank
      za_bidvest
      za_finbond_mutual_bank
      za_finbond_net1
    }

    enum DebicheckAccountType {
      "An account used for day-to-day transactions."
      current
      "An account used for saving money."
      savings
    }

    enum DebicheckCollectionFrequencyEnum {
      weekly
      fortnightly
      monthly
      quarterly
      biannually
      yearly
      "Monthly with no specific recurring date in the month but a specific cadence i.e. first Thursday of every month"
      adHoc
    }

    enum DebicheckValueTypeEnum {
      usageBased
      variable
      fixed
    }

    enum DebicheckAmountAdjustmentFrequencyEnum {
      never
      quarterly
      biannually
      annually
      repo
    }

    enum MandateAuthenticationChannelEnum {
      authRealtime
      authEndOfDay
      auth48Hour
      registeredMandate
    }

    enum DebicheckStatusEnum {
      accepted
      noResponse
      internalError
      pendingAuthorisation
      queued
      saved
      systemError
    }

    enum CapitecPayRecurringFrequency {
      ONCE_OFF
      DAILY
      WEEKLY
      MONTHLY
      YEARLY
    }

    input CardPaymentConsentRequestInitialChargeInput {
      amount: MoneyInput!
      nonce: String
      externalReference: String
      merchantId: String
    }

    input CardPaymentConsentMethodInput {
      enabled: Boolean!
      initialCharge: CardPaymentConsentRequestInitialChargeInput
    }

    input DebicheckCollectionInput {
      collectionFrequency: DebicheckCollectionFrequencyEnum!
      "A number for the day of the week, or a day of the month, as per the frequency selected in the 'collectionFrequency' field."
      collectionDay: Int
      debitValueType: DebicheckValueTypeEnum!
      "This field is required if debitValueType is 'fixed', or 'variable'. Must be less than or equal to 'maximumCollectionAmount'"
      instalmentAmount: MoneyInput
      "If 'debitValueType' is 'usageBased', this value can not be greater than 500,000.00 If 'debitValueType' is 'variable' or 'fixed', this value can not be greater than 1.5 times the 'instalmentAmount'"
      maximumCollectionAmount: MoneyInput
      "The frequency at which the instalment and maximum collection amount can be adjusted"
      amountAdjustmentFrequency: DebicheckAmountAdjustmentFrequencyEnum!
      "Only one of either 'adjustmentAmount' or 'adjustmentRate' can be provided. One of these fields is required if 'amountAdjustmentFrequency' is 'quarterly', 'biannually', 'annually'"
      adjustmentAmount: MoneyInput
      adjustmentRate: Decimal
      "The date for the first collection against the mandate. If this value is provided, the 'firstCollectionAmount' is also to be provided. To be provided in the format YYYY-MM-DD."
      firstCollectionDate: String
      "The amount to be collected first against the mandate. If this value is provided, the 'firstCollectionDate' is also to be provided."
      firstCollectionAmount: MoneyInput
    }

    input DebicheckPayerBankInformationInput {
      accountNumber: String
      "Only 'current' (cheque), 'savings', or 'transmission' accounts are supported."
      accountType: DebicheckAccountType
      "The bankId is optional only if branchCode is provided. If branchCode is not provided, bankId must be specified."
      bankId: DebicheckBankId
      branchCode: String
    }

    input DebicheckPaymentConsentMethodDetailsInput {
      "The creditor contract number for the end-user. This will appear on the user's statement. Must be unique per request."
      contractReference: String!
      collection: DebicheckCollectionInput!
      payerBank: DebicheckPayerBankInformationInput
      "The authentication channel to be used for the consent request"
      authenticationChannel: MandateAuthenticationChannelEnum
    }

    input DebicheckPaymentConsentMethodInput {
      enabled: Boolean
      details: DebicheckPaymentConsentMethodDetailsInput!
    }

    input VariableAmountInput {
      initial: MoneyInput
      max: MoneyInput!
    }

    input CapitecPayRecurringPaymentOptionsInput {
      variable: VariableAmountInput
    }

    input CapitecPayRecurringPaymentScheduleInput {
      start: Date
      frequency: CapitecPayRecurringFrequency!
    }

    input CapitecPayRecurringInput {
      enabled: Boolean!
      paymentOptions: CapitecPayRecurringPaymentOptionsInput!
      paymentSchedule: CapitecPayRecurringPaymentScheduleInput!
      "The description displayed to the user on their banking app"
      paymentDescription: String
    }

    input PaymentConsentMethodsInput {
      card: CardPaymentConsentMethodInput
      debicheck: DebicheckPaymentConsentMethodInput
      capitecPay: CapitecPayRecurringInput
    }

    input CreatePaymentConsentRequestInput {
      nonce: String!
      externalReference: String
      "KYC information of the payer. Certain fields will be required depending on payment methods enabled."
      payerInformation: PayerInformationInput
      paymentMethods: PaymentConsentMethodsInput!
      metadata: Json
    }

    input ScreenDimensions {
      "Browser screen pixel height"
      height: String!
      "Browser screen pixel width"
      width: String!
    }

    "Device-related information supplied by the client."
    input DeviceInformationInput {
      "Base64-encoded fingerprint data"
      fingerprint: String
      "Device unique identifier"
      deviceId: String
      "Browser screen dimensions"
      screenDimensions: ScreenDimensions
    }

    input DebicheckConfirmationCollectionInformationInput {
      collectionDay: Int!
      collectionFrequency: DebicheckCollectionFrequencyEnum!
    }

    input IdentityDocumentConfirmationInput {
      country: CountryCode
      number: String!
    }

    input PassportConfirmationInput {
      country: CountryCode
      number: String!
    }

    input TemporaryResidenceIdConfirmationInput {
      country: CountryCode
      number: String!
    }

    input IdentifyingDocumentConfirmationInput {
      identityDocument: IdentityDocumentConfirmationInput
      passport: PassportConfirmationInput
      temporaryResidenceId: TemporaryResidenceIdConfirmationInput
      businessRegistration: BusinessRegistrationInput
    }

    input DebicheckCustomerInformationInput {
      fullName: String!
      accountNumber: String!
      accountType: DebicheckAccountType!
      "The bankId is optional only if branchCode is provided. If branchCode is not provided, bankId must be specified."
      bankId: DebicheckBankId
      branchCode: String
      identifyingDocument: IdentifyingDocumentConfirmationInput!
      phoneNumber: String!
    }

    input DebicheckConfirmationInput {
      collection: DebicheckConfirmationCollectionInformationInput
      customer: DebicheckCustomerInformationInput
    }

    input CapitecPayIdentityDocumentInput {
      country: String!
      number: String!
    }

    input CapitecPayRecurringConfirmationInput {
      identityDocument: CapitecPayIdentityDocumentInput
      mobileNumber: String
      bankAccountNumber: String
    }

    input ConfirmPaymentConsentInput {
      nonce: String!
      externalReference: String
      deviceInformation: DeviceInformationInput
      "NOTE: Exactly one of the below must be supplied"
      debicheck: DebicheckConfirmationInput
      capitecPay: CapitecPayRecurringConfirmationInput
    }

    type PaymentConsentPending {
      date: Date!
    }

    type PaymentConsentProcessing {
      date: Date!
    }

    type PaymentConsentGranted {
      date: Date!
      isPendingRevocation: Boolean
    }

    type PaymentConsentFailed {
      date: Date!
    }

    type PaymentConsentRevoked {
      date: Date!
    }

    type PaymentConsentPaused {
      date: Date!
    }

    union PaymentConsentStatus =
      | PaymentConsentPending
      | PaymentConsentProcessing
      | PaymentConsentGranted
      | PaymentConsentFailed
      | PaymentConsentRevoked
      | PaymentConsentPaused

    type CardPaymentConsentRequestInitialCharge {
      amount: Money!
      nonce: String
      externalReference: String
      merchantId: String
    }

    type CardPaymentConsentMethodOptions {
      enabled: Boolean!
      initialCharge: CardPaymentConsentRequestInitialCharge
    }

    type DebicheckCollection {
      collectionFrequency: DebicheckCollectionFrequencyEnum!
      collectionDay: Int
      dayAdjustmentAllowed: Boolean!
      debitValueType: DebicheckValueTypeEnum!
      instalmentAmount: Money!
      maximumCollectionAmount: Money
      amountAdjustmentFrequency: DebicheckAmountAdjustmentFrequencyEnum!
      adjustmentAmount: Money
      adjustmentRate: Decimal
      firstCollectionDate: String
      firstCollectionAmount: Money
    }

    type IdentityDocumentDetails {
      country: CountryCode!
      number: String!
    }

    type PassportDetails {
      country: CountryCode!
      number: String!
    }

    type TemporaryResidenceDetails {
      country: CountryCode!
      number: String!
    }

    type BusinessRegistrationDetails {
      country: CountryCode!
      number: String!
    }

    union PaymentConsentConfirmationIdentifyingDocumentDetails =
      | IdentityDocumentDetails
      | PassportDetails
      | TemporaryResidenceDetails
      | BusinessRegistrationDetails

    type DebicheckCustomerInformation {
      accountNumber: String
      accountType: AccountType
      bankId: DebicheckBankId
      branchCode: String
      fullName: String
      phoneNumber: String
      email: String
      accountName: String
      identifyingDocument: PaymentConsentConfirmationIdentifyingDocumentDetails
    }

    type DebicheckPaymentMethodDetails {
      accountTracking: Boolean!
      contractReference: String!
      collection: DebicheckCollection!
      customer: DebicheckCustomerInformation
      status: DebicheckStatusEnum
      statusReason: String
    }

    type DebicheckPaymentConsentMethodOptions {
      enabled: Boolean!
      details: DebicheckPaymentMethodDetails
    }

    union PaymentConsentMethodOptions =
      | CardPaymentConsentMethodOptions
      | DebicheckPaymentConsentMethodOptions

    type DebicheckCreditorInformation {
      accountNumber: String
      branchCode: String
      email: String
      name: String
      phoneNumber: String
      schemeName: String
      ultimateCreditorAbbreviatedShortName: String
      ultimateCreditorName: String
    }

    type DebicheckPaymentConsentDetails {
      "Attempt to track the account for up to 10 days following a collection failure. As soon as money comes into the account, the collection will be resubmitted."
      accountTracking: Boolean!
      "The creditor contract number for the end-user. This will appear on the user's statement. Must be unique per request."
      contractReference: String!
      collection: DebicheckCollection!
      customer: DebicheckCustomerInformation!
      status: String
      statusReason: String
      type: String
      authenticationChannel: MandateAuthenticationChannelEnum
      mandateReferenceNumber: String
      bankReasonDescription: String
      bankReasonCode: String
      creditor: DebicheckCreditorInformation!
    }

    type CapitecPayRecurringPaymentSchedule {
      start: Date!
      frequency: CapitecPayRecurringFrequency!
    }

    "used as the consentDetails property on the parent ConsentRequest, if CapitecPay is the associated recurring payment method."
    type CapitecPayRecurringConsentDetails {
      paymentSchedule: CapitecPayRecurringPaymentSchedule!
      paymentDescription: String
    }

    union PaymentConsentDetails = DebicheckPaymentConsentDetails | CapitecPayRecurringConsentDetails

    type PaymentConsentRequest implements Node {
      id: ID!
      url: String!
      status: PaymentConsentStatus!
      statusReason: String
      nonce: String!
      externalReference: String
      paymentMethodOptions: [PaymentConsentMethodOptions]!
      "NOTE: nullable as long as we're in the \\"PENDING\\" state"
      consentDetails: PaymentConsentDetails
      metadata: Json
    }

    extend type Mutation {
      paymentConsentRequestCreate(input: CreatePaymentConsentRequestInput!): PaymentConsentRequest!
      paymentConsentRequestConfirm(
        consentRequestId: ID!
        input: ConfirmPaymentConsentInput!
      ): PaymentConsentRequest!
      paymentConsentRequestRevoke(consentRequestId: ID!, reason: String!): PaymentConsentRequest!
    }
  `,
  fields: {
    'Mutation.paymentConsentRequestCreate': {
      scopes: SCOPES,
      resolve: (_source, { input }: { input: CreateInput }, context) =>
        toGraphQL(createConsentRequest(input, context)),
    },
    'Mutation.paymentConsentRequestConfirm': {
      scopes: SCOPES,
      resolve: (
        _source,
        { consentRequestId, input }: { consentRequestId: string; input: ConfirmInput },
        context,
      ) => toGraphQL(confirmConsentRequest(consentRequestId, input, context)),
    },
    'Mutation.paymentConsentRequestRevoke': {
      scopes: SCOPES,
      resolve: (
        _source,
        { consentRequestId, reason }: { consentRequestId: string; reason: string },
        context,
      ) => {
        const request = ownedBy(context.state.paymentConsentRequests.get(consentRequestId), context)
        throwIfBadInput([
          ...(request === undefined
            ? [`consentRequestId: no payment consent request with id "${consentRequestId}"`]
            : []),
          ...(reason.trim() === '' ? ['reason must not be empty'] : []),
        ])
        return toGraphQL(revokePaymentConsentRequest(context.state, consentRequestId, reason))
      },
    },
  },
  node: (id, context) => {
    const request = ownedBy(context.state.paymentConsentRequests.get(id), context)
    return request && { value: toGraphQL(request), scopes: SCOPES }
  },
}

/** Reads a `MoneyInput` that may be negative ("adjustmentAmount … Can be negative"). */
function readSignedMoney(amount: MoneyInput, path: string, problems: string[]): Money {
  const quantity = String(amount.quantity)
  const negative = quantity.startsWith('-')
  const read = readMoney(
    { ...amount, quantity: negative ? quantity.slice(1) : quantity },
    path,
    problems,
  )
  return negative ? { ...read, quantity: `-${read.quantity}` } : read
}

const cents = (money: Money) => Math.round(Number(money.quantity) * 100)

function collectionDayProblems(
  day: number | null | undefined,
  frequency: CollectionFrequency,
  path: string,
): string[] {
  if (day == null) return []
  const rule = COLLECTION_DAYS[frequency]
  return rule.allows(day)
    ? []
    : [`${path} must be ${rule.says} for a ${frequency} collection (got ${day})`]
}

function readCollection(
  input: CollectionInput,
  path: string,
  problems: string[],
): DebicheckCollection {
  const money = (value: MoneyInput | null | undefined, field: string) =>
    value == null ? null : readMoney(value, `${path}.${field}`, problems)
  const instalmentAmount = money(input.instalmentAmount, 'instalmentAmount')
  const maximumCollectionAmount = money(input.maximumCollectionAmount, 'maximumCollectionAmount')
  const firstCollectionAmount = money(input.firstCollectionAmount, 'firstCollectionAmount')
  const adjustmentAmount =
    input.adjustmentAmount == null
      ? null
      : readSignedMoney(input.adjustmentAmount, `${path}.adjustmentAmount`, problems)

  problems.push(
    ...collectionDayProblems(
      input.collectionDay,
      input.collectionFrequency,
      `${path}.collectionDay`,
    ),
  )
  const fixedOrVariable = input.debitValueType === 'fixed' || input.debitValueType === 'variable'
  if (fixedOrVariable && instalmentAmount === null) {
    problems.push(
      `${path}.instalmentAmount is required when debitValueType is ${input.debitValueType}`,
    )
  }
  if (instalmentAmount && maximumCollectionAmount) {
    if (cents(instalmentAmount) > cents(maximumCollectionAmount)) {
      problems.push(
        `${path}.instalmentAmount must be less than or equal to maximumCollectionAmount`,
      )
    }
    if (fixedOrVariable && cents(maximumCollectionAmount) * 2 > cents(instalmentAmount) * 3) {
      problems.push(
        `${path}.maximumCollectionAmount can not be greater than 1.5 times the instalmentAmount when debitValueType is ${input.debitValueType}`,
      )
    }
  }
  if (
    input.debitValueType === 'usageBased' &&
    maximumCollectionAmount &&
    cents(maximumCollectionAmount) > 500_000_00
  ) {
    problems.push(
      `${path}.maximumCollectionAmount can not be greater than 500,000.00 when debitValueType is usageBased`,
    )
  }
  if (input.adjustmentAmount != null && input.adjustmentRate != null) {
    problems.push(`${path}: only one of adjustmentAmount or adjustmentRate can be provided`)
  } else if (
    ['quarterly', 'biannually', 'annually'].includes(input.amountAdjustmentFrequency) &&
    input.adjustmentAmount == null &&
    input.adjustmentRate == null
  ) {
    problems.push(
      `${path}: adjustmentAmount or adjustmentRate is required when amountAdjustmentFrequency is ${input.amountAdjustmentFrequency}`,
    )
  }
  if (input.adjustmentRate != null && !DECIMAL.test(input.adjustmentRate)) {
    problems.push(
      `${path}.adjustmentRate must be a decimal such as "5.5" (got ${JSON.stringify(input.adjustmentRate)})`,
    )
  }
  if (input.firstCollectionDate != null && !isCalendarDate(input.firstCollectionDate)) {
    problems.push(`${path}.firstCollectionDate must be a date in the format YYYY-MM-DD`)
  }
  if ((input.firstCollectionDate == null) !== (input.firstCollectionAmount == null)) {
    problems.push(
      `${path}: firstCollectionDate and firstCollectionAmount must be provided together`,
    )
  }
  return {
    collectionFrequency: input.collectionFrequency,
    collectionDay: input.collectionDay ?? null,
    debitValueType: input.debitValueType,
    instalmentAmount,
    maximumCollectionAmount,
    amountAdjustmentFrequency: input.amountAdjustmentFrequency,
    adjustmentAmount,
    adjustmentRate: input.adjustmentRate ?? null,
    firstCollectionDate: input.firstCollectionDate ?? null,
    firstCollectionAmount,
  }
}

function bankOrBranchProblems(
  bank: { bankId?: string | null; branchCode?: string | null },
  path: string,
): string[] {
  return bank.bankId == null && (bank.branchCode == null || bank.branchCode.trim() === '')
    ? [`${path}: bankId must be specified when branchCode is not provided`]
    : []
}

function createConsentRequest(
  input: CreateInput,
  context: StitchContext,
): SimulatedPaymentConsentRequest {
  const recordNonce = claimNonce(context, 'paymentConsentRequestCreate', input.nonce)
  const { state } = context
  const problems: string[] = []
  // The card consent guide: "The nonce field (4096-character limit) is required to be unique".
  problems.push(...lengthProblems(input.nonce, 'input.nonce', { min: 1, max: 4096 }))

  const payer = input.payerInformation
  let payerDocument: DocumentDetails | null = null
  if (payer?.identifyingDocument != null) {
    const document = readIdentifyingDocument(
      payer.identifyingDocument,
      'input.payerInformation.identifyingDocument',
      problems,
    )
    if (document) payerDocument = document
  } else if (payer?.businessRegistration != null) {
    payerDocument = { kind: 'businessRegistration', ...payer.businessRegistration }
  }
  // Stitch's payer information guide: "in the following format: yyyy-MM-dd".
  if (payer?.accountCreatedDate != null && !isCalendarDate(payer.accountCreatedDate)) {
    problems.push(
      'input.payerInformation.accountCreatedDate must be a date in the format yyyy-MM-dd',
    )
  }

  const { card, debicheck, capitecPay } = input.paymentMethods
  // A guess: Stitch does not say so, but a consent needs a method the payer can consent with.
  const enabled = [card?.enabled, debicheck && debicheck.enabled !== false, capitecPay?.enabled]
  if (!enabled.some(Boolean)) {
    problems.push('input.paymentMethods must enable at least one of card, debicheck or capitecPay')
  }

  const initialCharge = card?.initialCharge
  const cardMethod = card
    ? {
        enabled: card.enabled,
        initialCharge: initialCharge
          ? {
              amount: readMoney(
                initialCharge.amount,
                'input.paymentMethods.card.initialCharge.amount',
                problems,
              ),
              nonce: initialCharge.nonce ?? null,
              externalReference: initialCharge.externalReference ?? null,
              merchantId: initialCharge.merchantId ?? null,
            }
          : null,
      }
    : null

  let debicheckMethod: SimulatedPaymentConsentRequest['debicheck'] = null
  if (debicheck) {
    const path = 'input.paymentMethods.debicheck.details'
    const { details } = debicheck
    if (details.contractReference.trim() === '') {
      problems.push(`${path}.contractReference must not be empty`)
    } else if (
      [...state.paymentConsentRequests.values()].some(
        (other) =>
          other.clientId === context.token.clientId &&
          other.debicheck?.contractReference === details.contractReference,
      )
    ) {
      // "Must be unique per request."
      problems.push(
        `${path}.contractReference "${details.contractReference}" was used by another consent request`,
      )
    }
    const collection = readCollection(details.collection, `${path}.collection`, problems)
    if (details.payerBank)
      problems.push(...bankOrBranchProblems(details.payerBank, `${path}.payerBank`))
    debicheckMethod = {
      enabled: debicheck.enabled !== false,
      contractReference: details.contractReference,
      collection,
      authenticationChannel: details.authenticationChannel ?? null,
      customer: {
        fullName: payer?.fullName ?? null,
        accountNumber: details.payerBank?.accountNumber ?? payer?.bankAccountNumber ?? null,
        accountType: details.payerBank?.accountType ?? null,
        bankId: details.payerBank?.bankId ?? null,
        branchCode: details.payerBank?.branchCode ?? null,
        phoneNumber: payer?.mobileNumber ?? null,
        email: payer?.email ?? null,
        identifyingDocument: payerDocument,
      },
    }
  }

  let capitecPayMethod: SimulatedPaymentConsentRequest['capitecPay'] = null
  if (capitecPay) {
    const path = 'input.paymentMethods.capitecPay'
    const variable = capitecPay.paymentOptions.variable
    if (variable) {
      readMoney(variable.max, `${path}.paymentOptions.variable.max`, problems)
      if (variable.initial)
        readMoney(variable.initial, `${path}.paymentOptions.variable.initial`, problems)
    }
    let start: string | null = null
    if (capitecPay.paymentSchedule.start != null) {
      const at = Date.parse(capitecPay.paymentSchedule.start)
      if (Number.isNaN(at)) problems.push(`${path}.paymentSchedule.start must be an ISO 8601 date`)
      else start = new Date(at).toISOString()
    }
    capitecPayMethod = {
      enabled: capitecPay.enabled,
      schedule: { start, frequency: capitecPay.paymentSchedule.frequency },
      paymentDescription: capitecPay.paymentDescription ?? null,
    }
  }
  throwIfBadInput(problems)
  recordNonce()

  const id = newId('paymentconsentrequest')
  const now = isoNow(context)
  const request: SimulatedPaymentConsentRequest = {
    id,
    clientId: context.token.clientId,
    url: `${state.baseUrl}/consent/${id}`,
    created: now,
    updated: now,
    nonce: input.nonce,
    externalReference: input.externalReference ?? null,
    metadata: input.metadata ?? null,
    status: { type: 'pending', date: now },
    statusReason: null,
    card: cardMethod,
    debicheck: debicheckMethod,
    capitecPay: capitecPayMethod,
    confirmedMethod: null,
  }
  state.paymentConsentRequests.set(id, request)
  return request
}

/**
 * The payer's details, confirmed. A simulator rule: confirming moves a pending request to
 * processing (the payer still has to authorise at the bank); `grantPaymentConsentRequest`
 * finishes it.
 */
function confirmConsentRequest(
  consentRequestId: string,
  input: ConfirmInput,
  context: StitchContext,
): SimulatedPaymentConsentRequest {
  const recordNonce = claimNonce(context, 'paymentConsentRequestConfirm', input.nonce)
  const request = ownedBy(context.state.paymentConsentRequests.get(consentRequestId), context)
  const problems: string[] = []
  if (request === undefined) {
    problems.push(`consentRequestId: no payment consent request with id "${consentRequestId}"`)
  }
  // A guess: Stitch gives the 4096 limit for the create nonce; the confirm nonce gets the same.
  problems.push(...lengthProblems(input.nonce, 'input.nonce', { min: 1, max: 4096 }))
  const method = exactlyOneOf(input, ['debicheck', 'capitecPay'], 'input', problems)
  if (request && method && !request[method]?.enabled) {
    problems.push(`input.${method}: the consent request does not have ${method} enabled`)
  }

  let customer: DebicheckCustomer | undefined
  const confirmedCollection = input.debicheck?.collection
  if (method === 'debicheck' && input.debicheck) {
    if (confirmedCollection) {
      problems.push(
        ...collectionDayProblems(
          confirmedCollection.collectionDay,
          confirmedCollection.collectionFrequency,
          'input.debicheck.collection.collectionDay',
        ),
      )
    }
    const given = input.debicheck.customer
    if (given) {
      const path = 'input.debicheck.customer'
      for (const field of ['fullName', 'accountNumber', 'phoneNumber'] as const) {
        if (given[field].trim() === '') problems.push(`${path}.${field} must not be empty`)
      }
      problems.push(...bankOrBranchProblems(given, path))
      // A guess, as for IdentifyingDocumentInput: one document identifies the payer.
      const kind = exactlyOneOf(
        given.identifyingDocument,
        ['identityDocument', 'passport', 'temporaryResidenceId', 'businessRegistration'],
        `${path}.identifyingDocument`,
        problems,
      )
      const document = kind && given.identifyingDocument[kind]
      // The same checks as the create's IdentifyingDocumentInput (readIdentifyingDocument).
      if (kind && document) {
        const at = `${path}.identifyingDocument.${kind}.number`
        const number = document.number.trim()
        if (number === '') problems.push(`${at} must not be empty`)
        else if (
          kind === 'identityDocument' &&
          document.country === 'ZA' &&
          !/^\d{13}$/.test(number)
        ) {
          problems.push(`${at} must be a 13-digit South African ID number`)
        }
      }
      customer = {
        fullName: given.fullName,
        accountNumber: given.accountNumber,
        accountType: given.accountType,
        bankId: given.bankId ?? null,
        branchCode: given.branchCode ?? null,
        phoneNumber: given.phoneNumber,
        email: request?.debicheck?.customer.email ?? null,
        identifyingDocument:
          kind && document
            ? { kind, country: document.country ?? null, number: document.number }
            : null,
      }
    }
  }
  throwIfBadInput(problems)
  const found = request!
  if (found.status.type !== 'pending') {
    // Stitch does not document this error; the simulator refuses like any bad input.
    throw new GraphQLError(
      `Payment consent request "${found.id}" is ${found.status.type} and can't be confirmed`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    )
  }
  recordNonce()

  if (found.debicheck && method === 'debicheck') {
    if (customer) found.debicheck.customer = customer
    if (confirmedCollection) {
      found.debicheck.collection = { ...found.debicheck.collection, ...confirmedCollection }
    }
  }
  found.confirmedMethod = method ?? null
  moveTo(context.state, found, { type: 'processing', date: isoNow(context) }, null)
  return found
}

function moveTo(
  state: SimulatorState,
  request: SimulatedPaymentConsentRequest,
  next: PaymentConsentStatus,
  statusReason: string | null,
) {
  request.status = next
  request.statusReason = statusReason
  request.updated = new Date(state.now()).toISOString()
  state.changed({ kind: 'payment-consent-request', paymentConsentRequest: request })
}

function findConsentRequest(state: SimulatorState, id: string): SimulatedPaymentConsentRequest {
  const request = state.paymentConsentRequests.get(id)
  if (request === undefined) throw new Error(`No payment consent request with id "${id}"`)
  return request
}

/**
 * The payer authorised the consent (a DebiCheck mandate accepted, a card tokenised, …): "the
 * Payment Consent Request status will be GRANTED". Only a pending or processing request can be
 * granted; one granted without a confirmation counts as confirmed with its first enabled
 * method.
 */
export function grantPaymentConsentRequest(
  state: SimulatorState,
  id: string,
): SimulatedPaymentConsentRequest {
  const request = findConsentRequest(state, id)
  if (request.status.type !== 'pending' && request.status.type !== 'processing') {
    throw new Error(
      `Payment consent request "${id}" is ${request.status.type} and can't be granted`,
    )
  }
  request.confirmedMethod ??=
    (['debicheck', 'capitecPay', 'card'] as const).find((method) => request[method]?.enabled) ??
    null
  moveTo(state, request, { type: 'granted', date: new Date(state.now()).toISOString() }, null)
  return request
}

/**
 * Revokes a granted consent, as `paymentConsentRequestRevoke` does: "the consent request status
 * will move to the PaymentConsentRevoked status". The reason is kept as `statusReason` (a guess).
 */
export function revokePaymentConsentRequest(
  state: SimulatorState,
  id: string,
  reason: string,
): SimulatedPaymentConsentRequest {
  const request = findConsentRequest(state, id)
  if (request.status.type !== 'granted') {
    // Stitch documents revoking granted consents only; the simulator refuses others as bad input.
    throw new GraphQLError(
      `Payment consent request "${id}" is ${request.status.type} and can't be revoked`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    )
  }
  moveTo(state, request, { type: 'revoked', date: new Date(state.now()).toISOString() }, reason)
  return request
}

const DOCUMENT_TYPENAMES = {
  identityDocument: 'IdentityDocumentDetails',
  passport: 'PassportDetails',
  temporaryResidenceId: 'TemporaryResidenceDetails',
  businessRegistration: 'BusinessRegistrationDetails',
} as const

function customerToGraphQL(customer: DebicheckCustomer): object {
  const document = customer.identifyingDocument
  return {
    accountNumber: customer.accountNumber,
    accountType: customer.accountType,
    bankId: customer.bankId,
    branchCode: customer.branchCode,
    fullName: customer.fullName,
    phoneNumber: customer.phoneNumber,
    email: customer.email,
    accountName: null,
    identifyingDocument: document && {
      __typename: DOCUMENT_TYPENAMES[document.kind],
      // Stitch's convention for a document given without its country.
      country: document.country ?? 'ZZ',
      number: document.number,
    },
  }
}

function collectionToGraphQL(collection: DebicheckCollection): object {
  return {
    ...collection,
    // Not in the input; a guess.
    dayAdjustmentAllowed: false,
    // Non-null in the answer although optional for usageBased mandates: a guess of zero.
    instalmentAmount: collection.instalmentAmount ?? { quantity: '0.00', currency: 'ZAR' },
  }
}

/** The object GraphQL serves for a consent request. */
export function toGraphQL(request: SimulatedPaymentConsentRequest): object {
  const { card, debicheck, capitecPay } = request
  const paymentMethodOptions: object[] = []
  if (card) {
    paymentMethodOptions.push({
      __typename: 'CardPaymentConsentMethodOptions',
      enabled: card.enabled,
      initialCharge: card.initialCharge && {
        ...card.initialCharge,
        amount: { ...card.initialCharge.amount },
      },
    })
  }
  // Stitch's input has no accountTracking; the simulator reports it off (a guess).
  const debicheckDetails = debicheck && {
    accountTracking: false,
    contractReference: debicheck.contractReference,
    collection: collectionToGraphQL(debicheck.collection),
    customer: customerToGraphQL(debicheck.customer),
  }
  if (debicheck && debicheckDetails) {
    paymentMethodOptions.push({
      __typename: 'DebicheckPaymentConsentMethodOptions',
      enabled: debicheck.enabled,
      details: { ...debicheckDetails, status: null, statusReason: null },
    })
  }

  let consentDetails: object | null = null
  if (request.confirmedMethod === 'debicheck' && debicheck && debicheckDetails) {
    consentDetails = {
      __typename: 'DebicheckPaymentConsentDetails',
      ...debicheckDetails,
      status: null,
      statusReason: null,
      type: null,
      authenticationChannel: debicheck.authenticationChannel,
      mandateReferenceNumber: null,
      bankReasonDescription: null,
      bankReasonCode: null,
      creditor: {
        accountNumber: null,
        branchCode: null,
        email: null,
        name: null,
        phoneNumber: null,
        schemeName: null,
        ultimateCreditorAbbreviatedShortName: null,
        ultimateCreditorName: null,
      },
    }
  } else if (request.confirmedMethod === 'capitecPay' && capitecPay) {
    consentDetails = {
      __typename: 'CapitecPayRecurringConsentDetails',
      // A schedule without a start starts when the request was made (a guess).
      paymentSchedule: {
        start: capitecPay.schedule.start ?? request.created,
        frequency: capitecPay.schedule.frequency,
      },
      paymentDescription: capitecPay.paymentDescription,
    }
  }

  const { status } = request
  const typename = {
    pending: 'PaymentConsentPending',
    processing: 'PaymentConsentProcessing',
    granted: 'PaymentConsentGranted',
    revoked: 'PaymentConsentRevoked',
  }[status.type]
  return {
    __typename: 'PaymentConsentRequest',
    id: request.id,
    url: request.url,
    status: {
      __typename: typename,
      date: status.date,
      ...(status.type === 'granted' ? { isPendingRevocation: false } : {}),
    },
    statusReason: request.statusReason,
    nonce: request.nonce,
    externalReference: request.externalReference,
    paymentMethodOptions,
    consentDetails,
    metadata: request.metadata,
  }
}

import { z } from 'zod'
import { defineApiOperation } from '../api-operation.js'
import {
  countryCode,
  identifyingDocument,
  isoDate,
  lazy,
  money,
  moneyInput,
  nonce,
  optional,
  signedMoneyInput,
  text,
} from './common.js'

const SCOPES = ['client_recurringpaymentconsentrequest'] as const

// Stitch's Decimal scalar: "must strictly match /^-?([0-9]|([1-9][0-9]+))(.[0-9]+)?$/".
const DECIMAL = /^-?([0-9]|([1-9][0-9]+))(\.[0-9]+)?$/

const COLLECTION_FREQUENCIES = [
  'weekly',
  'fortnightly',
  'monthly',
  'quarterly',
  'biannually',
  'yearly',
  'adHoc',
] as const
type CollectionFrequency = (typeof COLLECTION_FREQUENCIES)[number]

/**
 * The days `collectionDay` may name for each frequency, as Stitch's reference describes the
 * field. It names none for yearly, so any day passes there.
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

function collectionDayIssue(
  day: number | undefined,
  frequency: CollectionFrequency,
): string | undefined {
  if (day === undefined || COLLECTION_DAYS[frequency].allows(day)) return undefined
  return `must be ${COLLECTION_DAYS[frequency].says} for a ${frequency} collection`
}

/** A `MoneyInput` quantity as sent ("150.00") in cents, read from its digits. */
const cents = (amount: { quantity: string }) => Number(amount.quantity.replace('.', ''))

/** A required string: Stitch refuses a blank one. Sent as given, not trimmed. */
function filled() {
  return z.string().refine((value) => value.trim() !== '', 'must not be empty')
}

/** A `yyyy-MM-dd` date, the format Stitch gives for collection and account dates. */
function calendarDate() {
  return z.iso.date('must be a date in the format YYYY-MM-DD')
}

function collectionDay() {
  return z.number().int('must be a whole number')
}

/** How a DebiCheck mandate collects, with the rules Stitch's reference gives its fields. */
const debicheckCollection = /* @__PURE__ */ lazy(() =>
  z
    .object({
      collectionFrequency: z.enum(COLLECTION_FREQUENCIES),
      /** A day of the week or of the month, as the frequency says. */
      collectionDay: collectionDay().optional(),
      debitValueType: z.enum(['usageBased', 'variable', 'fixed']),
      /** Required when `debitValueType` is `fixed` or `variable`; at most `maximumCollectionAmount`. */
      instalmentAmount: moneyInput.optional(),
      /** At most 500,000.00 for `usageBased`; at most 1.5 × `instalmentAmount` otherwise. */
      maximumCollectionAmount: moneyInput.optional(),
      amountAdjustmentFrequency: z.enum(['never', 'quarterly', 'biannually', 'annually', 'repo']),
      /** One of `adjustmentAmount` or `adjustmentRate` (not both) for quarterly, biannual or annual adjustments. */
      adjustmentAmount: signedMoneyInput().optional(),
      /** A Decimal, e.g. "5.5". */
      adjustmentRate: z
        .union([z.string(), z.number().transform(String)])
        .pipe(z.string().regex(DECIMAL, 'must be a Decimal such as "5.5"'))
        .optional(),
      /** With `firstCollectionAmount`, or neither. */
      firstCollectionDate: calendarDate().optional(),
      firstCollectionAmount: moneyInput.optional(),
    })
    .superRefine((collection, context) => {
      const issue = (path: string, message: string) =>
        context.addIssue({ code: 'custom', path: [path], message })
      const day = collectionDayIssue(collection.collectionDay, collection.collectionFrequency)
      if (day) issue('collectionDay', day)
      const { debitValueType: type, instalmentAmount, maximumCollectionAmount } = collection
      const fixedOrVariable = type === 'fixed' || type === 'variable'
      if (fixedOrVariable && instalmentAmount === undefined) {
        issue('instalmentAmount', `is required when debitValueType is ${type}`)
      }
      if (instalmentAmount && maximumCollectionAmount) {
        if (cents(instalmentAmount) > cents(maximumCollectionAmount)) {
          issue('instalmentAmount', 'must be less than or equal to maximumCollectionAmount')
        }
        if (fixedOrVariable && cents(maximumCollectionAmount) * 2 > cents(instalmentAmount) * 3) {
          issue(
            'maximumCollectionAmount',
            `can not be greater than 1.5 times the instalmentAmount when debitValueType is ${type}`,
          )
        }
      }
      if (
        type === 'usageBased' &&
        maximumCollectionAmount &&
        cents(maximumCollectionAmount) > 500_000_00
      ) {
        issue(
          'maximumCollectionAmount',
          'can not be greater than 500,000.00 when debitValueType is usageBased',
        )
      }
      const { adjustmentAmount, adjustmentRate, amountAdjustmentFrequency: every } = collection
      if (adjustmentAmount !== undefined && adjustmentRate !== undefined) {
        issue('adjustmentRate', 'give only one of adjustmentAmount or adjustmentRate')
      } else if (
        (every === 'quarterly' || every === 'biannually' || every === 'annually') &&
        adjustmentAmount === undefined &&
        adjustmentRate === undefined
      ) {
        issue(
          'adjustmentAmount',
          `or adjustmentRate is required when amountAdjustmentFrequency is ${every}`,
        )
      }
      const { firstCollectionDate: firstDate, firstCollectionAmount: firstAmount } = collection
      if ((firstDate === undefined) !== (firstAmount === undefined)) {
        issue(
          firstDate === undefined ? 'firstCollectionDate' : 'firstCollectionAmount',
          'give firstCollectionDate and firstCollectionAmount together',
        )
      }
    }),
)

const debicheckBankId = /* @__PURE__ */ lazy(() =>
  z.enum([
    'absa',
    'access_bank',
    'african_bank',
    'capitec',
    'fnb',
    'tymebank',
    'nedbank',
    'standard_bank',
    'za_access_bank',
    'za_bidvest',
    'za_finbond_mutual_bank',
    'za_finbond_net1',
  ]),
)

const debicheckAccountType = /* @__PURE__ */ lazy(() => z.enum(['current', 'savings']))

/** "The bankId is optional only if branchCode is provided" (Stitch). */
function bankOrBranch(bank: { bankId?: string | undefined; branchCode?: string | undefined }) {
  return bank.bankId !== undefined || Boolean(bank.branchCode?.trim())
}
const BANK_OR_BRANCH = {
  path: ['bankId'],
  message: 'is required when branchCode is not given',
}

const createPaymentConsentRequestInput = /* @__PURE__ */ lazy(() =>
  z.object({
    nonce,
    // Stitch documents no limit here; 4096 is a guess, its limit for payment requests'.
    externalReference: text({ max: 4096 }).optional(),
    /** KYC details of the payer; which are required depends on the payment methods enabled. */
    payerInformation: z
      .object({
        payerId: z.string().optional(),
        identifyingDocument: identifyingDocument.optional(),
        businessRegistration: z
          .object({ country: countryCode, number: text({ max: 64 }) })
          .optional(),
        mobileNumber: z.string().optional(),
        email: z.string().optional(),
        fullName: z.string().optional(),
        bankAccountNumber: z.string().optional(),
        /** `yyyy-MM-dd` (Stitch). */
        accountCreatedDate: calendarDate().optional(),
      })
      .optional(),
    paymentMethods: z.object({
      card: z
        .object({
          enabled: z.boolean(),
          initialCharge: z
            .object({
              amount: moneyInput,
              // The card consent guide gives the request's nonce a 4096-character limit; the
              // initial charge's gets the same (a guess). Not generated: Stitch makes it optional.
              nonce: text({ max: 4096 }).optional(),
              externalReference: text({ max: 4096 }).optional(),
              merchantId: text({ max: 4096 }).optional(),
            })
            .optional(),
        })
        .optional(),
      debicheck: z
        .object({
          enabled: z.boolean().optional(),
          details: z.object({
            /**
             * The creditor contract number, shown on the payer's statement. "Must be unique per
             * request" (Stitch): only Stitch knows which were used, so it checks that.
             */
            contractReference: filled(),
            collection: debicheckCollection(),
            payerBank: z
              .object({
                accountNumber: z.string().optional(),
                accountType: debicheckAccountType().optional(),
                bankId: debicheckBankId().optional(),
                branchCode: z.string().optional(),
              })
              .refine(bankOrBranch, BANK_OR_BRANCH)
              .optional(),
            authenticationChannel: z
              .enum(['authRealtime', 'authEndOfDay', 'auth48Hour', 'registeredMandate'])
              .optional(),
          }),
        })
        .optional(),
      capitecPay: z
        .object({
          enabled: z.boolean(),
          paymentOptions: z.object({
            variable: z.object({ initial: moneyInput.optional(), max: moneyInput }).optional(),
          }),
          paymentSchedule: z.object({
            start: isoDate.optional(),
            frequency: z.enum(['ONCE_OFF', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']),
          }),
          /** Shown to the payer in their banking app. */
          paymentDescription: z.string().optional(),
        })
        .optional(),
    }),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
)

const paymentConsentStatus = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('__typename', [
    z.object({ __typename: z.literal('PaymentConsentPending'), date: z.string() }),
    z.object({ __typename: z.literal('PaymentConsentProcessing'), date: z.string() }),
    z.object({
      __typename: z.literal('PaymentConsentGranted'),
      date: z.string(),
      isPendingRevocation: optional(z.boolean()),
    }),
    z.object({ __typename: z.literal('PaymentConsentFailed'), date: z.string() }),
    z.object({ __typename: z.literal('PaymentConsentRevoked'), date: z.string() }),
    z.object({ __typename: z.literal('PaymentConsentPaused'), date: z.string() }),
  ]),
)

/**
 * Where a payment consent request stands; narrow on `__typename`. It becomes
 * `PaymentConsentGranted` once the payer authorises it. Stitch's guides also name cancelled
 * and expired consent requests, whose status types its reference does not show; they are not
 * read here (a request in one fails to read with a `StitchApiError`).
 */
export type PaymentConsentStatus = z.output<ReturnType<typeof paymentConsentStatus>>

const collection = /* @__PURE__ */ lazy(() =>
  z.object({
    collectionFrequency: z.string(),
    collectionDay: optional(z.number()),
    dayAdjustmentAllowed: z.boolean(),
    debitValueType: z.string(),
    instalmentAmount: money,
    maximumCollectionAmount: optional(money),
    amountAdjustmentFrequency: z.string(),
    adjustmentAmount: optional(money),
    adjustmentRate: optional(z.string()),
    firstCollectionDate: optional(z.string()),
    firstCollectionAmount: optional(money),
  }),
)

const methodOptions = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('__typename', [
    z.object({
      __typename: z.literal('CardPaymentConsentMethodOptions'),
      enabled: z.boolean(),
      initialCharge: optional(
        z.object({
          amount: money,
          nonce: optional(z.string()),
          externalReference: optional(z.string()),
          merchantId: optional(z.string()),
        }),
      ),
    }),
    z.object({
      __typename: z.literal('DebicheckPaymentConsentMethodOptions'),
      enabled: z.boolean(),
      details: optional(
        z.object({
          accountTracking: z.boolean(),
          contractReference: z.string(),
          collection: collection(),
          status: optional(z.string()),
          statusReason: optional(z.string()),
        }),
      ),
    }),
  ]),
)

const consentDetails = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('__typename', [
    z.object({
      __typename: z.literal('DebicheckPaymentConsentDetails'),
      accountTracking: z.boolean(),
      contractReference: z.string(),
      collection: collection(),
      customer: z.object({
        accountNumber: optional(z.string()),
        accountType: optional(z.string()),
        bankId: optional(z.string()),
        branchCode: optional(z.string()),
        fullName: optional(z.string()),
        phoneNumber: optional(z.string()),
        email: optional(z.string()),
        accountName: optional(z.string()),
        identifyingDocument: optional(
          z.object({ __typename: z.string(), country: z.string(), number: z.string() }),
        ),
      }),
      status: optional(z.string()),
      statusReason: optional(z.string()),
      type: optional(z.string()),
      authenticationChannel: optional(z.string()),
      mandateReferenceNumber: optional(z.string()),
      bankReasonDescription: optional(z.string()),
      bankReasonCode: optional(z.string()),
    }),
    z.object({
      __typename: z.literal('CapitecPayRecurringConsentDetails'),
      paymentSchedule: z.object({ start: z.string(), frequency: z.string() }),
      paymentDescription: optional(z.string()),
    }),
  ]),
)

const METHOD_OPTIONS = ['CardPaymentConsentMethodOptions', 'DebicheckPaymentConsentMethodOptions']
const CONSENT_DETAILS = ['DebicheckPaymentConsentDetails', 'CapitecPayRecurringConsentDetails']

function hasTypename(value: unknown, typenames: readonly string[]): boolean {
  const typename = (value as { __typename?: unknown } | null | undefined)?.__typename
  return typeof typename === 'string' && typenames.includes(typename)
}

const paymentConsentRequest = /* @__PURE__ */ lazy(() =>
  z.object({
    id: z.string(),
    /** Where the payer goes to authorise the consent. */
    url: z.string(),
    status: paymentConsentStatus(),
    statusReason: optional(z.string()),
    nonce: z.string(),
    externalReference: optional(z.string()),
    // Stitch types the items as nullable, and its reference does not show the fields of every
    // method's options: items of other types say nothing here, so they are left out.
    paymentMethodOptions: z
      .array(z.unknown())
      .transform((options) => options.filter((option) => hasTypename(option, METHOD_OPTIONS)))
      .pipe(z.array(methodOptions())),
    /**
     * Null while the request is pending (Stitch); then the details of the method consented with.
     * Details of a card consent, whose fields Stitch's reference does not show, read as absent.
     */
    consentDetails: z
      .unknown()
      .transform((details) => (hasTypename(details, CONSENT_DETAILS) ? details : undefined))
      .pipe(consentDetails().optional()),
    metadata: optional(z.unknown()),
  }),
)

/**
 * A payment consent request as Stitch answers it: its `url`, `status` (a discriminated union
 * on `__typename`), the `nonce` it was created with, the payment methods offered and, once
 * confirmed, the details of the consent.
 */
export type PaymentConsentRequest = z.output<ReturnType<typeof paymentConsentRequest>>

// The same selection for every operation here, so each returns a `PaymentConsentRequest`.
const CONSENT_REQUEST_FIELDS = `
  id
  url
  status {
    __typename
    ... on PaymentConsentPending { date }
    ... on PaymentConsentProcessing { date }
    ... on PaymentConsentGranted { date isPendingRevocation }
    ... on PaymentConsentFailed { date }
    ... on PaymentConsentRevoked { date }
    ... on PaymentConsentPaused { date }
  }
  statusReason
  nonce
  externalReference
  paymentMethodOptions {
    __typename
    ... on CardPaymentConsentMethodOptions {
      enabled
      initialCharge { amount nonce externalReference merchantId }
    }
    ... on DebicheckPaymentConsentMethodOptions {
      enabled
      details {
        accountTracking
        contractReference
        collection { ...DebicheckCollectionFields }
        status
        statusReason
      }
    }
  }
  consentDetails {
    __typename
    ... on DebicheckPaymentConsentDetails {
      accountTracking
      contractReference
      collection { ...DebicheckCollectionFields }
      customer {
        accountNumber
        accountType
        bankId
        branchCode
        fullName
        phoneNumber
        email
        accountName
        identifyingDocument {
          __typename
          ... on IdentityDocumentDetails { country number }
          ... on PassportDetails { country number }
          ... on TemporaryResidenceDetails { country number }
          ... on BusinessRegistrationDetails { country number }
        }
      }
      status
      statusReason
      type
      authenticationChannel
      mandateReferenceNumber
      bankReasonDescription
      bankReasonCode
    }
    ... on CapitecPayRecurringConsentDetails {
      paymentSchedule { start frequency }
      paymentDescription
    }
  }
  metadata
`

const COLLECTION_FRAGMENT = `
  fragment DebicheckCollectionFields on DebicheckCollection {
    collectionFrequency
    collectionDay
    dayAdjustmentAllowed
    debitValueType
    instalmentAmount
    maximumCollectionAmount
    amountAdjustmentFrequency
    adjustmentAmount
    adjustmentRate
    firstCollectionDate
    firstCollectionAmount
  }
`

const createdConsent = /* @__PURE__ */ lazy(() =>
  z.object({ paymentConsentRequestCreate: paymentConsentRequest() }),
)

/**
 * Creates a recurring payment consent request (`client_recurringpaymentconsentrequest`): a
 * DebiCheck mandate, a card or Capitec Pay consent. Send the payer to its `url`; its status
 * becomes `PaymentConsentGranted` once they authorise.
 *
 * `nonce` is generated when not given and comes back in the result; Stitch refuses a second
 * request with the same nonce (`STITCH_AUTH_API_NONCE_REUSED`). The DebiCheck
 * `contractReference` must be unique per request too.
 *
 * @example
 * const consent = await stitch.run(createPaymentConsentRequest, {
 *   input: {
 *     paymentMethods: {
 *       debicheck: {
 *         details: {
 *           contractReference: `gym-${memberId}`,
 *           collection: {
 *             collectionFrequency: 'monthly',
 *             collectionDay: 1,
 *             debitValueType: 'fixed',
 *             instalmentAmount: { quantity: 300, currency: 'ZAR' },
 *             amountAdjustmentFrequency: 'never',
 *           },
 *           payerBank: { accountNumber: '62000000000', accountType: 'current', bankId: 'fnb' },
 *         },
 *       },
 *     },
 *   },
 * })
 * redirect(consent.url)
 */
export const createPaymentConsentRequest = /* @__PURE__ */ defineApiOperation({
  name: 'CreatePaymentConsentRequest',
  document: () => /* GraphQL */ `
    mutation CreatePaymentConsentRequest($input: CreatePaymentConsentRequestInput!) {
      paymentConsentRequestCreate(input: $input) { ${CONSENT_REQUEST_FIELDS} }
    }
    ${COLLECTION_FRAGMENT}
  `,
  scopes: SCOPES,
  variables: () => z.object({ input: createPaymentConsentRequestInput() }),
  result: (data) => createdConsent().parse(data).paymentConsentRequestCreate,
})

/** An identifying document as the payer confirms it; the country may be left out. */
const confirmationDocument = /* @__PURE__ */ lazy(() =>
  z.object({
    country: countryCode.optional(),
    number: text({ max: 64 }),
  }),
)

const confirmPaymentConsentInput = /* @__PURE__ */ lazy(() =>
  z
    .object({
      // Stitch gives the create nonce a 4096-character limit; the confirmation's gets the same
      // (a guess).
      nonce,
      externalReference: text({ max: 4096 }).optional(),
      deviceInformation: z
        .object({
          /** Base64-encoded fingerprint data. */
          fingerprint: z.string().optional(),
          deviceId: z.string().optional(),
          /** The browser screen's size in pixels. */
          screenDimensions: z.object({ height: z.string(), width: z.string() }).optional(),
        })
        .optional(),
      debicheck: z
        .object({
          collection: z
            .object({
              collectionDay: collectionDay(),
              collectionFrequency: z.enum(COLLECTION_FREQUENCIES),
            })
            .superRefine((value, context) => {
              const issue = collectionDayIssue(value.collectionDay, value.collectionFrequency)
              if (issue)
                context.addIssue({ code: 'custom', path: ['collectionDay'], message: issue })
            })
            .optional(),
          customer: z
            .object({
              fullName: filled(),
              accountNumber: filled(),
              accountType: debicheckAccountType(),
              bankId: debicheckBankId().optional(),
              branchCode: z.string().optional(),
              identifyingDocument: z.object({
                identityDocument: confirmationDocument().optional(),
                passport: confirmationDocument().optional(),
                temporaryResidenceId: confirmationDocument().optional(),
                businessRegistration: z
                  .object({ country: countryCode, number: text({ max: 64 }) })
                  .optional(),
              }),
              phoneNumber: filled(),
            })
            .refine(bankOrBranch, BANK_OR_BRANCH)
            .optional(),
        })
        .optional(),
      capitecPay: z
        .object({
          identityDocument: z.object({ country: z.string(), number: z.string() }).optional(),
          mobileNumber: z.string().optional(),
          bankAccountNumber: z.string().optional(),
        })
        .optional(),
    })
    .refine((input) => (input.debicheck === undefined) !== (input.capitecPay === undefined), {
      path: ['debicheck'],
      message: 'give exactly one of debicheck or capitecPay (Stitch requires one of the two)',
    }),
)

const confirmedConsent = /* @__PURE__ */ lazy(() =>
  z.object({ paymentConsentRequestConfirm: paymentConsentRequest() }),
)

/** What {@link confirmPaymentConsentRequest} returns: the request, and the confirmation's nonce. */
export type ConfirmedPaymentConsentRequest = PaymentConsentRequest & {
  /** The nonce the confirmation was sent with (`nonce` stays the one the request was created with). */
  confirmationNonce: string
}

/**
 * Confirms a pending consent request with the payer's details for one payment method, DebiCheck
 * or Capitec Pay (`client_recurringpaymentconsentrequest`): the payer then authorises it with
 * their bank.
 *
 * The confirmation's `nonce` is generated when not given and comes back as
 * `confirmationNonce`; Stitch refuses a second confirmation with the same nonce
 * (`STITCH_AUTH_API_NONCE_REUSED`).
 *
 * @example
 * await stitch.run(confirmPaymentConsentRequest, {
 *   consentRequestId: consent.id,
 *   input: {
 *     debicheck: {
 *       customer: {
 *         fullName: 'Jane Doe',
 *         accountNumber: '62000000000',
 *         accountType: 'current',
 *         bankId: 'fnb',
 *         identifyingDocument: { identityDocument: { country: 'ZA', number: '9001015009087' } },
 *         phoneNumber: '+27821234567',
 *       },
 *     },
 *   },
 * })
 */
export const confirmPaymentConsentRequest = /* @__PURE__ */ defineApiOperation({
  name: 'ConfirmPaymentConsentRequest',
  document: () => /* GraphQL */ `
    mutation ConfirmPaymentConsentRequest($consentRequestId: ID!, $input: ConfirmPaymentConsentInput!) {
      paymentConsentRequestConfirm(consentRequestId: $consentRequestId, input: $input) {
        ${CONSENT_REQUEST_FIELDS}
      }
    }
    ${COLLECTION_FRAGMENT}
  `,
  scopes: SCOPES,
  variables: () =>
    z.object({
      consentRequestId: text({ max: 4096 }),
      input: confirmPaymentConsentInput(),
    }),
  result: (data, variables): ConfirmedPaymentConsentRequest => ({
    ...confirmedConsent().parse(data).paymentConsentRequestConfirm,
    confirmationNonce: variables.input.nonce,
  }),
})

const consentNode = /* @__PURE__ */ lazy(() =>
  z.object({
    node: paymentConsentRequest()
      .extend({ __typename: z.literal('PaymentConsentRequest') })
      .nullable(),
  }),
)

/**
 * Reads a payment consent request by id (`client_recurringpaymentconsentrequest`): its
 * `status` (a discriminated union on `__typename`), methods and consent details. `null` when
 * Stitch knows no such request.
 *
 * @example
 * const consent = await stitch.run(getPaymentConsentRequest, { id })
 * if (consent?.status.__typename === 'PaymentConsentGranted') startCollecting(consent)
 */
export const getPaymentConsentRequest = /* @__PURE__ */ defineApiOperation({
  name: 'GetPaymentConsentRequest',
  document: () => /* GraphQL */ `
    query GetPaymentConsentRequest($id: ID!) {
      node(id: $id) {
        __typename
        ... on PaymentConsentRequest { ${CONSENT_REQUEST_FIELDS} }
      }
    }
    ${COLLECTION_FRAGMENT}
  `,
  scopes: SCOPES,
  variables: () => z.object({ id: text({ max: 4096 }) }),
  result: (data): PaymentConsentRequest | null => {
    // `node(id)` answers any Node; an id of another type reads as no consent request.
    const typename = (data as { node?: { __typename?: unknown } | null } | null)?.node?.__typename
    if (typename !== undefined && typename !== 'PaymentConsentRequest') return null
    const node = consentNode().parse(data).node
    if (node === null) return null
    const { __typename: _typename, ...read } = node
    return read
  },
})

const revokedConsent = /* @__PURE__ */ lazy(() =>
  z.object({ paymentConsentRequestRevoke: paymentConsentRequest() }),
)

/**
 * Revokes a granted consent (`client_recurringpaymentconsentrequest`): "the consent request
 * status will move to the PaymentConsentRevoked status" (Stitch), and no more payments are
 * collected with it.
 *
 * @example
 * await stitch.run(revokePaymentConsentRequest, { consentRequestId: id, reason: 'Membership ended' })
 */
export const revokePaymentConsentRequest = /* @__PURE__ */ defineApiOperation({
  name: 'RevokePaymentConsentRequest',
  document: () => /* GraphQL */ `
    mutation RevokePaymentConsentRequest($consentRequestId: ID!, $reason: String!) {
      paymentConsentRequestRevoke(consentRequestId: $consentRequestId, reason: $reason) {
        ${CONSENT_REQUEST_FIELDS}
      }
    }
    ${COLLECTION_FRAGMENT}
  `,
  scopes: SCOPES,
  variables: () =>
    z.object({
      consentRequestId: text({ max: 4096 }),
      // Stitch documents no limit on the reason; 4096, as for cancellation reasons, is a guess.
      reason: filled().pipe(text({ max: 4096 })),
    }),
  result: (data) => revokedConsent().parse(data).paymentConsentRequestRevoke,
})

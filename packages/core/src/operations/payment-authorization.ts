import { z } from 'zod'
import { defineApiOperation } from '../api-operation.js'
import { lazy, moneyInput } from './common.js'

// Stitch gives no length limits for LinkPay's names and references (the Pay by Bank limits
// are not documented for them), so only emptiness is refused.
const required = /* @__PURE__ */ lazy(() => z.string().regex(/\S/, 'must not be empty'))

/** Stitch's `AccountType`. */
const ACCOUNT_TYPES = [
  'current',
  'savings',
  'credit',
  'loan',
  'investment',
  'other',
  'unknown',
] as const

/** Stitch's `PayerBankId`: the banks a user can link or pay from. */
const PAYER_BANK_IDS = [
  'absa',
  'capitec',
  'discovery_bank',
  'investec',
  'fnb',
  'nedbank',
  'standard_bank',
  'tymebank',
] as const

const bankBeneficiary = /* @__PURE__ */ lazy(() =>
  z.object({
    name: required(),
    // The schema checks the bank against its `BankBeneficiaryBankId` enum; here only its form.
    bankId: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be one of Stitch's bank ids, e.g. fnb"),
    accountNumber: required(),
    accountType: z.enum(ACCOUNT_TYPES, { message: `must be one of ${ACCOUNT_TYPES.join(', ')}` }),
    /** `public`: a bank-registered beneficiary. */
    beneficiaryType: z.enum(['public', 'private'], { message: 'must be public or private' }),
    /** Shown on the beneficiary's statement. */
    reference: required(),
  }),
)

/** A real `yyyy-MM-dd` date, the format Stitch's LinkPay guide gives (not 2023-02-30). */
const calendarDate = /* @__PURE__ */ lazy(() =>
  z.string().refine((value) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
    const date = new Date(`${value}T00:00:00Z`)
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
  }, 'must be a date in the format yyyy-MM-dd'),
)

const payer = /* @__PURE__ */ lazy(() =>
  z
    .object({
      name: required(),
      /** Either `email` or `phoneNumber` must be supplied. */
      email: z.email('must be an email address').optional(),
      phoneNumber: required().optional(),
      /** Shown on the payer's statement. */
      reference: required(),
      /** A South African identity number; for Capitec Pay, give it or `accountNumber`. */
      identityNumber: z
        .string()
        .regex(/^\d{13}$/, 'must be a 13-digit South African ID number')
        .optional(),
      passportNumber: required().optional(),
      accountNumber: required().optional(),
      /** Restricts the bank the user may pay from. */
      restrictPayerBank: z
        .enum(PAYER_BANK_IDS, { message: `must be one of ${PAYER_BANK_IDS.join(', ')}` })
        .optional(),
      /** Your own identifier for the user. */
      payerId: required().optional(),
      /** When the user's account with you was created. */
      payerCreatedDate: calendarDate().optional(),
      businessRegistrationNumber: required().optional(),
    })
    .refine(
      (value) => value.email !== undefined || value.phoneNumber !== undefined,
      'give email or phoneNumber (Stitch requires one of them)',
    ),
)

const createInput = /* @__PURE__ */ lazy(() =>
  z.object({
    /** Who is paid once the user has authorized: `bankAccount`, `bankAccounts` or both. */
    beneficiary: z
      .object({
        bankAccount: bankBeneficiary().optional(),
        bankAccounts: z.array(bankBeneficiary()).min(1, 'must not be empty').optional(),
      })
      // The reference does not say so, but a beneficiary without an account can't be paid.
      .refine(
        (value) => value.bankAccount !== undefined || value.bankAccounts !== undefined,
        'give bankAccount or bankAccounts',
      ),
    payer: payer(),
    /** A payment made during the authorization flow. */
    initialPayment: z
      .object({
        amount: moneyInput,
        /** Comes back in the redirect's query parameters when the payment completes. */
        externalReference: required().optional(),
      })
      .optional(),
    /** The merchant issuing the transaction. */
    merchantDetails: z
      .object({ name: required(), capitecPayMerchantReference: required().optional() })
      .optional(),
  }),
)

const created = /* @__PURE__ */ lazy(() =>
  z.object({
    clientPaymentAuthorizationRequestCreate: z.object({ authorizationRequestUrl: z.string() }),
  }),
)

/** A new LinkPay authorization request: send the user to `authorizationRequestUrl`. */
export type PaymentAuthorizationRequest = z.output<
  ReturnType<typeof created>
>['clientPaymentAuthorizationRequestCreate']

/**
 * Creates a LinkPay payment authorization request (`client_paymentauthorizationrequest`):
 * the user authorizes future payments to the beneficiary at `authorizationRequestUrl`.
 *
 * Stitch marks LinkPay as deprecated but still documents this mutation and its scope.
 *
 * @example
 * const { authorizationRequestUrl } = await stitch.run(createPaymentAuthorizationRequest, {
 *   input: {
 *     beneficiary: {
 *       bankAccount: {
 *         name: 'My Shop',
 *         bankId: 'fnb',
 *         accountNumber: '62000000000',
 *         accountType: 'current',
 *         beneficiaryType: 'private',
 *         reference: 'MyShop',
 *       },
 *     },
 *     payer: { name: 'Thandi Mokoena', email: 'thandi@example.com', reference: 'user-42' },
 *   },
 * })
 *
 * @deprecated Stitch marks LinkPay as deprecated; it still serves and documents this mutation.
 */
export const createPaymentAuthorizationRequest = /* @__PURE__ */ defineApiOperation({
  name: 'CreatePaymentAuthorizationRequest',
  document: /* GraphQL */ `
    mutation CreatePaymentAuthorizationRequest(
      $input: ClientPaymentAuthorizationRequestCreateInput!
    ) {
      clientPaymentAuthorizationRequestCreate(input: $input) {
        authorizationRequestUrl
      }
    }
  `,
  scopes: ['client_paymentauthorizationrequest'],
  variables: () => z.object({ input: createInput() }),
  result: (data): PaymentAuthorizationRequest =>
    created().parse(data).clientPaymentAuthorizationRequestCreate,
})

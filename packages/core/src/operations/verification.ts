import { z } from 'zod'
import { defineApiOperation } from '../api-operation.js'
import { countryCode, identifyingDocument, lazy, optional } from './common.js'

/** The banks Stitch verifies accounts at (`BankAccountVerificationBankIdInput`). */
const VERIFICATION_BANK_IDS = [
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
  'za_bidvest',
  'tymebank',
] as const

/** A bank Stitch verifies accounts at (`BankAccountVerificationBankIdInput`). */
export type BankAccountVerificationBankId = (typeof VERIFICATION_BANK_IDS)[number]

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

// Stitch documents no length limits for these fields, so only emptiness is refused.
const required = /* @__PURE__ */ lazy(() => z.string().regex(/\S/, 'must not be empty'))

/**
 * Stitch asks for "a 13-digit ID number, for SA individuals": a South African identity
 * document that is not 13 digits can never verify, so it is refused here.
 */
const accountHolderDocument = /* @__PURE__ */ lazy(() =>
  identifyingDocument.superRefine((document, context) => {
    const identity = document.identityDocument
    if (identity?.country === 'ZA' && !/^\d{13}$/.test(identity.number.trim())) {
      context.addIssue({
        code: 'custom',
        path: ['identityDocument', 'number'],
        message: 'must be a 13-digit South African ID number',
      })
    }
  }),
)

const verificationInput = /* @__PURE__ */ lazy(() =>
  z.object({
    accountNumber: required(),
    /**
     * Optional in the schema, but Stitch's guide lists it among the fields required "for all
     * verification requests".
     */
    bankId: z.enum(VERIFICATION_BANK_IDS, {
      message: `must be one of the banks Stitch verifies at: ${VERIFICATION_BANK_IDS.join(', ')}`,
    }),
    /** "Only required for banks that do not support universal branch codes". */
    branchCode: required().optional(),
    accountType: z
      .enum(ACCOUNT_TYPES, { message: `must be one of ${ACCOUNT_TYPES.join(', ')}` })
      .optional(),
    /** Exactly one of `business` and `individual`, as Stitch requires. */
    accountHolder: z
      .object({
        business: z
          .object({
            registration: z.object({ country: countryCode, number: required() }),
            name: required().optional(),
          })
          .optional(),
        individual: z
          .object({
            familyName: required().optional(),
            initials: required().optional(),
            identifyingDocument: accountHolderDocument(),
          })
          .optional(),
      })
      .refine(
        (holder) => (holder.business === undefined) !== (holder.individual === undefined),
        'give exactly one of business or individual (Stitch allows only one)',
      ),
  }),
)

const verificationResult = /* @__PURE__ */ lazy(() => z.enum(['verified', 'unknown', 'refuted']))

/** The outcome of one check: `unknown` when Stitch could not perform it. */
export type BankAccountVerificationResult = z.output<ReturnType<typeof verificationResult>>

const verifiedAccountHolder = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('__typename', [
    z.object({
      __typename: z.literal('VerifiedIndividualBankAccountDetails'),
      familyName: optional(z.string()),
      familyNameVerificationResult: optional(verificationResult()),
      initials: optional(z.string()),
      initialsVerificationResult: optional(verificationResult()),
      // Only the document's kind: its country and number need the `accountholders` scope, which
      // client tokens do not have (and the caller sent the number anyway).
      identifyingDocument: optional(
        z.discriminatedUnion('__typename', [
          z.object({ __typename: z.literal('IdentityDocument') }),
          z.object({ __typename: z.literal('Passport') }),
        ]),
      ),
      identifyingDocumentVerificationResult: verificationResult(),
    }),
    z.object({
      __typename: z.literal('VerifiedBusinessBankAccountDetails'),
      registrationNumber: optional(z.string()),
      name: optional(z.string()),
    }),
  ]),
)

const verified = /* @__PURE__ */ lazy(() =>
  z.object({
    client: z.object({
      verifyBankAccountDetails: z.object({
        accountNumber: optional(z.string()),
        accountVerificationResult: verificationResult(),
        detailedAccountVerificationResults: z.object({
          accountExists: optional(verificationResult()),
          identityDocumentMatch: optional(verificationResult()),
          lastNameMatch: optional(verificationResult()),
          initialMatch: optional(verificationResult()),
        }),
        // Stitch's `BankId` grows as banks are added, so any string is read.
        bankId: optional(z.string()),
        branchCode: optional(z.string()),
        accountType: optional(z.enum(ACCOUNT_TYPES)),
        accountTypeVerificationResult: optional(verificationResult()),
        accountHolder: verifiedAccountHolder(),
        accountOpen: optional(z.boolean()),
        accountOpenForMoreThanThreeMonths: optional(z.boolean()),
        accountAcceptsDebits: optional(z.boolean()),
        accountAcceptsCredits: optional(z.boolean()),
      }),
    }),
  }),
)

/**
 * What Stitch could verify about a bank account. Details are set only where they correlate
 * with the account given; narrow `accountHolder` on `__typename`.
 */
export type VerifiedBankAccountDetails = z.output<
  ReturnType<typeof verified>
>['client']['verifyBankAccountDetails']

/**
 * Verifies a bank account's details and its holder (`client_bankaccountverification`):
 * whether the account exists, is open and accepts debits and credits, and whether the holder's
 * identity document (or business registration), family name and initials match. Stitch notes
 * that the bank affects the response time, as some banks do not process in real time.
 *
 * @example
 * const details = await stitch.run(verifyBankAccount, {
 *   input: {
 *     accountNumber: '62000000001',
 *     bankId: 'fnb',
 *     accountHolder: {
 *       individual: {
 *         familyName: 'Mokoena',
 *         identifyingDocument: { identityDocument: { country: 'ZA', number: '9001015009087' } },
 *       },
 *     },
 *   },
 * })
 * if (details.accountVerificationResult === 'verified') payOut()
 */
export const verifyBankAccount = /* @__PURE__ */ defineApiOperation({
  name: 'VerifyBankAccount',
  document: /* GraphQL */ `
    query VerifyBankAccount($input: BankAccountVerificationInput!) {
      client {
        verifyBankAccountDetails(input: $input) {
          accountNumber
          accountVerificationResult
          detailedAccountVerificationResults {
            accountExists
            identityDocumentMatch
            lastNameMatch
            initialMatch
          }
          bankId
          branchCode
          accountType
          accountTypeVerificationResult
          accountHolder {
            __typename
            ... on VerifiedIndividualBankAccountDetails {
              familyName
              familyNameVerificationResult
              initials
              initialsVerificationResult
              identifyingDocument { __typename }
              identifyingDocumentVerificationResult
            }
            ... on VerifiedBusinessBankAccountDetails { registrationNumber name }
          }
          accountOpen
          accountOpenForMoreThanThreeMonths
          accountAcceptsDebits
          accountAcceptsCredits
        }
      }
    }
  `,
  scopes: ['client_bankaccountverification'],
  variables: () => z.object({ input: verificationInput() }),
  result: (data): VerifiedBankAccountDetails =>
    verified().parse(data).client.verifyBankAccountDetails,
})

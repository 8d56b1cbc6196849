import type { SimulatorState } from '../state.js'
import { type StitchDomain, throwIfBadInput } from './kit.js'

const SCOPES = ['client_bankaccountverification'] as const

/**
 * Stitch's `IdentityDocument` and `Passport` pages: "This type requires the following scope:
 * [accountholders]" (its REST guide: reading verified document numbers needs it too).
 */
const ACCOUNT_HOLDER_SCOPES = ['accountholders'] as const

/** The banks Stitch verifies accounts at (`BankAccountVerificationBankIdInput`). */
export const BANK_ACCOUNT_VERIFICATION_BANK_IDS = [
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

export type BankAccountVerificationBankId = (typeof BANK_ACCOUNT_VERIFICATION_BANK_IDS)[number]

/** Stitch's `BankId`: every bank it names in answers. */
const BANK_IDS = [
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
  'za_access_bank',
  'access_bank',
  'first_bank_of_nigeria',
  'gtbank',
  'gtbank_mobile',
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

/** Stitch's `AccountType` (declared in common.ts). */
export type AccountType =
  | 'current'
  | 'savings'
  | 'credit'
  | 'loan'
  | 'investment'
  | 'other'
  | 'unknown'

export type VerificationResult = 'verified' | 'unknown' | 'refuted'

export type IdentifyingDocumentKind = 'identityDocument' | 'passport' | 'temporaryResidenceId'

const DOCUMENT_KINDS: readonly IdentifyingDocumentKind[] = [
  'identityDocument',
  'passport',
  'temporaryResidenceId',
]

/** A person's identifying document, as the simulator keeps it. */
export interface IdentifyingDocument {
  kind: IdentifyingDocumentKind
  country: string
  number: string
}

/** Stitch's `IdentifyingDocumentInput` (declared in common.ts). */
export interface IdentifyingDocumentInput {
  identityDocument?: { country: string; number: string } | null
  passport?: { country: string; number: string } | null
  temporaryResidenceId?: { country: string; number: string } | null
}

/** A business registration: `BusinessRegistrationInput` and the `BusinessRegistration` type. */
export interface BusinessRegistration {
  country: string
  number: string
}

/**
 * Who holds a known account. A `null` detail is one the bank does not hold, so Stitch can't
 * verify it: the simulator answers `unknown` for it.
 */
export type BankAccountHolder =
  | {
      type: 'individual'
      familyName: string | null
      initials: string | null
      identifyingDocument: IdentifyingDocument | null
    }
  | { type: 'business'; name: string | null; registration: BusinessRegistration }

/** A bank account the simulator's banks know, to verify details against. */
export interface SimulatedBankAccount {
  bankId: BankAccountVerificationBankId
  accountNumber: string
  branchCode: string
  accountType: AccountType
  holder: BankAccountHolder
  open: boolean
  openForMoreThanThreeMonths: boolean
  acceptsDebits: boolean
  acceptsCredits: boolean
}

/** How the simulator files known accounts: an account number is unique only within its bank. */
export function bankAccountKey(bankId: string, accountNumber: string): string {
  return `${bankId}/${accountNumber.replace(/\s+/g, '')}`
}

/** Freezes fixtures that every simulator instance shares, so none can change them for others. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/**
 * The accounts every simulator starts with, keyed by `bankAccountKey`; `registerBankAccount`
 * adds more. The holders are fictitious.
 */
export const FIXTURE_BANK_ACCOUNTS: ReadonlyMap<string, SimulatedBankAccount> = new Map(
  deepFreeze<SimulatedBankAccount[]>([
    {
      // An individual with an SA ID, every detail on record.
      bankId: 'fnb',
      accountNumber: '62000000001',
      branchCode: '250655',
      accountType: 'current',
      holder: {
        type: 'individual',
        familyName: 'Mokoena',
        initials: 'TN',
        identifyingDocument: { kind: 'identityDocument', country: 'ZA', number: '9001015009087' },
      },
      open: true,
      openForMoreThanThreeMonths: true,
      acceptsDebits: true,
      acceptsCredits: true,
    },
    {
      // A business; the same company is among the business-lookup fixtures.
      bankId: 'standard_bank',
      accountNumber: '10000000002',
      branchCode: '051001',
      accountType: 'current',
      holder: {
        type: 'business',
        name: 'KOMBUCHA FIZZ (PTY) LTD',
        registration: { country: 'ZA', number: '2019/123456/07' },
      },
      open: true,
      openForMoreThanThreeMonths: true,
      acceptsDebits: true,
      acceptsCredits: true,
    },
    {
      // A new savings account of a passport holder whose initials the bank lacks (→ unknown),
      // which accepts credits but not debits.
      bankId: 'capitec',
      accountNumber: '1000000003',
      branchCode: '470010',
      accountType: 'savings',
      holder: {
        type: 'individual',
        familyName: 'Smith',
        initials: null,
        identifyingDocument: { kind: 'passport', country: 'GB', number: '123456789' },
      },
      open: true,
      openForMoreThanThreeMonths: false,
      acceptsDebits: false,
      acceptsCredits: true,
    },
  ]).map((account) => [bankAccountKey(account.bankId, account.accountNumber), account]),
)

/** Makes an account known to the simulator's banks (replacing one with the same bank and number). */
export function registerBankAccount(state: SimulatorState, account: SimulatedBankAccount): void {
  state.bankAccounts.set(bankAccountKey(account.bankId, account.accountNumber), account)
}

/**
 * Stitch's rule for inputs such as `IdentifyingDocumentInput`: "This input type requires that one
 * and only one value is set." Returns the key that is set, or undefined after noting a problem.
 */
export function exactlyOneOf<K extends string>(
  input: Partial<Record<K, unknown>>,
  keys: readonly K[],
  path: string,
  problems: string[],
): K | undefined {
  const set = keys.filter((key) => input[key] != null)
  if (set.length === 1) return set[0]
  problems.push(
    `${path} must set exactly one of ${keys.join(', ')} (got ${set.length === 0 ? 'none' : set.join(', ')})`,
  )
  return undefined
}

/**
 * Reads an `IdentifyingDocumentInput`. Stitch asks for "a 13-digit ID number, for SA individuals",
 * so a South African identity number must be 13 digits.
 */
export function readIdentifyingDocument(
  input: IdentifyingDocumentInput,
  path: string,
  problems: string[],
): IdentifyingDocument | undefined {
  const kind = exactlyOneOf(input, DOCUMENT_KINDS, path, problems)
  const document = kind && input[kind]
  if (!kind || !document) return undefined
  const number = document.number.trim()
  if (number === '') problems.push(`${path}.${kind}.number must not be empty`)
  else if (kind === 'identityDocument' && document.country === 'ZA' && !/^\d{13}$/.test(number)) {
    problems.push(`${path}.identityDocument.number must be a 13-digit South African ID number`)
  }
  return { kind, country: document.country, number }
}

/** Documents are the same when kind, country and number agree (ignoring case and spaces). */
export function sameDocument(a: IdentifyingDocument, b: IdentifyingDocument): boolean {
  return a.kind === b.kind && sameCode(a.country, b.country) && sameCode(a.number, b.number)
}

/** Registrations are the same when country and number agree (ignoring case and spaces). */
export function sameRegistration(a: BusinessRegistration, b: BusinessRegistration): boolean {
  return sameCode(a.country, b.country) && sameCode(a.number, b.number)
}

function sameCode(a: string, b: string): boolean {
  const normal = (value: string) => value.replace(/\s+/g, '').toUpperCase()
  return normal(a) === normal(b)
}

function sameName(a: string, b: string): boolean {
  const normal = (value: string) => value.trim().replace(/\s+/g, ' ').toLowerCase()
  return normal(a) === normal(b)
}

function sameInitials(a: string, b: string): boolean {
  const normal = (value: string) => value.replace(/[^\p{L}]/gu, '').toUpperCase()
  return normal(a) === normal(b)
}

interface VerificationInput {
  accountNumber: string
  bankId?: BankAccountVerificationBankId | null
  branchCode?: string | null
  accountType?: AccountType | null
  accountHolder: {
    business?: { registration: BusinessRegistration; name?: string | null } | null
    individual?: {
      familyName?: string | null
      initials?: string | null
      identifyingDocument: IdentifyingDocumentInput
    } | null
  }
}

export const verification: StitchDomain = {
  sdl: /* GraphQL */ `
    "The banks for which bank account verification is enabled."
    enum BankAccountVerificationBankIdInput {
      ${BANK_ACCOUNT_VERIFICATION_BANK_IDS.join('\n      ')}
    }

    "Unique identifier for a bank."
    enum BankId {
      ${BANK_IDS.join('\n      ')}
    }

    "Details required to identify an individual for bank account verification."
    input IndividualBankAccountVerificationInput {
      "Surname(s) or last name(s) of the Individual. Specifying the familyName is optional."
      familyName: String
      "Initials of the account holder. Specifying initials is optional."
      initials: String
      identifyingDocument: IdentifyingDocumentInput!
    }

    "Details required to identify a business for bank account verification."
    input BusinessBankAccountVerificationInput {
      registration: BusinessRegistrationInput!
      "The registered name of the business. Specifying name is optional."
      name: String
    }

    "This input type requires that one and only one value is set. For example, it is not possible to specify both a business and an individual"
    input AccountHolderBankAccountVerificationInput {
      business: BusinessBankAccountVerificationInput
      individual: IndividualBankAccountVerificationInput
    }

    "All of the data required to verify an individual's bank account."
    input BankAccountVerificationInput {
      accountNumber: String!
      "The bank. Note that this choice affects the response time, as some banks do not support real time processing."
      bankId: BankAccountVerificationBankIdInput
      "The branch code is only required for banks that do not support universal branch codes"
      branchCode: String
      accountType: AccountType
      accountHolder: AccountHolderBankAccountVerificationInput!
    }

    "The outcome of a verification operation. The name of the property that contains this type will indicate what verification was performed."
    enum VerificationResult {
      "The data provided was successfully verified against the bank data."
      verified
      "Verification could not be performed for the field."
      unknown
      "The data provided is not correct."
      refuted
    }

    "Detailed result of whether for the account exists as well as confirmation of the user's identity number, initials and last name matching that of the account."
    type DetailedAccountVerificationResults {
      "Result of whether the account exists."
      accountExists: VerificationResult
      "Result of whether the user's identity number matches that of the account-holder."
      identityDocumentMatch: VerificationResult
      "Result of whether the user's last name matches that of the account-holder."
      lastNameMatch: VerificationResult
      "Result of whether the user's initial matches that of the account-holder"
      initialMatch: VerificationResult
    }

    "Unique identifier for a natural person. The identity number is unique for the given country."
    type IdentityDocument {
      "The country from which this Id document is issued."
      country: CountryCode!
      number: String!
    }

    "Unique identifier for a natural person. The passport number is unique for the given country."
    type Passport {
      "The country from which this passport is issued."
      country: CountryCode!
      number: String!
    }

    union IdentifyingDocument = IdentityDocument | Passport

    "The verified details of a natural person who owns an account."
    type VerifiedIndividualBankAccountDetails {
      familyName: String
      familyNameVerificationResult: VerificationResult
      initials: String
      initialsVerificationResult: VerificationResult
      "This value of this field is null if the identifying document cannot be positively correlated with the account details provided."
      identifyingDocument: IdentifyingDocument
      identifyingDocumentVerificationResult: VerificationResult!
    }

    "The verified details of a business that owns an account."
    type VerifiedBusinessBankAccountDetails {
      "The registration number of the business."
      registrationNumber: String
      "The registered name of the business."
      name: String
    }

    union VerifiedAccountHolderBankAccountDetails =
      | VerifiedIndividualBankAccountDetails
      | VerifiedBusinessBankAccountDetails

    "The fields in VerifiedBankAccountDetails will be set based on whether they can be correlated with the account details provided."
    type VerifiedBankAccountDetails {
      "Will be null if the account is invalid or cannot be verified"
      accountNumber: String
      accountVerificationResult: VerificationResult!
      detailedAccountVerificationResults: DetailedAccountVerificationResults!
      bankId: BankId
      branchCode: String
      accountType: AccountType
      accountTypeVerificationResult: VerificationResult
      accountHolder: VerifiedAccountHolderBankAccountDetails!
      accountOpen: Boolean
      accountOpenForMoreThanThreeMonths: Boolean
      accountAcceptsDebits: Boolean
      accountAcceptsCredits: Boolean
    }

    extend type Client {
      verifyBankAccountDetails(input: BankAccountVerificationInput!): VerifiedBankAccountDetails!
    }
  `,
  fields: {
    'Client.verifyBankAccountDetails': {
      scopes: SCOPES,
      resolve: (_source, { input }: { input: VerificationInput }, context) =>
        verifyBankAccount(context.state, input),
    },
    'IdentityDocument.country': documentField('country'),
    'IdentityDocument.number': documentField('number'),
    'Passport.country': documentField('country'),
    'Passport.number': documentField('number'),
  },
}

/** A field of a verified identity document; Stitch's reference puts it behind `accountholders`. */
function documentField(name: 'country' | 'number') {
  return {
    scopes: ACCOUNT_HOLDER_SCOPES,
    resolve: (source: { country: string; number: string }) => source[name],
  }
}

/**
 * A simulator rule, not Stitch's: the answer comes from comparing the input with the accounts
 * in `state.bankAccounts`, at once (real banks may take up to two hours). An account that isn't
 * known at that bank does not exist (`refuted`), and nothing about its holder can be checked
 * (`unknown`). A known account's own details are returned; holder details only when they were
 * given and verified, so a refuted or unasked value is never revealed.
 */
function verifyBankAccount(state: SimulatorState, input: VerificationInput): object {
  const problems: string[] = []
  if (input.accountNumber.trim() === '') problems.push('input.accountNumber must not be empty')
  // The guide lists bankId among the fields required "for all verification requests".
  if (input.bankId == null) problems.push('input.bankId is required')
  const holderType = exactlyOneOf(
    input.accountHolder,
    ['business', 'individual'],
    'input.accountHolder',
    problems,
  )
  const individual = holderType === 'individual' ? input.accountHolder.individual : undefined
  const business = holderType === 'business' ? input.accountHolder.business : undefined
  const document =
    individual &&
    readIdentifyingDocument(
      individual.identifyingDocument,
      'input.accountHolder.individual.identifyingDocument',
      problems,
    )
  if (business && business.registration.number.trim() === '') {
    problems.push('input.accountHolder.business.registration.number must not be empty')
  }
  throwIfBadInput(problems)

  const account = state.bankAccounts.get(bankAccountKey(input.bankId ?? '', input.accountNumber))
  const compare = <T>(
    given: T | null | undefined,
    known: T | null | undefined,
    same: (a: T, b: T) => boolean,
  ): VerificationResult | null => {
    if (given == null) return null
    if (account === undefined || known == null) return 'unknown'
    return same(given, known) ? 'verified' : 'refuted'
  }
  const knownIndividual = account?.holder.type === 'individual' ? account.holder : undefined
  const knownBusiness = account?.holder.type === 'business' ? account.holder : undefined
  // A holder of the other kind (a business for an individual, …) refutes every holder detail.
  const otherKind = account !== undefined && account.holder.type !== holderType
  const holderResult = (result: VerificationResult | null) =>
    result !== null && otherKind ? 'refuted' : result

  let identityDocumentMatch: VerificationResult | null
  let lastNameMatch: VerificationResult | null
  let initialMatch: VerificationResult | null = null
  let accountHolder: object
  if (individual) {
    identityDocumentMatch =
      holderResult(compare(document, knownIndividual?.identifyingDocument, sameDocument)) ??
      'unknown'
    lastNameMatch = holderResult(
      compare(individual.familyName, knownIndividual?.familyName, sameName),
    )
    initialMatch = holderResult(
      compare(individual.initials, knownIndividual?.initials, sameInitials),
    )
    const verifiedDocument =
      identityDocumentMatch === 'verified' ? knownIndividual?.identifyingDocument : undefined
    accountHolder = {
      __typename: 'VerifiedIndividualBankAccountDetails',
      familyName: lastNameMatch === 'verified' ? (knownIndividual?.familyName ?? null) : null,
      familyNameVerificationResult: lastNameMatch,
      initials: initialMatch === 'verified' ? (knownIndividual?.initials ?? null) : null,
      initialsVerificationResult: initialMatch,
      // Stitch's IdentifyingDocument union has no temporary residence member.
      identifyingDocument:
        verifiedDocument && verifiedDocument.kind !== 'temporaryResidenceId'
          ? {
              __typename: verifiedDocument.kind === 'passport' ? 'Passport' : 'IdentityDocument',
              country: verifiedDocument.country,
              number: verifiedDocument.number,
            }
          : null,
      identifyingDocumentVerificationResult: identityDocumentMatch,
    }
  } else {
    // A guess: Stitch documents no business-specific detailed results, so the registration is
    // reported as the identity match and the name as the last-name match.
    const given = business!
    identityDocumentMatch = holderResult(
      compare(given.registration, knownBusiness?.registration, sameRegistration),
    )
    lastNameMatch = holderResult(compare(given.name, knownBusiness?.name, sameName))
    accountHolder = {
      __typename: 'VerifiedBusinessBankAccountDetails',
      registrationNumber:
        identityDocumentMatch === 'verified' ? (knownBusiness?.registration.number ?? null) : null,
      name: lastNameMatch === 'verified' ? (knownBusiness?.name ?? null) : null,
    }
  }

  const accountExists: VerificationResult = account ? 'verified' : 'refuted'
  const accountTypeVerificationResult =
    input.accountType == null
      ? null
      : account === undefined || account.accountType === 'unknown'
        ? 'unknown'
        : account.accountType === input.accountType
          ? 'verified'
          : 'refuted'
  // "Aggregated result of whether the account exists as well as confirmation of the user's
  // identity number and last name": refuted if any is, verified only if all are.
  const parts = [accountExists, identityDocumentMatch, lastNameMatch].filter(
    (result): result is VerificationResult => result !== null,
  )
  const accountVerificationResult: VerificationResult = parts.includes('refuted')
    ? 'refuted'
    : parts.every((result) => result === 'verified')
      ? 'verified'
      : 'unknown'

  return {
    accountNumber: account?.accountNumber ?? null,
    accountVerificationResult,
    detailedAccountVerificationResults: {
      accountExists,
      identityDocumentMatch,
      lastNameMatch,
      initialMatch,
    },
    bankId: account?.bankId ?? null,
    branchCode: account?.branchCode ?? null,
    accountType:
      account && accountTypeVerificationResult !== 'refuted' ? account.accountType : null,
    accountTypeVerificationResult,
    accountHolder,
    accountOpen: account?.open ?? null,
    accountOpenForMoreThanThreeMonths: account?.openForMoreThanThreeMonths ?? null,
    accountAcceptsDebits: account?.acceptsDebits ?? null,
    accountAcceptsCredits: account?.acceptsCredits ?? null,
  }
}

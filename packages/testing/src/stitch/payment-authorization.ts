import type { SimulatorState } from '../state.js'
import {
  isoNow,
  type Money,
  type MoneyInput,
  newId,
  readMoney,
  type StitchContext,
  type StitchDomain,
  throwIfBadInput,
} from './kit.js'
import type { AccountType } from './verification.js'

// LinkPay: Stitch marks the product deprecated but still documents the mutation and its scope.
const SCOPES = ['client_paymentauthorizationrequest'] as const

interface BankBeneficiary {
  name: string
  bankId: string
  accountNumber: string
  accountType: AccountType
  beneficiaryType: 'public' | 'private'
  reference: string
}

interface PayerInput {
  name: string
  email?: string | null
  phoneNumber?: string | null
  reference: string
  identityNumber?: string | null
  passportNumber?: string | null
  accountNumber?: string | null
  restrictPayerBank?: string | null
  payerId?: string | null
  payerCreatedDate?: string | null
  businessRegistrationNumber?: string | null
}

interface CreateInput {
  beneficiary: { bankAccount?: BankBeneficiary | null; bankAccounts?: BankBeneficiary[] | null }
  payer: PayerInput
  initialPayment?: { amount: MoneyInput; externalReference?: string | null } | null
  merchantDetails?: { name: string; capitecPayMerchantReference?: string | null } | null
}

/** A LinkPay authorization request created through `clientPaymentAuthorizationRequestCreate`. */
export interface SimulatedPaymentAuthorizationRequest {
  id: string
  /** The client whose token created it. */
  clientId: string
  created: string
  /** Where the user goes to authorize; the simulator serves a page there. */
  url: string
  beneficiaries: BankBeneficiary[]
  payer: {
    name: string
    email: string | null
    phoneNumber: string | null
    reference: string
    identityNumber: string | null
    passportNumber: string | null
    accountNumber: string | null
    restrictPayerBank: string | null
    payerId: string | null
    payerCreatedDate: string | null
    businessRegistrationNumber: string | null
  }
  initialPayment: { amount: Money; externalReference: string | null } | null
  merchantDetails: { name: string; capitecPayMerchantReference: string | null } | null
}

export const paymentAuthorization: StitchDomain = {
  sdl: /* GraphQL */ `
    enum BankBeneficiaryType {
      "Bank registered beneficiary/recipient"
      public
      private
    }

    "The name and bank details of a person/entity receiving a payment."
    input ClientPaymentAuthorizationRequestCreateBankBeneficiaryInput {
      "Name of the person/entity who will receive the payment/s"
      name: String!
      "Bank of the person/entity who will receive the payment/s"
      bankId: BankBeneficiaryBankId!
      "Account number of the person/entity who will receive the payment/s"
      accountNumber: String!
      "The type of a bank account. Usually indicates the intended purpose of the account"
      accountType: AccountType!
      "The beneficiary type i.e public beneficiary or private"
      beneficiaryType: BankBeneficiaryType!
      "The reference will appear on the beneficiary's statement"
      reference: String!
    }

    "Details of the person/entity who will receive payments once the user has been authorized."
    input ClientPaymentAuthorizationRequestCreateBeneficiaryInput {
      "Bank details of the person/entity who will be receiving the payment/s"
      bankAccount: ClientPaymentAuthorizationRequestCreateBankBeneficiaryInput
      bankAccounts: [ClientPaymentAuthorizationRequestCreateBankBeneficiaryInput!]
    }

    "Details required to identify the authorized user."
    input ClientPaymentAuthorizationRequestCreatePayerInput {
      "The name of the user"
      name: String!
      "Email address of the user. Either email or phone number must be supplied."
      email: EmailAddress
      "Phone number of the user. Either email or phone number must be supplied."
      phoneNumber: String
      "The reference will appear on the payer's statement"
      reference: String!
      "South African Identity number of the user. Either identity number or account number must be provided for CapitecPay"
      identityNumber: String
      "Unique government issued identifier for the user"
      passportNumber: String
      "Account number of the user making the payment. Either identity number or account number must be provided for CapitecPay"
      accountNumber: String
      "Optional BankId used to restrict the bank a user may pay from."
      restrictPayerBank: PayerBankId
      "The client's internal identifier for the user."
      payerId: String
      "The date when the user account was created with the client"
      payerCreatedDate: String
      businessRegistrationNumber: String
    }

    "Details required to make an initial payment during the authorization process."
    input ClientPaymentAuthorizationRequestCreateInitialPaymentInput {
      amount: MoneyInput!
      "Optional reference field that will be present with the redirect query parameters when the payment is completed"
      externalReference: String
    }

    "Details required to create an authorization request."
    input ClientPaymentAuthorizationRequestCreateInput {
      "Details of the person/entity who will receive payments once the user has been authorized"
      beneficiary: ClientPaymentAuthorizationRequestCreateBeneficiaryInput!
      "Details of the user who will be paying once authorized"
      payer: ClientPaymentAuthorizationRequestCreatePayerInput!
      "Optional details of an initial payment to make during the authorization flow"
      initialPayment: ClientPaymentAuthorizationRequestCreateInitialPaymentInput
      "Optional details specifying the merchant who is issuing the transaction"
      merchantDetails: MerchantDetailsInput
    }

    "A newly created authorization request."
    type ClientPaymentAuthorizationRequestCreatePayload {
      "The user should be redirected to this URL to complete the authorization flow"
      authorizationRequestUrl: URL!
    }

    extend type Mutation {
      clientPaymentAuthorizationRequestCreate(
        input: ClientPaymentAuthorizationRequestCreateInput!
      ): ClientPaymentAuthorizationRequestCreatePayload
    }
  `,
  fields: {
    'Mutation.clientPaymentAuthorizationRequestCreate': {
      scopes: SCOPES,
      resolve: (_source, { input }: { input: CreateInput }, context) => {
        const request = createAuthorizationRequest(input, context)
        return { authorizationRequestUrl: request.url }
      },
    },
  },
}

/** An authorization request by id, for the authorization page any holder of its URL may open. */
export function findPaymentAuthorizationRequest(
  state: SimulatorState,
  id: string,
): SimulatedPaymentAuthorizationRequest | undefined {
  return state.paymentAuthorizationRequests.get(id)
}

// Stitch gives no length limits for LinkPay's names and references; the Pay by Bank limits
// are not applied to them, so only emptiness is refused.
function createAuthorizationRequest(
  input: CreateInput,
  context: StitchContext,
): SimulatedPaymentAuthorizationRequest {
  const problems: string[] = []
  const notEmpty = (value: string | null | undefined, path: string) => {
    if (value != null && value.trim() === '') problems.push(`${path} must not be empty`)
  }
  const given = (value: string | null | undefined) => value != null && value.trim() !== ''

  const accounts = [
    ...(input.beneficiary.bankAccount ? [input.beneficiary.bankAccount] : []),
    ...(input.beneficiary.bankAccounts ?? []),
  ]
  // A guess: the reference does not say so, but a beneficiary without an account can't be paid.
  if (accounts.length === 0) {
    problems.push('input.beneficiary must have a bankAccount or bankAccounts')
  }
  accounts.forEach((account, index) => {
    const path =
      input.beneficiary.bankAccount && index === 0
        ? 'input.beneficiary.bankAccount'
        : `input.beneficiary.bankAccounts[${input.beneficiary.bankAccount ? index - 1 : index}]`
    notEmpty(account.name, `${path}.name`)
    notEmpty(account.accountNumber, `${path}.accountNumber`)
    notEmpty(account.reference, `${path}.reference`)
  })

  const { payer } = input
  notEmpty(payer.name, 'input.payer.name')
  notEmpty(payer.reference, 'input.payer.reference')
  if (!given(payer.email) && !given(payer.phoneNumber)) {
    problems.push('input.payer: either email or phoneNumber must be supplied')
  }
  if (payer.identityNumber != null && !/^\d{13}$/.test(payer.identityNumber.trim())) {
    problems.push('input.payer.identityNumber must be a 13-digit South African ID number')
  }
  // Stitch's LinkPay guide: "in the following format: yyyy-MM-dd".
  if (payer.payerCreatedDate != null && !isCalendarDate(payer.payerCreatedDate)) {
    problems.push('input.payer.payerCreatedDate must be a date in the format yyyy-MM-dd')
  }

  const initialPayment = input.initialPayment
    ? {
        amount: readMoney(input.initialPayment.amount, 'input.initialPayment.amount', problems),
        externalReference: input.initialPayment.externalReference ?? null,
      }
    : null
  if (input.merchantDetails) notEmpty(input.merchantDetails.name, 'input.merchantDetails.name')
  throwIfBadInput(problems)

  const { state } = context
  const id = newId('paymentauthorizationrequest')
  const request: SimulatedPaymentAuthorizationRequest = {
    id,
    clientId: context.token.clientId,
    created: isoNow(context),
    url: `${state.baseUrl}/authorize/${id}`,
    beneficiaries: accounts.map((account) => ({ ...account })),
    payer: {
      name: payer.name,
      email: payer.email ?? null,
      phoneNumber: payer.phoneNumber ?? null,
      reference: payer.reference,
      identityNumber: payer.identityNumber ?? null,
      passportNumber: payer.passportNumber ?? null,
      accountNumber: payer.accountNumber ?? null,
      restrictPayerBank: payer.restrictPayerBank ?? null,
      payerId: payer.payerId ?? null,
      payerCreatedDate: payer.payerCreatedDate ?? null,
      businessRegistrationNumber: payer.businessRegistrationNumber ?? null,
    },
    initialPayment,
    merchantDetails: input.merchantDetails
      ? {
          name: input.merchantDetails.name,
          capitecPayMerchantReference: input.merchantDetails.capitecPayMerchantReference ?? null,
        }
      : null,
  }
  state.paymentAuthorizationRequests.set(id, request)
  return request
}

/** A real `yyyy-MM-dd` date (not 2023-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
}

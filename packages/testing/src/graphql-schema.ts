import { randomUUID } from 'node:crypto'
import {
  buildSchema,
  defaultFieldResolver,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql'
import type { IssuedToken, SimulatorState } from './state.js'
import type {
  BankBeneficiaryBankId,
  Money,
  PaymentRequestStatus,
  SimulatedPaymentRequest,
  SimulatedRefund,
} from './types.js'

/** A small, real subset of Stitch's client API. */
export const SCHEMA_SDL = /* GraphQL */ `
  "An object with a globally unique id."
  interface Node {
    id: ID!
  }

  "An ISO 8601 date and time."
  scalar DateTime

  type Money {
    quantity: Float!
    currency: String!
  }

  input MoneyInput {
    quantity: Float!
    currency: String!
  }

  enum BankBeneficiaryBankId {
    absa
    capitec
    discovery_bank
    fnb
    investec
    nedbank
    standard_bank
    tymebank
  }

  input BankBeneficiaryInput {
    name: String!
    bankId: BankBeneficiaryBankId!
    accountNumber: String!
  }

  input BeneficiaryInput {
    bankAccount: BankBeneficiaryInput!
  }

  input PaymentInitiationRequestInput {
    amount: MoneyInput!
    "Shown on the payer's statement; at most 12 characters."
    payerReference: String!
    "Shown on the beneficiary's statement; at most 12 characters."
    beneficiaryReference: String!
    "Your own reference, e.g. an order id."
    externalReference: String
    beneficiary: BeneficiaryInput!
  }

  "The request was created and the payer has not paid yet."
  type PaymentInitiationRequestPending {
    "When the request entered this status."
    date: DateTime!
  }

  type PaymentInitiationRequestCompleted {
    date: DateTime!
    amount: Money!
  }

  type PaymentInitiationRequestCancelled {
    date: DateTime!
    reason: String!
  }

  union PaymentInitiationRequestStatus =
    | PaymentInitiationRequestPending
    | PaymentInitiationRequestCompleted
    | PaymentInitiationRequestCancelled

  type PaymentInitiationRequest implements Node {
    id: ID!
    url: String!
    amount: Money!
    payerReference: String!
    beneficiaryReference: String!
    externalReference: String
    status: PaymentInitiationRequestStatus!
  }

  type PaymentInitiationRequestCreatePayload {
    paymentInitiationRequest: PaymentInitiationRequest!
  }

  input RefundInitiationInput {
    amount: MoneyInput!
    reason: String!
    "Makes the call idempotent: the same nonce returns the same refund."
    nonce: String!
    beneficiaryReference: String!
    paymentRequestId: ID!
  }

  type RefundPending {
    date: DateTime!
  }

  union RefundStatus = RefundPending

  type Refund implements Node {
    id: ID!
    amount: Money!
    reason: String!
    beneficiaryReference: String!
    paymentRequestId: ID!
    status: RefundStatus!
  }

  type ClientRefundInitiatePayload {
    refund: Refund!
  }

  type Query {
    "Needs client_paymentrequest."
    node(id: ID!): Node
    "The scopes of the token used for this call; needs any valid token."
    clientScopes: [String!]!
  }

  type Mutation {
    "Needs client_paymentrequest."
    clientPaymentInitiationRequestCreate(
      input: PaymentInitiationRequestInput!
    ): PaymentInitiationRequestCreatePayload!
    "Needs client_refund."
    clientRefundInitiate(input: RefundInitiationInput!): ClientRefundInitiatePayload
  }
`

/** Scopes each root field needs, as Stitch documents them per field. */
export const FIELD_SCOPES: Readonly<Record<string, readonly string[]>> = {
  'Query.node': ['client_paymentrequest'],
  'Mutation.clientPaymentInitiationRequestCreate': ['client_paymentrequest'],
  'Mutation.clientRefundInitiate': ['client_refund'],
}

export interface GraphQLContext {
  state: SimulatorState
  token: IssuedToken
}

// Built once: the schema is immutable and shared by every simulator instance.
export const schema: GraphQLSchema = buildSchema(SCHEMA_SDL)

/** Checks the token's scopes on every field that needs some, before its resolver runs. */
export const scopedFieldResolver: GraphQLFieldResolver<unknown, GraphQLContext> = (
  source,
  args,
  context,
  info,
) => {
  const required = FIELD_SCOPES[`${info.parentType.name}.${info.fieldName}`]
  if (required !== undefined) {
    const missingScopes = required.filter((s) => !context.token.scopes.has(s))
    if (missingScopes.length > 0) {
      throw new GraphQLError(`Missing required scopes: ${missingScopes.join(', ')}`, {
        extensions: { code: 'FORBIDDEN', requiredScopes: missingScopes },
      })
    }
  }
  return defaultFieldResolver(source, args, context, info)
}

interface MoneyInput {
  quantity: number
  currency: string
}

interface PaymentInitiationRequestInput {
  amount: MoneyInput
  payerReference: string
  beneficiaryReference: string
  externalReference?: string | null
  beneficiary: {
    bankAccount: { name: string; bankId: BankBeneficiaryBankId; accountNumber: string }
  }
}

interface RefundInitiationInput {
  amount: MoneyInput
  reason: string
  nonce: string
  beneficiaryReference: string
  paymentRequestId: string
}

/** Stitch limits statement references to 12 characters. */
const MAX_REFERENCE_LENGTH = 12

/** Root resolvers: `defaultFieldResolver` calls these with (args, context). */
export const rootValue = {
  clientScopes: (_args: unknown, { token }: GraphQLContext): string[] => [...token.scopes],

  node: ({ id }: { id: string }, { state, token }: GraphQLContext): object | null => {
    const request = state.paymentRequests.get(id)
    // Another client's objects don't exist as far as this token is concerned.
    if (request !== undefined && request.clientId === token.clientId) {
      return toGraphQLPaymentRequest(request)
    }
    const refund = state.refunds.get(id)
    if (refund !== undefined && refund.clientId === token.clientId) return toGraphQLRefund(refund)
    return null
  },

  clientPaymentInitiationRequestCreate: (
    { input }: { input: PaymentInitiationRequestInput },
    { state, token }: GraphQLContext,
  ): object => {
    const problems = [
      ...moneyProblems(input.amount, 'input.amount'),
      ...referenceProblems(input.payerReference, 'input.payerReference'),
      ...referenceProblems(input.beneficiaryReference, 'input.beneficiaryReference'),
    ]
    const account = input.beneficiary.bankAccount
    if (account.name.trim() === '') {
      problems.push('input.beneficiary.bankAccount.name must not be empty')
    }
    if (!/^\d+$/.test(account.accountNumber)) {
      problems.push(
        `input.beneficiary.bankAccount.accountNumber must contain digits only (got "${account.accountNumber}")`,
      )
    }
    throwIfBadInput(problems)

    const id = Buffer.from(`payreq/${randomUUID()}`).toString('base64url')
    const request: SimulatedPaymentRequest = {
      id,
      url: `${state.baseUrl}/pay/${id}`,
      clientId: token.clientId,
      amount: { quantity: input.amount.quantity, currency: input.amount.currency },
      payerReference: input.payerReference,
      beneficiaryReference: input.beneficiaryReference,
      externalReference: input.externalReference ?? null,
      beneficiary: { bankAccount: { ...account } },
      status: { type: 'pending', date: new Date(state.now()).toISOString() },
    }
    state.paymentRequests.set(id, request)
    return { paymentInitiationRequest: toGraphQLPaymentRequest(request) }
  },

  clientRefundInitiate: (
    { input }: { input: RefundInitiationInput },
    { state, token }: GraphQLContext,
  ): object => {
    const nonceKey = `${token.clientId}\u0000${input.nonce}`
    const existing = state.refunds.get(state.refundsByNonce.get(nonceKey) ?? '')
    if (existing !== undefined) return { refund: toGraphQLRefund(existing) }

    const problems = [
      ...moneyProblems(input.amount, 'input.amount'),
      ...referenceProblems(input.beneficiaryReference, 'input.beneficiaryReference'),
    ]
    if (input.reason.trim() === '') problems.push('input.reason must not be empty')
    if (input.nonce.trim() === '') problems.push('input.nonce must not be empty')
    const payment = state.paymentRequests.get(input.paymentRequestId)
    if (payment === undefined || payment.clientId !== token.clientId) {
      problems.push(
        `input.paymentRequestId: no payment request with id "${input.paymentRequestId}"`,
      )
    } else if (payment.status.type !== 'completed') {
      problems.push(
        `input.paymentRequestId: payment request "${payment.id}" is ${payment.status.type}; only completed payments can be refunded`,
      )
    } else if (input.amount.quantity > payment.status.amount.quantity) {
      problems.push(
        `input.amount.quantity must not exceed the amount paid, ${payment.status.amount.quantity}`,
      )
    }
    throwIfBadInput(problems)

    const refund: SimulatedRefund = {
      id: Buffer.from(`refund/${randomUUID()}`).toString('base64url'),
      clientId: token.clientId,
      paymentRequestId: input.paymentRequestId,
      amount: { quantity: input.amount.quantity, currency: input.amount.currency },
      reason: input.reason,
      nonce: input.nonce,
      beneficiaryReference: input.beneficiaryReference,
      status: { type: 'pending', date: new Date(state.now()).toISOString() },
    }
    state.refunds.set(refund.id, refund)
    state.refundsByNonce.set(nonceKey, refund.id)
    return { refund: toGraphQLRefund(refund) }
  },
}

function moneyProblems(amount: MoneyInput, path: string): string[] {
  const problems: string[] = []
  if (amount.currency !== 'ZAR') {
    problems.push(`${path}.currency must be "ZAR" (got "${amount.currency}")`)
  }
  const { quantity } = amount
  if (!(Number.isFinite(quantity) && quantity > 0)) {
    problems.push(`${path}.quantity must be greater than 0 (got ${quantity})`)
  } else if (Math.abs(quantity * 100 - Math.round(quantity * 100)) > 1e-6) {
    problems.push(`${path}.quantity must have at most 2 decimal places (got ${quantity})`)
  }
  return problems
}

function referenceProblems(reference: string, path: string): string[] {
  if (reference.trim() === '') return [`${path} must not be empty`]
  if (reference.length > MAX_REFERENCE_LENGTH) {
    return [
      `${path} must be at most ${MAX_REFERENCE_LENGTH} characters (got ${reference.length}: "${reference}")`,
    ]
  }
  return []
}

function throwIfBadInput(problems: string[]): void {
  if (problems.length === 0) return
  throw new GraphQLError(`Invalid input: ${problems.join('; ')}`, {
    extensions: { code: 'BAD_USER_INPUT', problems },
  })
}

function toGraphQLPaymentRequest(request: SimulatedPaymentRequest): object {
  return {
    __typename: 'PaymentInitiationRequest',
    id: request.id,
    url: request.url,
    amount: { ...request.amount },
    payerReference: request.payerReference,
    beneficiaryReference: request.beneficiaryReference,
    externalReference: request.externalReference,
    status: toGraphQLStatus(request.status),
  }
}

function toGraphQLStatus(status: PaymentRequestStatus): object {
  switch (status.type) {
    case 'pending':
      return { __typename: 'PaymentInitiationRequestPending', date: status.date }
    case 'completed':
      return {
        __typename: 'PaymentInitiationRequestCompleted',
        date: status.date,
        amount: { ...status.amount },
      }
    case 'cancelled':
      return {
        __typename: 'PaymentInitiationRequestCancelled',
        date: status.date,
        reason: status.reason,
      }
  }
}

function toGraphQLRefund(refund: SimulatedRefund): object {
  const amount: Money = { ...refund.amount }
  return {
    __typename: 'Refund',
    id: refund.id,
    amount,
    reason: refund.reason,
    beneficiaryReference: refund.beneficiaryReference,
    paymentRequestId: refund.paymentRequestId,
    status: { __typename: 'RefundPending', date: refund.status.date },
  }
}

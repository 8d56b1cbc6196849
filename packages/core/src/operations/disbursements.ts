import { z } from 'zod'
import { defineApiOperation } from '../api-operation.js'
import { lazy, money, moneyInput, nonce, optional, text } from './common.js'

/** The banks Stitch disburses to (`DisbursementBankBeneficiaryBankId`). */
const DISBURSEMENT_BANK_IDS = [
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
  // Deprecated by Stitch, still valid input.
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
  // Deprecated by Stitch, still valid input.
  'za_ithala_bank',
  'za_unibank',
  'za_albaraka_bank',
  'za_state_bank_of_india',
  'za_bank_zero',
] as const

/** A bank Stitch can disburse to. */
export type DisbursementBankId = (typeof DISBURSEMENT_BANK_IDS)[number]

// Stitch's disbursements guide: "za_bank_zero and za_olympus_mobile do not support the INSTANT
// type" (an older version of the guide names only za_olympus_mobile).
const NO_INSTANT: readonly DisbursementBankId[] = ['za_bank_zero', 'za_olympus_mobile']

const createDisbursementInput = /* @__PURE__ */ lazy(() =>
  z
    .object({
      amount: moneyInput,
      nonce,
      /** `DEFAULT` when not given (Stitch). `INSTANT` can cost more. */
      disbursementType: z.enum(['INSTANT', 'DEFAULT']).optional(),
      // Stitch documents no length limit: "length may be truncated according to the banking
      // guidelines". It is required, so it may not be empty.
      beneficiaryReference: z.string().min(1, 'must not be empty'),
      // The guide's limit for this field is not legible; 4096 is a guess, the limit Stitch
      // documents for the same field on payment requests.
      externalReference: text({ max: 4096 }).optional(),
      bankBeneficiary: z.object({
        bankId: z.enum(DISBURSEMENT_BANK_IDS),
        /** Between 1 and 20 characters (Stitch); banks may truncate it further. */
        name: text({ max: 20 }),
        accountNumber: z.string().min(1, 'must not be empty'),
        accountType: z.enum([
          'current',
          'savings',
          'credit',
          'loan',
          'investment',
          'other',
          'unknown',
        ]),
      }),
      recipientAccountHolder: z
        .object({
          name: z.string().optional(),
          email: z.email('must be an email address').optional(),
          phoneNumber: z.string().optional(),
          /** Your own identifier of the recipient. */
          payeeId: z.string().optional(),
        })
        .refine(
          (holder) => Boolean(holder.email?.trim() || holder.phoneNumber?.trim()),
          'give email or phoneNumber (Stitch requires one of them)',
        )
        .optional(),
    })
    .refine(
      (input) =>
        input.disbursementType !== 'INSTANT' || !NO_INSTANT.includes(input.bankBeneficiary.bankId),
      {
        path: ['disbursementType'],
        message: `must not be INSTANT for ${NO_INSTANT.join(' or ')}, which Stitch can only pay with DEFAULT`,
      },
    ),
)

const disbursementStatus = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('__typename', [
    z.object({ __typename: z.literal('DisbursementPending'), date: z.string() }),
    z.object({
      __typename: z.literal('DisbursementPaused'),
      date: z.string(),
      disbursementPausedReason: z.string(),
    }),
    z.object({ __typename: z.literal('DisbursementSubmitted'), date: z.string() }),
    z.object({
      __typename: z.literal('DisbursementCompleted'),
      date: z.string(),
      expectedSettlement: z.string(),
    }),
    z.object({
      __typename: z.literal('DisbursementError'),
      date: z.string(),
      disbursementErrorReason: z.string(),
      disbursementErrorDescription: z.string(),
    }),
    z.object({
      __typename: z.literal('DisbursementCancelled'),
      date: z.string(),
      disbursementCancelledReason: z.string(),
    }),
    z.object({
      __typename: z.literal('DisbursementReversed'),
      date: z.string(),
      disbursementReversedReason: z.string(),
      disbursementReversedDescription: z.string(),
    }),
  ]),
)

/**
 * Where a disbursement stands; narrow on `__typename`. `DisbursementCompleted` is not always
 * final: the bank may still reverse it (`DisbursementReversed`, which is).
 */
export type DisbursementStatus = z.output<ReturnType<typeof disbursementStatus>>

const disbursement = /* @__PURE__ */ lazy(() =>
  z.object({
    id: z.string(),
    amount: money,
    nonce: z.string(),
    beneficiaryReference: z.string(),
    externalReference: optional(z.string()),
    bankBeneficiary: z.object({
      accountHolder: z.string(),
      bankId: z.string(),
      accountNumber: z.string(),
      accountType: optional(z.string()),
    }),
    linkedAccountId: optional(z.string()),
    recipientAccountHolder: optional(
      z.object({
        name: optional(z.string()),
        email: optional(z.string()),
        phoneNumber: optional(z.string()),
        payeeId: optional(z.string()),
      }),
    ),
    status: disbursementStatus(),
    created: z.string(),
  }),
)

/** A disbursement as Stitch answers it, with the `nonce` it was made with. */
export type Disbursement = z.output<ReturnType<typeof disbursement>>

// The same selection for the create and the read, so both return a `Disbursement`.
const DISBURSEMENT_FIELDS = `
  id
  amount
  nonce
  beneficiaryReference
  externalReference
  bankBeneficiary { accountHolder bankId accountNumber accountType }
  linkedAccountId
  recipientAccountHolder { name email phoneNumber payeeId }
  status {
    __typename
    ... on DisbursementPending { date }
    ... on DisbursementPaused { date disbursementPausedReason }
    ... on DisbursementSubmitted { date }
    ... on DisbursementCompleted { date expectedSettlement }
    ... on DisbursementError { date disbursementErrorReason disbursementErrorDescription }
    ... on DisbursementCancelled { date disbursementCancelledReason }
    ... on DisbursementReversed { date disbursementReversedReason disbursementReversedDescription }
  }
  created
`

const created = /* @__PURE__ */ lazy(() =>
  z.object({ clientDisbursementCreate: z.object({ disbursement: disbursement() }) }),
)

/**
 * Pays money out of the client's Stitch float account into a bank account
 * (`client_disbursement`). Money leaves the client's account, so the proxy never serves this
 * to a browser unless told to. The disbursement starts `DisbursementPending`; follow it with
 * {@link getDisbursement} or the `disbursement` webhook.
 *
 * `nonce` is generated when not given and comes back in the result; Stitch refuses a second
 * request with the same nonce (`STITCH_AUTH_API_NONCE_REUSED`). To retry safely after a lost
 * answer, give your own, derived from your record.
 *
 * @example
 * const payout = await stitch.run(createDisbursement, {
 *   input: {
 *     amount: { quantity: 150, currency: 'ZAR' },
 *     beneficiaryReference: 'Payout order-42',
 *     bankBeneficiary: {
 *       bankId: 'fnb',
 *       name: 'Jane Doe',
 *       accountNumber: '62000000000',
 *       accountType: 'current',
 *     },
 *     nonce: `payout-${orderId}`,
 *   },
 * })
 */
export const createDisbursement = /* @__PURE__ */ defineApiOperation({
  name: 'CreateDisbursement',
  document: () => /* GraphQL */ `
    mutation CreateDisbursement($input: ClientDisbursementCreateInput!) {
      clientDisbursementCreate(input: $input) {
        disbursement { ${DISBURSEMENT_FIELDS} }
      }
    }
  `,
  scopes: ['client_disbursement'],
  movesMoney: true,
  variables: () => z.object({ input: createDisbursementInput() }),
  result: (data) => created().parse(data).clientDisbursementCreate.disbursement,
})

const disbursementNode = /* @__PURE__ */ lazy(() =>
  z.object({
    node: disbursement()
      .extend({ __typename: z.literal('Disbursement') })
      .nullable(),
  }),
)

/**
 * Reads a disbursement by id (`client_disbursement`): its amount, references, beneficiary and
 * `status` (a discriminated union on `__typename`). `null` when Stitch knows no such
 * disbursement.
 *
 * @example
 * const payout = await stitch.run(getDisbursement, { id })
 * if (payout?.status.__typename === 'DisbursementError') alert(payout.status.disbursementErrorDescription)
 */
export const getDisbursement = /* @__PURE__ */ defineApiOperation({
  name: 'GetDisbursement',
  document: () => /* GraphQL */ `
    query GetDisbursement($id: ID!) {
      node(id: $id) {
        __typename
        ... on Disbursement { ${DISBURSEMENT_FIELDS} }
      }
    }
  `,
  scopes: ['client_disbursement'],
  variables: () => z.object({ id: text({ max: 4096 }) }),
  result: (data): Disbursement | null => {
    // `node(id)` answers any Node; an id of another type reads as no disbursement.
    const typename = (data as { node?: { __typename?: unknown } | null } | null)?.node?.__typename
    if (typename !== undefined && typename !== 'Disbursement') return null
    const node = disbursementNode().parse(data).node
    if (node === null) return null
    const { __typename: _typename, ...read } = node
    return read
  },
})

const cancelled = /* @__PURE__ */ lazy(() =>
  z.object({ clientCancelDisbursement: z.object({ id: z.string(), reason: z.string() }) }),
)

/** What {@link cancelDisbursement} answers: the disbursement's id and the reason given. */
export type DisbursementCancellation = z.output<
  ReturnType<typeof cancelled>
>['clientCancelDisbursement']

/**
 * Cancels a disbursement that is still pending or paused (`client_disbursement`); it then
 * reads as `DisbursementCancelled` with the reason. Stitch does not document its answer for one
 * already submitted to the bank; expect an error (`@stitch-auth/testing` answers it as invalid
 * input, `STITCH_AUTH_API_INVALID_INPUT`). It stops money leaving, so it carries no nonce.
 *
 * @example
 * await stitch.run(cancelDisbursement, { input: { id: payout.id, reason: 'Order cancelled' } })
 */
export const cancelDisbursement = /* @__PURE__ */ defineApiOperation({
  name: 'CancelDisbursement',
  document: /* GraphQL */ `
    mutation CancelDisbursement($input: ClientCancelDisbursementInput!) {
      clientCancelDisbursement(input: $input) { id reason }
    }
  `,
  scopes: ['client_disbursement'],
  variables: () =>
    z.object({
      input: z.object({
        id: text({ max: 4096 }),
        // Stitch documents no limit on the reason; 4096, as for a payment request's, is a guess.
        reason: text({ max: 4096 }),
      }),
    }),
  result: (data) => cancelled().parse(data).clientCancelDisbursement,
})

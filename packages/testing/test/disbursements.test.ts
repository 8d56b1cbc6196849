import { describe, expect, it } from 'vitest'
import type { StitchSimulator } from '../src/index.js'
import {
  createPaymentRequest,
  getAccessToken,
  gql,
  requestToken,
  SCOPES,
  secretClient,
  startSim,
} from './helpers.js'

const ALL_SCOPES = [...SCOPES, 'client_disbursement']
const disbursingClient = { ...secretClient, scopes: ALL_SCOPES }
const otherClient = { ...disbursingClient, clientId: 'other', clientSecret: 'other-secret' }

const startDisbursingSim = () => startSim({ clients: [disbursingClient, otherClient] })
const disbursementToken = (sim: StitchSimulator) => getAccessToken(sim, 'client_disbursement')

async function otherClientToken(sim: StitchSimulator, scope = 'client_disbursement') {
  const { json } = await requestToken(sim, {
    client_id: otherClient.clientId,
    client_secret: otherClient.clientSecret,
    scope,
  })
  return String(json.access_token)
}

const CREATE = /* GraphQL */ `
  mutation CreateDisbursement($input: ClientDisbursementCreateInput!) {
    clientDisbursementCreate(input: $input) {
      disbursement { id nonce status { __typename } }
    }
  }
`

const CANCEL = /* GraphQL */ `
  mutation CancelDisbursement($input: ClientCancelDisbursementInput!) {
    clientCancelDisbursement(input: $input) { id reason }
  }
`

const REFUND = /* GraphQL */ `
  mutation Refund($input: ClientRefundInitiateInput!) {
    clientRefundInitiate(input: $input) { refund { id nonce } }
  }
`

const NODE_QUERY = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Disbursement {
        amount
        nonce
        beneficiaryReference
        externalReference
        bankBeneficiary { accountHolder bankId accountNumber accountType }
        linkedAccountId
        recipientAccountHolder { name email phoneNumber payeeId }
        created
        status {
          __typename
          ... on DisbursementPending { date }
          ... on DisbursementPaused { date disbursementPausedReason }
          ... on DisbursementSubmitted { date }
          ... on DisbursementCompleted { date expectedSettlement }
          ... on DisbursementError { date disbursementErrorReason disbursementErrorDescription }
          ... on DisbursementCancelled { date disbursementCancelledReason }
          ... on DisbursementReversed {
            date
            disbursementReversedReason
            disbursementReversedDescription
          }
        }
      }
    }
  }
`

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const DATE = '2030-01-02T08:00:00.000Z'

let nonceCount = 0
const newNonce = () => `nonce-${++nonceCount}-${crypto.randomUUID()}`

const bankBeneficiary = (overrides: Record<string, unknown> = {}) => ({
  bankId: 'fnb',
  name: 'Jane Doe',
  accountNumber: '62000000001',
  accountType: 'current',
  ...overrides,
})

function disbursementInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    amount: { quantity: '250.00', currency: 'ZAR' },
    nonce: newNonce(),
    disbursementType: 'INSTANT',
    beneficiaryReference: 'payout-7',
    externalReference: 'ext-7',
    bankBeneficiary: bankBeneficiary(),
    recipientAccountHolder: {
      name: 'Jane Doe',
      email: 'jane@example.com',
      phoneNumber: '+27821234567',
      payeeId: 'user-7',
    },
    ...overrides,
  }
}

async function disburse(
  sim: StitchSimulator,
  token: string,
  input: Record<string, unknown> = disbursementInput(),
): Promise<string> {
  const { body } = await gql(sim, token, CREATE, { input })
  const payload = body.data?.clientDisbursementCreate as
    | { disbursement: { id: string } }
    | undefined
  if (payload === undefined) throw new Error(`disbursement failed: ${JSON.stringify(body.errors)}`)
  return payload.disbursement.id
}

async function statusOf(sim: StitchSimulator, token: string, id: string): Promise<unknown> {
  const { body } = await gql(sim, token, NODE_QUERY, { id })
  expect(body.errors).toBeUndefined()
  return (body.data?.node as { status: unknown } | null | undefined)?.status
}

function expectBadInput(
  body: Awaited<ReturnType<typeof gql>>['body'],
  field: string,
  problems: readonly string[],
): void {
  expect(body).toEqual({
    errors: [
      {
        message: `Invalid input: ${problems.join('; ')}`,
        locations: expect.any(Array),
        path: [field],
        extensions: { code: 'BAD_USER_INPUT', problems },
      },
    ],
    data: null,
  })
}

describe('disbursements', () => {
  it('creates one and reads every field back with node()', async () => {
    await using sim = await startDisbursingSim()
    const token = await disbursementToken(sim)
    const nonce = newNonce()
    const created = await gql(sim, token, CREATE, { input: disbursementInput({ nonce }) })
    expect(created.body.errors).toBeUndefined()
    const payload = created.body.data?.clientDisbursementCreate as { disbursement: { id: string } }
    const { id } = payload.disbursement
    expect(id).toMatch(/^[\w-]{20,}$/)
    expect(payload).toEqual({
      disbursement: { id, nonce, status: { __typename: 'DisbursementPending' } },
    })

    const [stored] = sim.disbursements
    expect(stored?.created).toMatch(ISO_DATE)
    const read = await gql(sim, token, NODE_QUERY, { id })
    expect(read.body).toEqual({
      data: {
        node: {
          __typename: 'Disbursement',
          id,
          amount: { quantity: '250.00', currency: 'ZAR' },
          nonce,
          beneficiaryReference: 'payout-7',
          externalReference: 'ext-7',
          bankBeneficiary: {
            accountHolder: 'Jane Doe',
            bankId: 'fnb',
            accountNumber: '62000000001',
            accountType: 'current',
          },
          linkedAccountId: null,
          recipientAccountHolder: {
            name: 'Jane Doe',
            email: 'jane@example.com',
            phoneNumber: '+27821234567',
            payeeId: 'user-7',
          },
          created: stored?.created,
          status: { __typename: 'DisbursementPending', date: stored?.created },
        },
      },
    })
    expect(sim.disbursements).toEqual([
      {
        id,
        clientId: secretClient.clientId,
        amount: { quantity: '250.00', currency: 'ZAR' },
        nonce,
        disbursementType: 'INSTANT',
        beneficiaryReference: 'payout-7',
        externalReference: 'ext-7',
        bankBeneficiary: {
          name: 'Jane Doe',
          bankId: 'fnb',
          accountNumber: '62000000001',
          accountType: 'current',
        },
        recipientAccountHolder: {
          name: 'Jane Doe',
          email: 'jane@example.com',
          phoneNumber: '+27821234567',
          payeeId: 'user-7',
        },
        created: stored?.created,
        status: { type: 'pending', date: stored?.created },
      },
    ])
  })

  it('takes only the required fields: no externalReference, holder or type (DEFAULT)', async () => {
    await using sim = await startDisbursingSim()
    const token = await disbursementToken(sim)
    const {
      externalReference: _e,
      recipientAccountHolder: _r,
      disbursementType: _t,
      ...required
    } = disbursementInput({ amount: { quantity: 19.5, currency: 'ZAR' } })
    const id = await disburse(sim, token, required)
    expect((await gql(sim, token, NODE_QUERY, { id })).body.data?.node).toMatchObject({
      amount: { quantity: '19.50', currency: 'ZAR' },
      externalReference: null,
      recipientAccountHolder: null,
      linkedAccountId: null,
    })
    expect(sim.disbursements).toMatchObject([
      { disbursementType: 'DEFAULT', externalReference: null, recipientAccountHolder: null },
    ])
  })

  describe('refuses input that breaks a documented limit, and stores nothing', () => {
    it.each([
      [{ nonce: '' }, 'input.nonce must not be empty'],
      [{ nonce: 'n'.repeat(4097) }, 'input.nonce must be at most 4096 characters (got 4097)'],
      [
        { externalReference: 'x'.repeat(4097) },
        'input.externalReference must be at most 4096 characters (got 4097)',
      ],
      [
        { bankBeneficiary: bankBeneficiary({ name: '' }) },
        'input.bankBeneficiary.name must not be empty',
      ],
      [
        { bankBeneficiary: bankBeneficiary({ name: 'x'.repeat(21) }) },
        'input.bankBeneficiary.name must be at most 20 characters (got 21)',
      ],
      [
        { bankBeneficiary: bankBeneficiary({ accountNumber: '62-000 001' }) },
        'input.bankBeneficiary.accountNumber must contain only digits',
      ],
      [
        { bankBeneficiary: bankBeneficiary({ accountNumber: '' }) },
        'input.bankBeneficiary.accountNumber must contain only digits',
      ],
      [
        { recipientAccountHolder: { name: 'Jane Doe', payeeId: 'user-7' } },
        'input.recipientAccountHolder: either email or phone number must be supplied',
      ],
      [
        { recipientAccountHolder: { name: 'Jane Doe', email: '', phoneNumber: ' ' } },
        'input.recipientAccountHolder: either email or phone number must be supplied',
      ],
      [
        { amount: { quantity: '0.00', currency: 'ZAR' } },
        'input.amount.quantity must be greater than 0 (got 0.00)',
      ],
      [
        { amount: { quantity: '10', currency: 'USD' } },
        'input.amount.currency must be "ZAR" (got "USD")',
      ],
    ])('%j', async (overrides, problem) => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const { body } = await gql(sim, token, CREATE, { input: disbursementInput(overrides) })
      expectBadInput(body, 'clientDisbursementCreate', [problem])
      expect(sim.disbursements).toEqual([])
    })

    it('allows exactly the documented limits, and a holder with only email or only phone', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const holderNonces = [newNonce(), newNonce()] as const
      const inputs = [
        disbursementInput({
          nonce: 'n'.repeat(4096),
          bankBeneficiary: bankBeneficiary({ name: 'x' }),
        }),
        disbursementInput({
          nonce: 'm',
          externalReference: 'e'.repeat(4096),
          bankBeneficiary: bankBeneficiary({ name: 'y'.repeat(20) }),
        }),
        disbursementInput({
          nonce: holderNonces[0],
          recipientAccountHolder: { email: 'jane@example.com' },
        }),
        disbursementInput({
          nonce: holderNonces[1],
          recipientAccountHolder: { phoneNumber: '+27821234567' },
        }),
      ]
      for (const input of inputs) {
        const { body } = await gql(sim, token, CREATE, { input })
        expect(body.errors).toBeUndefined()
      }
      expect(
        sim.disbursements.map(({ nonce, bankBeneficiary, recipientAccountHolder }) => [
          nonce.length === 4096 ? 4096 : nonce,
          bankBeneficiary.name,
          recipientAccountHolder?.email,
          recipientAccountHolder?.phoneNumber,
        ]),
      ).toEqual([
        [4096, 'x', 'jane@example.com', '+27821234567'],
        ['m', 'y'.repeat(20), 'jane@example.com', '+27821234567'],
        [holderNonces[0], 'Jane Doe', 'jane@example.com', null],
        [holderNonces[1], 'Jane Doe', null, '+27821234567'],
      ])
    })

    it('lists every problem at once', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const { body } = await gql(sim, token, CREATE, {
        input: disbursementInput({
          nonce: '',
          bankBeneficiary: bankBeneficiary({ name: 'x'.repeat(21), accountNumber: 'abc' }),
          recipientAccountHolder: { name: 'Jane Doe' },
        }),
      })
      expectBadInput(body, 'clientDisbursementCreate', [
        'input.nonce must not be empty',
        'input.bankBeneficiary.name must be at most 20 characters (got 21)',
        'input.bankBeneficiary.accountNumber must contain only digits',
        'input.recipientAccountHolder: either email or phone number must be supplied',
      ])
      expect(sim.disbursements).toEqual([])
    })

    it('an unknown bank or account type is a GraphQL validation error', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const bank = await gql(sim, token, CREATE, {
        input: disbursementInput({ bankBeneficiary: bankBeneficiary({ bankId: 'bank_of_mars' }) }),
      })
      expect(bank.body.errors?.[0]?.message).toMatch(/bank_of_mars/)
      const type = await gql(sim, token, CREATE, {
        input: disbursementInput({ bankBeneficiary: bankBeneficiary({ accountType: 'cheque' }) }),
      })
      expect(type.body.errors?.[0]?.message).toMatch(/cheque/)
      expect(sim.disbursements).toEqual([])
    })
  })

  describe('nonce', () => {
    it('refuses a reused nonce, once a request with valid input has used it', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const nonce = newNonce()
      const invalid = await gql(sim, token, CREATE, {
        input: disbursementInput({ nonce, bankBeneficiary: bankBeneficiary({ name: '' }) }),
      })
      expectBadInput(invalid.body, 'clientDisbursementCreate', [
        'input.bankBeneficiary.name must not be empty',
      ])
      const id = await disburse(sim, token, disbursementInput({ nonce }))

      const reused = await gql(sim, token, CREATE, {
        input: disbursementInput({ nonce, amount: { quantity: '1.00', currency: 'ZAR' } }),
      })
      expect(reused.body).toEqual({
        errors: [
          {
            message: 'A request with this nonce has already been made; use a new nonce',
            locations: expect.any(Array),
            path: ['clientDisbursementCreate'],
            extensions: { code: 'BAD_USER_INPUT', reason: 'NONCE_ALREADY_USED' },
          },
        ],
        data: null,
      })
      expect(sim.disbursements.map((stored) => [stored.id, stored.nonce])).toEqual([[id, nonce]])
    })

    it('keeps nonces per client and per mutation', async () => {
      await using sim = await startDisbursingSim()
      const token = await getAccessToken(sim, ALL_SCOPES.join(' '))
      const otherToken = await otherClientToken(sim)
      const nonce = newNonce()
      await disburse(sim, token, disbursementInput({ nonce }))
      await disburse(sim, otherToken, disbursementInput({ nonce }))

      const { id: paymentRequestId } = await createPaymentRequest(sim, token)
      sim.completePaymentRequest(paymentRequestId)
      const refund = await gql(sim, token, REFUND, {
        input: {
          paymentRequestId,
          amount: { quantity: '50.00', currency: 'ZAR' },
          reason: 'requested_by_user',
          nonce,
          beneficiaryReference: 'refund-42',
        },
      })
      expect(refund.body.errors).toBeUndefined()
      expect(sim.disbursements.map((stored) => [stored.clientId, stored.nonce])).toEqual([
        [secretClient.clientId, nonce],
        [otherClient.clientId, nonce],
      ])
      expect(sim.refunds.map((stored) => [stored.clientId, stored.nonce])).toEqual([
        [secretClient.clientId, nonce],
      ])
    })
  })

  describe('scopes', () => {
    it('needs client_disbursement to create, cancel or read one with node()', async () => {
      await using sim = await startDisbursingSim()
      const id = await disburse(sim, await disbursementToken(sim))
      const token = await getAccessToken(sim, 'client_paymentrequest client_refund')
      const create = await gql(sim, token, CREATE, { input: disbursementInput() })
      const cancel = await gql(sim, token, CANCEL, { input: { id, reason: 'no longer owed' } })
      const read = await gql(sim, token, NODE_QUERY, { id })
      for (const [{ body }, path] of [
        [create, 'clientDisbursementCreate'],
        [cancel, 'clientCancelDisbursement'],
        [read, 'node'],
      ] as const) {
        expect(body.errors).toEqual([
          {
            message: 'Token is missing the following scope: client_disbursement',
            locations: expect.any(Array),
            path: [path],
            extensions: { code: 'FORBIDDEN', missingScopes: ['client_disbursement'] },
          },
        ])
      }
      expect(read.body.data).toEqual({ node: null })
      expect(sim.disbursements).toMatchObject([{ id, status: { type: 'pending' } }])
      expect(sim.apiRequests.map((entry) => entry.outcome)).toEqual([
        'ok',
        'forbidden',
        'forbidden',
        'forbidden',
      ])
    })

    it('the default test client may not even ask for client_disbursement', async () => {
      await using sim = await startSim()
      const { status, json } = await requestToken(sim, { scope: 'client_disbursement' })
      expect(status).toBe(400)
      expect(json.error).toBe('invalid_scope')
    })
  })

  it("node() answers null for an unknown id and for another client's disbursement", async () => {
    await using sim = await startDisbursingSim()
    const token = await disbursementToken(sim)
    const id = await disburse(sim, token)
    expect((await gql(sim, token, NODE_QUERY, { id: 'nope' })).body).toEqual({
      data: { node: null },
    })
    const otherToken = await otherClientToken(sim)
    expect((await gql(sim, otherToken, NODE_QUERY, { id })).body).toEqual({ data: { node: null } })
  })

  describe('status', () => {
    it('moves pending → submitted → completed → reversed, seen through node()', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const id = await disburse(sim, token)

      sim.setDisbursementStatus(id, { type: 'submitted', date: '2030-01-02T10:00:00+02:00' })
      expect(await statusOf(sim, token, id)).toEqual({
        __typename: 'DisbursementSubmitted',
        date: DATE,
      })
      sim.setDisbursementStatus(id, {
        type: 'completed',
        date: DATE,
        expectedSettlement: '2030-01-03T00:00:00Z',
      })
      expect(await statusOf(sim, token, id)).toEqual({
        __typename: 'DisbursementCompleted',
        date: DATE,
        expectedSettlement: '2030-01-03T00:00:00.000Z',
      })
      sim.setDisbursementStatus(id, { type: 'reversed', reason: 'invalid_account', date: DATE })
      expect(await statusOf(sim, token, id)).toEqual({
        __typename: 'DisbursementReversed',
        date: DATE,
        disbursementReversedReason: 'invalid_account',
        disbursementReversedDescription:
          'The account was not found. It may have been closed or cannot process this type of transaction.',
      })
      expect(() => sim.setDisbursementStatus(id, { type: 'completed' })).toThrow(
        `Disbursement "${id}" is reversed and can't become completed`,
      )
    })

    it('a completed disbursement defaults expectedSettlement to its date; a reversal takes a description', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const id = await disburse(sim, token)
      sim.setDisbursementStatus(id, { type: 'submitted' })
      sim.setDisbursementStatus(id, { type: 'completed', date: DATE })
      expect(await statusOf(sim, token, id)).toEqual({
        __typename: 'DisbursementCompleted',
        date: DATE,
        expectedSettlement: DATE,
      })
      sim.setDisbursementStatus(id, {
        type: 'reversed',
        reason: 'invalid_destination',
        description: 'Account closed',
        date: DATE,
      })
      expect(await statusOf(sim, token, id)).toEqual({
        __typename: 'DisbursementReversed',
        date: DATE,
        disbursementReversedReason: 'invalid_destination',
        disbursementReversedDescription: 'Account closed',
      })
    })

    it('moves pending ⇄ paused, and pending, paused or submitted → error', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)

      const paused = await disburse(sim, token)
      sim.setDisbursementStatus(paused, {
        type: 'paused',
        reason: 'no_satisfactory_source_bank',
        date: DATE,
      })
      expect(await statusOf(sim, token, paused)).toEqual({
        __typename: 'DisbursementPaused',
        date: DATE,
        disbursementPausedReason: 'no_satisfactory_source_bank',
      })
      sim.setDisbursementStatus(paused, { type: 'pending', date: DATE })
      expect(await statusOf(sim, token, paused)).toEqual({
        __typename: 'DisbursementPending',
        date: DATE,
      })
      sim.setDisbursementStatus(paused, {
        type: 'paused',
        reason: 'insufficient_funds',
        date: DATE,
      })
      sim.setDisbursementStatus(paused, { type: 'error', reason: 'insufficient_funds', date: DATE })
      expect(await statusOf(sim, token, paused)).toEqual({
        __typename: 'DisbursementError',
        date: DATE,
        disbursementErrorReason: 'insufficient_funds',
        disbursementErrorDescription:
          'The account from which the disbursement was to be made had insufficient_funds for longer than the allowed duration',
      })

      const fromPending = await disburse(sim, token)
      sim.setDisbursementStatus(fromPending, {
        type: 'error',
        reason: 'account_verification_failed',
        date: DATE,
      })
      expect(await statusOf(sim, token, fromPending)).toEqual({
        __typename: 'DisbursementError',
        date: DATE,
        disbursementErrorReason: 'account_verification_failed',
        disbursementErrorDescription:
          'Disbursement was not processed due to failed account verification.',
      })

      const fromSubmitted = await disburse(sim, token)
      sim.setDisbursementStatus(fromSubmitted, { type: 'submitted', date: DATE })
      sim.setDisbursementStatus(fromSubmitted, {
        type: 'error',
        reason: 'bank_error',
        description: 'Bank offline',
        date: DATE,
      })
      expect(await statusOf(sim, token, fromSubmitted)).toEqual({
        __typename: 'DisbursementError',
        date: DATE,
        disbursementErrorReason: 'bank_error',
        disbursementErrorDescription: 'Bank offline',
      })
      expect(() => sim.setDisbursementStatus(fromSubmitted, { type: 'pending' })).toThrow(
        `Disbursement "${fromSubmitted}" is error and can't become pending`,
      )
    })

    it('moves pending or paused → cancelled', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const fromPending = await disburse(sim, token)
      sim.setDisbursementStatus(fromPending, { type: 'cancelled', reason: 'duplicate', date: DATE })
      const fromPaused = await disburse(sim, token)
      sim.setDisbursementStatus(fromPaused, { type: 'paused', reason: 'insufficient_funds' })
      sim.setDisbursementStatus(fromPaused, { type: 'cancelled', reason: 'too late', date: DATE })
      expect(await statusOf(sim, token, fromPending)).toEqual({
        __typename: 'DisbursementCancelled',
        date: DATE,
        disbursementCancelledReason: 'duplicate',
      })
      expect(await statusOf(sim, token, fromPaused)).toEqual({
        __typename: 'DisbursementCancelled',
        date: DATE,
        disbursementCancelledReason: 'too late',
      })
      expect(() =>
        sim.setDisbursementStatus(fromPaused, { type: 'error', reason: 'bank_error' }),
      ).toThrow(`Disbursement "${fromPaused}" is cancelled and can't become error`)
    })

    it('refuses a move the processing never makes, an unknown reason or date, an unknown disbursement', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const id = await disburse(sim, token)
      expect(() => sim.setDisbursementStatus(id, { type: 'completed' })).toThrow(
        `Disbursement "${id}" is pending and can't become completed`,
      )
      expect(() =>
        sim.setDisbursementStatus(id, { type: 'reversed', reason: 'invalid_account' }),
      ).toThrow(`Disbursement "${id}" is pending and can't become reversed`)
      sim.setDisbursementStatus(id, { type: 'submitted' })
      expect(() =>
        sim.setDisbursementStatus(id, { type: 'cancelled', reason: 'too late' }),
      ).toThrow(`Disbursement "${id}" is submitted and can't become cancelled`)
      expect(() =>
        sim.setDisbursementStatus(id, { type: 'paused', reason: 'insufficient_funds' }),
      ).toThrow(`Disbursement "${id}" is submitted and can't become paused`)
      expect(() =>
        sim.setDisbursementStatus(id, {
          type: 'error',
          reason: 'lost_in_the_post' as 'bank_error',
        }),
      ).toThrow(
        `Disbursement "${id}": reason must be one of account_verification_failed, bank_error, bank_processing_error, insufficient_funds, restricted_account, inactive_account, exceeded_limit, invalid_account, beneficiary_bank_processing_error, invalid_transaction_details, invalid_destination, internal_error (got lost_in_the_post)`,
      )
      expect(() => sim.setDisbursementStatus(id, { type: 'completed', date: 'tomorrow' })).toThrow(
        `Disbursement "${id}": date must be an ISO 8601 date (got tomorrow)`,
      )
      sim.setDisbursementStatus(id, { type: 'completed' })
      expect(() => sim.setDisbursementStatus(id, { type: 'error', reason: 'bank_error' })).toThrow(
        `Disbursement "${id}" is completed and can't become error`,
      )
      expect(() => sim.setDisbursementStatus('nope', { type: 'submitted' })).toThrow(
        'No disbursement with id "nope"',
      )
      expect(await statusOf(sim, token, id)).toMatchObject({ __typename: 'DisbursementCompleted' })
    })
  })

  describe('clientCancelDisbursement', () => {
    it('cancels a pending disbursement, with its reason', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const id = await disburse(sim, token)
      const cancelled = await gql(sim, token, CANCEL, { input: { id, reason: 'no longer owed' } })
      expect(cancelled.body).toEqual({
        data: { clientCancelDisbursement: { id, reason: 'no longer owed' } },
      })
      expect(await statusOf(sim, token, id)).toEqual({
        __typename: 'DisbursementCancelled',
        date: expect.stringMatching(ISO_DATE),
        disbursementCancelledReason: 'no longer owed',
      })
      expect(sim.disbursements).toMatchObject([
        { id, status: { type: 'cancelled', reason: 'no longer owed' } },
      ])
      const again = await gql(sim, token, CANCEL, { input: { id, reason: 'again' } })
      expect(again.body).toEqual({
        errors: [
          {
            message: `Disbursement "${id}" is cancelled and can't be cancelled`,
            locations: expect.any(Array),
            path: ['clientCancelDisbursement'],
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ],
        data: null,
      })
    })

    it('cancels a paused disbursement', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const id = await disburse(sim, token)
      sim.setDisbursementStatus(id, { type: 'paused', reason: 'insufficient_funds' })
      const cancelled = await gql(sim, token, CANCEL, { input: { id, reason: 'stop' } })
      expect(cancelled.body.errors).toBeUndefined()
      expect(await statusOf(sim, token, id)).toMatchObject({
        __typename: 'DisbursementCancelled',
        disbursementCancelledReason: 'stop',
      })
    })

    it('refuses a submitted or completed disbursement, leaving it as it was', async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const id = await disburse(sim, token)
      sim.setDisbursementStatus(id, { type: 'submitted' })
      const submitted = await gql(sim, token, CANCEL, { input: { id, reason: 'stop' } })
      expect(submitted.body.errors?.[0]).toMatchObject({
        message: `Disbursement "${id}" is submitted and can't be cancelled`,
        extensions: { code: 'BAD_USER_INPUT' },
      })
      sim.setDisbursementStatus(id, { type: 'completed', date: DATE })
      const completed = await gql(sim, token, CANCEL, { input: { id, reason: 'stop' } })
      expect(completed.body).toEqual({
        errors: [
          {
            message: `Disbursement "${id}" is completed and can't be cancelled`,
            locations: expect.any(Array),
            path: ['clientCancelDisbursement'],
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ],
        data: null,
      })
      expect(await statusOf(sim, token, id)).toEqual({
        __typename: 'DisbursementCompleted',
        date: DATE,
        expectedSettlement: DATE,
      })
    })

    it("refuses an unknown id, another client's disbursement and an empty reason", async () => {
      await using sim = await startDisbursingSim()
      const token = await disbursementToken(sim)
      const id = await disburse(sim, token)
      const unknown = await gql(sim, token, CANCEL, { input: { id: 'nope', reason: 'stop' } })
      expectBadInput(unknown.body, 'clientCancelDisbursement', [
        'input.id: no disbursement with id "nope"',
      ])
      const foreign = await gql(sim, await otherClientToken(sim), CANCEL, {
        input: { id, reason: 'stop' },
      })
      expectBadInput(foreign.body, 'clientCancelDisbursement', [
        `input.id: no disbursement with id "${id}"`,
      ])
      const empty = await gql(sim, token, CANCEL, { input: { id, reason: '' } })
      expectBadInput(empty.body, 'clientCancelDisbursement', ['input.reason must not be empty'])
      expect(sim.disbursements).toMatchObject([{ id, status: { type: 'pending' } }])
    })
  })
})

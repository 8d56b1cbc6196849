import { describe, expect, it } from 'vitest'
import type { StitchSimulator } from '../src/index.js'
import {
  createPaymentRequest,
  getAccessToken,
  gql,
  requestToken,
  secretClient,
  startSim,
} from './helpers.js'

const REFUND = /* GraphQL */ `
  mutation Refund($input: ClientRefundInitiateInput!) {
    clientRefundInitiate(input: $input) {
      refund { id amount reason nonce beneficiaryReference status { __typename } }
    }
  }
`

// RefundError.reason and RefundPaused.reason are different enums, so GraphQL only lets a
// query select both under different names.
const NODE_QUERY = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Refund {
        amount
        reason
        created
        beneficiaryReference
        nonce
        paymentInitiationRequest {
          id
          amount
          state { __typename ... on PaymentInitiationRequestCompleted { amount } }
        }
        status {
          __typename
          ... on RefundPending { date }
          ... on RefundSubmitted { date }
          ... on RefundCompleted { date expectedSettlement }
          ... on RefundError { date errorReason: reason }
          ... on RefundPaused { date pausedReason: reason }
        }
      }
    }
  }
`

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

let nonceCount = 0
const newNonce = () => `nonce-${++nonceCount}-${crypto.randomUUID()}`

function refundInput(
  paymentRequestId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    paymentRequestId,
    amount: { quantity: '50.00', currency: 'ZAR' },
    reason: 'requested_by_user',
    nonce: newNonce(),
    beneficiaryReference: 'refund-42',
    ...overrides,
  }
}

/** A payment request of R 150.00 that the payer has paid. */
async function paidRequest(sim: StitchSimulator, token: string): Promise<string> {
  const { id } = await createPaymentRequest(sim, token)
  sim.completePaymentRequest(id)
  return id
}

async function refund(
  sim: StitchSimulator,
  token: string,
  input: Record<string, unknown>,
): Promise<string> {
  const { body } = await gql(sim, token, REFUND, { input })
  const payload = body.data?.clientRefundInitiate as { refund: { id: string } } | undefined
  if (payload === undefined) throw new Error(`refund failed: ${JSON.stringify(body.errors)}`)
  return payload.refund.id
}

function expectBadInput(
  body: Awaited<ReturnType<typeof gql>>['body'],
  problems: readonly string[],
): void {
  expect(body).toEqual({
    errors: [
      {
        message: `Invalid input: ${problems.join('; ')}`,
        locations: expect.any(Array),
        path: ['clientRefundInitiate'],
        extensions: { code: 'BAD_USER_INPUT', problems },
      },
    ],
    data: null,
  })
}

describe('refunds', () => {
  it('refunds a completed payment request and reads it back with node()', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const paymentRequestId = await paidRequest(sim, token)
    const nonce = newNonce()
    const created = await gql(sim, token, REFUND, {
      input: refundInput(paymentRequestId, { nonce, clearingType: 'INSTANT' }),
    })
    expect(created.body.errors).toBeUndefined()
    const payload = created.body.data?.clientRefundInitiate as { refund: { id: string } }
    const { id } = payload.refund
    expect(id).toMatch(/^[\w-]{20,}$/)
    expect(payload).toEqual({
      refund: {
        id,
        amount: { quantity: '50.00', currency: 'ZAR' },
        reason: 'requested_by_user',
        nonce,
        beneficiaryReference: 'refund-42',
        status: { __typename: 'RefundPending' },
      },
    })

    const read = await gql(sim, token, NODE_QUERY, { id })
    const [stored] = sim.refunds
    expect(read.body).toEqual({
      data: {
        node: {
          __typename: 'Refund',
          id,
          amount: { quantity: '50.00', currency: 'ZAR' },
          reason: 'requested_by_user',
          created: stored?.created,
          beneficiaryReference: 'refund-42',
          nonce,
          paymentInitiationRequest: {
            id: paymentRequestId,
            amount: { quantity: '150.00', currency: 'ZAR' },
            state: {
              __typename: 'PaymentInitiationRequestCompleted',
              amount: { quantity: '150.00', currency: 'ZAR' },
            },
          },
          status: { __typename: 'RefundPending', date: stored?.created },
        },
      },
    })
    expect(stored?.created).toMatch(ISO_DATE)
    expect(sim.refunds).toEqual([
      {
        id,
        clientId: secretClient.clientId,
        paymentRequestId,
        amount: { quantity: '50.00', currency: 'ZAR' },
        reason: 'requested_by_user',
        nonce,
        beneficiaryReference: 'refund-42',
        clearingType: 'INSTANT',
        created: stored?.created,
        status: { type: 'pending', date: stored?.created },
      },
    ])
  })

  it('accepts every RefundReason, the amount as a number, and defaults clearingType to DEFAULT', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const paymentRequestId = await paidRequest(sim, token)
    for (const reason of ['duplicate', 'fraudulent', 'requested_by_user']) {
      await refund(
        sim,
        token,
        refundInput(paymentRequestId, { reason, amount: { quantity: 10, currency: 'ZAR' } }),
      )
    }
    expect(
      sim.refunds.map(({ reason, amount, clearingType }) => [reason, amount, clearingType]),
    ).toEqual([
      ['duplicate', { quantity: '10.00', currency: 'ZAR' }, 'DEFAULT'],
      ['fraudulent', { quantity: '10.00', currency: 'ZAR' }, 'DEFAULT'],
      ['requested_by_user', { quantity: '10.00', currency: 'ZAR' }, 'DEFAULT'],
    ])
    const unknown = await gql(sim, token, REFUND, {
      input: refundInput(paymentRequestId, { reason: 'changed_my_mind' }),
    })
    expect(unknown.body.errors?.[0]?.message).toMatch(/changed_my_mind/)
    expect(sim.refunds).toHaveLength(3)
  })

  describe('refuses input that breaks a documented limit, and stores nothing', () => {
    it.each([
      [{ beneficiaryReference: '' }, 'input.beneficiaryReference must not be empty'],
      [{ beneficiaryReference: '   ' }, 'input.beneficiaryReference must not be empty'],
      [
        { beneficiaryReference: 'x'.repeat(31) },
        'input.beneficiaryReference must be at most 30 characters (got 31)',
      ],
      [
        { amount: { quantity: '150.01', currency: 'ZAR' } },
        'input.amount.quantity must be at most 150.00, what is left of the 150.00 paid after earlier refunds (got 150.01)',
      ],
      [
        { amount: { quantity: '0', currency: 'ZAR' } },
        'input.amount.quantity must be greater than 0 (got 0)',
      ],
      [
        { amount: { quantity: '1.234', currency: 'ZAR' } },
        'input.amount.quantity must have at most 2 decimal places (got 1.234)',
      ],
      [
        { amount: { quantity: '10.00', currency: 'USD' } },
        'input.amount.currency must be "ZAR" (got "USD")',
      ],
    ])('%j', async (overrides, problem) => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const paymentRequestId = await paidRequest(sim, token)
      const { body } = await gql(sim, token, REFUND, {
        input: refundInput(paymentRequestId, overrides),
      })
      expectBadInput(body, [problem])
      expect(sim.refunds).toEqual([])
    })

    it('allows exactly 1 and 30 characters of beneficiaryReference, and the whole amount paid', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const paymentRequestId = await paidRequest(sim, token)
      for (const overrides of [
        { beneficiaryReference: 'x', amount: { quantity: '0.01', currency: 'ZAR' } },
        { beneficiaryReference: 'y'.repeat(30), amount: { quantity: '0.01', currency: 'ZAR' } },
      ]) {
        const { body } = await gql(sim, token, REFUND, {
          input: refundInput(paymentRequestId, overrides),
        })
        expect(body.errors).toBeUndefined()
      }
      const other = await paidRequest(sim, token)
      const whole = await gql(sim, token, REFUND, {
        input: refundInput(other, { amount: { quantity: '150', currency: 'ZAR' } }),
      })
      expect(whole.body.errors).toBeUndefined()
      expect(sim.refunds.map((stored) => stored.beneficiaryReference)).toEqual([
        'x',
        'y'.repeat(30),
        'refund-42',
      ])
      expect(sim.refunds.map((stored) => stored.amount.quantity)).toEqual([
        '0.01',
        '0.01',
        '150.00',
      ])
    })

    it('lists every problem at once', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const paymentRequestId = await paidRequest(sim, token)
      const { body } = await gql(sim, token, REFUND, {
        input: refundInput(paymentRequestId, {
          amount: { quantity: '-1', currency: 'EUR' },
          beneficiaryReference: 'x'.repeat(31),
        }),
      })
      expectBadInput(body, [
        'input.amount.quantity must be greater than 0 (got -1)',
        'input.amount.currency must be "ZAR" (got "EUR")',
        'input.beneficiaryReference must be at most 30 characters (got 31)',
      ])
      expect(sim.refunds).toEqual([])
    })
  })

  it('refunds at most what was paid less earlier refunds; a failed refund returned nothing', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const paymentRequestId = await paidRequest(sim, token)
    const money = (quantity: string) => ({ amount: { quantity, currency: 'ZAR' } })

    await refund(sim, token, refundInput(paymentRequestId, money('100.00')))
    const over = await gql(sim, token, REFUND, {
      input: refundInput(paymentRequestId, money('50.01')),
    })
    expectBadInput(over.body, [
      'input.amount.quantity must be at most 50.00, what is left of the 150.00 paid after earlier refunds (got 50.01)',
    ])
    const failed = await refund(sim, token, refundInput(paymentRequestId, money('50.00')))
    const nothingLeft = await gql(sim, token, REFUND, {
      input: refundInput(paymentRequestId, money('0.01')),
    })
    expectBadInput(nothingLeft.body, [
      'input.amount.quantity must be at most 0.00, what is left of the 150.00 paid after earlier refunds (got 0.01)',
    ])
    expect(sim.refunds).toHaveLength(2)

    sim.setRefundStatus(failed, { type: 'error', reason: 'invalid_account' })
    await refund(sim, token, refundInput(paymentRequestId, money('50.00')))
    expect(sim.refunds.map((stored) => [stored.amount.quantity, stored.status.type])).toEqual([
      ['100.00', 'pending'],
      ['50.00', 'error'],
      ['50.00', 'pending'],
    ])
  })

  it('refuses a payment request that is not completed, unknown, or another client’s', async () => {
    await using sim = await startSim({
      clients: [secretClient, { ...secretClient, clientId: 'other', clientSecret: 'other-secret' }],
    })
    const token = await getAccessToken(sim)
    const pending = await createPaymentRequest(sim, token)
    const cancelled = await createPaymentRequest(sim, token)
    sim.cancelPaymentRequest(cancelled.id)
    const expired = await createPaymentRequest(sim, token)
    sim.expirePaymentRequest(expired.id)
    for (const [id, state] of [
      [pending.id, 'pending'],
      [cancelled.id, 'cancelled'],
      [expired.id, 'expired'],
    ]) {
      const { body } = await gql(sim, token, REFUND, { input: refundInput(id ?? '') })
      expectBadInput(body, [
        `input.paymentRequestId: payment request "${id}" is ${state}; only a completed payment can be refunded`,
      ])
    }
    const unknown = await gql(sim, token, REFUND, { input: refundInput('nope') })
    expectBadInput(unknown.body, ['input.paymentRequestId: no payment request with id "nope"'])

    const paid = await paidRequest(sim, token)
    const other = await requestToken(sim, {
      client_id: 'other',
      client_secret: 'other-secret',
      scope: 'client_refund',
    })
    const otherToken = String(other.json.access_token)
    const foreign = await gql(sim, otherToken, REFUND, { input: refundInput(paid) })
    expectBadInput(foreign.body, [`input.paymentRequestId: no payment request with id "${paid}"`])
    expect(sim.refunds).toEqual([])

    const id = await refund(sim, token, refundInput(paid))
    expect((await gql(sim, otherToken, NODE_QUERY, { id })).body).toEqual({ data: { node: null } })
  })

  describe('nonce', () => {
    it('refuses a reused nonce, once a request with valid input has used it', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const paymentRequestId = await paidRequest(sim, token)
      const nonce = newNonce()
      const invalid = await gql(sim, token, REFUND, {
        input: refundInput(paymentRequestId, { nonce, beneficiaryReference: '' }),
      })
      expectBadInput(invalid.body, ['input.beneficiaryReference must not be empty'])
      await refund(sim, token, refundInput(paymentRequestId, { nonce }))

      const reused = await gql(sim, token, REFUND, {
        input: refundInput(paymentRequestId, {
          nonce,
          amount: { quantity: '1.00', currency: 'ZAR' },
        }),
      })
      expect(reused.body).toEqual({
        errors: [
          {
            message: 'A request with this nonce has already been made; use a new nonce',
            locations: expect.any(Array),
            path: ['clientRefundInitiate'],
            extensions: { code: 'BAD_USER_INPUT', reason: 'NONCE_ALREADY_USED' },
          },
        ],
        data: null,
      })
      expect(sim.refunds.map((stored) => stored.nonce)).toEqual([nonce])
      expect(sim.apiRequests.map((entry) => entry.outcome)).toEqual(['ok', 'error', 'ok', 'error'])
    })

    it('calls a repeated full refund a reused nonce, not an amount over what is left', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const paymentRequestId = await paidRequest(sim, token)
      const everything = refundInput(paymentRequestId, {
        amount: { quantity: '150.00', currency: 'ZAR' },
      })
      await refund(sim, token, everything)
      const repeated = await gql(sim, token, REFUND, { input: everything })
      expect(repeated.body).toMatchObject({
        errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'NONCE_ALREADY_USED' } }],
      })
      expect(sim.refunds).toHaveLength(1)
    })

    it('keeps nonces per client', async () => {
      await using sim = await startSim({
        clients: [
          secretClient,
          { ...secretClient, clientId: 'other', clientSecret: 'other-secret' },
        ],
      })
      const token = await getAccessToken(sim)
      const other = await requestToken(sim, {
        client_id: 'other',
        client_secret: 'other-secret',
        scope: 'client_paymentrequest client_refund',
      })
      const otherToken = String(other.json.access_token)
      const nonce = newNonce()
      await refund(sim, token, refundInput(await paidRequest(sim, token), { nonce }))
      await refund(sim, otherToken, refundInput(await paidRequest(sim, otherToken), { nonce }))
      expect(sim.refunds.map((stored) => [stored.clientId, stored.nonce])).toEqual([
        [secretClient.clientId, nonce],
        ['other', nonce],
      ])
    })
  })

  describe('scopes', () => {
    it('needs client_refund to initiate one or read it with node()', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const paymentRequestId = await paidRequest(sim, token)
      const id = await refund(sim, token, refundInput(paymentRequestId))
      const withoutRefund = await getAccessToken(sim, 'client_paymentrequest')
      const initiate = await gql(sim, withoutRefund, REFUND, {
        input: refundInput(paymentRequestId),
      })
      const read = await gql(sim, withoutRefund, NODE_QUERY, { id })
      for (const [{ body }, path] of [
        [initiate, 'clientRefundInitiate'],
        [read, 'node'],
      ] as const) {
        expect(body.errors).toEqual([
          {
            message: 'Token is missing the following scope: client_refund',
            locations: expect.any(Array),
            path: [path],
            extensions: { code: 'FORBIDDEN', missingScopes: ['client_refund'] },
          },
        ])
      }
      expect(initiate.body.data).toBeNull()
      expect(read.body.data).toEqual({ node: null })
      expect(sim.refunds).toHaveLength(1)
      expect(sim.apiRequests.slice(-2)).toMatchObject([
        { outcome: 'forbidden', scopes: ['client_paymentrequest'] },
        { outcome: 'forbidden', scopes: ['client_paymentrequest'] },
      ])
    })
  })

  describe('status', () => {
    async function statusOf(sim: StitchSimulator, token: string, id: string) {
      const { body } = await gql(sim, token, NODE_QUERY, { id })
      expect(body.errors).toBeUndefined()
      return (body.data?.node as { status: unknown } | null | undefined)?.status
    }

    it('moves pending → submitted → completed, seen through node() with expectedSettlement', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const id = await refund(sim, token, refundInput(await paidRequest(sim, token)))

      expect(
        sim.setRefundStatus(id, { type: 'submitted', date: '2030-01-02T10:00:00+02:00' }).status,
      ).toEqual({
        type: 'submitted',
        date: '2030-01-02T08:00:00.000Z',
      })
      expect(await statusOf(sim, token, id)).toEqual({
        __typename: 'RefundSubmitted',
        date: '2030-01-02T08:00:00.000Z',
      })

      sim.setRefundStatus(id, {
        type: 'completed',
        date: '2030-01-02T09:00:00Z',
        expectedSettlement: '2030-01-03T00:00:00Z',
      })
      expect(await statusOf(sim, token, id)).toEqual({
        __typename: 'RefundCompleted',
        date: '2030-01-02T09:00:00.000Z',
        expectedSettlement: '2030-01-03T00:00:00.000Z',
      })
      expect(() => sim.setRefundStatus(id, { type: 'submitted' })).toThrow(
        `Refund "${id}" is completed and can't become submitted`,
      )
      expect(() => sim.setRefundStatus(id, { type: 'error', reason: 'bank_error' })).toThrow(
        `Refund "${id}" is completed and can't become error`,
      )
      expect(sim.refunds[0]?.status.type).toBe('completed')
    })

    it('defaults date to now and expectedSettlement to the date', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const id = await refund(sim, token, refundInput(await paidRequest(sim, token)))
      sim.setRefundStatus(id, { type: 'submitted' })
      const before = Date.now()
      const completed = sim.setRefundStatus(id, { type: 'completed' })
      expect(completed.status.type).toBe('completed')
      if (completed.status.type !== 'completed') return
      expect(Date.parse(completed.status.date)).toBeGreaterThanOrEqual(before - 1000)
      expect(completed.status.date).toMatch(ISO_DATE)
      expect(completed.status.expectedSettlement).toBe(completed.status.date)
    })

    it('moves pending → paused → pending, and pending, paused or submitted → error', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const paymentRequestId = await paidRequest(sim, token)
      const date = '2030-01-02T08:00:00.000Z'

      const paused = await refund(sim, token, refundInput(paymentRequestId))
      sim.setRefundStatus(paused, { type: 'paused', reason: 'insufficient_funds', date })
      expect(await statusOf(sim, token, paused)).toEqual({
        __typename: 'RefundPaused',
        date,
        pausedReason: 'insufficient_funds',
      })
      sim.setRefundStatus(paused, { type: 'pending', date })
      expect(await statusOf(sim, token, paused)).toEqual({ __typename: 'RefundPending', date })
      sim.setRefundStatus(paused, { type: 'paused', reason: 'insufficient_funds', date })
      sim.setRefundStatus(paused, { type: 'error', reason: 'insufficient_funds', date })
      expect(await statusOf(sim, token, paused)).toEqual({
        __typename: 'RefundError',
        date,
        errorReason: 'insufficient_funds',
      })

      const fromPending = await refund(sim, token, refundInput(paymentRequestId))
      sim.setRefundStatus(fromPending, { type: 'error', reason: 'invalid_account', date })
      const fromSubmitted = await refund(sim, token, refundInput(paymentRequestId))
      sim.setRefundStatus(fromSubmitted, { type: 'submitted', date })
      sim.setRefundStatus(fromSubmitted, { type: 'error', reason: 'bank_processing_error', date })
      expect(await statusOf(sim, token, fromPending)).toEqual({
        __typename: 'RefundError',
        date,
        errorReason: 'invalid_account',
      })
      expect(await statusOf(sim, token, fromSubmitted)).toEqual({
        __typename: 'RefundError',
        date,
        errorReason: 'bank_processing_error',
      })
      expect(() => sim.setRefundStatus(fromPending, { type: 'pending' })).toThrow(
        `Refund "${fromPending}" is error and can't become pending`,
      )
    })

    it('refuses a move the processing never makes, an unknown reason or date, an unknown refund', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const id = await refund(sim, token, refundInput(await paidRequest(sim, token)))
      expect(() => sim.setRefundStatus(id, { type: 'completed' })).toThrow(
        `Refund "${id}" is pending and can't become completed`,
      )
      expect(() => sim.setRefundStatus(id, { type: 'pending' })).toThrow(
        `Refund "${id}" is pending and can't become pending`,
      )
      sim.setRefundStatus(id, { type: 'submitted' })
      expect(() =>
        sim.setRefundStatus(id, { type: 'paused', reason: 'insufficient_funds' }),
      ).toThrow(`Refund "${id}" is submitted and can't become paused`)
      expect(() =>
        sim.setRefundStatus(id, { type: 'error', reason: 'lost_in_the_post' as 'bank_error' }),
      ).toThrow(
        `Refund "${id}": reason must be one of bank_error, bank_processing_error, insufficient_funds, restricted_account, inactive_account, exceeded_limit, invalid_account, beneficiary_bank_processing_error, invalid_transaction_details, payment_not_received, invalid_destination, internal_error (got lost_in_the_post)`,
      )
      expect(() => sim.setRefundStatus(id, { type: 'completed', date: 'tomorrow' })).toThrow(
        `Refund "${id}": date must be an ISO 8601 date (got tomorrow)`,
      )
      expect(() => sim.setRefundStatus('nope', { type: 'submitted' })).toThrow(
        'No refund with id "nope"',
      )
      expect(await statusOf(sim, token, id)).toMatchObject({ __typename: 'RefundSubmitted' })
    })
  })
})

describe('PaymentInitiationRequest.refunds', () => {
  it("lists a payment request's refunds, oldest first", async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const { id } = await createPaymentRequest(sim, token)
    sim.completePaymentRequest(id)
    const refund = (nonce: string) =>
      gql(
        sim,
        token,
        'mutation ($input: ClientRefundInitiateInput!) { clientRefundInitiate(input: $input) { refund { id } } }',
        {
          input: {
            paymentRequestId: id,
            amount: { quantity: '10.00', currency: 'ZAR' },
            reason: 'requested_by_user',
            nonce,
            beneficiaryReference: 'refund',
          },
        },
      )
    await refund('a')
    await refund('b')
    const read = await gql(
      sim,
      token,
      'query ($id: ID!) { node(id: $id) { ... on PaymentInitiationRequest { refunds { id nonce amount } } } }',
      { id },
    )
    expect(read.body.data?.node).toEqual({
      refunds: sim.refunds.map((r) => ({
        id: r.id,
        nonce: r.nonce,
        amount: { quantity: '10.00', currency: 'ZAR' },
      })),
    })
    expect(sim.refunds.map((r) => r.nonce)).toEqual(['a', 'b'])
  })
})

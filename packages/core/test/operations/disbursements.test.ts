import { FIELD_SCOPES } from '@stitch-auth/testing'
import { describe, expect, it } from 'vitest'
import { StitchApiError } from '../../src/index.js'
import {
  cancelDisbursement,
  createDisbursement,
  type DisbursementStatus,
  defineApiOperation,
  getDisbursement,
} from '../../src/operations/index.js'
import { errorOf, useOperationsSimulator } from './setup.js'

const PAYOUTS = { clientId: 'test-payouts', clientSecret: 'payouts-secret' }
// A client Stitch has not enabled for disbursements.
const NO_PAYOUTS = { clientId: 'test-no-payouts', clientSecret: 'no-payouts-secret' }

const ctx = useOperationsSimulator({
  clients: [
    { ...PAYOUTS, scopes: ['client_disbursement', 'client_paymentrequest'] },
    { ...NO_PAYOUTS, scopes: ['client_paymentrequest'] },
  ],
})

const payout = (overrides: Record<string, unknown> = {}) => ({
  input: {
    amount: { quantity: 150, currency: 'ZAR' },
    beneficiaryReference: 'Payout order-42',
    externalReference: 'order-42',
    bankBeneficiary: {
      bankId: 'fnb' as const,
      name: 'Jane Doe',
      accountNumber: '62000000000',
      accountType: 'current' as const,
    },
    ...overrides,
  },
})

describe('createDisbursement', () => {
  it('creates a pending disbursement with a token for exactly client_disbursement', async () => {
    const stitch = ctx.client()
    const created = await stitch.run(createDisbursement, payout())
    expect(created).toEqual({
      id: expect.any(String),
      amount: { quantity: '150.00', currency: 'ZAR' },
      nonce: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      ),
      beneficiaryReference: 'Payout order-42',
      externalReference: 'order-42',
      bankBeneficiary: {
        accountHolder: 'Jane Doe',
        bankId: 'fnb',
        accountNumber: '62000000000',
        accountType: 'current',
      },
      linkedAccountId: undefined,
      recipientAccountHolder: undefined,
      status: { __typename: 'DisbursementPending', date: expect.any(String) },
      created: expect.any(String),
    })
    expect(createDisbursement.movesMoney).toBe(true)
    expect(createDisbursement.scopes).toEqual(FIELD_SCOPES['Mutation.clientDisbursementCreate'])
    expect(ctx.requestedScopes()).toEqual(['client_disbursement'])
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'CreateDisbursement', scopes: ['client_disbursement'], outcome: 'ok' },
    ])
    // The generated nonce is the one sent, and the amount went out as a Decimal string.
    expect(ctx.sim.apiRequests[0]?.variables).toMatchObject({
      input: { nonce: created.nonce, amount: { quantity: '150.00', currency: 'ZAR' } },
    })
    expect(ctx.sim.disbursements.find((item) => item.id === created.id)).toMatchObject({
      nonce: created.nonce,
      disbursementType: 'DEFAULT',
    })
  })

  it('sends the recipient account holder and the disbursement type', async () => {
    const stitch = ctx.client()
    const created = await stitch.run(
      createDisbursement,
      payout({
        disbursementType: 'INSTANT',
        recipientAccountHolder: { name: 'Jane Doe', email: 'jane@example.com', payeeId: 'user-7' },
      }),
    )
    expect(created.recipientAccountHolder).toEqual({
      name: 'Jane Doe',
      email: 'jane@example.com',
      phoneNumber: undefined,
      payeeId: 'user-7',
    })
    expect(ctx.sim.disbursements.find((item) => item.id === created.id)?.disbursementType).toBe(
      'INSTANT',
    )
  })

  it('keeps the same nonce when the call is made again after a re-authentication', async () => {
    const stitch = ctx.client()
    await stitch.getToken(['client_disbursement'])
    // Stitch stops accepting the cached token: the first attempt is refused, the second runs.
    ctx.sim.expireAllTokens()
    const created = await stitch.run(createDisbursement, payout())
    expect(ctx.sim.apiRequests.map((request) => request.outcome)).toEqual(['unauthenticated', 'ok'])
    const nonces = ctx.sim.apiRequests.map(
      (request) => (request.variables as { input: { nonce: string } }).input.nonce,
    )
    expect(nonces).toEqual([created.nonce, created.nonce])
    expect(ctx.sim.disbursements.filter((item) => item.nonce === created.nonce)).toHaveLength(1)
  })

  it('gives a reused nonce its own error code, and pays out once', async () => {
    const stitch = ctx.client()
    const nonce = `payout-${crypto.randomUUID()}`
    const first = await stitch.run(createDisbursement, payout({ nonce }))
    expect(first.nonce).toBe(nonce)
    const error = await errorOf(stitch.run(createDisbursement, payout({ nonce })))
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_API_NONCE_REUSED', statusCode: 409 })
    expect(ctx.sim.disbursements.filter((item) => item.nonce === nonce)).toHaveLength(1)
  })

  it('refuses invalid variables before any request, naming each field and its limit', async () => {
    const stitch = ctx.client()
    await ctx.expectRefusedLocally(
      stitch.run(createDisbursement, {
        input: {
          amount: { quantity: -5, currency: 'ZAR' },
          nonce: 'n'.repeat(4097),
          // @ts-expect-error: not a DisbursementType
          disbursementType: 'FAST',
          beneficiaryReference: '',
          externalReference: 'x'.repeat(4097),
          bankBeneficiary: {
            // @ts-expect-error: not a bank Stitch disburses to
            bankId: 'monzo',
            name: 'A name of 21 letters!',
            accountNumber: '',
            // @ts-expect-error: not an AccountType
            accountType: 'cheque',
          },
          recipientAccountHolder: { name: 'Jane', email: 'not an email' },
        },
      }),
      [
        {
          path: 'input.amount.quantity',
          message: 'must be a positive amount such as 150 or "150.00"',
        },
        { path: 'input.nonce', message: 'must be at most 4096 characters' },
        { path: 'input.disbursementType', message: expect.stringContaining('INSTANT') },
        { path: 'input.beneficiaryReference', message: 'must not be empty' },
        { path: 'input.externalReference', message: 'must be at most 4096 characters' },
        { path: 'input.bankBeneficiary.bankId', message: expect.stringContaining('fnb') },
        { path: 'input.bankBeneficiary.name', message: 'must be at most 20 characters' },
        { path: 'input.bankBeneficiary.accountNumber', message: 'must not be empty' },
        { path: 'input.bankBeneficiary.accountType', message: expect.stringContaining('current') },
        { path: 'input.recipientAccountHolder.email', message: 'must be an email address' },
      ],
      { inAnyOrder: true },
    )
  })

  it('refuses the documented cross-field rules before any request', async () => {
    const stitch = ctx.client()
    const cases: Array<[Record<string, unknown>, { path: string; message: string }]> = [
      [
        { recipientAccountHolder: { name: 'Jane Doe' } },
        {
          path: 'input.recipientAccountHolder',
          message: 'give email or phoneNumber (Stitch requires one of them)',
        },
      ],
      [
        {
          disbursementType: 'INSTANT',
          bankBeneficiary: { ...payout().input.bankBeneficiary, bankId: 'za_olympus_mobile' },
        },
        {
          path: 'input.disbursementType',
          message:
            'must not be INSTANT for za_bank_zero or za_olympus_mobile, which Stitch can only pay with DEFAULT',
        },
      ],
      [
        { bankBeneficiary: { ...payout().input.bankBeneficiary, name: '' } },
        {
          path: 'input.bankBeneficiary.name',
          message: 'must not be empty',
        },
      ],
    ]
    for (const [overrides, issue] of cases) {
      await ctx.expectRefusedLocally(stitch.run(createDisbursement, payout(overrides)), [issue])
    }
    // The same bank with a DEFAULT disbursement is fine.
    await stitch.run(
      createDisbursement,
      payout({
        bankBeneficiary: { ...payout().input.bankBeneficiary, bankId: 'za_olympus_mobile' },
      }),
    )
    expect(ctx.sim.apiRequests).toHaveLength(1)
  })

  it('maps Stitch refusing the input to STITCH_AUTH_API_INVALID_INPUT', async () => {
    // Only ZAR is paid out (disbursements are for South African customers): a rule the
    // server checks, as the currency is a valid ISO 4217 code.
    const stitch = ctx.client()
    const before = ctx.sim.disbursements.length
    await ctx.expectInputRefusedByStitch(
      stitch.run(createDisbursement, payout({ amount: { quantity: '150.00', currency: 'USD' } })),
    )
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'CreateDisbursement', outcome: 'error' },
    ])
    expect(ctx.sim.disbursements).toHaveLength(before)
  })
})

describe('getDisbursement', () => {
  /** Reads the disbursement and returns its status, failing when Stitch does not know it. */
  async function statusOf(stitch: ReturnType<typeof ctx.client>, id: string) {
    const read = await stitch.run(getDisbursement, { id })
    if (read === null) throw new Error(`disbursement ${id} not found`)
    return read.status
  }

  it('follows a disbursement through submitted, completed and reversed', async () => {
    const stitch = ctx.client()
    const { id, nonce } = await stitch.run(createDisbursement, payout())
    const pending = await stitch.run(getDisbursement, { id })
    expect(pending).toMatchObject({
      id,
      nonce,
      amount: { quantity: '150.00', currency: 'ZAR' },
      bankBeneficiary: { accountHolder: 'Jane Doe', bankId: 'fnb' },
      status: { __typename: 'DisbursementPending' },
    })
    expect(pending).not.toHaveProperty('__typename')

    ctx.sim.setDisbursementStatus(id, { type: 'submitted' })
    expect((await statusOf(stitch, id)).__typename).toBe('DisbursementSubmitted')

    ctx.sim.setDisbursementStatus(id, {
      type: 'completed',
      date: '2025-03-03T10:00:00.000Z',
      expectedSettlement: '2025-03-04T00:00:00.000Z',
    })
    const completed: DisbursementStatus = await statusOf(stitch, id)
    if (completed.__typename !== 'DisbursementCompleted') throw new Error(completed.__typename)
    expect(completed).toEqual({
      __typename: 'DisbursementCompleted',
      date: '2025-03-03T10:00:00.000Z',
      expectedSettlement: '2025-03-04T00:00:00.000Z',
    })

    ctx.sim.setDisbursementStatus(id, { type: 'reversed', reason: 'invalid_account' })
    const reversed = await statusOf(stitch, id)
    if (reversed.__typename !== 'DisbursementReversed') throw new Error(reversed.__typename)
    expect(reversed.disbursementReversedReason).toBe('invalid_account')
    expect(reversed.disbursementReversedDescription).toMatch(/account was not found/)

    expect(ctx.requestedScopes()).toEqual(['client_disbursement'])
    expect(getDisbursement.scopes).toEqual(['client_disbursement'])
    expect(ctx.sim.apiRequests.map((request) => request.operationName)).toEqual([
      'CreateDisbursement',
      ...Array(4).fill('GetDisbursement'),
    ])
  })

  it('reads a paused and a failed disbursement with their reasons', async () => {
    const stitch = ctx.client()
    const { id } = await stitch.run(createDisbursement, payout())
    ctx.sim.setDisbursementStatus(id, { type: 'paused', reason: 'insufficient_funds' })
    const paused = await statusOf(stitch, id)
    if (paused.__typename !== 'DisbursementPaused') throw new Error(paused.__typename)
    expect(paused.disbursementPausedReason).toBe('insufficient_funds')

    ctx.sim.setDisbursementStatus(id, { type: 'error', reason: 'insufficient_funds' })
    const failed = await statusOf(stitch, id)
    if (failed.__typename !== 'DisbursementError') throw new Error(failed.__typename)
    expect(failed).toMatchObject({
      disbursementErrorReason: 'insufficient_funds',
      disbursementErrorDescription: expect.stringContaining('insufficient_funds'),
    })
  })

  it('answers null for an id Stitch does not know, and for a node of another type', async () => {
    const stitch = ctx.client()
    await expect(
      stitch.run(getDisbursement, { id: Buffer.from('disbursement/none').toString('base64url') }),
    ).resolves.toBeNull()
    // `node(id)` answers any Node; one that is not a Disbursement is no disbursement.
    expect(
      getDisbursement.result(
        { node: { __typename: 'Refund', id: 'cmVmdW5k' } },
        { id: 'cmVmdW5k' },
      ),
    ).toBeNull()
    expect(ctx.sim.apiRequests).toMatchObject([{ operationName: 'GetDisbursement', outcome: 'ok' }])
  })

  it('refuses an empty id before any request', async () => {
    await ctx.expectRefusedLocally(ctx.client().run(getDisbursement, { id: '' }), [
      { path: 'id', message: 'must not be empty' },
    ])
  })
})

describe('cancelDisbursement', () => {
  it('cancels a pending disbursement, which then reads as cancelled', async () => {
    const stitch = ctx.client()
    const { id } = await stitch.run(createDisbursement, payout())
    await expect(
      stitch.run(cancelDisbursement, { input: { id, reason: 'Order cancelled' } }),
    ).resolves.toEqual({ id, reason: 'Order cancelled' })
    const read = await stitch.run(getDisbursement, { id })
    if (read?.status.__typename !== 'DisbursementCancelled') {
      throw new Error(`expected a cancelled disbursement, got ${read?.status.__typename}`)
    }
    expect(read.status.disbursementCancelledReason).toBe('Order cancelled')
    expect(cancelDisbursement.movesMoney).toBeFalsy()
    expect(cancelDisbursement.scopes).toEqual(FIELD_SCOPES['Mutation.clientCancelDisbursement'])
    expect(ctx.requestedScopes()).toEqual(['client_disbursement'])
    expect(ctx.sim.apiRequests[1]).toMatchObject({
      operationName: 'CancelDisbursement',
      scopes: ['client_disbursement'],
      variables: { input: { id, reason: 'Order cancelled' } },
    })
  })

  it('maps Stitch refusing to cancel a submitted disbursement to STITCH_AUTH_API_INVALID_INPUT', async () => {
    const stitch = ctx.client()
    const { id } = await stitch.run(createDisbursement, payout())
    ctx.sim.setDisbursementStatus(id, { type: 'submitted' })
    await ctx.expectInputRefusedByStitch(
      stitch.run(cancelDisbursement, { input: { id, reason: 'Too late' } }),
    )
    expect((await stitch.run(getDisbursement, { id }))?.status.__typename).toBe(
      'DisbursementSubmitted',
    )
  })

  it('refuses an empty or overlong reason before any request', async () => {
    const stitch = ctx.client()
    const cases: Array<[reason: string, message: string]> = [
      ['', 'must not be empty'],
      ['r'.repeat(4097), 'must be at most 4096 characters'],
    ]
    for (const [reason, message] of cases) {
      await ctx.expectRefusedLocally(
        stitch.run(cancelDisbursement, { input: { id: 'ZGlzYnVyc2VtZW50', reason } }),
        [{ path: 'input.reason', message }],
      )
    }
  })
})

describe('disbursement scopes', () => {
  it('fails the token request when Stitch has not enabled client_disbursement for the client', async () => {
    // A client created without `scopes` cannot check locally, so the token endpoint decides,
    // and refuses before the API is called: the API's FORBIDDEN is not reachable this way.
    const stitch = ctx.client(NO_PAYOUTS)
    for (const call of [
      () => stitch.run(createDisbursement, payout()),
      () => stitch.run(getDisbursement, { id: 'ZGlzYnVyc2VtZW50' }),
      () => stitch.run(cancelDisbursement, { input: { id: 'ZGlzYnVyc2VtZW50', reason: 'No' } }),
    ]) {
      await ctx.expectScopeNotEnabled(call(), 'client_disbursement')
    }
  })

  it('maps the API refusing a token without client_disbursement to STITCH_AUTH_API_FORBIDDEN', async () => {
    // The same documents with a token of another scope: the API itself refuses them.
    const stitch = ctx.client()
    const { id } = await stitch.run(createDisbursement, payout())
    ctx.sim.resetStats()
    const calls = [
      () =>
        stitch.run(
          defineApiOperation({ ...createDisbursement, scopes: ['client_paymentrequest'] }),
          payout(),
        ),
      () =>
        stitch.run(defineApiOperation({ ...getDisbursement, scopes: ['client_paymentrequest'] }), {
          id,
        }),
      () =>
        stitch.run(
          defineApiOperation({ ...cancelDisbursement, scopes: ['client_paymentrequest'] }),
          {
            input: { id, reason: 'No' },
          },
        ),
    ]
    for (const call of calls) {
      const error = await errorOf(call())
      expect(error).toBeInstanceOf(StitchApiError)
      expect(error).toMatchObject({
        code: 'STITCH_AUTH_API_FORBIDDEN',
        requiredScopes: ['client_disbursement'],
      })
    }
    expect(ctx.sim.apiRequests.map((request) => request.outcome)).toEqual(
      Array(3).fill('forbidden'),
    )
    // Nothing was created or cancelled.
    expect(ctx.sim.disbursements.find((item) => item.id === id)?.status.type).toBe('pending')
  })
})

import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createStitchAuth,
  StitchConfigError,
  StitchInputError,
  type StitchScope,
  StitchTokenRequestError,
} from '../../src/index.js'
import { type VerifiedBankAccountDetails, verifyBankAccount } from '../../src/operations/index.js'

const VERIFIER = { clientId: 'test-verifier', clientSecret: 'verifier-secret' }
// A client Stitch has not enabled for verification.
const PAYMENTS_ONLY = { clientId: 'test-payments-only', clientSecret: 'payments-secret' }

let sim: StitchSimulator
const open: Array<{ close(): Promise<void> }> = []

beforeAll(async () => {
  sim = await startStitchSimulator({
    clients: [
      { ...VERIFIER, scopes: ['client_bankaccountverification', 'client_paymentrequest'] },
      { ...PAYMENTS_ONLY, scopes: ['client_paymentrequest'] },
    ],
  })
  sim.registerBankAccount({
    bankId: 'nedbank',
    accountNumber: '1234567890',
    branchCode: '198765',
    accountType: 'savings',
    holder: {
      type: 'individual',
      familyName: 'Dlamini',
      initials: 'S',
      identifyingDocument: { kind: 'identityDocument', country: 'ZA', number: '8505055800085' },
    },
    open: true,
    openForMoreThanThreeMonths: true,
    acceptsDebits: true,
    acceptsCredits: false,
  })
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()))
  sim.resetStats()
})
afterAll(() => sim.close())

/** A client of the simulator, closed after the test. */
function client<const TGranted extends StitchScope = StitchScope>(
  credentials: { clientId: string; clientSecret: string },
  scopes?: readonly TGranted[],
) {
  const options = {
    ...credentials,
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  }
  // Without `scopes` the client can't check an operation's scopes itself; with them it can.
  const stitch = scopes
    ? createStitchAuth<TGranted>({ ...options, scopes })
    : createStitchAuth<TGranted>(options)
  open.push(stitch)
  return stitch
}

const dlamini = {
  input: {
    accountNumber: '1234567890',
    bankId: 'nedbank',
    accountType: 'savings',
    accountHolder: {
      individual: {
        familyName: 'Dlamini',
        initials: 'S',
        identifyingDocument: { identityDocument: { country: 'ZA', number: '8505055800085' } },
      },
    },
  },
} as const

describe('verifyBankAccount', () => {
  it('verifies a registered account with a token for exactly its scope', async () => {
    // The client holds more scopes than the operation needs; the token must not.
    const stitch = client(VERIFIER, ['client_bankaccountverification', 'client_paymentrequest'])
    const details: VerifiedBankAccountDetails = await stitch.run(verifyBankAccount, dlamini)

    expect(details).toEqual({
      accountNumber: '1234567890',
      accountVerificationResult: 'verified',
      detailedAccountVerificationResults: {
        accountExists: 'verified',
        identityDocumentMatch: 'verified',
        lastNameMatch: 'verified',
        initialMatch: 'verified',
      },
      bankId: 'nedbank',
      branchCode: '198765',
      accountType: 'savings',
      accountTypeVerificationResult: 'verified',
      accountHolder: {
        __typename: 'VerifiedIndividualBankAccountDetails',
        familyName: 'Dlamini',
        familyNameVerificationResult: 'verified',
        initials: 'S',
        initialsVerificationResult: 'verified',
        identifyingDocument: { __typename: 'IdentityDocument' },
        identifyingDocumentVerificationResult: 'verified',
      },
      accountOpen: true,
      accountOpenForMoreThanThreeMonths: true,
      accountAcceptsDebits: true,
      accountAcceptsCredits: false,
    })
    expect(sim.tokenRequests.map((request) => request.scope)).toEqual([
      'client_bankaccountverification',
    ])
    expect(sim.apiRequests).toMatchObject([
      {
        operationName: 'VerifyBankAccount',
        scopes: ['client_bankaccountverification'],
        variables: dlamini,
        outcome: 'ok',
      },
    ])
  })

  it('reads a business holder, and a refuted name, as the union member', async () => {
    const stitch = client(VERIFIER)
    const details = await stitch.run(verifyBankAccount, {
      input: {
        accountNumber: '10000000002',
        bankId: 'standard_bank',
        accountHolder: {
          business: {
            registration: { country: 'ZA', number: '2019/123456/07' },
            name: 'Some Other Company',
          },
        },
      },
    })
    expect(details.accountHolder).toEqual({
      __typename: 'VerifiedBusinessBankAccountDetails',
      registrationNumber: '2019/123456/07',
      name: undefined,
    })
    expect(details.detailedAccountVerificationResults.lastNameMatch).toBe('refuted')
    expect(details.accountVerificationResult).toBe('refuted')
    // Fields Stitch answers with null read as undefined.
    expect(details.accountTypeVerificationResult).toBeUndefined()
  })

  it("answers an account the bank doesn't know as refuted, revealing nothing", async () => {
    // Only Stitch knows which accounts exist: this is an answer, not an error.
    const stitch = client(VERIFIER)
    const details = await stitch.run(verifyBankAccount, {
      input: { ...dlamini.input, accountNumber: '999999999' },
    })
    expect(details).toMatchObject({
      accountNumber: undefined,
      accountVerificationResult: 'refuted',
      detailedAccountVerificationResults: {
        accountExists: 'refuted',
        identityDocumentMatch: 'unknown',
      },
      bankId: undefined,
      accountOpen: undefined,
      accountHolder: { familyName: undefined, identifyingDocument: undefined },
    })
    expect(sim.apiRequests.map((request) => request.outcome)).toEqual(['ok'])
  })

  it('refuses invalid input before any request, naming each field and limit', async () => {
    const stitch = client(VERIFIER)
    const error = await stitch
      .run(verifyBankAccount, {
        input: {
          accountNumber: ' ',
          // @ts-expect-error: not a bank Stitch verifies at
          bankId: 'monzo',
          accountHolder: {
            individual: {
              identifyingDocument: { identityDocument: { country: 'ZA', number: '12345' } },
            },
          },
        },
      })
      .catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(StitchInputError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_INVALID_VARIABLES',
      operation: 'VerifyBankAccount',
    })
    const issues = (error as StitchInputError).issues
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'input.accountNumber', message: 'must not be empty' },
        {
          path: 'input.bankId',
          message: expect.stringMatching(/^must be one of the banks Stitch verifies at: absa, /),
        },
        {
          path: 'input.accountHolder.individual.identifyingDocument.identityDocument.number',
          message: 'must be a 13-digit South African ID number',
        },
      ]),
    )
    expect(issues).toHaveLength(3)
    expect(sim.tokenRequests).toHaveLength(0)
    expect(sim.apiRequests).toHaveLength(0)
  })

  it('refuses a holder that is both a business and an individual, or neither', async () => {
    const stitch = client(VERIFIER)
    for (const accountHolder of [
      {
        business: { registration: { country: 'ZA', number: '2019/123456/07' } },
        individual: dlamini.input.accountHolder.individual,
      },
      {},
    ]) {
      const error = await stitch
        .run(verifyBankAccount, { input: { ...dlamini.input, accountHolder } })
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(StitchInputError)
      expect((error as StitchInputError).issues).toEqual([
        {
          path: 'input.accountHolder',
          message: 'give exactly one of business or individual (Stitch allows only one)',
        },
      ])
    }
    expect(sim.tokenRequests).toHaveLength(0)
  })

  it('fails the token request when Stitch has not enabled the scope for the client', async () => {
    // Without a `scopes` option run() cannot check locally; the token request is for exactly
    // the operation's scope, so Stitch refuses it (invalid_scope) before the API is called.
    const stitch = client(PAYMENTS_ONLY)
    const error = await stitch.run(verifyBankAccount, dlamini).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchTokenRequestError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_TOKEN_REJECTED', error: 'invalid_scope' })
    expect(sim.tokenRequests).toMatchObject([
      { scope: 'client_bankaccountverification', outcome: 'invalid_scope' },
    ])
    expect(sim.apiRequests).toHaveLength(0)
  })

  it("refuses an operation outside the client's scopes before any request", async () => {
    const stitch = client(PAYMENTS_ONLY, ['client_paymentrequest'])
    // @ts-expect-error: the client's scopes do not include client_bankaccountverification
    const error = await stitch.run(verifyBankAccount, dlamini).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchConfigError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_CONFIG_INVALID' })
    expect((error as Error).message).toContain(
      'VerifyBankAccount needs client_bankaccountverification',
    )
    expect(sim.tokenRequests).toHaveLength(0)
    expect(sim.apiRequests).toHaveLength(0)
  })
})

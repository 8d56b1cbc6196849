import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  defineApiOperation,
  type VerifiedBankAccountDetails,
  verifyBankAccount,
} from '../../src/operations/index.js'
import { PAYMENTS_ONLY, useOperationsSimulator } from './setup.js'

const VERIFIER = { clientId: 'test-verifier', clientSecret: 'verifier-secret' }

const ctx = useOperationsSimulator({
  clients: [
    { ...VERIFIER, scopes: ['client_bankaccountverification', 'client_paymentrequest'] },
    PAYMENTS_ONLY,
  ],
  seed: (sim) => {
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
  },
})

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
    const stitch = ctx.client(VERIFIER, ['client_bankaccountverification', 'client_paymentrequest'])
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
    expect(ctx.requestedScopes()).toEqual(['client_bankaccountverification'])
    expect(ctx.sim.apiRequests).toMatchObject([
      {
        operationName: 'VerifyBankAccount',
        scopes: ['client_bankaccountverification'],
        variables: dlamini,
        outcome: 'ok',
      },
    ])
  })

  it('reads a business holder, and a refuted name, as the union member', async () => {
    const stitch = ctx.client(VERIFIER)
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
    const stitch = ctx.client(VERIFIER)
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
    expect(ctx.sim.apiRequests.map((request) => request.outcome)).toEqual(['ok'])
  })

  it('refuses invalid input before any request, naming each field and limit', async () => {
    const stitch = ctx.client(VERIFIER)
    await ctx.expectRefusedLocally(
      stitch.run(verifyBankAccount, {
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
      }),
      [
        { path: 'input.accountNumber', message: 'must not be empty' },
        {
          path: 'input.bankId',
          message: expect.stringMatching(/^must be one of the banks Stitch verifies at: absa, /),
        },
        {
          path: 'input.accountHolder.individual.identifyingDocument.identityDocument.number',
          message: 'must be a 13-digit South African ID number',
        },
      ],
      { operation: 'VerifyBankAccount', inAnyOrder: true },
    )
  })

  it('refuses a holder that is both a business and an individual, or neither', async () => {
    const stitch = ctx.client(VERIFIER)
    for (const accountHolder of [
      {
        business: { registration: { country: 'ZA', number: '2019/123456/07' } },
        individual: dlamini.input.accountHolder.individual,
      },
      {},
    ]) {
      await ctx.expectRefusedLocally(
        stitch.run(verifyBankAccount, { input: { ...dlamini.input, accountHolder } }),
        [
          {
            path: 'input.accountHolder',
            message: 'give exactly one of business or individual (Stitch allows only one)',
          },
        ],
      )
    }
  })

  it('refuses a document number of spaces only before any request', async () => {
    const stitch = ctx.client(VERIFIER)
    await ctx.expectRefusedLocally(
      stitch.run(verifyBankAccount, {
        input: {
          ...dlamini.input,
          accountHolder: {
            individual: { identifyingDocument: { passport: { country: 'GB', number: '   ' } } },
          },
        },
      }),
      [
        {
          path: 'input.accountHolder.individual.identifyingDocument.passport.number',
          message: 'must not be empty',
        },
      ],
    )
  })

  it('maps Stitch refusing input to STITCH_AUTH_API_INVALID_INPUT', async () => {
    // The catalog refuses locally all that the simulator refuses; the same document sent by an
    // application's operation that checks nothing shows how Stitch's own refusal reads.
    const stitch = ctx.client(VERIFIER)
    const unchecked = defineApiOperation({
      name: verifyBankAccount.name,
      document: verifyBankAccount.document,
      scopes: verifyBankAccount.scopes,
      variables: z.object({ input: z.record(z.string(), z.unknown()) }),
      result: (data) => data,
    })
    const error = await ctx.expectInputRefusedByStitch(
      stitch.run(unchecked, {
        input: {
          ...dlamini.input,
          accountHolder: {
            individual: { identifyingDocument: { passport: { country: 'GB', number: '   ' } } },
          },
        },
      }),
      'input.accountHolder.individual.identifyingDocument.passport.number must not be empty',
    )
    expect(error.errors).toMatchObject([{ path: ['client', 'verifyBankAccountDetails'] }])
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'VerifyBankAccount', outcome: 'error' },
    ])
    await ctx.expectTokenNotIn(error, stitch, ['client_bankaccountverification'])
  })

  it('fails the token request when Stitch has not enabled the scope for the client', async () => {
    // Without a `scopes` option run() cannot check locally, so the token endpoint decides.
    const stitch = ctx.client(PAYMENTS_ONLY)
    await ctx.expectScopeNotEnabled(
      stitch.run(verifyBankAccount, dlamini),
      'client_bankaccountverification',
    )
  })

  it("refuses an operation outside the client's scopes before any request", async () => {
    const stitch = ctx.client(PAYMENTS_ONLY, ['client_paymentrequest'])
    await ctx.expectRefusedByScopesOption(
      // @ts-expect-error: the client's scopes do not include client_bankaccountverification
      stitch.run(verifyBankAccount, dlamini),
      'VerifyBankAccount needs client_bankaccountverification',
    )
  })

  it('maps the API refusing a token without client_bankaccountverification to STITCH_AUTH_API_FORBIDDEN', async () => {
    // The same document with a token of another scope: the API itself refuses it.
    const stitch = ctx.client(VERIFIER)
    const error = await ctx.expectForbiddenByStitch(
      stitch.run(
        defineApiOperation({ ...verifyBankAccount, scopes: ['client_paymentrequest'] }),
        dlamini,
      ),
      ['client_bankaccountverification'],
    )
    expect(error.errors).toMatchObject([{ path: ['client', 'verifyBankAccountDetails'] }])
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'VerifyBankAccount', scopes: ['client_paymentrequest'] },
    ])
    await ctx.expectTokenNotIn(error, stitch, ['client_paymentrequest'])
  })

  it('maps a field no client token may read (the verified document number) to STITCH_AUTH_API_FORBIDDEN', async () => {
    // The catalog reads only the document's kind: its country and number need accountholders,
    // which client tokens do not have. An application's own document that reads the number is
    // refused for that scope, though the token has the operation's.
    const stitch = ctx.client(VERIFIER)
    const withNumber = defineApiOperation({
      name: 'VerifyBankAccountWithNumber',
      document: `query VerifyBankAccountWithNumber($input: BankAccountVerificationInput!) {
        client {
          verifyBankAccountDetails(input: $input) {
            accountHolder {
              ... on VerifiedIndividualBankAccountDetails {
                identifyingDocument { ... on IdentityDocument { number } }
              }
            }
          }
        }
      }`,
      scopes: ['client_bankaccountverification'],
      variables: verifyBankAccount.variables,
      result: (data) => data,
    })
    const error = await ctx.expectForbiddenByStitch(stitch.run(withNumber, dlamini), [
      'accountholders',
    ])
    expect(error.errors).toMatchObject([
      {
        path: [
          'client',
          'verifyBankAccountDetails',
          'accountHolder',
          'identifyingDocument',
          'number',
        ],
      },
    ])
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'VerifyBankAccountWithNumber', scopes: ['client_bankaccountverification'] },
    ])
    await ctx.expectTokenNotIn(error, stitch, ['client_bankaccountverification'])
  })
})

import { describe, expect, it } from 'vitest'
import { DOCUMENTED_SCOPES, type SimulatedBankAccount } from '../src/index.js'
import { FIXTURE_BANK_ACCOUNTS } from '../src/stitch/verification.js'
import { getAccessToken, gql, secretClient, startSim } from './helpers.js'

const verifyingClient = { ...secretClient, scopes: [...DOCUMENTED_SCOPES, 'accountholders'] }
const startVerifyingSim = () => startSim({ clients: [verifyingClient] })

const VERIFY = /* GraphQL */ `
  query Verify($input: BankAccountVerificationInput!) {
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
`

// Reading a verified document's country and number needs the accountholders scope as well.
const VERIFY_DOCUMENT = /* GraphQL */ `
  query VerifyDocument($input: BankAccountVerificationInput!) {
    client {
      verifyBankAccountDetails(input: $input) {
        accountHolder {
          ... on VerifiedIndividualBankAccountDetails {
            identifyingDocument {
              __typename
              ... on IdentityDocument { country number }
              ... on Passport { country number }
            }
          }
        }
      }
    }
  }
`

const SA_ID = '9001015009087'
const verificationToken = (sim: Awaited<ReturnType<typeof startVerifyingSim>>) =>
  getAccessToken(sim, 'client_bankaccountverification')

/** The fixture individual at FNB, with every detail the bank holds. */
function individualInput(
  individual: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    accountNumber: '62000000001',
    bankId: 'fnb',
    accountHolder: {
      individual: {
        familyName: 'Mokoena',
        initials: 'TN',
        identifyingDocument: { identityDocument: { country: 'ZA', number: SA_ID } },
        ...individual,
      },
    },
    ...overrides,
  }
}

/** The fixture business at Standard Bank. */
function businessInput(
  business: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    accountNumber: '10000000002',
    bankId: 'standard_bank',
    accountHolder: {
      business: {
        registration: { country: 'ZA', number: '2019/123456/07' },
        name: 'KOMBUCHA FIZZ (PTY) LTD',
        ...business,
      },
    },
    ...overrides,
  }
}

type Sim = Awaited<ReturnType<typeof startVerifyingSim>>

async function verify(sim: Sim, token: string, input: Record<string, unknown>) {
  const { body } = await gql(sim, token, VERIFY, { input })
  expect(body.errors).toBeUndefined()
  const client = body.data?.client as { verifyBankAccountDetails: unknown } | undefined
  return client?.verifyBankAccountDetails
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
        path: ['client', 'verifyBankAccountDetails'],
        extensions: { code: 'BAD_USER_INPUT', problems },
      },
    ],
    data: null,
  })
}

const ACCOUNT_FLAGS = {
  accountOpen: true,
  accountOpenForMoreThanThreeMonths: true,
  accountAcceptsDebits: true,
  accountAcceptsCredits: true,
}

describe('bank account verification', () => {
  it("verifies an individual's account when every detail matches the bank's", async () => {
    await using sim = await startVerifyingSim()
    const token = await verificationToken(sim)
    expect(await verify(sim, token, individualInput({}, { accountType: 'current' }))).toEqual({
      accountNumber: '62000000001',
      accountVerificationResult: 'verified',
      detailedAccountVerificationResults: {
        accountExists: 'verified',
        identityDocumentMatch: 'verified',
        lastNameMatch: 'verified',
        initialMatch: 'verified',
      },
      bankId: 'fnb',
      branchCode: '250655',
      accountType: 'current',
      accountTypeVerificationResult: 'verified',
      accountHolder: {
        __typename: 'VerifiedIndividualBankAccountDetails',
        familyName: 'Mokoena',
        familyNameVerificationResult: 'verified',
        initials: 'TN',
        initialsVerificationResult: 'verified',
        identifyingDocument: { __typename: 'IdentityDocument' },
        identifyingDocumentVerificationResult: 'verified',
      },
      ...ACCOUNT_FLAGS,
    })
  })

  it('compares ignoring case, spaces and punctuation of initials', async () => {
    await using sim = await startVerifyingSim()
    const token = await verificationToken(sim)
    const answer = await verify(
      sim,
      token,
      individualInput(
        {
          familyName: '  mokoena ',
          initials: 't.n.',
          identifyingDocument: { identityDocument: { country: 'za', number: ` ${SA_ID} ` } },
        },
        { accountNumber: '620 000 000 01' },
      ),
    )
    expect(answer).toMatchObject({
      accountNumber: '62000000001',
      accountVerificationResult: 'verified',
      accountHolder: { familyName: 'Mokoena', initials: 'TN' },
    })
  })

  it('refutes details that differ and reveals none of them', async () => {
    await using sim = await startVerifyingSim()
    const token = await verificationToken(sim)
    const answer = await verify(
      sim,
      token,
      individualInput(
        {
          familyName: 'Dlamini',
          initials: null,
          identifyingDocument: { identityDocument: { country: 'ZA', number: '8001015009080' } },
        },
        { accountType: 'savings' },
      ),
    )
    expect(answer).toEqual({
      accountNumber: '62000000001',
      accountVerificationResult: 'refuted',
      detailedAccountVerificationResults: {
        accountExists: 'verified',
        identityDocumentMatch: 'refuted',
        lastNameMatch: 'refuted',
        initialMatch: null,
      },
      bankId: 'fnb',
      branchCode: '250655',
      accountType: null,
      accountTypeVerificationResult: 'refuted',
      accountHolder: {
        __typename: 'VerifiedIndividualBankAccountDetails',
        familyName: null,
        familyNameVerificationResult: 'refuted',
        initials: null,
        initialsVerificationResult: null,
        identifyingDocument: null,
        identifyingDocumentVerificationResult: 'refuted',
      },
      ...ACCOUNT_FLAGS,
    })
  })

  it('refutes an account the bank does not know, and can check nothing about its holder', async () => {
    await using sim = await startVerifyingSim()
    const token = await verificationToken(sim)
    // The same number exists at FNB, not at Absa: an account number is unique within its bank.
    const answer = await verify(
      sim,
      token,
      individualInput({}, { bankId: 'absa', accountType: 'current' }),
    )
    expect(answer).toEqual({
      accountNumber: null,
      accountVerificationResult: 'refuted',
      detailedAccountVerificationResults: {
        accountExists: 'refuted',
        identityDocumentMatch: 'unknown',
        lastNameMatch: 'unknown',
        initialMatch: 'unknown',
      },
      bankId: null,
      branchCode: null,
      accountType: null,
      accountTypeVerificationResult: 'unknown',
      accountHolder: {
        __typename: 'VerifiedIndividualBankAccountDetails',
        familyName: null,
        familyNameVerificationResult: 'unknown',
        initials: null,
        initialsVerificationResult: 'unknown',
        identifyingDocument: null,
        identifyingDocumentVerificationResult: 'unknown',
      },
      accountOpen: null,
      accountOpenForMoreThanThreeMonths: null,
      accountAcceptsDebits: null,
      accountAcceptsCredits: null,
    })
  })

  it("answers unknown for a detail the bank lacks, and reports the account's flags", async () => {
    await using sim = await startVerifyingSim()
    const token = await verificationToken(sim)
    const answer = await verify(sim, token, {
      accountNumber: '1000000003',
      bankId: 'capitec',
      accountHolder: {
        individual: {
          familyName: 'Smith',
          initials: 'A',
          identifyingDocument: { passport: { country: 'GB', number: '123456789' } },
        },
      },
    })
    expect(answer).toEqual({
      accountNumber: '1000000003',
      // The initials are not part of the aggregate result.
      accountVerificationResult: 'verified',
      detailedAccountVerificationResults: {
        accountExists: 'verified',
        identityDocumentMatch: 'verified',
        lastNameMatch: 'verified',
        initialMatch: 'unknown',
      },
      bankId: 'capitec',
      branchCode: '470010',
      accountType: 'savings',
      accountTypeVerificationResult: null,
      accountHolder: {
        __typename: 'VerifiedIndividualBankAccountDetails',
        familyName: 'Smith',
        familyNameVerificationResult: 'verified',
        initials: null,
        initialsVerificationResult: 'unknown',
        identifyingDocument: { __typename: 'Passport' },
        identifyingDocumentVerificationResult: 'verified',
      },
      accountOpen: true,
      accountOpenForMoreThanThreeMonths: false,
      accountAcceptsDebits: false,
      accountAcceptsCredits: true,
    })
  })

  it("verifies a business's registration and name", async () => {
    await using sim = await startVerifyingSim()
    const token = await verificationToken(sim)
    expect(
      await verify(
        sim,
        token,
        businessInput({
          name: 'kombucha fizz (pty)  ltd',
          registration: { country: 'za', number: '2019/123456/07' },
        }),
      ),
    ).toEqual({
      accountNumber: '10000000002',
      accountVerificationResult: 'verified',
      detailedAccountVerificationResults: {
        accountExists: 'verified',
        identityDocumentMatch: 'verified',
        lastNameMatch: 'verified',
        initialMatch: null,
      },
      bankId: 'standard_bank',
      branchCode: '051001',
      accountType: 'current',
      accountTypeVerificationResult: null,
      accountHolder: {
        __typename: 'VerifiedBusinessBankAccountDetails',
        registrationNumber: '2019/123456/07',
        name: 'KOMBUCHA FIZZ (PTY) LTD',
      },
      ...ACCOUNT_FLAGS,
    })
    const wrong = await verify(
      sim,
      token,
      businessInput({ registration: { country: 'ZA', number: '2019/999999/07' }, name: null }),
    )
    expect(wrong).toMatchObject({
      accountVerificationResult: 'refuted',
      detailedAccountVerificationResults: {
        accountExists: 'verified',
        identityDocumentMatch: 'refuted',
        lastNameMatch: null,
        initialMatch: null,
      },
      accountHolder: { registrationNumber: null, name: null },
    })
  })

  it('refutes every holder detail when the account is held by the other kind of holder', async () => {
    await using sim = await startVerifyingSim()
    const token = await verificationToken(sim)
    const individualAtBusiness = await verify(
      sim,
      token,
      individualInput({}, { accountNumber: '10000000002', bankId: 'standard_bank' }),
    )
    expect(individualAtBusiness).toMatchObject({
      accountVerificationResult: 'refuted',
      detailedAccountVerificationResults: {
        accountExists: 'verified',
        identityDocumentMatch: 'refuted',
        lastNameMatch: 'refuted',
        initialMatch: 'refuted',
      },
      accountHolder: { familyName: null, initials: null, identifyingDocument: null },
    })
    const businessAtIndividual = await verify(
      sim,
      token,
      businessInput({}, { accountNumber: '62000000001', bankId: 'fnb' }),
    )
    expect(businessAtIndividual).toMatchObject({
      accountVerificationResult: 'refuted',
      detailedAccountVerificationResults: {
        identityDocumentMatch: 'refuted',
        lastNameMatch: 'refuted',
      },
      accountHolder: { registrationNumber: null, name: null },
    })
  })

  it('verifies against registered accounts, per simulator, leaving the fixtures alone', async () => {
    await using sim = await startVerifyingSim()
    await using other = await startVerifyingSim()
    const account: SimulatedBankAccount = {
      bankId: 'nedbank',
      accountNumber: '1234567890',
      branchCode: '198765',
      accountType: 'current',
      holder: {
        type: 'individual',
        familyName: 'Naidoo',
        initials: 'P',
        identifyingDocument: { kind: 'temporaryResidenceId', country: 'ZA', number: 'TR123' },
      },
      open: false,
      openForMoreThanThreeMonths: true,
      acceptsDebits: false,
      acceptsCredits: false,
    }
    sim.registerBankAccount(account)
    const input = {
      accountNumber: '1234567890',
      bankId: 'nedbank',
      accountHolder: {
        individual: {
          familyName: 'Naidoo',
          identifyingDocument: { temporaryResidenceId: { country: 'ZA', number: 'TR123' } },
        },
      },
    }
    expect(await verify(sim, await verificationToken(sim), input)).toMatchObject({
      accountNumber: '1234567890',
      accountVerificationResult: 'verified',
      accountHolder: {
        familyName: 'Naidoo',
        // Stitch's IdentifyingDocument union has no temporary residence member.
        identifyingDocument: null,
        identifyingDocumentVerificationResult: 'verified',
      },
      accountOpen: false,
      accountAcceptsDebits: false,
    })
    expect(await verify(other, await verificationToken(other), input)).toMatchObject({
      accountNumber: null,
      detailedAccountVerificationResults: { accountExists: 'refuted' },
    })

    sim.registerBankAccount({ ...account, branchCode: '111111' })
    expect(await verify(sim, await verificationToken(sim), input)).toMatchObject({
      branchCode: '111111',
    })
    expect(FIXTURE_BANK_ACCOUNTS.size).toBe(3)
    expect(Object.isFrozen(FIXTURE_BANK_ACCOUNTS.get('fnb/62000000001'))).toBe(true)
  })

  describe('refuses input that breaks a documented rule, listing each problem', () => {
    const PATH = 'input.accountHolder.individual.identifyingDocument'
    it.each([
      ['input.accountNumber must not be empty', individualInput({}, { accountNumber: '' })],
      ['input.accountNumber must not be empty', individualInput({}, { accountNumber: '   ' })],
      ['input.bankId is required', individualInput({}, { bankId: undefined })],
      ['input.bankId is required', individualInput({}, { bankId: null })],
      [
        'input.accountHolder must set exactly one of business, individual (got none)',
        individualInput({}, { accountHolder: {} }),
      ],
      [
        'input.accountHolder must set exactly one of business, individual (got business, individual)',
        individualInput(
          {},
          {
            accountHolder: {
              individual: {
                identifyingDocument: { identityDocument: { country: 'ZA', number: SA_ID } },
              },
              business: { registration: { country: 'ZA', number: '2019/123456/07' } },
            },
          },
        ),
      ],
      [
        `${PATH} must set exactly one of identityDocument, passport, temporaryResidenceId (got none)`,
        individualInput({ identifyingDocument: {} }),
      ],
      [
        `${PATH} must set exactly one of identityDocument, passport, temporaryResidenceId (got identityDocument, passport)`,
        individualInput({
          identifyingDocument: {
            identityDocument: { country: 'ZA', number: SA_ID },
            passport: { country: 'GB', number: '123456789' },
          },
        }),
      ],
      ...['900101500908', '90010150090871', '900101500908X'].map((number) => [
        `${PATH}.identityDocument.number must be a 13-digit South African ID number`,
        individualInput({ identifyingDocument: { identityDocument: { country: 'ZA', number } } }),
      ]),
      [
        `${PATH}.passport.number must not be empty`,
        individualInput({ identifyingDocument: { passport: { country: 'GB', number: ' ' } } }),
      ],
      [
        'input.accountHolder.business.registration.number must not be empty',
        businessInput({ registration: { country: 'ZA', number: '' } }),
      ],
    ] as [string, Record<string, unknown>][])('%s', async (problem, input) => {
      await using sim = await startVerifyingSim()
      const { body } = await gql(sim, await verificationToken(sim), VERIFY, { input })
      expectBadInput(body, [problem])
    })

    it('accepts an identity number of another country in its own format', async () => {
      await using sim = await startVerifyingSim()
      const answer = await verify(
        sim,
        await verificationToken(sim),
        individualInput({
          identifyingDocument: { identityDocument: { country: 'NA', number: '85010100123' } },
        }),
      )
      expect(answer).toMatchObject({
        detailedAccountVerificationResults: { identityDocumentMatch: 'refuted' },
      })
    })

    it('lists every problem at once', async () => {
      await using sim = await startVerifyingSim()
      const { body } = await gql(sim, await verificationToken(sim), VERIFY, {
        input: individualInput(
          { identifyingDocument: { identityDocument: { country: 'ZA', number: '123' } } },
          { accountNumber: ' ', bankId: null },
        ),
      })
      expectBadInput(body, [
        'input.accountNumber must not be empty',
        'input.bankId is required',
        `${PATH}.identityDocument.number must be a 13-digit South African ID number`,
      ])
    })

    it('a bank Stitch does not verify at is a GraphQL validation error', async () => {
      await using sim = await startVerifyingSim()
      const { body } = await gql(sim, await verificationToken(sim), VERIFY, {
        input: individualInput({}, { bankId: 'za_bank_zero' }),
      })
      expect(body.errors?.[0]?.message).toBe(
        'Variable "$input" has invalid value at .bankId: Value "za_bank_zero" does not exist in "BankAccountVerificationBankIdInput" enum.',
      )
      expect(body.data).toBeUndefined()
    })
  })

  describe('scopes', () => {
    it('needs client_bankaccountverification', async () => {
      await using sim = await startVerifyingSim()
      const token = await getAccessToken(sim, 'client_paymentrequest accountholders')
      const { body } = await gql(sim, token, VERIFY, { input: individualInput() })
      expect(body).toEqual({
        errors: [
          {
            message: 'Token is missing the following scope: client_bankaccountverification',
            locations: expect.any(Array),
            path: ['client', 'verifyBankAccountDetails'],
            extensions: { code: 'FORBIDDEN', missingScopes: ['client_bankaccountverification'] },
          },
        ],
        data: null,
      })
      expect(sim.apiRequests.at(-1)).toMatchObject({
        outcome: 'forbidden',
        operationName: 'Verify',
      })
    })

    it("needs accountholders as well to read a verified document's country and number", async () => {
      await using sim = await startVerifyingSim()
      const without = await gql(sim, await verificationToken(sim), VERIFY_DOCUMENT, {
        input: individualInput(),
      })
      expect(without.body).toEqual({
        errors: [
          {
            message: 'Token is missing the following scope: accountholders',
            locations: expect.any(Array),
            path: [
              'client',
              'verifyBankAccountDetails',
              'accountHolder',
              'identifyingDocument',
              'country',
            ],
            extensions: { code: 'FORBIDDEN', missingScopes: ['accountholders'] },
          },
        ],
        data: {
          client: { verifyBankAccountDetails: { accountHolder: { identifyingDocument: null } } },
        },
      })

      const token = await getAccessToken(sim, 'client_bankaccountverification accountholders')
      const withIt = await gql(sim, token, VERIFY_DOCUMENT, { input: individualInput() })
      expect(withIt.body).toEqual({
        data: {
          client: {
            verifyBankAccountDetails: {
              accountHolder: {
                identifyingDocument: {
                  __typename: 'IdentityDocument',
                  country: 'ZA',
                  number: SA_ID,
                },
              },
            },
          },
        },
      })
      const passport = await gql(sim, token, VERIFY_DOCUMENT, {
        input: {
          accountNumber: '1000000003',
          bankId: 'capitec',
          accountHolder: {
            individual: {
              identifyingDocument: { passport: { country: 'GB', number: '123456789' } },
            },
          },
        },
      })
      expect(passport.body.data).toEqual({
        client: {
          verifyBankAccountDetails: {
            accountHolder: {
              identifyingDocument: { __typename: 'Passport', country: 'GB', number: '123456789' },
            },
          },
        },
      })
    })
  })
})

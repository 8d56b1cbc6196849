import { describe, expect, it } from 'vitest'
import { DOCUMENTED_SCOPES, type StitchSimulator } from '../src/index.js'
import { getAccessToken, gql, secretClient, startSim } from './helpers.js'

const linkPayClient = { ...secretClient, scopes: [...DOCUMENTED_SCOPES] }
const startLinkPaySim = () => startSim({ clients: [linkPayClient] })
const linkPayToken = (sim: StitchSimulator) =>
  getAccessToken(sim, 'client_paymentauthorizationrequest')

const CREATE = /* GraphQL */ `
  mutation Authorize($input: ClientPaymentAuthorizationRequestCreateInput!) {
    clientPaymentAuthorizationRequestCreate(input: $input) { authorizationRequestUrl }
  }
`

const bankAccount = (overrides: Record<string, unknown> = {}) => ({
  name: 'Acme Ltd',
  bankId: 'fnb',
  accountNumber: '62000000000',
  accountType: 'current',
  beneficiaryType: 'private',
  reference: 'Acme',
  ...overrides,
})

function authorizationInput(
  payer: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    beneficiary: { bankAccount: bankAccount() },
    payer: { name: 'Thandi Mokoena', email: 'thandi@example.com', reference: 'order-42', ...payer },
    ...overrides,
  }
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
        path: ['clientPaymentAuthorizationRequestCreate'],
        extensions: { code: 'BAD_USER_INPUT', problems },
      },
    ],
    data: { clientPaymentAuthorizationRequestCreate: null },
  })
}

async function authorizationUrl(
  sim: StitchSimulator,
  token: string,
  input: Record<string, unknown>,
): Promise<string> {
  const { body } = await gql(sim, token, CREATE, { input })
  expect(body.errors).toBeUndefined()
  const payload = body.data?.clientPaymentAuthorizationRequestCreate as
    | { authorizationRequestUrl: string }
    | undefined
  return String(payload?.authorizationRequestUrl)
}

describe('LinkPay payment authorization requests', () => {
  it('creates one and answers the URL to send the user to', async () => {
    await using sim = await startLinkPaySim()
    const token = await linkPayToken(sim)
    const { body } = await gql(sim, token, CREATE, { input: authorizationInput() })
    const url = (
      body.data?.clientPaymentAuthorizationRequestCreate as { authorizationRequestUrl: string }
    )?.authorizationRequestUrl
    expect(body).toEqual({
      data: { clientPaymentAuthorizationRequestCreate: { authorizationRequestUrl: url } },
    })
    expect(url).toMatch(new RegExp(`^${sim.url}/authorize/[\\w-]{20,}$`))
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('payment authorization request')
    expect((await fetch(`${sim.url}/authorize/unknown`)).status).toBe(404)
    expect(await authorizationUrl(sim, token, authorizationInput())).not.toBe(url)
    expect(sim.apiRequests.map(({ operationName, outcome }) => [operationName, outcome])).toEqual([
      ['Authorize', 'ok'],
      ['Authorize', 'ok'],
    ])
  })

  it('accepts every documented field: several accounts, a phone number only, an initial payment and merchant details', async () => {
    await using sim = await startLinkPaySim()
    const token = await linkPayToken(sim)
    const url = await authorizationUrl(sim, token, {
      beneficiary: {
        bankAccount: bankAccount(),
        bankAccounts: [
          bankAccount({ bankId: 'absa', accountType: 'savings', beneficiaryType: 'public' }),
        ],
      },
      payer: {
        name: 'Thandi Mokoena',
        phoneNumber: '+27821234567',
        reference: 'order-42',
        identityNumber: '9001015009087',
        passportNumber: 'A1234567',
        accountNumber: '62000000001',
        restrictPayerBank: 'capitec',
        payerId: 'user-42',
        payerCreatedDate: '2024-02-29',
        businessRegistrationNumber: '2019/123456/07',
      },
      initialPayment: { amount: { quantity: 19.99, currency: 'ZAR' }, externalReference: 'first' },
      merchantDetails: { name: 'Acme', capitecPayMerchantReference: 'acme-ref' },
    })
    expect(url).toMatch(new RegExp(`^${sim.url}/authorize/`))
    const onlyAccounts = await authorizationUrl(sim, token, {
      ...authorizationInput(),
      beneficiary: { bankAccounts: [bankAccount()] },
    })
    expect(onlyAccounts).toMatch(new RegExp(`^${sim.url}/authorize/`))
  })

  describe('refuses input that breaks a rule, listing each problem', () => {
    it.each([
      [{ beneficiary: {} }, 'input.beneficiary must have a bankAccount or bankAccounts'],
      [
        { beneficiary: { bankAccounts: [] } },
        'input.beneficiary must have a bankAccount or bankAccounts',
      ],
      [
        { beneficiary: { bankAccount: bankAccount({ name: ' ' }) } },
        'input.beneficiary.bankAccount.name must not be empty',
      ],
      [
        { beneficiary: { bankAccounts: [bankAccount(), bankAccount({ accountNumber: '' })] } },
        'input.beneficiary.bankAccounts[1].accountNumber must not be empty',
      ],
      [
        {
          beneficiary: {
            bankAccount: bankAccount(),
            bankAccounts: [bankAccount({ reference: '' })],
          },
        },
        'input.beneficiary.bankAccounts[0].reference must not be empty',
      ],
      [
        { initialPayment: { amount: { quantity: '0', currency: 'ZAR' } } },
        'input.initialPayment.amount.quantity must be greater than 0 (got 0)',
      ],
      [
        { initialPayment: { amount: { quantity: '1.234', currency: 'ZAR' } } },
        'input.initialPayment.amount.quantity must have at most 2 decimal places (got 1.234)',
      ],
      [
        { initialPayment: { amount: { quantity: '10.00', currency: 'USD' } } },
        'input.initialPayment.amount.currency must be "ZAR" (got "USD")',
      ],
      [{ merchantDetails: { name: '' } }, 'input.merchantDetails.name must not be empty'],
    ])('%j', async (overrides, problem) => {
      await using sim = await startLinkPaySim()
      const { body } = await gql(sim, await linkPayToken(sim), CREATE, {
        input: authorizationInput({}, overrides),
      })
      expectBadInput(body, [problem])
    })

    it.each([
      [{ name: '' }, 'input.payer.name must not be empty'],
      [{ reference: '  ' }, 'input.payer.reference must not be empty'],
      [{ email: null }, 'input.payer: either email or phoneNumber must be supplied'],
      [
        { email: ' ', phoneNumber: '' },
        'input.payer: either email or phoneNumber must be supplied',
      ],
      [
        { identityNumber: '900101500908' },
        'input.payer.identityNumber must be a 13-digit South African ID number',
      ],
      [
        { identityNumber: '9001015009087X' },
        'input.payer.identityNumber must be a 13-digit South African ID number',
      ],
      [
        { payerCreatedDate: '2023-02-29' },
        'input.payer.payerCreatedDate must be a date in the format yyyy-MM-dd',
      ],
      [
        { payerCreatedDate: '2023/01/31' },
        'input.payer.payerCreatedDate must be a date in the format yyyy-MM-dd',
      ],
      [
        { payerCreatedDate: '2023-01-31T00:00:00Z' },
        'input.payer.payerCreatedDate must be a date in the format yyyy-MM-dd',
      ],
    ])('payer %j', async (payer, problem) => {
      await using sim = await startLinkPaySim()
      const { body } = await gql(sim, await linkPayToken(sim), CREATE, {
        input: authorizationInput(payer),
      })
      expectBadInput(body, [problem])
    })

    it('lists every problem at once', async () => {
      await using sim = await startLinkPaySim()
      const { body } = await gql(sim, await linkPayToken(sim), CREATE, {
        input: authorizationInput(
          { name: '', email: null, identityNumber: '123' },
          { beneficiary: {}, merchantDetails: { name: ' ' } },
        ),
      })
      expectBadInput(body, [
        'input.beneficiary must have a bankAccount or bankAccounts',
        'input.payer.name must not be empty',
        'input.payer: either email or phoneNumber must be supplied',
        'input.payer.identityNumber must be a 13-digit South African ID number',
        'input.merchantDetails.name must not be empty',
      ])
    })

    it('an unknown bank or account type is a GraphQL validation error', async () => {
      await using sim = await startLinkPaySim()
      const token = await linkPayToken(sim)
      const bank = await gql(sim, token, CREATE, {
        input: authorizationInput(
          {},
          { beneficiary: { bankAccount: bankAccount({ bankId: 'bank_of_mars' }) } },
        ),
      })
      expect(bank.body.errors?.[0]?.message).toMatch(
        /"bank_of_mars" does not exist in "BankBeneficiaryBankId"/,
      )
      const payerBank = await gql(sim, token, CREATE, {
        input: authorizationInput({ restrictPayerBank: 'za_bank_zero' }),
      })
      expect(payerBank.body.errors?.[0]?.message).toMatch(
        /"za_bank_zero" does not exist in "PayerBankId"/,
      )
      const type = await gql(sim, token, CREATE, {
        input: authorizationInput(
          {},
          { beneficiary: { bankAccount: bankAccount({ beneficiaryType: 'secret' }) } },
        ),
      })
      expect(type.body.errors?.[0]?.message).toMatch(
        /"secret" does not exist in "BankBeneficiaryType"/,
      )
      expect(sim.apiRequests.map((entry) => entry.outcome)).toEqual(['error', 'error', 'error'])
    })
  })

  it('needs client_paymentauthorizationrequest', async () => {
    await using sim = await startLinkPaySim()
    const token = await getAccessToken(sim, 'client_paymentrequest client_refund')
    const { body } = await gql(sim, token, CREATE, { input: authorizationInput() })
    expect(body).toEqual({
      errors: [
        {
          message: 'Token is missing the following scope: client_paymentauthorizationrequest',
          locations: expect.any(Array),
          path: ['clientPaymentAuthorizationRequestCreate'],
          extensions: { code: 'FORBIDDEN', missingScopes: ['client_paymentauthorizationrequest'] },
        },
      ],
      data: { clientPaymentAuthorizationRequestCreate: null },
    })
  })
})

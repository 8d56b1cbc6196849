import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createStitchAuth,
  StitchApiError,
  StitchConfigError,
  StitchInputError,
  type StitchScope,
  StitchTokenRequestError,
} from '../../src/index.js'
import {
  createPaymentAuthorizationRequest,
  type PaymentAuthorizationRequest,
} from '../../src/operations/index.js'

const LINKPAY = { clientId: 'test-linkpay', clientSecret: 'linkpay-secret' }
// A client Stitch has not enabled for LinkPay.
const PAYMENTS_ONLY = { clientId: 'test-payments-only', clientSecret: 'payments-secret' }

let sim: StitchSimulator
const open: Array<{ close(): Promise<void> }> = []

beforeAll(async () => {
  sim = await startStitchSimulator({
    clients: [
      { ...LINKPAY, scopes: ['client_paymentauthorizationrequest', 'client_paymentrequest'] },
      { ...PAYMENTS_ONLY, scopes: ['client_paymentrequest'] },
    ],
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

const bankAccount = {
  name: 'Kombucha Fizz',
  bankId: 'fnb',
  accountNumber: '62000000000',
  accountType: 'current',
  beneficiaryType: 'private',
  reference: 'KombuchaFizz',
} as const

const request = {
  input: {
    beneficiary: { bankAccount },
    payer: {
      name: 'Thandi Mokoena',
      email: 'thandi@example.com',
      reference: 'user-42',
      identityNumber: '9001015009087',
      payerCreatedDate: '2023-02-28',
    },
    initialPayment: { amount: { quantity: 99.5, currency: 'ZAR' }, externalReference: 'order-42' },
  },
}

describe('createPaymentAuthorizationRequest', () => {
  it('creates a request with a token for exactly its scope and answers its URL', async () => {
    const stitch = client(LINKPAY, ['client_paymentauthorizationrequest', 'client_paymentrequest'])
    const created: PaymentAuthorizationRequest = await stitch.run(
      createPaymentAuthorizationRequest,
      request,
    )

    expect(Object.keys(created)).toEqual(['authorizationRequestUrl'])
    expect(created.authorizationRequestUrl.startsWith(`${sim.url}/authorize/`)).toBe(true)
    // The simulator serves the authorization page the user is sent to.
    const page = await fetch(created.authorizationRequestUrl)
    expect(page.status).toBe(200)
    await page.body?.cancel()

    expect(sim.tokenRequests.map((entry) => entry.scope)).toEqual([
      'client_paymentauthorizationrequest',
    ])
    expect(sim.apiRequests).toMatchObject([
      {
        operationName: 'CreatePaymentAuthorizationRequest',
        scopes: ['client_paymentauthorizationrequest'],
        // The amount is sent as a Decimal string, as Stitch documents it.
        variables: {
          input: {
            ...request.input,
            initialPayment: {
              amount: { quantity: '99.50', currency: 'ZAR' },
              externalReference: 'order-42',
            },
          },
        },
        outcome: 'ok',
      },
    ])
  })

  it('refuses invalid input before any request, naming each field and rule', async () => {
    const stitch = client(LINKPAY)
    const error = await stitch
      .run(createPaymentAuthorizationRequest, {
        input: {
          beneficiary: {
            bankAccounts: [{ ...bankAccount, reference: '', bankId: 'First National' }],
          },
          payer: {
            name: 'Thandi Mokoena',
            email: 'thandi at example.com',
            reference: 'user-42',
            identityNumber: '900101',
            payerCreatedDate: '2023-02-30',
          },
          initialPayment: { amount: { quantity: 0 } },
        },
      })
      .catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(StitchInputError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_INVALID_VARIABLES',
      operation: 'CreatePaymentAuthorizationRequest',
    })
    expect(new Map((error as StitchInputError).issues.map((i) => [i.path, i.message]))).toEqual(
      new Map([
        ['input.beneficiary.bankAccounts.0.bankId', "must be one of Stitch's bank ids, e.g. fnb"],
        ['input.beneficiary.bankAccounts.0.reference', 'must not be empty'],
        ['input.payer.email', 'must be an email address'],
        ['input.payer.identityNumber', 'must be a 13-digit South African ID number'],
        ['input.payer.payerCreatedDate', 'must be a date in the format yyyy-MM-dd'],
        ['input.initialPayment.amount.quantity', 'must be more than 0'],
      ]),
    )
    expect(sim.tokenRequests).toHaveLength(0)
    expect(sim.apiRequests).toHaveLength(0)
  })

  it('refuses a payer with neither email nor phone, and a beneficiary without an account', async () => {
    const stitch = client(LINKPAY)
    const error = await stitch
      .run(createPaymentAuthorizationRequest, {
        input: { beneficiary: {}, payer: { name: 'Thandi Mokoena', reference: 'user-42' } },
      })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchInputError)
    expect((error as StitchInputError).issues).toEqual([
      { path: 'input.beneficiary', message: 'give bankAccount or bankAccounts' },
      {
        path: 'input.payer',
        message: 'give email or phoneNumber (Stitch requires one of them)',
      },
    ])
    expect(sim.tokenRequests).toHaveLength(0)
  })

  it('maps input only Stitch checks (a currency it does not pay in) to STITCH_AUTH_API_INVALID_INPUT', async () => {
    // Any ISO 4217 code passes locally; which currencies LinkPay pays in is Stitch's to say.
    const stitch = client(LINKPAY)
    const error = await stitch
      .run(createPaymentAuthorizationRequest, {
        input: {
          ...request.input,
          initialPayment: { amount: { quantity: 10, currency: 'USD' } },
        },
      })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_API_INVALID_INPUT',
      errors: [{ code: 'BAD_USER_INPUT' }],
    })
    expect((error as Error).message).toContain('must be "ZAR" (got "USD")')
    expect(sim.apiRequests.map((entry) => entry.outcome)).toEqual(['error'])
  })

  it('fails the token request when Stitch has not enabled the scope for the client', async () => {
    // Without a `scopes` option run() cannot check locally; the token request is for exactly
    // the operation's scope, so Stitch refuses it (invalid_scope) before the API is called.
    const stitch = client(PAYMENTS_ONLY)
    const error = await stitch
      .run(createPaymentAuthorizationRequest, request)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchTokenRequestError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_TOKEN_REJECTED', error: 'invalid_scope' })
    expect(sim.tokenRequests).toMatchObject([
      { scope: 'client_paymentauthorizationrequest', outcome: 'invalid_scope' },
    ])
    expect(sim.apiRequests).toHaveLength(0)
  })

  it("refuses the operation outside the client's scopes before any request", async () => {
    const stitch = client(PAYMENTS_ONLY, ['client_paymentrequest'])
    const error = await stitch
      // @ts-expect-error: the client's scopes do not include client_paymentauthorizationrequest
      .run(createPaymentAuthorizationRequest, request)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchConfigError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_CONFIG_INVALID' })
    expect((error as Error).message).toContain(
      'CreatePaymentAuthorizationRequest needs client_paymentauthorizationrequest',
    )
    expect(sim.tokenRequests).toHaveLength(0)
    expect(sim.apiRequests).toHaveLength(0)
  })
})

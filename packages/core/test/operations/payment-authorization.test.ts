import { describe, expect, it } from 'vitest'
import {
  createPaymentAuthorizationRequest,
  defineApiOperation,
  type PaymentAuthorizationRequest,
} from '../../src/operations/index.js'
import { PAYMENTS_ONLY, useOperationsSimulator } from './setup.js'

const LINKPAY = { clientId: 'test-linkpay', clientSecret: 'linkpay-secret' }

const ctx = useOperationsSimulator({
  clients: [
    { ...LINKPAY, scopes: ['client_paymentauthorizationrequest', 'client_paymentrequest'] },
    PAYMENTS_ONLY,
  ],
})

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
    const stitch = ctx.client(LINKPAY, [
      'client_paymentauthorizationrequest',
      'client_paymentrequest',
    ])
    const created: PaymentAuthorizationRequest = await stitch.run(
      createPaymentAuthorizationRequest,
      request,
    )

    expect(Object.keys(created)).toEqual(['authorizationRequestUrl'])
    expect(created.authorizationRequestUrl.startsWith(`${ctx.sim.url}/authorize/`)).toBe(true)
    // The simulator serves the authorization page the user is sent to.
    const page = await fetch(created.authorizationRequestUrl)
    expect(page.status).toBe(200)
    await page.body?.cancel()

    expect(ctx.requestedScopes()).toEqual(['client_paymentauthorizationrequest'])
    expect(ctx.sim.apiRequests).toMatchObject([
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
    const stitch = ctx.client(LINKPAY)
    const at = 'input.beneficiary.bankAccounts.0'
    await ctx.expectRefusedLocally(
      stitch.run(createPaymentAuthorizationRequest, {
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
      }),
      [
        { path: `${at}.bankId`, message: "must be one of Stitch's bank ids, e.g. fnb" },
        { path: `${at}.reference`, message: 'must not be empty' },
        { path: 'input.payer.email', message: 'must be an email address' },
        {
          path: 'input.payer.identityNumber',
          message: 'must be a 13-digit South African ID number',
        },
        {
          path: 'input.payer.payerCreatedDate',
          message: 'must be a date in the format yyyy-MM-dd',
        },
        { path: 'input.initialPayment.amount.quantity', message: 'must be more than 0' },
      ],
      { operation: 'CreatePaymentAuthorizationRequest', inAnyOrder: true },
    )
  })

  it('refuses a payer with neither email nor phone, and a beneficiary without an account', async () => {
    const stitch = ctx.client(LINKPAY)
    await ctx.expectRefusedLocally(
      stitch.run(createPaymentAuthorizationRequest, {
        input: { beneficiary: {}, payer: { name: 'Thandi Mokoena', reference: 'user-42' } },
      }),
      [
        { path: 'input.beneficiary', message: 'give bankAccount or bankAccounts' },
        {
          path: 'input.payer',
          message: 'give email or phoneNumber (Stitch requires one of them)',
        },
      ],
    )
  })

  it('maps input only Stitch checks (a currency it does not pay in) to STITCH_AUTH_API_INVALID_INPUT', async () => {
    // Any ISO 4217 code passes locally; which currencies LinkPay pays in is Stitch's to say.
    const stitch = ctx.client(LINKPAY)
    const error = await ctx.expectInputRefusedByStitch(
      stitch.run(createPaymentAuthorizationRequest, {
        input: {
          ...request.input,
          initialPayment: { amount: { quantity: 10, currency: 'USD' } },
        },
      }),
      'input.initialPayment.amount.currency must be "ZAR" (got "USD")',
    )
    expect(error.errors).toMatchObject([{ path: ['clientPaymentAuthorizationRequestCreate'] }])
    expect(ctx.sim.apiRequests.map((entry) => entry.outcome)).toEqual(['error'])
    await ctx.expectTokenNotIn(error, stitch, ['client_paymentauthorizationrequest'])
  })

  it('maps the API refusing a token without client_paymentauthorizationrequest to STITCH_AUTH_API_FORBIDDEN', async () => {
    // The same document with a token of another scope: the API itself refuses it.
    const stitch = ctx.client(LINKPAY)
    const error = await ctx.expectForbiddenByStitch(
      stitch.run(
        defineApiOperation({
          ...createPaymentAuthorizationRequest,
          scopes: ['client_paymentrequest'],
        }),
        request,
      ),
      ['client_paymentauthorizationrequest'],
    )
    expect(error.errors).toMatchObject([{ path: ['clientPaymentAuthorizationRequestCreate'] }])
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'CreatePaymentAuthorizationRequest', scopes: ['client_paymentrequest'] },
    ])
    await ctx.expectTokenNotIn(error, stitch, ['client_paymentrequest'])
  })

  it('fails the token request when Stitch has not enabled the scope for the client', async () => {
    // Without a `scopes` option run() cannot check locally, so the token endpoint decides.
    const stitch = ctx.client(PAYMENTS_ONLY)
    await ctx.expectScopeNotEnabled(
      stitch.run(createPaymentAuthorizationRequest, request),
      'client_paymentauthorizationrequest',
    )
  })

  it("refuses the operation outside the client's scopes before any request", async () => {
    const stitch = ctx.client(PAYMENTS_ONLY, ['client_paymentrequest'])
    await ctx.expectRefusedByScopesOption(
      // @ts-expect-error: the client's scopes do not include client_paymentauthorizationrequest
      stitch.run(createPaymentAuthorizationRequest, request),
      'CreatePaymentAuthorizationRequest needs client_paymentauthorizationrequest',
    )
  })
})

import { FIELD_SCOPES } from '@stitch-auth/testing'
import { describe, expect, it } from 'vitest'
import { StitchApiError } from '../../src/index.js'
import {
  confirmPaymentConsentRequest,
  createPaymentConsentRequest,
  defineApiOperation,
  getPaymentConsentRequest,
  type PaymentConsentRequest,
  revokePaymentConsentRequest,
} from '../../src/operations/index.js'
import { errorOf, useOperationsSimulator } from './setup.js'

const SCOPE = 'client_recurringpaymentconsentrequest'
const MERCHANT = { clientId: 'test-consents', clientSecret: 'consents-secret' }
// A client Stitch has not enabled for recurring payment consents.
const NO_CONSENTS = { clientId: 'test-no-consents', clientSecret: 'no-consents-secret' }

const ctx = useOperationsSimulator({
  clients: [
    { ...MERCHANT, scopes: [SCOPE, 'client_paymentrequest'] },
    { ...NO_CONSENTS, scopes: ['client_paymentrequest'] },
  ],
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Stitch wants each DebiCheck contract reference once; every test makes its own. */
const contractReference = () => `gym-${crypto.randomUUID().slice(0, 8)}`

const collection = {
  collectionFrequency: 'monthly' as const,
  collectionDay: 1,
  debitValueType: 'fixed' as const,
  instalmentAmount: { quantity: 300, currency: 'ZAR' },
  maximumCollectionAmount: { quantity: '450.00', currency: 'ZAR' },
  amountAdjustmentFrequency: 'never' as const,
}

function debicheckInput(overrides: { collection?: Record<string, unknown>; nonce?: string } = {}) {
  return {
    input: {
      ...(overrides.nonce === undefined ? {} : { nonce: overrides.nonce }),
      externalReference: 'member-7',
      payerInformation: {
        fullName: 'Jane Doe',
        mobileNumber: '+27821234567',
        email: 'jane@example.com',
        identifyingDocument: { identityDocument: { country: 'ZA', number: '9001015009087' } },
      },
      paymentMethods: {
        debicheck: {
          details: {
            contractReference: contractReference(),
            collection: { ...collection, ...overrides.collection },
            payerBank: {
              accountNumber: '62000000000',
              accountType: 'current' as const,
              bankId: 'fnb' as const,
            },
            authenticationChannel: 'authRealtime' as const,
          },
        },
      },
      metadata: { memberId: '7' },
    },
  }
}

const customer = {
  fullName: 'Jane Doe',
  accountNumber: '62000000000',
  accountType: 'current' as const,
  bankId: 'fnb' as const,
  identifyingDocument: { identityDocument: { country: 'ZA', number: '9001015009087' } },
  phoneNumber: '+27821234567',
}

const capitecPayInput = {
  input: {
    paymentMethods: {
      capitecPay: {
        enabled: true,
        paymentOptions: { variable: { max: { quantity: 500, currency: 'ZAR' } } },
        paymentSchedule: { frequency: 'MONTHLY' as const },
        paymentDescription: 'Gym membership',
      },
    },
  },
}

/** The variables the API saw for each call of an operation. */
const sent = (operationName: string) =>
  ctx.sim.apiRequests
    .filter((request) => request.operationName === operationName)
    .map((request) => request.variables as { input?: { nonce?: string } })

describe('createPaymentConsentRequest', () => {
  it('creates a pending DebiCheck consent request with a token for exactly its scope', async () => {
    const stitch = ctx.client()
    const variables = debicheckInput()
    const consent = await stitch.run(createPaymentConsentRequest, variables)
    expect(consent).toEqual({
      id: expect.any(String),
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/consent\//),
      status: { __typename: 'PaymentConsentPending', date: expect.any(String) },
      statusReason: undefined,
      nonce: expect.stringMatching(UUID),
      externalReference: 'member-7',
      paymentMethodOptions: [
        {
          __typename: 'DebicheckPaymentConsentMethodOptions',
          enabled: true,
          details: {
            accountTracking: false,
            contractReference: variables.input.paymentMethods.debicheck.details.contractReference,
            collection: expect.objectContaining({
              collectionFrequency: 'monthly',
              collectionDay: 1,
              debitValueType: 'fixed',
              instalmentAmount: { quantity: '300.00', currency: 'ZAR' },
              maximumCollectionAmount: { quantity: '450.00', currency: 'ZAR' },
              adjustmentAmount: undefined,
            }),
            status: undefined,
            statusReason: undefined,
          },
        },
      ],
      consentDetails: undefined,
      metadata: { memberId: '7' },
    })
    expect(createPaymentConsentRequest.scopes).toEqual(
      FIELD_SCOPES['Mutation.paymentConsentRequestCreate'],
    )
    expect(createPaymentConsentRequest.movesMoney).toBeFalsy()
    expect(ctx.requestedScopes()).toEqual([SCOPE])
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'CreatePaymentConsentRequest', scopes: [SCOPE], outcome: 'ok' },
    ])
    // The generated nonce is the one sent; amounts went out as Decimal strings.
    expect(ctx.sim.apiRequests[0]?.variables).toMatchObject({
      input: {
        nonce: consent.nonce,
        paymentMethods: {
          debicheck: { details: { collection: { instalmentAmount: { quantity: '300.00' } } } },
        },
      },
    })
  })

  it('creates a card consent with an initial charge, and Capitec Pay ones', async () => {
    const stitch = ctx.client()
    const card = await stitch.run(createPaymentConsentRequest, {
      input: {
        nonce: `card-${crypto.randomUUID()}`,
        paymentMethods: {
          card: {
            enabled: true,
            initialCharge: { amount: { quantity: 99.5, currency: 'ZAR' }, nonce: 'charge-1' },
          },
        },
      },
    })
    expect(card.nonce).toMatch(/^card-/)
    expect(card.paymentMethodOptions).toEqual([
      {
        __typename: 'CardPaymentConsentMethodOptions',
        enabled: true,
        initialCharge: {
          amount: { quantity: '99.50', currency: 'ZAR' },
          nonce: 'charge-1',
          externalReference: undefined,
          merchantId: undefined,
        },
      },
    ])
    ctx.sim.grantPaymentConsentRequest(card.id)
    const granted = await stitch.run(getPaymentConsentRequest, { id: card.id })
    expect(granted?.status).toEqual({
      __typename: 'PaymentConsentGranted',
      date: expect.any(String),
      isPendingRevocation: false,
    })

    const capitec = await stitch.run(createPaymentConsentRequest, capitecPayInput)
    expect(capitec.status.__typename).toBe('PaymentConsentPending')
    expect(sent('CreatePaymentConsentRequest')[1]).toMatchObject({
      input: {
        paymentMethods: {
          capitecPay: { paymentOptions: { variable: { max: { quantity: '500.00' } } } },
        },
      },
    })
  })

  it('gives a reused nonce its own error code, and creates the request once', async () => {
    const stitch = ctx.client()
    const nonce = `consent-${crypto.randomUUID()}`
    const first = await stitch.run(createPaymentConsentRequest, debicheckInput({ nonce }))
    expect(first.nonce).toBe(nonce)
    const error = await errorOf(stitch.run(createPaymentConsentRequest, debicheckInput({ nonce })))
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_API_NONCE_REUSED', statusCode: 409 })
    expect(
      ctx.sim.paymentConsentRequests.filter((request) => request.nonce === nonce),
    ).toHaveLength(1)
  })

  it('maps Stitch refusing a contract reference used before to STITCH_AUTH_API_INVALID_INPUT', async () => {
    // "Must be unique per request": only Stitch knows which references were used.
    const stitch = ctx.client()
    const first = debicheckInput()
    await stitch.run(createPaymentConsentRequest, first)
    const again = debicheckInput()
    again.input.paymentMethods.debicheck.details.contractReference =
      first.input.paymentMethods.debicheck.details.contractReference
    await ctx.expectInputRefusedByStitch(
      stitch.run(createPaymentConsentRequest, again),
      'was used by another consent request',
    )
    expect(ctx.sim.apiRequests.map((request) => request.outcome)).toEqual(['ok', 'error'])
  })

  it('refuses invalid variables before any request, naming each field and its limit', async () => {
    const stitch = ctx.client()
    const variables = debicheckInput()
    const methods = 'input.paymentMethods'
    await ctx.expectRefusedLocally(
      stitch.run(createPaymentConsentRequest, {
        input: {
          ...variables.input,
          nonce: 'n'.repeat(4097),
          externalReference: 'x'.repeat(4097),
          payerInformation: {
            accountCreatedDate: '2024/01/31',
            identifyingDocument: {
              identityDocument: { country: 'ZA', number: '9001015009087' },
              passport: { country: 'ZA', number: 'A1234567' },
            },
          },
          paymentMethods: {
            card: { enabled: true, initialCharge: { amount: { quantity: 0, currency: 'ZAR' } } },
            debicheck: {
              details: {
                ...variables.input.paymentMethods.debicheck.details,
                contractReference: '  ',
                // @ts-expect-error: not a collection frequency
                collection: { ...collection, collectionFrequency: 'daily' },
              },
            },
            capitecPay: {
              ...capitecPayInput.input.paymentMethods.capitecPay,
              // @ts-expect-error: not a Capitec Pay frequency
              paymentSchedule: { frequency: 'HOURLY' },
            },
          },
        },
      }),
      [
        { path: 'input.nonce', message: 'must be at most 4096 characters' },
        { path: 'input.externalReference', message: 'must be at most 4096 characters' },
        {
          path: 'input.payerInformation.identifyingDocument',
          message: 'give exactly one of identityDocument, passport or temporaryResidenceId',
        },
        {
          path: 'input.payerInformation.accountCreatedDate',
          message: 'must be a date in the format YYYY-MM-DD',
        },
        { path: `${methods}.card.initialCharge.amount.quantity`, message: 'must be more than 0' },
        { path: `${methods}.debicheck.details.contractReference`, message: 'must not be empty' },
        {
          path: `${methods}.debicheck.details.collection.collectionFrequency`,
          message: expect.stringContaining('monthly'),
        },
        {
          path: `${methods}.capitecPay.paymentSchedule.frequency`,
          message: expect.stringContaining('MONTHLY'),
        },
      ],
      { inAnyOrder: true },
    )
  })

  it("refuses a DebiCheck collection that breaks the rules of Stitch's reference", async () => {
    const stitch = ctx.client()
    const at = 'input.paymentMethods.debicheck.details.collection'
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ collectionDay: 31 }, 'collectionDay', 'must be 1 to 30 for a monthly collection'],
      [
        { collectionFrequency: 'weekly', collectionDay: 8 },
        'collectionDay',
        'must be 1 (Monday) to 7 (Sunday) for a weekly collection',
      ],
      [{ collectionDay: 1.5 }, 'collectionDay', 'must be a whole number'],
      [
        { instalmentAmount: undefined },
        'instalmentAmount',
        'is required when debitValueType is fixed',
      ],
      [
        { instalmentAmount: { quantity: 500 }, maximumCollectionAmount: { quantity: 450 } },
        'instalmentAmount',
        'must be less than or equal to maximumCollectionAmount',
      ],
      [
        { maximumCollectionAmount: { quantity: '450.01' } },
        'maximumCollectionAmount',
        'can not be greater than 1.5 times the instalmentAmount when debitValueType is fixed',
      ],
      [
        {
          debitValueType: 'usageBased',
          instalmentAmount: undefined,
          maximumCollectionAmount: { quantity: '500000.01' },
        },
        'maximumCollectionAmount',
        'can not be greater than 500,000.00 when debitValueType is usageBased',
      ],
      [
        { amountAdjustmentFrequency: 'quarterly' },
        'adjustmentAmount',
        'or adjustmentRate is required when amountAdjustmentFrequency is quarterly',
      ],
      [
        {
          amountAdjustmentFrequency: 'annually',
          adjustmentAmount: { quantity: -15 },
          adjustmentRate: '5.5',
        },
        'adjustmentRate',
        'give only one of adjustmentAmount or adjustmentRate',
      ],
      [
        { firstCollectionDate: '2025-04-01' },
        'firstCollectionAmount',
        'give firstCollectionDate and firstCollectionAmount together',
      ],
      [
        { firstCollectionDate: '01/04/2025', firstCollectionAmount: { quantity: 300 } },
        'firstCollectionDate',
        'must be a date in the format YYYY-MM-DD',
      ],
      [
        { adjustmentRate: 'five', amountAdjustmentFrequency: 'annually' },
        'adjustmentRate',
        'must be a Decimal such as "5.5"',
      ],
    ]
    for (const [overrides, field, message] of cases) {
      await ctx.expectRefusedLocally(
        stitch.run(createPaymentConsentRequest, debicheckInput({ collection: overrides })),
        [{ path: `${at}.${field}`, message }],
        { label: JSON.stringify(overrides) },
      )
    }

    // The payer's bank needs its bankId unless a branchCode is given.
    const noBank = debicheckInput()
    const { bankId: _bankId, ...payerBank } =
      noBank.input.paymentMethods.debicheck.details.payerBank
    await ctx.expectRefusedLocally(
      stitch.run(createPaymentConsentRequest, {
        input: {
          ...noBank.input,
          paymentMethods: {
            debicheck: { details: { ...noBank.input.paymentMethods.debicheck.details, payerBank } },
          },
        },
      }),
      [
        {
          path: 'input.paymentMethods.debicheck.details.payerBank.bankId',
          message: 'is required when branchCode is not given',
        },
      ],
    )

    // Within the rules, with a negative adjustment, the request goes out.
    const consent = await stitch.run(
      createPaymentConsentRequest,
      debicheckInput({
        collection: {
          amountAdjustmentFrequency: 'annually',
          adjustmentAmount: { quantity: -15 },
          firstCollectionDate: '2025-04-01',
          firstCollectionAmount: { quantity: 150 },
        },
      }),
    )
    const options = consent.paymentMethodOptions[0]
    if (options?.__typename !== 'DebicheckPaymentConsentMethodOptions')
      throw new Error('no DebiCheck')
    expect(options.details?.collection).toMatchObject({
      adjustmentAmount: { quantity: '-15.00', currency: 'ZAR' },
      firstCollectionDate: '2025-04-01',
      firstCollectionAmount: { quantity: '150.00', currency: 'ZAR' },
    })
  })
})

describe('confirmPaymentConsentRequest and getPaymentConsentRequest', () => {
  it('confirms, is granted and revoked, each read back through its status', async () => {
    const stitch = ctx.client()
    const consent = await stitch.run(createPaymentConsentRequest, debicheckInput())

    const confirmed = await stitch.run(confirmPaymentConsentRequest, {
      consentRequestId: consent.id,
      input: {
        debicheck: { customer, collection: { collectionDay: 15, collectionFrequency: 'monthly' } },
      },
    })
    expect(confirmed.confirmationNonce).toMatch(UUID)
    expect(confirmed.confirmationNonce).not.toBe(consent.nonce)
    expect(confirmed.nonce).toBe(consent.nonce)
    expect(sent('ConfirmPaymentConsentRequest')).toMatchObject([
      { consentRequestId: consent.id, input: { nonce: confirmed.confirmationNonce } },
    ])
    expect(confirmed.status.__typename).toBe('PaymentConsentProcessing')
    const details = confirmed.consentDetails
    if (details?.__typename !== 'DebicheckPaymentConsentDetails') {
      throw new Error(`expected DebiCheck consent details, got ${details?.__typename}`)
    }
    expect(details).toMatchObject({
      authenticationChannel: 'authRealtime',
      collection: { collectionDay: 15, instalmentAmount: { quantity: '300.00' } },
      customer: {
        fullName: 'Jane Doe',
        bankId: 'fnb',
        identifyingDocument: {
          __typename: 'IdentityDocumentDetails',
          country: 'ZA',
          number: '9001015009087',
        },
      },
    })

    ctx.sim.grantPaymentConsentRequest(consent.id)
    const granted = await stitch.run(getPaymentConsentRequest, { id: consent.id })
    if (granted?.status.__typename !== 'PaymentConsentGranted') {
      throw new Error(`expected a granted consent, got ${granted?.status.__typename}`)
    }
    expect(granted.status.isPendingRevocation).toBe(false)
    expect(granted).not.toHaveProperty('__typename')

    const revoked = await stitch.run(revokePaymentConsentRequest, {
      consentRequestId: consent.id,
      reason: 'Membership ended',
    })
    expect(revoked).toMatchObject({
      status: { __typename: 'PaymentConsentRevoked' },
      statusReason: 'Membership ended',
    })
    const read: PaymentConsentRequest | null = await stitch.run(getPaymentConsentRequest, {
      id: consent.id,
    })
    expect(read?.status.__typename).toBe('PaymentConsentRevoked')

    expect(ctx.requestedScopes()).toEqual([SCOPE])
    expect(ctx.sim.apiRequests.map((request) => [request.operationName, request.scopes])).toEqual([
      ['CreatePaymentConsentRequest', [SCOPE]],
      ['ConfirmPaymentConsentRequest', [SCOPE]],
      ['GetPaymentConsentRequest', [SCOPE]],
      ['RevokePaymentConsentRequest', [SCOPE]],
      ['GetPaymentConsentRequest', [SCOPE]],
    ])
    for (const [operation, field] of [
      [confirmPaymentConsentRequest, 'Mutation.paymentConsentRequestConfirm'],
      [revokePaymentConsentRequest, 'Mutation.paymentConsentRequestRevoke'],
    ] as const) {
      expect(operation.scopes).toEqual(FIELD_SCOPES[field])
    }
  })

  it('confirms a Capitec Pay consent, read back with its schedule', async () => {
    const stitch = ctx.client()
    const consent = await stitch.run(createPaymentConsentRequest, capitecPayInput)
    const confirmed = await stitch.run(confirmPaymentConsentRequest, {
      consentRequestId: consent.id,
      input: {
        nonce: `confirm-${consent.id}`,
        capitecPay: { identityDocument: { country: 'ZA', number: '9001015009087' } },
        deviceInformation: {
          deviceId: 'device-1',
          screenDimensions: { height: '800', width: '400' },
        },
      },
    })
    expect(confirmed.confirmationNonce).toBe(`confirm-${consent.id}`)
    const read = await stitch.run(getPaymentConsentRequest, { id: consent.id })
    if (read?.consentDetails?.__typename !== 'CapitecPayRecurringConsentDetails') {
      throw new Error(`expected Capitec Pay details, got ${read?.consentDetails?.__typename}`)
    }
    expect(read.consentDetails).toEqual({
      __typename: 'CapitecPayRecurringConsentDetails',
      paymentSchedule: { start: expect.any(String), frequency: 'MONTHLY' },
      paymentDescription: 'Gym membership',
    })
  })

  it('gives a reused confirmation nonce its own error code', async () => {
    const stitch = ctx.client()
    const nonce = `confirm-${crypto.randomUUID()}`
    const [first, second] = [
      await stitch.run(createPaymentConsentRequest, debicheckInput()),
      await stitch.run(createPaymentConsentRequest, debicheckInput()),
    ]
    const confirm = (id: string) =>
      stitch.run(confirmPaymentConsentRequest, {
        consentRequestId: id,
        input: { nonce, debicheck: { customer } },
      })
    await expect(confirm(first.id)).resolves.toMatchObject({ confirmationNonce: nonce })
    const error = await errorOf(confirm(second.id))
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_API_NONCE_REUSED' })
    const stillPending = await stitch.run(getPaymentConsentRequest, { id: second.id })
    expect(stillPending?.status.__typename).toBe('PaymentConsentPending')
  })

  it('maps Stitch refusing to revoke a consent not granted to STITCH_AUTH_API_INVALID_INPUT', async () => {
    const stitch = ctx.client()
    const consent = await stitch.run(createPaymentConsentRequest, debicheckInput())
    await ctx.expectInputRefusedByStitch(
      stitch.run(revokePaymentConsentRequest, { consentRequestId: consent.id, reason: 'No' }),
    )
  })

  it('refuses invalid confirmations and revocations before any request', async () => {
    const stitch = ctx.client()
    const consentRequestId = 'cGF5bWVudGNvbnNlbnRyZXF1ZXN0'
    const cases: Array<[unknown, { path: string; message: string }]> = [
      [
        { consentRequestId, input: {} },
        {
          path: 'input.debicheck',
          message: 'give exactly one of debicheck or capitecPay (Stitch requires one of the two)',
        },
      ],
      [
        { consentRequestId, input: { debicheck: { customer }, capitecPay: {} } },
        {
          path: 'input.debicheck',
          message: 'give exactly one of debicheck or capitecPay (Stitch requires one of the two)',
        },
      ],
      [
        {
          consentRequestId,
          input: { debicheck: { collection: { collectionDay: 13, collectionFrequency: 'adHoc' } } },
        },
        {
          path: 'input.debicheck.collection.collectionDay',
          message: 'must be 1 to 12, 14 or 99 for a adHoc collection',
        },
      ],
      [
        {
          consentRequestId,
          input: { debicheck: { customer: { ...customer, bankId: undefined, phoneNumber: ' ' } } },
        },
        { path: 'input.debicheck.customer.phoneNumber', message: 'must not be empty' },
      ],
      [
        {
          consentRequestId,
          input: { debicheck: { customer: { ...customer, bankId: undefined } } },
        },
        {
          path: 'input.debicheck.customer.bankId',
          message: 'is required when branchCode is not given',
        },
      ],
      [
        { consentRequestId: '', input: { nonce: '', capitecPay: {} } },
        { path: 'consentRequestId', message: 'must not be empty' },
      ],
    ]
    for (const [variables, issue] of cases) {
      await ctx.expectRefusedLocally(
        stitch.run(confirmPaymentConsentRequest, variables as never),
        // Other issues may come with the one each case is about.
        expect.arrayContaining([issue]),
        { label: JSON.stringify(variables) },
      )
    }
    for (const reason of ['', '   ', 'r'.repeat(4097)]) {
      await ctx.expectRefusedLocally(
        stitch.run(revokePaymentConsentRequest, { consentRequestId, reason }),
        [
          {
            path: 'reason',
            message: reason.length > 4096 ? 'must be at most 4096 characters' : 'must not be empty',
          },
        ],
      )
    }
  })

  it('reads null for an id Stitch does not know, and for a node of another type', async () => {
    const stitch = ctx.client()
    await expect(
      stitch.run(getPaymentConsentRequest, {
        id: Buffer.from('paymentconsentrequest/none').toString('base64url'),
      }),
    ).resolves.toBeNull()
    expect(
      getPaymentConsentRequest.result(
        { node: { __typename: 'Disbursement', id: 'ZGlzYnVyc2VtZW50' } },
        { id: 'ZGlzYnVyc2VtZW50' },
      ),
    ).toBeNull()
    expect(getPaymentConsentRequest.scopes).toEqual([SCOPE])
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'GetPaymentConsentRequest', outcome: 'ok' },
    ])
  })
})

describe('consent scopes', () => {
  it('fails the token request when Stitch has not enabled the scope for the client', async () => {
    // A client created without `scopes` cannot check locally, so the token endpoint decides,
    // and refuses before the API is called: the API's FORBIDDEN is not reachable this way.
    const stitch = ctx.client(NO_CONSENTS)
    await ctx.expectScopeNotEnabled(
      stitch.run(createPaymentConsentRequest, debicheckInput()),
      SCOPE,
    )
  })

  it('maps the API refusing a token without the scope to STITCH_AUTH_API_FORBIDDEN', async () => {
    // The same documents with a token of another scope: the API itself refuses them.
    const stitch = ctx.client()
    const consent = await stitch.run(createPaymentConsentRequest, debicheckInput())
    ctx.sim.resetStats()
    const scopes = ['client_paymentrequest'] as const
    const calls = [
      () =>
        stitch.run(
          defineApiOperation({ ...createPaymentConsentRequest, scopes }),
          debicheckInput(),
        ),
      () =>
        stitch.run(defineApiOperation({ ...confirmPaymentConsentRequest, scopes }), {
          consentRequestId: consent.id,
          input: { debicheck: { customer } },
        }),
      () =>
        stitch.run(defineApiOperation({ ...getPaymentConsentRequest, scopes }), { id: consent.id }),
      () =>
        stitch.run(defineApiOperation({ ...revokePaymentConsentRequest, scopes }), {
          consentRequestId: consent.id,
          reason: 'No',
        }),
    ]
    for (const call of calls) {
      const error = await errorOf(call())
      expect(error).toBeInstanceOf(StitchApiError)
      expect(error).toMatchObject({ code: 'STITCH_AUTH_API_FORBIDDEN', requiredScopes: [SCOPE] })
    }
    expect(ctx.sim.apiRequests.map((request) => request.outcome)).toEqual(
      Array(4).fill('forbidden'),
    )
    expect(
      ctx.sim.paymentConsentRequests.find((request) => request.id === consent.id)?.status.type,
    ).toBe('pending')
  })
})

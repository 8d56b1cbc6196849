import { describe, expect, it } from 'vitest'
import { DOCUMENTED_SCOPES, type StitchSimulator } from '../src/index.js'
import { getAccessToken, gql, requestToken, secretClient, startSim } from './helpers.js'

const consentClient = { ...secretClient, scopes: [...DOCUMENTED_SCOPES] }
const otherClient = { ...consentClient, clientId: 'other', clientSecret: 'other-secret' }
const startConsentSim = () => startSim({ clients: [consentClient, otherClient] })
const consentToken = (sim: StitchSimulator) =>
  getAccessToken(sim, 'client_recurringpaymentconsentrequest')

async function otherClientToken(sim: StitchSimulator): Promise<string> {
  const { json } = await requestToken(sim, {
    client_id: otherClient.clientId,
    client_secret: otherClient.clientSecret,
    scope: 'client_recurringpaymentconsentrequest',
  })
  return String(json.access_token)
}

const CONSENT_FIELDS = /* GraphQL */ `
  fragment Consent on PaymentConsentRequest {
    id
    url
    nonce
    externalReference
    metadata
    statusReason
    status {
      __typename
      ... on PaymentConsentPending { date }
      ... on PaymentConsentProcessing { date }
      ... on PaymentConsentGranted { date isPendingRevocation }
      ... on PaymentConsentRevoked { date }
    }
    paymentMethodOptions {
      __typename
      ... on CardPaymentConsentMethodOptions {
        enabled
        initialCharge { amount nonce externalReference merchantId }
      }
      ... on DebicheckPaymentConsentMethodOptions {
        enabled
        details {
          accountTracking
          contractReference
          collection {
            collectionFrequency
            collectionDay
            dayAdjustmentAllowed
            debitValueType
            instalmentAmount
            maximumCollectionAmount
            amountAdjustmentFrequency
            adjustmentAmount
            adjustmentRate
            firstCollectionDate
            firstCollectionAmount
          }
          customer {
            fullName
            accountNumber
            accountType
            bankId
            branchCode
            phoneNumber
            email
            identifyingDocument {
              __typename
              ... on IdentityDocumentDetails { country number }
              ... on PassportDetails { country number }
              ... on TemporaryResidenceDetails { country number }
              ... on BusinessRegistrationDetails { country number }
            }
          }
          status
          statusReason
        }
      }
    }
    consentDetails {
      __typename
      ... on DebicheckPaymentConsentDetails {
        contractReference
        authenticationChannel
        collection { collectionFrequency collectionDay }
        customer {
          fullName
          accountNumber
          phoneNumber
          identifyingDocument {
            __typename
            ... on IdentityDocumentDetails { country number }
            ... on PassportDetails { country number }
          }
        }
        creditor { name }
      }
      ... on CapitecPayRecurringConsentDetails {
        paymentSchedule { start frequency }
        paymentDescription
      }
    }
  }
`

const CREATE = /* GraphQL */ `
  mutation CreateConsent($input: CreatePaymentConsentRequestInput!) {
    paymentConsentRequestCreate(input: $input) { ...Consent }
  }
  ${CONSENT_FIELDS}
`

const CONFIRM = /* GraphQL */ `
  mutation ConfirmConsent($consentRequestId: ID!, $input: ConfirmPaymentConsentInput!) {
    paymentConsentRequestConfirm(consentRequestId: $consentRequestId, input: $input) { ...Consent }
  }
  ${CONSENT_FIELDS}
`

const REVOKE = /* GraphQL */ `
  mutation RevokeConsent($consentRequestId: ID!, $reason: String!) {
    paymentConsentRequestRevoke(consentRequestId: $consentRequestId, reason: $reason) {
      ...Consent
    }
  }
  ${CONSENT_FIELDS}
`

const NODE_QUERY = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) { __typename id ...Consent }
  }
  ${CONSENT_FIELDS}
`

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const SA_ID = '9001015009087'
const PATH = 'input.paymentMethods.debicheck.details'

let count = 0
const newNonce = () => `nonce-${++count}-${crypto.randomUUID()}`
const newContract = () => `contract-${++count}`

const zar = (quantity: string) => ({ quantity, currency: 'ZAR' })

/** A monthly fixed DebiCheck mandate of R 100.00 (at most R 150.00) for the fixture payer. */
function debicheckInput(
  overrides: {
    collection?: Record<string, unknown>
    details?: Record<string, unknown>
    payerInformation?: Record<string, unknown>
    input?: Record<string, unknown>
  } = {},
): Record<string, unknown> {
  return {
    nonce: newNonce(),
    externalReference: 'mandate-42',
    payerInformation: {
      fullName: 'Thandi Mokoena',
      mobileNumber: '+27821234567',
      email: 'thandi@example.com',
      identifyingDocument: { identityDocument: { country: 'ZA', number: SA_ID } },
      ...overrides.payerInformation,
    },
    paymentMethods: {
      debicheck: {
        enabled: true,
        details: {
          contractReference: newContract(),
          collection: {
            collectionFrequency: 'monthly',
            collectionDay: 1,
            debitValueType: 'fixed',
            instalmentAmount: zar('100.00'),
            maximumCollectionAmount: zar('150.00'),
            amountAdjustmentFrequency: 'never',
            ...overrides.collection,
          },
          payerBank: { accountNumber: '62000000001', accountType: 'current', bankId: 'fnb' },
          authenticationChannel: 'authRealtime',
          ...overrides.details,
        },
      },
    },
    metadata: { orderId: '42' },
    ...overrides.input,
  }
}

function capitecPayInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nonce: newNonce(),
    paymentMethods: {
      capitecPay: {
        enabled: true,
        paymentOptions: { variable: { initial: zar('10.00'), max: zar('500.00') } },
        paymentSchedule: { frequency: 'MONTHLY' },
        paymentDescription: 'Acme subscription',
        ...overrides,
      },
    },
  }
}

const debicheckConfirmation = (overrides: Record<string, unknown> = {}) => ({
  nonce: newNonce(),
  debicheck: {
    collection: { collectionDay: 15, collectionFrequency: 'monthly' },
    customer: {
      fullName: 'Thandi N Mokoena',
      accountNumber: '62000000009',
      accountType: 'savings',
      bankId: 'fnb',
      identifyingDocument: { identityDocument: { country: 'ZA', number: SA_ID } },
      phoneNumber: '+27821234567',
    },
  },
  ...overrides,
})

interface Consent {
  id: string
  status: { __typename: string; date: string; isPendingRevocation?: boolean }
  [key: string]: unknown
}

async function create(
  sim: StitchSimulator,
  token: string,
  input: Record<string, unknown>,
): Promise<Consent> {
  const { body } = await gql(sim, token, CREATE, { input })
  const consent = body.data?.paymentConsentRequestCreate as Consent | undefined
  if (consent === undefined) throw new Error(`create failed: ${JSON.stringify(body.errors)}`)
  return consent
}

async function confirm(
  sim: StitchSimulator,
  token: string,
  consentRequestId: string,
  input: Record<string, unknown>,
): Promise<Consent> {
  const { body } = await gql(sim, token, CONFIRM, { consentRequestId, input })
  const consent = body.data?.paymentConsentRequestConfirm as Consent | undefined
  if (consent === undefined) throw new Error(`confirm failed: ${JSON.stringify(body.errors)}`)
  return consent
}

async function read(sim: StitchSimulator, token: string, id: string): Promise<Consent | null> {
  const { body } = await gql(sim, token, NODE_QUERY, { id })
  expect(body.errors).toBeUndefined()
  return body.data?.node as Consent | null
}

function badInput(path: string, problems: readonly string[]) {
  return {
    errors: [
      {
        message: `Invalid input: ${problems.join('; ')}`,
        locations: expect.any(Array),
        path: [path],
        extensions: { code: 'BAD_USER_INPUT', problems },
      },
    ],
    data: null,
  }
}

const NONCE_REUSED = (path: string) => ({
  errors: [
    {
      message: 'A request with this nonce has already been made; use a new nonce',
      locations: expect.any(Array),
      path: [path],
      extensions: { code: 'BAD_USER_INPUT', reason: 'NONCE_ALREADY_USED' },
    },
  ],
  data: null,
})

describe('payment consent requests', () => {
  it('creates a DebiCheck consent request, pending, and reads it back with node()', async () => {
    await using sim = await startConsentSim()
    const token = await consentToken(sim)
    const input = debicheckInput()
    const created = await create(sim, token, input)
    const { id } = created
    expect(id).toMatch(/^[\w-]{20,}$/)
    const [stored] = sim.paymentConsentRequests
    expect(stored?.created).toMatch(ISO_DATE)
    const contractReference = (
      input.paymentMethods as { debicheck: { details: { contractReference: string } } }
    ).debicheck.details.contractReference
    const expected = {
      id,
      url: `${sim.url}/consent/${id}`,
      nonce: input.nonce,
      externalReference: 'mandate-42',
      metadata: { orderId: '42' },
      statusReason: null,
      status: { __typename: 'PaymentConsentPending', date: stored?.created },
      paymentMethodOptions: [
        {
          __typename: 'DebicheckPaymentConsentMethodOptions',
          enabled: true,
          details: {
            accountTracking: false,
            contractReference,
            collection: {
              collectionFrequency: 'monthly',
              collectionDay: 1,
              dayAdjustmentAllowed: false,
              debitValueType: 'fixed',
              instalmentAmount: zar('100.00'),
              maximumCollectionAmount: zar('150.00'),
              amountAdjustmentFrequency: 'never',
              adjustmentAmount: null,
              adjustmentRate: null,
              firstCollectionDate: null,
              firstCollectionAmount: null,
            },
            customer: {
              fullName: 'Thandi Mokoena',
              accountNumber: '62000000001',
              accountType: 'current',
              bankId: 'fnb',
              branchCode: null,
              phoneNumber: '+27821234567',
              email: 'thandi@example.com',
              identifyingDocument: {
                __typename: 'IdentityDocumentDetails',
                country: 'ZA',
                number: SA_ID,
              },
            },
            status: null,
            statusReason: null,
          },
        },
      ],
      consentDetails: null,
    }
    expect(created).toEqual(expected)
    expect(await read(sim, token, id)).toEqual({ __typename: 'PaymentConsentRequest', ...expected })
    expect(sim.paymentConsentRequests).toMatchObject([
      {
        id,
        clientId: secretClient.clientId,
        nonce: input.nonce,
        status: { type: 'pending', date: stored?.created },
        confirmedMethod: null,
      },
    ])
  })

  it('moves create → confirm (processing) → granted, seen through node(), then revoked', async () => {
    await using sim = await startConsentSim()
    const token = await consentToken(sim)
    const { id } = await create(sim, token, debicheckInput())

    const confirmed = await confirm(sim, token, id, debicheckConfirmation())
    expect(confirmed.status).toEqual({
      __typename: 'PaymentConsentProcessing',
      date: expect.stringMatching(ISO_DATE),
    })
    expect(confirmed.consentDetails).toEqual({
      __typename: 'DebicheckPaymentConsentDetails',
      contractReference: expect.any(String),
      authenticationChannel: 'authRealtime',
      collection: { collectionFrequency: 'monthly', collectionDay: 15 },
      customer: {
        fullName: 'Thandi N Mokoena',
        accountNumber: '62000000009',
        phoneNumber: '+27821234567',
        identifyingDocument: {
          __typename: 'IdentityDocumentDetails',
          country: 'ZA',
          number: SA_ID,
        },
      },
      creditor: { name: null },
    })
    expect(await read(sim, token, id)).toMatchObject({
      status: { __typename: 'PaymentConsentProcessing' },
    })

    const granted = sim.grantPaymentConsentRequest(id)
    expect(granted).toMatchObject({ status: { type: 'granted' }, confirmedMethod: 'debicheck' })
    expect((await read(sim, token, id))?.status).toEqual({
      __typename: 'PaymentConsentGranted',
      date: granted.status.date,
      isPendingRevocation: false,
    })

    const { body } = await gql(sim, token, REVOKE, {
      consentRequestId: id,
      reason: 'customer cancelled',
    })
    expect(body.errors).toBeUndefined()
    expect(body.data?.paymentConsentRequestRevoke).toMatchObject({
      id,
      status: { __typename: 'PaymentConsentRevoked', date: expect.stringMatching(ISO_DATE) },
      statusReason: 'customer cancelled',
    })
    expect(await read(sim, token, id)).toMatchObject({
      status: { __typename: 'PaymentConsentRevoked' },
      statusReason: 'customer cancelled',
    })
    expect(sim.paymentConsentRequests.map((request) => request.status.type)).toEqual(['revoked'])
  })

  it('refuses a move the state does not allow: confirm twice, grant twice, anything after revoking', async () => {
    await using sim = await startConsentSim()
    const token = await consentToken(sim)
    const { id } = await create(sim, token, debicheckInput())
    await confirm(sim, token, id, debicheckConfirmation())

    const again = await gql(sim, token, CONFIRM, {
      consentRequestId: id,
      input: debicheckConfirmation(),
    })
    expect(again.body).toEqual({
      errors: [
        {
          message: `Payment consent request "${id}" is processing and can't be confirmed`,
          locations: expect.any(Array),
          path: ['paymentConsentRequestConfirm'],
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
      data: null,
    })
    sim.grantPaymentConsentRequest(id)
    expect(() => sim.grantPaymentConsentRequest(id)).toThrow(
      `Payment consent request "${id}" is granted and can't be granted`,
    )
    const revoke = () => gql(sim, token, REVOKE, { consentRequestId: id, reason: 'done' })
    expect((await revoke()).body.errors).toBeUndefined()
    expect(() => sim.grantPaymentConsentRequest(id)).toThrow(
      `Payment consent request "${id}" is revoked and can't be granted`,
    )
    expect((await revoke()).body.errors?.[0]?.message).toBe(
      `Payment consent request "${id}" is revoked and can't be revoked`,
    )
    expect(() => sim.grantPaymentConsentRequest('nope')).toThrow(
      'No payment consent request with id "nope"',
    )
  })

  it('revokes only a granted consent', async () => {
    await using sim = await startConsentSim()
    const token = await consentToken(sim)
    const pending = await create(sim, token, debicheckInput())
    const processing = await create(sim, token, debicheckInput())
    await confirm(sim, token, processing.id, debicheckConfirmation())
    for (const [id, state] of [
      [pending.id, 'pending'],
      [processing.id, 'processing'],
    ] as const) {
      const { body } = await gql(sim, token, REVOKE, { consentRequestId: id, reason: 'no' })
      expect(body).toEqual({
        errors: [
          {
            message: `Payment consent request "${id}" is ${state} and can't be revoked`,
            locations: expect.any(Array),
            path: ['paymentConsentRequestRevoke'],
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ],
        data: null,
      })
    }
    const unknown = await gql(sim, token, REVOKE, { consentRequestId: 'nope', reason: ' ' })
    expect(unknown.body).toEqual(
      badInput('paymentConsentRequestRevoke', [
        'consentRequestId: no payment consent request with id "nope"',
        'reason must not be empty',
      ]),
    )
    expect(sim.paymentConsentRequests.map((request) => request.status.type)).toEqual([
      'pending',
      'processing',
    ])
  })

  it('is granted straight from pending, counting as confirmed with its first enabled method', async () => {
    await using sim = await startConsentSim()
    const token = await consentToken(sim)
    const { id } = await create(sim, token, debicheckInput())
    sim.grantPaymentConsentRequest(id)
    expect(await read(sim, token, id)).toMatchObject({
      status: { __typename: 'PaymentConsentGranted', isPendingRevocation: false },
      consentDetails: {
        __typename: 'DebicheckPaymentConsentDetails',
        customer: { fullName: 'Thandi Mokoena', accountNumber: '62000000001' },
      },
    })
  })

  it('creates and confirms a Capitec Pay consent; its schedule starts at creation unless given', async () => {
    await using sim = await startConsentSim()
    const token = await consentToken(sim)
    const created = await create(sim, token, capitecPayInput())
    // Stitch's PaymentConsentMethodOptions union has no Capitec Pay member.
    expect(created).toMatchObject({ paymentMethodOptions: [], consentDetails: null })
    const confirmed = await confirm(sim, token, created.id, {
      nonce: newNonce(),
      capitecPay: {
        identityDocument: { country: 'ZA', number: SA_ID },
        mobileNumber: '0821234567',
      },
    })
    expect(confirmed).toMatchObject({
      status: { __typename: 'PaymentConsentProcessing' },
      consentDetails: {
        __typename: 'CapitecPayRecurringConsentDetails',
        paymentSchedule: { start: sim.paymentConsentRequests[0]?.created, frequency: 'MONTHLY' },
        paymentDescription: 'Acme subscription',
      },
    })
    const scheduled = await create(
      sim,
      token,
      capitecPayInput({
        paymentSchedule: { start: '2030-01-01T10:00:00+02:00', frequency: 'WEEKLY' },
      }),
    )
    sim.grantPaymentConsentRequest(scheduled.id)
    expect((await read(sim, token, scheduled.id))?.consentDetails).toEqual({
      __typename: 'CapitecPayRecurringConsentDetails',
      paymentSchedule: { start: '2030-01-01T08:00:00.000Z', frequency: 'WEEKLY' },
      paymentDescription: 'Acme subscription',
    })
  })

  it('creates a card consent with an initial charge', async () => {
    await using sim = await startConsentSim()
    const token = await consentToken(sim)
    const created = await create(sim, token, {
      nonce: newNonce(),
      paymentMethods: {
        card: {
          enabled: true,
          initialCharge: { amount: { quantity: 99, currency: 'ZAR' }, nonce: 'charge-1' },
        },
      },
    })
    expect(created.paymentMethodOptions).toEqual([
      {
        __typename: 'CardPaymentConsentMethodOptions',
        enabled: true,
        initialCharge: {
          amount: zar('99.00'),
          nonce: 'charge-1',
          externalReference: null,
          merchantId: null,
        },
      },
    ])
    // Confirmation is for DebiCheck or Capitec Pay, which this request does not have.
    const { body } = await gql(sim, token, CONFIRM, {
      consentRequestId: created.id,
      input: debicheckConfirmation(),
    })
    expect(body).toEqual(
      badInput('paymentConsentRequestConfirm', [
        'input.debicheck: the consent request does not have debicheck enabled',
      ]),
    )
    sim.grantPaymentConsentRequest(created.id)
    expect(await read(sim, token, created.id)).toMatchObject({
      status: { __typename: 'PaymentConsentGranted' },
      consentDetails: null,
    })
  })

  describe('create refuses input that breaks a documented rule, and stores nothing', () => {
    it.each([
      [{ input: { nonce: '' } }, 'input.nonce must not be empty'],
      [
        { input: { nonce: 'n'.repeat(4097) } },
        'input.nonce must be at most 4096 characters (got 4097)',
      ],
      [
        { payerInformation: { identifyingDocument: {} } },
        'input.payerInformation.identifyingDocument must set exactly one of identityDocument, passport, temporaryResidenceId (got none)',
      ],
      [
        {
          payerInformation: {
            identifyingDocument: {
              identityDocument: { country: 'ZA', number: SA_ID },
              temporaryResidenceId: { country: 'ZA', number: 'TR1' },
            },
          },
        },
        'input.payerInformation.identifyingDocument must set exactly one of identityDocument, passport, temporaryResidenceId (got identityDocument, temporaryResidenceId)',
      ],
      [
        {
          payerInformation: {
            identifyingDocument: { identityDocument: { country: 'ZA', number: '123' } },
          },
        },
        'input.payerInformation.identifyingDocument.identityDocument.number must be a 13-digit South African ID number',
      ],
      [
        { payerInformation: { accountCreatedDate: '2024-13-01' } },
        'input.payerInformation.accountCreatedDate must be a date in the format yyyy-MM-dd',
      ],
      [
        { input: { paymentMethods: {} } },
        'input.paymentMethods must enable at least one of card, debicheck or capitecPay',
      ],
      [
        {
          input: {
            paymentMethods: {
              card: { enabled: false },
              capitecPay: {
                enabled: false,
                paymentOptions: {},
                paymentSchedule: { frequency: 'MONTHLY' },
              },
            },
          },
        },
        'input.paymentMethods must enable at least one of card, debicheck or capitecPay',
      ],
      [{ details: { contractReference: ' ' } }, `${PATH}.contractReference must not be empty`],
      [
        { details: { payerBank: { accountNumber: '62000000001', branchCode: ' ' } } },
        `${PATH}.payerBank: bankId must be specified when branchCode is not provided`,
      ],
      [
        { collection: { collectionDay: 31 } },
        `${PATH}.collection.collectionDay must be 1 to 30 for a monthly collection (got 31)`,
      ],
      [
        { collection: { collectionFrequency: 'weekly', collectionDay: 8 } },
        `${PATH}.collection.collectionDay must be 1 (Monday) to 7 (Sunday) for a weekly collection (got 8)`,
      ],
      [
        { collection: { collectionFrequency: 'weekly', collectionDay: 0 } },
        `${PATH}.collection.collectionDay must be 1 (Monday) to 7 (Sunday) for a weekly collection (got 0)`,
      ],
      [
        { collection: { collectionFrequency: 'fortnightly', collectionDay: 15 } },
        `${PATH}.collection.collectionDay must be 1 to 14 for a fortnightly collection (got 15)`,
      ],
      [
        {
          collection: {
            collectionFrequency: 'quarterly',
            collectionDay: 31,
            amountAdjustmentFrequency: 'never',
          },
        },
        `${PATH}.collection.collectionDay must be 1 to 30, or 99 for a quarterly collection (got 31)`,
      ],
      [
        { collection: { collectionFrequency: 'adHoc', collectionDay: 13 } },
        `${PATH}.collection.collectionDay must be 1 to 12, 14 or 99 for a adHoc collection (got 13)`,
      ],
      [
        { collection: { instalmentAmount: null } },
        `${PATH}.collection.instalmentAmount is required when debitValueType is fixed`,
      ],
      [
        { collection: { debitValueType: 'variable', instalmentAmount: null } },
        `${PATH}.collection.instalmentAmount is required when debitValueType is variable`,
      ],
      [
        { collection: { instalmentAmount: zar('150.01'), maximumCollectionAmount: zar('150.00') } },
        `${PATH}.collection.instalmentAmount must be less than or equal to maximumCollectionAmount`,
      ],
      [
        { collection: { maximumCollectionAmount: zar('150.01') } },
        `${PATH}.collection.maximumCollectionAmount can not be greater than 1.5 times the instalmentAmount when debitValueType is fixed`,
      ],
      [
        {
          collection: {
            debitValueType: 'usageBased',
            instalmentAmount: null,
            maximumCollectionAmount: zar('500000.01'),
          },
        },
        `${PATH}.collection.maximumCollectionAmount can not be greater than 500,000.00 when debitValueType is usageBased`,
      ],
      [
        {
          collection: {
            amountAdjustmentFrequency: 'annually',
            adjustmentAmount: zar('5.00'),
            adjustmentRate: '5.5',
          },
        },
        `${PATH}.collection: only one of adjustmentAmount or adjustmentRate can be provided`,
      ],
      ...['quarterly', 'biannually', 'annually'].map((amountAdjustmentFrequency) => [
        { collection: { amountAdjustmentFrequency } },
        `${PATH}.collection: adjustmentAmount or adjustmentRate is required when amountAdjustmentFrequency is ${amountAdjustmentFrequency}`,
      ]),
      [
        { collection: { amountAdjustmentFrequency: 'annually', adjustmentRate: '5.' } },
        `${PATH}.collection.adjustmentRate must be a decimal such as "5.5" (got "5.")`,
      ],
      [
        { collection: { firstCollectionDate: '2030-02-30', firstCollectionAmount: zar('100.00') } },
        `${PATH}.collection.firstCollectionDate must be a date in the format YYYY-MM-DD`,
      ],
      [
        { collection: { firstCollectionDate: '2030-03-01' } },
        `${PATH}.collection: firstCollectionDate and firstCollectionAmount must be provided together`,
      ],
      [
        { collection: { firstCollectionAmount: zar('100.00') } },
        `${PATH}.collection: firstCollectionDate and firstCollectionAmount must be provided together`,
      ],
      [
        { collection: { instalmentAmount: zar('100.001') } },
        `${PATH}.collection.instalmentAmount.quantity must have at most 2 decimal places (got 100.001)`,
      ],
      [
        {
          collection: {
            adjustmentAmount: { quantity: '-5.00', currency: 'USD' },
            amountAdjustmentFrequency: 'annually',
          },
        },
        `${PATH}.collection.adjustmentAmount.currency must be "ZAR" (got "USD")`,
      ],
    ] as [Parameters<typeof debicheckInput>[0], string][])('%j', async (overrides, problem) => {
      await using sim = await startConsentSim()
      const { body } = await gql(sim, await consentToken(sim), CREATE, {
        input: debicheckInput(overrides),
      })
      expect(body).toEqual(badInput('paymentConsentRequestCreate', [problem]))
      expect(sim.paymentConsentRequests).toEqual([])
    })

    it.each([
      [
        { paymentOptions: { variable: { max: { quantity: '500.00', currency: 'USD' } } } },
        'input.paymentMethods.capitecPay.paymentOptions.variable.max.currency must be "ZAR" (got "USD")',
      ],
      [
        { paymentOptions: { variable: { initial: zar('0'), max: zar('500.00') } } },
        'input.paymentMethods.capitecPay.paymentOptions.variable.initial.quantity must be greater than 0 (got 0)',
      ],
      [
        { paymentSchedule: { start: 'next month', frequency: 'MONTHLY' } },
        'input.paymentMethods.capitecPay.paymentSchedule.start must be an ISO 8601 date',
      ],
    ])('Capitec Pay %j', async (overrides, problem) => {
      await using sim = await startConsentSim()
      const { body } = await gql(sim, await consentToken(sim), CREATE, {
        input: capitecPayInput(overrides),
      })
      expect(body).toEqual(badInput('paymentConsentRequestCreate', [problem]))
    })

    it('refuses a card initial charge of nothing', async () => {
      await using sim = await startConsentSim()
      const { body } = await gql(sim, await consentToken(sim), CREATE, {
        input: {
          nonce: newNonce(),
          paymentMethods: { card: { enabled: true, initialCharge: { amount: zar('0.00') } } },
        },
      })
      expect(body).toEqual(
        badInput('paymentConsentRequestCreate', [
          'input.paymentMethods.card.initialCharge.amount.quantity must be greater than 0 (got 0.00)',
        ]),
      )
    })

    it('accepts exactly the documented limits', async () => {
      await using sim = await startConsentSim()
      const token = await consentToken(sim)
      for (const overrides of [
        { input: { nonce: 'n'.repeat(4096) } },
        // At most 1.5 times the instalment.
        { collection: { instalmentAmount: zar('100.00'), maximumCollectionAmount: zar('150.00') } },
        { collection: { instalmentAmount: zar('150.00'), maximumCollectionAmount: zar('150.00') } },
        {
          collection: {
            debitValueType: 'usageBased',
            instalmentAmount: null,
            maximumCollectionAmount: zar('500000.00'),
          },
        },
        { collection: { collectionDay: 30 } },
        { collection: { collectionFrequency: 'weekly', collectionDay: 7 } },
        { collection: { collectionFrequency: 'fortnightly', collectionDay: 14 } },
        { collection: { collectionFrequency: 'quarterly', collectionDay: 99 } },
        { collection: { collectionFrequency: 'adHoc', collectionDay: 14 } },
        { collection: { collectionFrequency: 'yearly', collectionDay: 365 } },
        // "Can be negative."
        { collection: { amountAdjustmentFrequency: 'annually', adjustmentAmount: zar('-5.00') } },
        { collection: { amountAdjustmentFrequency: 'quarterly', adjustmentRate: '5.5' } },
        { collection: { firstCollectionDate: '2030-03-01', firstCollectionAmount: zar('50.00') } },
        { details: { payerBank: { accountNumber: '62000000001', branchCode: '250655' } } },
        { payerInformation: { accountCreatedDate: '2024-02-29' } },
      ]) {
        const { body } = await gql(sim, token, CREATE, { input: debicheckInput(overrides) })
        expect(body.errors, JSON.stringify(overrides)).toBeUndefined()
      }
      expect(sim.paymentConsentRequests).toHaveLength(15)
      expect(sim.paymentConsentRequests[10]?.debicheck?.collection.adjustmentAmount).toEqual(
        zar('-5.00'),
      )
    })

    it('lists every problem at once', async () => {
      await using sim = await startConsentSim()
      const { body } = await gql(sim, await consentToken(sim), CREATE, {
        input: debicheckInput({
          input: { nonce: '' },
          details: { contractReference: '' },
          collection: { collectionDay: 0, instalmentAmount: null },
        }),
      })
      expect(body).toEqual(
        badInput('paymentConsentRequestCreate', [
          'input.nonce must not be empty',
          `${PATH}.contractReference must not be empty`,
          `${PATH}.collection.collectionDay must be 1 to 30 for a monthly collection (got 0)`,
          `${PATH}.collection.instalmentAmount is required when debitValueType is fixed`,
        ]),
      )
    })

    it('refuses a contractReference another of the client’s requests used', async () => {
      await using sim = await startConsentSim()
      const token = await consentToken(sim)
      const contractReference = newContract()
      await create(sim, token, debicheckInput({ details: { contractReference } }))
      const { body } = await gql(sim, token, CREATE, {
        input: debicheckInput({ details: { contractReference } }),
      })
      expect(body).toEqual(
        badInput('paymentConsentRequestCreate', [
          `${PATH}.contractReference "${contractReference}" was used by another consent request`,
        ]),
      )
      await create(
        sim,
        await otherClientToken(sim),
        debicheckInput({ details: { contractReference } }),
      )
      expect(sim.paymentConsentRequests.map((request) => request.clientId)).toEqual([
        secretClient.clientId,
        'other',
      ])
    })
  })

  describe('confirm refuses input that breaks a rule, and changes nothing', () => {
    const customer = (overrides: Record<string, unknown>) => ({
      nonce: newNonce(),
      debicheck: {
        customer: {
          ...(debicheckConfirmation().debicheck.customer as Record<string, unknown>),
          ...overrides,
        },
      },
    })
    it.each(
      (
        [
          [{ nonce: newNonce() }, 'input must set exactly one of debicheck, capitecPay (got none)'],
          [
            { ...debicheckConfirmation(), capitecPay: { mobileNumber: '0821234567' } },
            'input must set exactly one of debicheck, capitecPay (got debicheck, capitecPay)',
          ],
          [debicheckConfirmation({ nonce: '' }), 'input.nonce must not be empty'],
          [
            debicheckConfirmation({ nonce: 'n'.repeat(4097) }),
            'input.nonce must be at most 4096 characters (got 4097)',
          ],
          [
            { nonce: newNonce(), capitecPay: { mobileNumber: '0821234567' } },
            'input.capitecPay: the consent request does not have capitecPay enabled',
          ],
          [
            {
              nonce: newNonce(),
              debicheck: { collection: { collectionDay: 8, collectionFrequency: 'weekly' } },
            },
            'input.debicheck.collection.collectionDay must be 1 (Monday) to 7 (Sunday) for a weekly collection (got 8)',
          ],
          [customer({ fullName: ' ' }), 'input.debicheck.customer.fullName must not be empty'],
          [
            customer({ accountNumber: '' }),
            'input.debicheck.customer.accountNumber must not be empty',
          ],
          [customer({ phoneNumber: '' }), 'input.debicheck.customer.phoneNumber must not be empty'],
          [
            customer({ bankId: null }),
            'input.debicheck.customer: bankId must be specified when branchCode is not provided',
          ],
          [
            customer({ identifyingDocument: {} }),
            'input.debicheck.customer.identifyingDocument must set exactly one of identityDocument, passport, temporaryResidenceId, businessRegistration (got none)',
          ],
          [
            customer({
              identifyingDocument: {
                passport: { number: 'A1' },
                businessRegistration: { country: 'ZA', number: '2019/123456/07' },
              },
            }),
            'input.debicheck.customer.identifyingDocument must set exactly one of identityDocument, passport, temporaryResidenceId, businessRegistration (got passport, businessRegistration)',
          ],
          [
            customer({ identifyingDocument: { identityDocument: { country: 'ZA', number: ' ' } } }),
            'input.debicheck.customer.identifyingDocument.identityDocument.number must not be empty',
          ],
          [
            customer({
              identifyingDocument: { identityDocument: { country: 'ZA', number: '900101500908' } },
            }),
            'input.debicheck.customer.identifyingDocument.identityDocument.number must be a 13-digit South African ID number',
          ],
          [
            customer({
              identifyingDocument: { businessRegistration: { country: 'ZA', number: '' } },
            }),
            'input.debicheck.customer.identifyingDocument.businessRegistration.number must not be empty',
          ],
        ] as [Record<string, unknown>, string][]
      ).map(([input, problem]) => [problem, input] as const),
    )('%s', async (problem, input) => {
      await using sim = await startConsentSim()
      const token = await consentToken(sim)
      const { id } = await create(sim, token, debicheckInput())
      const { body } = await gql(sim, token, CONFIRM, { consentRequestId: id, input })
      expect(body).toEqual(badInput('paymentConsentRequestConfirm', [problem]))
      expect(sim.paymentConsentRequests.map((request) => request.status.type)).toEqual(['pending'])
    })

    it('accepts a 4096-character nonce, a branch code instead of a bank, a document without its country', async () => {
      await using sim = await startConsentSim()
      const token = await consentToken(sim)
      const { id } = await create(sim, token, debicheckInput())
      const confirmed = await confirm(
        sim,
        token,
        id,
        customer({
          bankId: null,
          branchCode: '250655',
          identifyingDocument: { passport: { number: 'A1234567' } },
        }),
      )
      expect(confirmed.consentDetails).toMatchObject({
        // Stitch's convention for a document given without its country.
        customer: {
          identifyingDocument: { __typename: 'PassportDetails', country: 'ZZ', number: 'A1234567' },
        },
      })
      const other = await create(sim, token, debicheckInput())
      await confirm(sim, token, other.id, debicheckConfirmation({ nonce: 'n'.repeat(4096) }))
    })

    it("refuses an unknown request and another client's", async () => {
      await using sim = await startConsentSim()
      const { id } = await create(sim, await consentToken(sim), debicheckInput())
      const otherToken = await otherClientToken(sim)
      for (const consentRequestId of ['nope', id]) {
        const { body } = await gql(sim, otherToken, CONFIRM, {
          consentRequestId,
          input: debicheckConfirmation(),
        })
        expect(body).toEqual(
          badInput('paymentConsentRequestConfirm', [
            `consentRequestId: no payment consent request with id "${consentRequestId}"`,
          ]),
        )
      }
      const revoke = await gql(sim, otherToken, REVOKE, { consentRequestId: id, reason: 'x' })
      expect(revoke.body).toEqual(
        badInput('paymentConsentRequestRevoke', [
          `consentRequestId: no payment consent request with id "${id}"`,
        ]),
      )
      expect(await read(sim, otherToken, id)).toBeNull()
      expect(await read(sim, otherToken, 'nope')).toBeNull()
    })
  })

  describe('nonce', () => {
    it('create refuses a reused nonce, once a request with valid input has used it', async () => {
      await using sim = await startConsentSim()
      const token = await consentToken(sim)
      const nonce = newNonce()
      const invalid = await gql(sim, token, CREATE, {
        input: debicheckInput({ input: { nonce }, collection: { collectionDay: 31 } }),
      })
      expect(invalid.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
      await create(sim, token, debicheckInput({ input: { nonce } }))
      const reused = await gql(sim, token, CREATE, {
        input: { ...capitecPayInput(), nonce },
      })
      expect(reused.body).toEqual(NONCE_REUSED('paymentConsentRequestCreate'))
      expect(sim.paymentConsentRequests.map((request) => request.nonce)).toEqual([nonce])
      expect(sim.apiRequests.map((entry) => entry.outcome)).toEqual(['error', 'ok', 'error'])
    })

    it('confirm refuses a reused nonce, once a valid confirmation has used it', async () => {
      await using sim = await startConsentSim()
      const token = await consentToken(sim)
      const first = await create(sim, token, debicheckInput())
      const second = await create(sim, token, debicheckInput())
      const nonce = newNonce()
      const invalid = await gql(sim, token, CONFIRM, {
        consentRequestId: first.id,
        input: { nonce, debicheck: {}, capitecPay: {} },
      })
      expect(invalid.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
      await confirm(sim, token, first.id, debicheckConfirmation({ nonce }))
      // Refused for the state, before the nonce is looked at: it does not use the nonce.
      const processing = await gql(sim, token, CONFIRM, {
        consentRequestId: first.id,
        input: debicheckConfirmation({ nonce: 'kept' }),
      })
      expect(processing.body.errors?.[0]?.message).toMatch(/is processing and can't be confirmed/)
      const reused = await gql(sim, token, CONFIRM, {
        consentRequestId: second.id,
        input: debicheckConfirmation({ nonce }),
      })
      expect(reused.body).toEqual(NONCE_REUSED('paymentConsentRequestConfirm'))
      expect(sim.paymentConsentRequests.map((request) => request.status.type)).toEqual([
        'processing',
        'pending',
      ])
      await confirm(sim, token, second.id, debicheckConfirmation({ nonce: 'kept' }))
    })

    it('keeps nonces per mutation and per client', async () => {
      await using sim = await startConsentSim()
      const token = await consentToken(sim)
      const nonce = newNonce()
      const { id } = await create(sim, token, debicheckInput({ input: { nonce } }))
      await confirm(sim, token, id, debicheckConfirmation({ nonce }))
      await create(sim, await otherClientToken(sim), debicheckInput({ input: { nonce } }))
      expect(
        sim.paymentConsentRequests.map((request) => [request.clientId, request.nonce]),
      ).toEqual([
        [secretClient.clientId, nonce],
        ['other', nonce],
      ])
    })
  })

  it('needs client_recurringpaymentconsentrequest to create, confirm, revoke or read one', async () => {
    await using sim = await startConsentSim()
    const { id } = await create(sim, await consentToken(sim), debicheckInput())
    const token = await getAccessToken(sim, 'client_paymentrequest client_refund')
    const answers = [
      [await gql(sim, token, CREATE, { input: debicheckInput() }), 'paymentConsentRequestCreate'],
      [
        await gql(sim, token, CONFIRM, { consentRequestId: id, input: debicheckConfirmation() }),
        'paymentConsentRequestConfirm',
      ],
      [
        await gql(sim, token, REVOKE, { consentRequestId: id, reason: 'x' }),
        'paymentConsentRequestRevoke',
      ],
      [await gql(sim, token, NODE_QUERY, { id }), 'node'],
    ] as const
    for (const [{ body }, path] of answers) {
      expect(body).toEqual({
        errors: [
          {
            message: 'Token is missing the following scope: client_recurringpaymentconsentrequest',
            locations: expect.any(Array),
            path: [path],
            extensions: {
              code: 'FORBIDDEN',
              missingScopes: ['client_recurringpaymentconsentrequest'],
            },
          },
        ],
        data: path === 'node' ? { node: null } : null,
      })
    }
    expect(sim.paymentConsentRequests.map((request) => request.status.type)).toEqual(['pending'])
  })
})

import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createStitchAuth,
  StitchConfigError,
  StitchInputError,
  type StitchScope,
  StitchTokenRequestError,
} from '../../src/index.js'
import {
  type BusinessLookup,
  findBusinessByName,
  findBusinessByRegistrationNumber,
  findBusinessesByDirectorId,
} from '../../src/operations/index.js'

const LOOKUP = { clientId: 'test-business-lookup', clientSecret: 'lookup-secret' }
// A client Stitch has not enabled for business lookup.
const PAYMENTS_ONLY = { clientId: 'test-payments-only', clientSecret: 'payments-secret' }

let sim: StitchSimulator
const open: Array<{ close(): Promise<void> }> = []

beforeAll(async () => {
  sim = await startStitchSimulator({
    clients: [
      { ...LOOKUP, scopes: ['client_businesslookup', 'client_paymentrequest'] },
      { ...PAYMENTS_ONLY, scopes: ['client_paymentrequest'] },
    ],
  })
  sim.registerBusiness({
    name: 'UMOYA SOLAR (PTY) LTD',
    registration: { country: 'ZA', number: '2021/654321/07' },
    registrationDate: '2021-05-20T00:00:00.000Z',
    address: {
      formatted: '1 Beach Road\nDurban\n4001',
      streetAddress: '1 Beach Road',
      sublocality: null,
      locality: 'Durban',
      region: 'KwaZulu-Natal',
      postalCode: '4001',
      country: 'ZA',
    },
    status: 'active',
    directors: [
      {
        givenName: 'Sipho',
        familyName: 'Dlamini',
        identifyingDocument: { kind: 'identityDocument', country: 'ZA', number: '8505055800085' },
      },
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

const umoya: BusinessLookup = {
  name: 'UMOYA SOLAR (PTY) LTD',
  registration: { country: 'ZA', number: '2021/654321/07' },
  registrationDate: '2021-05-20T00:00:00.000Z',
  // "Only givenName and familyName fields will be returned": the others read as undefined.
  directors: [
    {
      givenName: 'Sipho',
      familyName: 'Dlamini',
      fullName: undefined,
      obfuscatedIdentifyingNumber: undefined,
      dateOfBirth: undefined,
    },
  ],
  businessAddress: {
    formatted: '1 Beach Road\nDurban\n4001',
    streetAddress: '1 Beach Road',
    sublocality: undefined,
    locality: 'Durban',
    region: 'KwaZulu-Natal',
    postalCode: '4001',
    country: 'ZA',
  },
  businessStatus: 'active',
}

describe('findBusinessByName', () => {
  it('finds a registered business with a token for exactly its scope', async () => {
    const stitch = client(LOOKUP, ['client_businesslookup', 'client_paymentrequest'])
    const variables = { businessName: 'Umoya Solar (Pty) Ltd', country: 'ZA' }
    await expect(stitch.run(findBusinessByName, variables)).resolves.toEqual(umoya)
    expect(sim.tokenRequests.map((request) => request.scope)).toEqual(['client_businesslookup'])
    expect(sim.apiRequests).toMatchObject([
      {
        operationName: 'FindBusinessByName',
        scopes: ['client_businesslookup'],
        variables,
        outcome: 'ok',
      },
    ])
  })

  it('answers null for a name Stitch does not match', async () => {
    // How names match is Stitch's to decide; the simulator wants the registered name.
    const stitch = client(LOOKUP)
    await expect(
      stitch.run(findBusinessByName, { businessName: 'Umoya', country: 'ZA' }),
    ).resolves.toBeNull()
    await expect(
      stitch.run(findBusinessByName, { businessName: 'Umoya Solar (Pty) Ltd', country: 'NA' }),
    ).resolves.toBeNull()
    expect(sim.apiRequests.map((request) => request.outcome)).toEqual(['ok', 'ok'])
  })

  it('refuses invalid input before any request, naming each field', async () => {
    const stitch = client(LOOKUP)
    const error = await stitch
      .run(findBusinessByName, { businessName: '  ', country: 'za' })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchInputError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_INVALID_VARIABLES',
      operation: 'FindBusinessByName',
      issues: [
        { path: 'businessName', message: 'must not be empty' },
        { path: 'country', message: 'must be a two-letter country code such as ZA' },
      ],
    })
    expect(sim.tokenRequests).toHaveLength(0)
    expect(sim.apiRequests).toHaveLength(0)
  })

  it('fails the token request when Stitch has not enabled the scope for the client', async () => {
    // Without a `scopes` option run() cannot check locally; the token request is for exactly
    // the operation's scope, so Stitch refuses it (invalid_scope) before the API is called.
    const stitch = client(PAYMENTS_ONLY)
    const error = await stitch
      .run(findBusinessByName, { businessName: 'Umoya Solar (Pty) Ltd', country: 'ZA' })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchTokenRequestError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_TOKEN_REJECTED', error: 'invalid_scope' })
    expect(sim.tokenRequests).toMatchObject([
      { scope: 'client_businesslookup', outcome: 'invalid_scope' },
    ])
    expect(sim.apiRequests).toHaveLength(0)
  })

  it("refuses every lookup outside the client's scopes before any request", async () => {
    const stitch = client(PAYMENTS_ONLY, ['client_paymentrequest'])
    const attempts = [
      // @ts-expect-error: the client's scopes do not include client_businesslookup
      stitch.run(findBusinessByName, { businessName: 'Umoya', country: 'ZA' }),
      // @ts-expect-error: the client's scopes do not include client_businesslookup
      stitch.run(findBusinessByRegistrationNumber, { input: { country: 'ZA', number: '1' } }),
      // @ts-expect-error: the client's scopes do not include client_businesslookup
      stitch.run(findBusinessesByDirectorId, {
        directorId: { passport: { country: 'GB', number: '123456789' } },
        country: 'ZA',
      }),
    ]
    for (const attempt of attempts) {
      const error = await attempt.catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(StitchConfigError)
      expect(error).toMatchObject({ code: 'STITCH_AUTH_CONFIG_INVALID' })
      expect((error as Error).message).toMatch(/needs client_businesslookup/)
    }
    expect(sim.tokenRequests).toHaveLength(0)
    expect(sim.apiRequests).toHaveLength(0)
  })
})

describe('findBusinessByRegistrationNumber', () => {
  it('finds a business by its registration, and answers null for an unknown one', async () => {
    const stitch = client(LOOKUP)
    const input = { country: 'ZA', number: '2021/654321/07' }
    await expect(stitch.run(findBusinessByRegistrationNumber, { input })).resolves.toEqual(umoya)
    await expect(
      stitch.run(findBusinessByRegistrationNumber, {
        input: { country: 'ZA', number: '1999/000000/07' },
      }),
    ).resolves.toBeNull()
    expect(sim.tokenRequests.map((request) => request.scope)).toEqual(['client_businesslookup'])
    expect(sim.apiRequests).toMatchObject([
      {
        operationName: 'FindBusinessByRegistrationNumber',
        scopes: ['client_businesslookup'],
        variables: { input },
      },
      { operationName: 'FindBusinessByRegistrationNumber' },
    ])
  })

  it('refuses an empty number and a bad country before any request', async () => {
    const stitch = client(LOOKUP)
    const error = await stitch
      .run(findBusinessByRegistrationNumber, { input: { country: 'ZAF', number: '' } })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchInputError)
    expect((error as StitchInputError).issues).toEqual([
      { path: 'input.country', message: 'must be a two-letter country code such as ZA' },
      { path: 'input.number', message: 'must not be empty' },
    ])
    expect(sim.tokenRequests).toHaveLength(0)
  })
})

describe('findBusinessesByDirectorId', () => {
  it("lists the businesses a director's identity document or passport directs", async () => {
    const stitch = client(LOOKUP)
    // A fixture director of both fixture businesses.
    const businesses = await stitch.run(findBusinessesByDirectorId, {
      directorId: { identityDocument: { country: 'ZA', number: '9001015009087' } },
      country: 'ZA',
    })
    expect(businesses.map((business) => [business.name, business.businessStatus])).toEqual([
      ['KOMBUCHA FIZZ (PTY) LTD', 'active'],
      ['FIZZBUZZ TRADING CC', 'deregistering'],
    ])
    await expect(
      stitch.run(findBusinessesByDirectorId, {
        directorId: { identityDocument: { country: 'ZA', number: '8505055800085' } },
        country: 'ZA',
      }),
    ).resolves.toEqual([umoya])
    await expect(
      stitch.run(findBusinessesByDirectorId, {
        directorId: { passport: { country: 'GB', number: '000000000' } },
        country: 'ZA',
      }),
    ).resolves.toEqual([])
    expect(new Set(sim.tokenRequests.map((request) => request.scope))).toEqual(
      new Set(['client_businesslookup']),
    )
    expect(sim.apiRequests.map((request) => request.operationName)).toEqual([
      'FindBusinessesByDirectorId',
      'FindBusinessesByDirectorId',
      'FindBusinessesByDirectorId',
    ])
  })

  it('refuses two documents, or a South African ID that is not 13 digits, before any request', async () => {
    const stitch = client(LOOKUP)
    const two = await stitch
      .run(findBusinessesByDirectorId, {
        directorId: {
          identityDocument: { country: 'ZA', number: '9001015009087' },
          passport: { country: 'GB', number: '123456789' },
        },
        country: 'ZA',
      })
      .catch((caught: unknown) => caught)
    expect(two).toBeInstanceOf(StitchInputError)
    expect((two as StitchInputError).issues).toEqual([
      {
        path: 'directorId',
        message: 'give exactly one of identityDocument, passport or temporaryResidenceId',
      },
    ])
    const short = await stitch
      .run(findBusinessesByDirectorId, {
        directorId: { identityDocument: { country: 'ZA', number: '900101' } },
        country: 'ZA',
      })
      .catch((caught: unknown) => caught)
    expect((short as StitchInputError).issues).toEqual([
      {
        path: 'directorId.identityDocument.number',
        message: 'must be a 13-digit South African ID number',
      },
    ])
    expect(sim.tokenRequests).toHaveLength(0)
  })
})

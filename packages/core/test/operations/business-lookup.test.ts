import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  type BusinessLookup,
  defineApiOperation,
  findBusinessByName,
  findBusinessByRegistrationNumber,
  findBusinessesByDirectorId,
} from '../../src/operations/index.js'
import { PAYMENTS_ONLY, useOperationsSimulator } from './setup.js'

const LOOKUP = { clientId: 'test-business-lookup', clientSecret: 'lookup-secret' }

const ctx = useOperationsSimulator({
  clients: [
    { ...LOOKUP, scopes: ['client_businesslookup', 'client_paymentrequest'] },
    PAYMENTS_ONLY,
  ],
  seed: (sim) => {
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
  },
})

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
    const stitch = ctx.client(LOOKUP, ['client_businesslookup', 'client_paymentrequest'])
    const variables = { businessName: 'Umoya Solar (Pty) Ltd', country: 'ZA' }
    await expect(stitch.run(findBusinessByName, variables)).resolves.toEqual(umoya)
    expect(ctx.requestedScopes()).toEqual(['client_businesslookup'])
    expect(ctx.sim.apiRequests).toMatchObject([
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
    const stitch = ctx.client(LOOKUP)
    await expect(
      stitch.run(findBusinessByName, { businessName: 'Umoya', country: 'ZA' }),
    ).resolves.toBeNull()
    await expect(
      stitch.run(findBusinessByName, { businessName: 'Umoya Solar (Pty) Ltd', country: 'NA' }),
    ).resolves.toBeNull()
    expect(ctx.sim.apiRequests.map((request) => request.outcome)).toEqual(['ok', 'ok'])
  })

  it('refuses invalid input before any request, naming each field', async () => {
    const stitch = ctx.client(LOOKUP)
    await ctx.expectRefusedLocally(
      stitch.run(findBusinessByName, { businessName: '  ', country: 'za' }),
      [
        { path: 'businessName', message: 'must not be empty' },
        { path: 'country', message: 'must be a two-letter country code such as ZA' },
      ],
      { operation: 'FindBusinessByName' },
    )
  })

  it('fails the token request when Stitch has not enabled the scope for the client', async () => {
    // Without a `scopes` option run() cannot check locally, so the token endpoint decides.
    const stitch = ctx.client(PAYMENTS_ONLY)
    await ctx.expectScopeNotEnabled(
      stitch.run(findBusinessByName, { businessName: 'Umoya Solar (Pty) Ltd', country: 'ZA' }),
      'client_businesslookup',
    )
  })

  it("refuses every lookup outside the client's scopes before any request", async () => {
    const stitch = ctx.client(PAYMENTS_ONLY, ['client_paymentrequest'])
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
      await ctx.expectRefusedByScopesOption(attempt, /needs client_businesslookup/)
    }
  })
})

describe('findBusinessByRegistrationNumber', () => {
  it('finds a business by its registration, and answers null for an unknown one', async () => {
    const stitch = ctx.client(LOOKUP)
    const input = { country: 'ZA', number: '2021/654321/07' }
    await expect(stitch.run(findBusinessByRegistrationNumber, { input })).resolves.toEqual(umoya)
    await expect(
      stitch.run(findBusinessByRegistrationNumber, {
        input: { country: 'ZA', number: '1999/000000/07' },
      }),
    ).resolves.toBeNull()
    expect(ctx.requestedScopes()).toEqual(['client_businesslookup'])
    expect(ctx.sim.apiRequests).toMatchObject([
      {
        operationName: 'FindBusinessByRegistrationNumber',
        scopes: ['client_businesslookup'],
        variables: { input },
      },
      { operationName: 'FindBusinessByRegistrationNumber' },
    ])
  })

  it('refuses an empty number and a bad country before any request', async () => {
    const stitch = ctx.client(LOOKUP)
    await ctx.expectRefusedLocally(
      stitch.run(findBusinessByRegistrationNumber, { input: { country: 'ZAF', number: '' } }),
      [
        { path: 'input.country', message: 'must be a two-letter country code such as ZA' },
        { path: 'input.number', message: 'must not be empty' },
      ],
    )
  })
})

describe('findBusinessesByDirectorId', () => {
  it("lists the businesses a director's identity document or passport directs", async () => {
    const stitch = ctx.client(LOOKUP)
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
    expect(new Set(ctx.requestedScopes())).toEqual(new Set(['client_businesslookup']))
    expect(ctx.sim.apiRequests.map((request) => request.operationName)).toEqual([
      'FindBusinessesByDirectorId',
      'FindBusinessesByDirectorId',
      'FindBusinessesByDirectorId',
    ])
  })

  it('refuses two documents, or a South African ID that is not 13 digits, before any request', async () => {
    const stitch = ctx.client(LOOKUP)
    await ctx.expectRefusedLocally(
      stitch.run(findBusinessesByDirectorId, {
        directorId: {
          identityDocument: { country: 'ZA', number: '9001015009087' },
          passport: { country: 'GB', number: '123456789' },
        },
        country: 'ZA',
      }),
      [
        {
          path: 'directorId',
          message: 'give exactly one of identityDocument, passport or temporaryResidenceId',
        },
      ],
    )
    await ctx.expectRefusedLocally(
      stitch.run(findBusinessesByDirectorId, {
        directorId: { identityDocument: { country: 'ZA', number: '900101' } },
        country: 'ZA',
      }),
      [
        {
          path: 'directorId.identityDocument.number',
          message: 'must be a 13-digit South African ID number',
        },
      ],
    )
  })

  it('refuses a director id number of spaces only before any request', async () => {
    const stitch = ctx.client(LOOKUP)
    await ctx.expectRefusedLocally(
      stitch.run(findBusinessesByDirectorId, {
        directorId: { passport: { country: 'GB', number: '  ' } },
        country: 'ZA',
      }),
      [{ path: 'directorId.passport.number', message: 'must not be empty' }],
    )
  })

  it('maps Stitch refusing input to STITCH_AUTH_API_INVALID_INPUT', async () => {
    // The catalog refuses locally all that the simulator refuses; the same document sent by an
    // application's operation that checks nothing shows how Stitch's own refusal reads.
    const stitch = ctx.client(LOOKUP)
    const unchecked = defineApiOperation({
      name: findBusinessesByDirectorId.name,
      document: findBusinessesByDirectorId.document,
      scopes: findBusinessesByDirectorId.scopes,
      variables: z.object({ directorId: z.unknown(), country: z.string() }),
      result: (data) => data,
    })
    const error = await ctx.expectInputRefusedByStitch(
      stitch.run(unchecked, {
        directorId: { passport: { country: 'GB', number: '  ' } },
        country: 'ZA',
      }),
      'directorId.passport.number must not be empty',
    )
    expect(error.errors).toMatchObject([{ path: ['client', 'businessesByDirectorId'] }])
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'FindBusinessesByDirectorId', outcome: 'error' },
    ])
    await ctx.expectTokenNotIn(error, stitch, ['client_businesslookup'])
  })
})

describe('business lookup scopes', () => {
  it('maps the API refusing a token without client_businesslookup to STITCH_AUTH_API_FORBIDDEN', async () => {
    // The same documents with a token of another scope: the API itself refuses them.
    const stitch = ctx.client(LOOKUP)
    const scopes = ['client_paymentrequest'] as const
    const calls = [
      {
        call: () =>
          stitch.run(defineApiOperation({ ...findBusinessByName, scopes }), {
            businessName: 'Umoya Solar (Pty) Ltd',
            country: 'ZA',
          }),
        field: 'businessByName',
      },
      {
        call: () =>
          stitch.run(defineApiOperation({ ...findBusinessByRegistrationNumber, scopes }), {
            input: { country: 'ZA', number: '2021/654321/07' },
          }),
        field: 'businessByRegistrationNumber',
      },
      {
        call: () =>
          stitch.run(defineApiOperation({ ...findBusinessesByDirectorId, scopes }), {
            directorId: { identityDocument: { country: 'ZA', number: '8505055800085' } },
            country: 'ZA',
          }),
        field: 'businessesByDirectorId',
      },
    ]
    for (const { call, field } of calls) {
      const error = await ctx.expectForbiddenByStitch(call(), ['client_businesslookup'])
      expect(error.errors).toMatchObject([{ path: ['client', field] }])
      await ctx.expectTokenNotIn(error, stitch, scopes)
    }
    expect(ctx.requestedScopes()).toEqual(['client_paymentrequest'])
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'FindBusinessByName', outcome: 'forbidden' },
      { operationName: 'FindBusinessByRegistrationNumber', outcome: 'forbidden' },
      { operationName: 'FindBusinessesByDirectorId', outcome: 'forbidden' },
    ])
  })
})

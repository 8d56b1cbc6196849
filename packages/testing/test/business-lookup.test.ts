import { describe, expect, it } from 'vitest'
import { DOCUMENTED_SCOPES, type SimulatedBusiness, type StitchSimulator } from '../src/index.js'
import { FIXTURE_BUSINESSES } from '../src/stitch/business-lookup.js'
import { getAccessToken, gql, secretClient, startSim } from './helpers.js'

const lookupClient = { ...secretClient, scopes: [...DOCUMENTED_SCOPES] }
const startLookupSim = () => startSim({ clients: [lookupClient] })
const lookupToken = (sim: StitchSimulator) => getAccessToken(sim, 'client_businesslookup')

const BUSINESS_FIELDS = /* GraphQL */ `
  fragment Business on BusinessLookup {
    name
    registration { country number }
    registrationDate
    directors { givenName familyName fullName obfuscatedIdentifyingNumber dateOfBirth }
    businessAddress { formatted streetAddress sublocality locality region postalCode country }
    businessStatus
  }
`

const BY_NAME = /* GraphQL */ `
  query ByName($businessName: String!, $country: CountryCode!) {
    client { businessByName(businessName: $businessName, country: $country) { ...Business } }
  }
  ${BUSINESS_FIELDS}
`

const BY_REGISTRATION = /* GraphQL */ `
  query ByRegistration($input: BusinessRegistrationInput!) {
    client { businessByRegistrationNumber(input: $input) { ...Business } }
  }
  ${BUSINESS_FIELDS}
`

const BY_DIRECTOR = /* GraphQL */ `
  query ByDirector($directorId: IdentifyingDocumentInput!, $country: CountryCode!) {
    client { businessesByDirectorId(directorId: $directorId, country: $country) { name } }
  }
`

const SA_ID = '9001015009087'

const director = (givenName: string, familyName: string) => ({
  givenName,
  familyName,
  fullName: null,
  obfuscatedIdentifyingNumber: null,
  dateOfBirth: null,
})

const KOMBUCHA = {
  name: 'KOMBUCHA FIZZ (PTY) LTD',
  registration: { country: 'ZA', number: '2019/123456/07' },
  registrationDate: '2019-03-14T00:00:00.000Z',
  directors: [director('Thandi Nomsa', 'Mokoena'), director('Alex', 'Smith')],
  businessAddress: {
    formatted: '12 Loop Street\nCape Town City Centre\nCape Town\n8001',
    streetAddress: '12 Loop Street',
    sublocality: 'Cape Town City Centre',
    locality: 'Cape Town',
    region: 'Western Cape',
    postalCode: '8001',
    country: 'ZA',
  },
  businessStatus: 'active',
}

async function lookup<T>(
  sim: StitchSimulator,
  token: string,
  query: string,
  field: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const { body } = await gql(sim, token, query, variables)
  expect(body.errors).toBeUndefined()
  return (body.data?.client as Record<string, T> | undefined)?.[field] as T
}

const byName = (sim: StitchSimulator, token: string, businessName: string, country = 'ZA') =>
  lookup(sim, token, BY_NAME, 'businessByName', { businessName, country })
const byRegistration = (sim: StitchSimulator, token: string, country: string, number: string) =>
  lookup(sim, token, BY_REGISTRATION, 'businessByRegistrationNumber', {
    input: { country, number },
  })
const namesByDirector = async (
  sim: StitchSimulator,
  token: string,
  directorId: Record<string, unknown>,
  country = 'ZA',
) =>
  (
    await lookup<{ name: string }[]>(sim, token, BY_DIRECTOR, 'businessesByDirectorId', {
      directorId,
      country,
    })
  ).map((business) => business.name)

function badInput(path: readonly string[], problems: readonly string[]) {
  return {
    message: `Invalid input: ${problems.join('; ')}`,
    locations: expect.any(Array),
    path,
    extensions: { code: 'BAD_USER_INPUT', problems },
  }
}

describe('business lookup', () => {
  describe('businessByName', () => {
    it('finds a business by its registered name, ignoring case and runs of spaces', async () => {
      await using sim = await startLookupSim()
      const token = await lookupToken(sim)
      expect(await byName(sim, token, 'KOMBUCHA FIZZ (PTY) LTD')).toEqual(KOMBUCHA)
      expect(await byName(sim, token, '  kombucha   fizz (pty) ltd ', 'za')).toEqual(KOMBUCHA)
    })

    it('answers null for a partial or unknown name, or another country', async () => {
      await using sim = await startLookupSim()
      const token = await lookupToken(sim)
      expect(await byName(sim, token, 'Kombucha')).toBeNull()
      expect(await byName(sim, token, 'No Such Business')).toBeNull()
      expect(await byName(sim, token, 'KOMBUCHA FIZZ (PTY) LTD', 'NA')).toBeNull()
    })

    it.each(['', '   '])('refuses an empty businessName (%j)', async (businessName) => {
      await using sim = await startLookupSim()
      const { body } = await gql(sim, await lookupToken(sim), BY_NAME, {
        businessName,
        country: 'ZA',
      })
      expect(body).toEqual({
        errors: [badInput(['client', 'businessByName'], ['businessName must not be empty'])],
        data: { client: { businessByName: null } },
      })
    })
  })

  describe('businessByRegistrationNumber', () => {
    it('finds a business by country and number, ignoring case and spaces', async () => {
      await using sim = await startLookupSim()
      const token = await lookupToken(sim)
      expect(await byRegistration(sim, token, 'ZA', '2019/123456/07')).toEqual(KOMBUCHA)
      expect(await byRegistration(sim, token, 'za', ' k2008 123456 ')).toEqual({
        name: 'FIZZBUZZ TRADING CC',
        registration: { country: 'ZA', number: 'K2008123456' },
        registrationDate: '2008-07-01T00:00:00.000Z',
        directors: [director('Thandi Nomsa', 'Mokoena')],
        businessAddress: {
          formatted: '5 Jan Smuts Avenue\nBraamfontein\nJohannesburg\n2001',
          streetAddress: '5 Jan Smuts Avenue',
          sublocality: 'Braamfontein',
          locality: 'Johannesburg',
          region: 'Gauteng',
          postalCode: '2001',
          country: 'ZA',
        },
        businessStatus: 'deregistering',
      })
    })

    it('answers null for an unknown number or another country', async () => {
      await using sim = await startLookupSim()
      const token = await lookupToken(sim)
      expect(await byRegistration(sim, token, 'ZA', '2019/999999/07')).toBeNull()
      expect(await byRegistration(sim, token, 'NA', '2019/123456/07')).toBeNull()
    })

    it('refuses an empty number', async () => {
      await using sim = await startLookupSim()
      const { body } = await gql(sim, await lookupToken(sim), BY_REGISTRATION, {
        input: { country: 'ZA', number: ' ' },
      })
      expect(body).toEqual({
        errors: [
          badInput(['client', 'businessByRegistrationNumber'], ['input.number must not be empty']),
        ],
        data: { client: { businessByRegistrationNumber: null } },
      })
    })
  })

  describe('businessesByDirectorId', () => {
    it("lists the businesses of the country whose directors hold the document, serving none of the directors' documents", async () => {
      await using sim = await startLookupSim()
      const token = await lookupToken(sim)
      expect(
        await namesByDirector(sim, token, { identityDocument: { country: 'ZA', number: SA_ID } }),
      ).toEqual(['KOMBUCHA FIZZ (PTY) LTD', 'FIZZBUZZ TRADING CC'])
      expect(
        await namesByDirector(sim, token, { passport: { country: 'gb', number: '123 456 789' } }),
      ).toEqual(['KOMBUCHA FIZZ (PTY) LTD'])
      const full = await gql(
        sim,
        token,
        /* GraphQL */ `
          query ($directorId: IdentifyingDocumentInput!) {
            client { businessesByDirectorId(directorId: $directorId, country: "ZA") { ...Business } }
          }
          ${BUSINESS_FIELDS}
        `,
        { directorId: { passport: { country: 'GB', number: '123456789' } } },
      )
      expect(full.body).toEqual({ data: { client: { businessesByDirectorId: [KOMBUCHA] } } })
    })

    it('answers an empty list for an unknown document, another kind, or another country', async () => {
      await using sim = await startLookupSim()
      const token = await lookupToken(sim)
      expect(
        await namesByDirector(sim, token, {
          identityDocument: { country: 'ZA', number: '8001015009080' },
        }),
      ).toEqual([])
      // The same number as a passport is another document.
      expect(
        await namesByDirector(sim, token, { passport: { country: 'ZA', number: SA_ID } }),
      ).toEqual([])
      expect(
        await namesByDirector(
          sim,
          token,
          { identityDocument: { country: 'ZA', number: SA_ID } },
          'NA',
        ),
      ).toEqual([])
    })

    it.each([
      [
        {},
        'directorId must set exactly one of identityDocument, passport, temporaryResidenceId (got none)',
      ],
      [
        {
          identityDocument: { country: 'ZA', number: SA_ID },
          passport: { country: 'GB', number: '123456789' },
        },
        'directorId must set exactly one of identityDocument, passport, temporaryResidenceId (got identityDocument, passport)',
      ],
      [
        { identityDocument: { country: 'ZA', number: '900101500908' } },
        'directorId.identityDocument.number must be a 13-digit South African ID number',
      ],
      [
        { temporaryResidenceId: { country: 'ZA', number: '' } },
        'directorId.temporaryResidenceId.number must not be empty',
      ],
    ])('refuses %j', async (directorId, problem) => {
      await using sim = await startLookupSim()
      const { body } = await gql(sim, await lookupToken(sim), BY_DIRECTOR, {
        directorId,
        country: 'ZA',
      })
      // The list is non-null, and so is Client: the error nulls the whole answer.
      expect(body).toEqual({
        errors: [badInput(['client', 'businessesByDirectorId'], [problem])],
        data: null,
      })
    })
  })

  it('finds registered businesses, per simulator, leaving the fixtures alone', async () => {
    await using sim = await startLookupSim()
    await using other = await startLookupSim()
    const business: SimulatedBusiness = {
      name: 'Ubuntu Bakes (Pty) Ltd',
      registration: { country: 'ZA', number: '2021/654321/07' },
      registrationDate: null,
      address: null,
      status: null,
      directors: [
        {
          givenName: 'Sipho',
          familyName: 'Ndlovu',
          identifyingDocument: { kind: 'identityDocument', country: 'ZA', number: '8506155009081' },
        },
      ],
    }
    sim.registerBusiness(business)
    const token = await lookupToken(sim)
    const expected = {
      name: 'Ubuntu Bakes (Pty) Ltd',
      registration: { country: 'ZA', number: '2021/654321/07' },
      registrationDate: null,
      directors: [director('Sipho', 'Ndlovu')],
      businessAddress: null,
      businessStatus: null,
    }
    expect(await byName(sim, token, 'ubuntu bakes (pty) ltd')).toEqual(expected)
    expect(await byRegistration(sim, token, 'ZA', '2021/654321/07')).toEqual(expected)
    expect(
      await namesByDirector(sim, token, {
        identityDocument: { country: 'ZA', number: '8506155009081' },
      }),
    ).toEqual(['Ubuntu Bakes (Pty) Ltd'])
    expect(await byRegistration(other, await lookupToken(other), 'ZA', '2021/654321/07')).toBeNull()

    // The same registration replaces the business.
    sim.registerBusiness({ ...business, name: 'Ubuntu Bakery (Pty) Ltd', status: 'active' })
    expect(await byRegistration(sim, token, 'ZA', '2021/654321/07')).toMatchObject({
      name: 'Ubuntu Bakery (Pty) Ltd',
      businessStatus: 'active',
    })
    expect(await byName(sim, token, 'Ubuntu Bakes (Pty) Ltd')).toBeNull()
    expect(FIXTURE_BUSINESSES.size).toBe(2)
    expect(Object.isFrozen(FIXTURE_BUSINESSES.get('ZA/2019/123456/07'))).toBe(true)
  })

  it('needs client_businesslookup for each lookup', async () => {
    await using sim = await startLookupSim()
    const token = await getAccessToken(sim, 'client_bankaccountverification')
    const forbidden = (field: string) => ({
      message: 'Token is missing the following scope: client_businesslookup',
      locations: expect.any(Array),
      path: ['client', field],
      extensions: { code: 'FORBIDDEN', missingScopes: ['client_businesslookup'] },
    })
    const name = await gql(sim, token, BY_NAME, { businessName: KOMBUCHA.name, country: 'ZA' })
    expect(name.body).toEqual({
      errors: [forbidden('businessByName')],
      data: { client: { businessByName: null } },
    })
    const registration = await gql(sim, token, BY_REGISTRATION, { input: KOMBUCHA.registration })
    expect(registration.body).toEqual({
      errors: [forbidden('businessByRegistrationNumber')],
      data: { client: { businessByRegistrationNumber: null } },
    })
    const directors = await gql(sim, token, BY_DIRECTOR, {
      directorId: { identityDocument: { country: 'ZA', number: SA_ID } },
      country: 'ZA',
    })
    expect(directors.body).toEqual({ errors: [forbidden('businessesByDirectorId')], data: null })
    expect(sim.apiRequests.map((entry) => entry.outcome)).toEqual([
      'forbidden',
      'forbidden',
      'forbidden',
    ])
  })
})

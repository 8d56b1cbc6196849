import type { SimulatorState } from '../state.js'
import { type StitchDomain, throwIfBadInput } from './kit.js'
import {
  type BusinessRegistration,
  deepFreeze,
  type IdentifyingDocument,
  type IdentifyingDocumentInput,
  readIdentifyingDocument,
  sameDocument,
  sameRegistration,
} from './verification.js'

// Stitch's reference pages for these fields were not seen with their scope lines; the scope
// is the one Stitch's product pages name for business lookup.
const SCOPES = ['client_businesslookup'] as const

/** A physical address, with the fields of Stitch's `Address`. */
export interface BusinessAddress {
  formatted: string | null
  streetAddress: string | null
  sublocality: string | null
  locality: string | null
  region: string | null
  postalCode: string | null
  country: string | null
}

export interface BusinessDirector {
  givenName: string | null
  familyName: string | null
  identifyingDocument: IdentifyingDocument
}

/** A registered business the simulator's registry knows. */
export interface SimulatedBusiness {
  name: string
  registration: BusinessRegistration
  /** ISO 8601. */
  registrationDate: string | null
  address: BusinessAddress | null
  status: 'active' | 'deregistering' | null
  /**
   * The directors. Their documents are matched by `businessesByDirectorId` but never served:
   * "Only givenName and familyName fields will be returned."
   */
  directors: readonly BusinessDirector[]
}

/** How the simulator files businesses: a registration number is unique within its country. */
export function businessKey(registration: BusinessRegistration): string {
  return `${registration.country.toUpperCase()}/${registration.number.replace(/\s+/g, '').toUpperCase()}`
}

/**
 * The businesses every simulator starts with, keyed by `businessKey`; `registerBusiness` adds
 * more. Their directors hold the fixture bank accounts' documents, and the first is also a
 * fixture account holder, so one story runs through both. The businesses are fictitious.
 */
export const FIXTURE_BUSINESSES: ReadonlyMap<string, SimulatedBusiness> = new Map(
  deepFreeze<SimulatedBusiness[]>([
    {
      name: 'KOMBUCHA FIZZ (PTY) LTD',
      registration: { country: 'ZA', number: '2019/123456/07' },
      registrationDate: '2019-03-14T00:00:00.000Z',
      address: {
        formatted: '12 Loop Street\nCape Town City Centre\nCape Town\n8001',
        streetAddress: '12 Loop Street',
        sublocality: 'Cape Town City Centre',
        locality: 'Cape Town',
        region: 'Western Cape',
        postalCode: '8001',
        country: 'ZA',
      },
      status: 'active',
      directors: [
        {
          givenName: 'Thandi Nomsa',
          familyName: 'Mokoena',
          identifyingDocument: { kind: 'identityDocument', country: 'ZA', number: '9001015009087' },
        },
        {
          givenName: 'Alex',
          familyName: 'Smith',
          identifyingDocument: { kind: 'passport', country: 'GB', number: '123456789' },
        },
      ],
    },
    {
      name: 'FIZZBUZZ TRADING CC',
      registration: { country: 'ZA', number: 'K2008123456' },
      registrationDate: '2008-07-01T00:00:00.000Z',
      address: {
        formatted: '5 Jan Smuts Avenue\nBraamfontein\nJohannesburg\n2001',
        streetAddress: '5 Jan Smuts Avenue',
        sublocality: 'Braamfontein',
        locality: 'Johannesburg',
        region: 'Gauteng',
        postalCode: '2001',
        country: 'ZA',
      },
      status: 'deregistering',
      directors: [
        {
          givenName: 'Thandi Nomsa',
          familyName: 'Mokoena',
          identifyingDocument: { kind: 'identityDocument', country: 'ZA', number: '9001015009087' },
        },
      ],
    },
  ]).map((business) => [businessKey(business.registration), business]),
)

/** Adds a business to the simulator's registry (replacing one with the same registration). */
export function registerBusiness(state: SimulatorState, business: SimulatedBusiness): void {
  state.businesses.set(businessKey(business.registration), business)
}

export const businessLookup: StitchDomain = {
  sdl: /* GraphQL */ `
    "Unique identifier for a business. The registration number is unique for the given country."
    type BusinessRegistration {
      "The country where the business is registered."
      country: CountryCode!
      "The registration number of the business."
      number: String!
    }

    "The registration status of a business."
    enum BusinessStatus {
      "The business has been registered."
      active
      "The business is in the process of deregistering."
      deregistering
    }

    "A physical address."
    type Address {
      "Full mailing address, formatted for display or use on a mailing label."
      formatted: String
      "Full street address component."
      streetAddress: String
      "Suburb or sublocality component."
      sublocality: String
      "City or locality component."
      locality: String
      "State, province, prefecture or region component."
      region: String
      "Zip code or postal code component."
      postalCode: String
      country: CountryCode
    }

    "Identifying details for the director of a business."
    type Director {
      "Given name(s) or first name(s) of the Director."
      givenName: String
      "Surname(s) or last name(s) of the Director."
      familyName: String
      "Director full name in title case."
      fullName: String
      "The obfuscated ID or passport number. ID numbers in the format of 123456XXXX08X."
      obfuscatedIdentifyingNumber: String
      "The date of birth, if available."
      dateOfBirth: Date
    }

    "The details of a business."
    type BusinessLookup {
      "The name of the business."
      name: String!
      "Registration number and country of the business."
      registration: BusinessRegistration!
      "The date the business was registered."
      registrationDate: Date
      "The directors of the business, if available. Only givenName and familyName fields will be returned."
      directors: [Director!]
      "The physical address of the business."
      businessAddress: Address
      "The registration status of the business."
      businessStatus: BusinessStatus
    }

    extend type Client {
      businessByName(businessName: String!, country: CountryCode!): BusinessLookup
      businessByRegistrationNumber(input: BusinessRegistrationInput!): BusinessLookup
      businessesByDirectorId(directorId: IdentifyingDocumentInput!, country: CountryCode!): [BusinessLookup!]!
    }
  `,
  fields: {
    'Client.businessByName': {
      scopes: SCOPES,
      resolve: (
        _source,
        { businessName, country }: { businessName: string; country: string },
        { state },
      ) => {
        throwIfBadInput(businessName.trim() === '' ? ['businessName must not be empty'] : [])
        // A guess: Stitch does not say how names match; the simulator wants the registered
        // name, ignoring case and runs of spaces.
        const wanted = normalName(businessName)
        for (const business of state.businesses.values()) {
          if (
            sameCountry(business.registration.country, country) &&
            normalName(business.name) === wanted
          ) {
            return toGraphQL(business)
          }
        }
        return null
      },
    },
    'Client.businessByRegistrationNumber': {
      scopes: SCOPES,
      resolve: (_source, { input }: { input: BusinessRegistration }, { state }) => {
        throwIfBadInput(input.number.trim() === '' ? ['input.number must not be empty'] : [])
        const business = state.businesses.get(businessKey(input))
        return business && sameRegistration(business.registration, input)
          ? toGraphQL(business)
          : null
      },
    },
    'Client.businessesByDirectorId': {
      scopes: SCOPES,
      resolve: (
        _source,
        { directorId, country }: { directorId: IdentifyingDocumentInput; country: string },
        { state },
      ) => {
        const problems: string[] = []
        const document = readIdentifyingDocument(directorId, 'directorId', problems)
        throwIfBadInput(problems)
        return [...state.businesses.values()]
          .filter(
            (business) =>
              sameCountry(business.registration.country, country) &&
              business.directors.some(
                (director) =>
                  document !== undefined && sameDocument(director.identifyingDocument, document),
              ),
          )
          .map(toGraphQL)
      },
    },
  },
}

function normalName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase()
}

function sameCountry(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase()
}

function toGraphQL(business: SimulatedBusiness): object {
  return {
    name: business.name,
    registration: { ...business.registration },
    registrationDate: business.registrationDate,
    directors: business.directors.map((director) => ({
      givenName: director.givenName,
      familyName: director.familyName,
      fullName: null,
      obfuscatedIdentifyingNumber: null,
      dateOfBirth: null,
    })),
    businessAddress: business.address && { ...business.address },
    businessStatus: business.status,
  }
}

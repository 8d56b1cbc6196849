import { z } from 'zod'
import { defineApiOperation } from '../api-operation.js'
import { countryCode, identifyingDocument, lazy, optional } from './common.js'

// What each lookup reads of a business: one fragment, so the three documents ask alike.
const BUSINESS_LOOKUP_FIELDS = /* GraphQL */ `
  fragment BusinessLookupFields on BusinessLookup {
    name
    registration { country number }
    registrationDate
    directors { givenName familyName fullName obfuscatedIdentifyingNumber dateOfBirth }
    businessAddress {
      formatted
      streetAddress
      sublocality
      locality
      region
      postalCode
      country
    }
    businessStatus
  }
`

// Stitch documents no length limits for names and registration numbers, so only emptiness is
// refused.
const required = /* @__PURE__ */ lazy(() => z.string().regex(/\S/, 'must not be empty'))

/**
 * Stitch asks for "a 13-digit ID number, for SA individuals": a South African identity
 * document that is not 13 digits can never match a director, so it is refused here.
 */
const directorId = /* @__PURE__ */ lazy(() =>
  identifyingDocument.superRefine((document, context) => {
    const identity = document.identityDocument
    if (identity?.country === 'ZA' && !/^\d{13}$/.test(identity.number.trim())) {
      context.addIssue({
        code: 'custom',
        path: ['identityDocument', 'number'],
        message: 'must be a 13-digit South African ID number',
      })
    }
  }),
)

const address = /* @__PURE__ */ lazy(() =>
  z.object({
    formatted: optional(z.string()),
    streetAddress: optional(z.string()),
    sublocality: optional(z.string()),
    locality: optional(z.string()),
    region: optional(z.string()),
    postalCode: optional(z.string()),
    country: optional(z.string()),
  }),
)

/** A business's physical address, as Stitch's `Address` gives it. */
export type BusinessAddress = z.output<ReturnType<typeof address>>

const director = /* @__PURE__ */ lazy(() =>
  z.object({
    givenName: optional(z.string()),
    familyName: optional(z.string()),
    fullName: optional(z.string()),
    /** "ID numbers in the format of 123456XXXX08X." */
    obfuscatedIdentifyingNumber: optional(z.string()),
    dateOfBirth: optional(z.string()),
  }),
)

/**
 * A director of a business. Stitch: "Only givenName and familyName fields will be returned";
 * the other fields are read in case it fills them.
 */
export type BusinessDirector = z.output<ReturnType<typeof director>>

const businessLookup = /* @__PURE__ */ lazy(() =>
  z.object({
    name: z.string(),
    registration: z.object({ country: z.string(), number: z.string() }),
    registrationDate: optional(z.string()),
    directors: optional(z.array(director())),
    businessAddress: optional(address()),
    businessStatus: optional(z.enum(['active', 'deregistering'])),
  }),
)

/** A registered business as Stitch's business lookup finds it. */
export type BusinessLookup = z.output<ReturnType<typeof businessLookup>>

// The three lookups select the same fields (fragment BusinessLookupFields), so they answer the
// same type. The fragment is written out in each document, not put in with `${…}`: a bundler
// keeps a template with a substitution (it cannot tell that it runs no code), and with it the
// whole operation, even one the app never imports.
const byName = /* @__PURE__ */ lazy(() =>
  z.object({ client: z.object({ businessByName: businessLookup().nullable() }) }),
)

/**
 * Finds a registered business by its name in a country (`client_businesslookup`); `null` when
 * Stitch finds none. Give the registered name: how Stitch matches other spellings is not
 * documented.
 *
 * @example
 * const business = await stitch.run(findBusinessByName, {
 *   businessName: 'Kombucha Fizz (Pty) Ltd',
 *   country: 'ZA',
 * })
 * if (business?.businessStatus === 'active') onboard(business.registration)
 */
export const findBusinessByName = /* @__PURE__ */ defineApiOperation({
  name: 'FindBusinessByName',
  document: () => /* GraphQL */ `
    query FindBusinessByName($businessName: String!, $country: CountryCode!) {
      client {
        businessByName(businessName: $businessName, country: $country) {
          ...BusinessLookupFields
        }
      }
    }
    ${BUSINESS_LOOKUP_FIELDS}
  `,
  scopes: ['client_businesslookup'],
  variables: () => z.object({ businessName: required(), country: countryCode }),
  result: (data): BusinessLookup | null => byName().parse(data).client.businessByName,
})

const byRegistration = /* @__PURE__ */ lazy(() =>
  z.object({
    client: z.object({ businessByRegistrationNumber: businessLookup().nullable() }),
  }),
)

/**
 * Finds a registered business by its registration number in a country
 * (`client_businesslookup`); `null` when Stitch finds none.
 *
 * @example
 * const business = await stitch.run(findBusinessByRegistrationNumber, {
 *   input: { country: 'ZA', number: '2019/123456/07' },
 * })
 */
export const findBusinessByRegistrationNumber = /* @__PURE__ */ defineApiOperation({
  name: 'FindBusinessByRegistrationNumber',
  document: () => /* GraphQL */ `
    query FindBusinessByRegistrationNumber($input: BusinessRegistrationInput!) {
      client {
        businessByRegistrationNumber(input: $input) {
          ...BusinessLookupFields
        }
      }
    }
    ${BUSINESS_LOOKUP_FIELDS}
  `,
  scopes: ['client_businesslookup'],
  variables: () => z.object({ input: z.object({ country: countryCode, number: required() }) }),
  result: (data): BusinessLookup | null =>
    byRegistration().parse(data).client.businessByRegistrationNumber,
})

const byDirector = /* @__PURE__ */ lazy(() =>
  z.object({
    client: z.object({ businessesByDirectorId: z.array(businessLookup()) }),
  }),
)

/**
 * Finds the businesses in a country that a person directs, by the director's identity
 * document or passport (`client_businesslookup`); an empty list when there are none.
 *
 * @example
 * const businesses = await stitch.run(findBusinessesByDirectorId, {
 *   directorId: { identityDocument: { country: 'ZA', number: '9001015009087' } },
 *   country: 'ZA',
 * })
 */
export const findBusinessesByDirectorId = /* @__PURE__ */ defineApiOperation({
  name: 'FindBusinessesByDirectorId',
  document: () => /* GraphQL */ `
    query FindBusinessesByDirectorId(
      $directorId: IdentifyingDocumentInput!
      $country: CountryCode!
    ) {
      client {
        businessesByDirectorId(directorId: $directorId, country: $country) {
          ...BusinessLookupFields
        }
      }
    }
    ${BUSINESS_LOOKUP_FIELDS}
  `,
  scopes: ['client_businesslookup'],
  variables: () => z.object({ directorId: directorId(), country: countryCode }),
  result: (data): BusinessLookup[] => byDirector().parse(data).client.businessesByDirectorId,
})

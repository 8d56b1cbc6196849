import type { StitchDomain } from './kit.js'

/**
 * The roots and shared types of Stitch's schema, as its API reference gives them. Each domain
 * adds its fields with `extend type`. Only fields the simulator can answer are here: a field
 * Stitch has but the simulator lacks fails validation rather than answering wrongly.
 */
export const common: StitchDomain = {
  sdl: /* GraphQL */ `
    "An ISO 8601 formatted string. The Stitch API will normalize all Dates to use the UTC timezone."
    scalar Date
    "A RFC 1738 conformant string pointing to a resource. The https scheme is required"
    scalar URL
    scalar Json
    "Decimal is a fixed precision signed numeric value encoded as a string."
    scalar Decimal
    "Three character ISO 4217 conformant currency code."
    scalar CurrencyCode
    "Two character ISO 3166-1 alpha-2 conformant country code."
    scalar CountryCode
    "RFC5322 compliant email address."
    scalar EmailAddress
    "Represents an amount of money, in a given currency. Serialized as a JSON object containing quantity of type Decimal, and currency of type CurrencyCode."
    scalar Money

    "An abstract datatype that has a locally unique identifier, allowing a given node to be later queried by id using the node(id: ID!) query."
    interface Node {
      id: ID!
    }

    "An amount of money."
    input MoneyInput {
      quantity: Decimal!
      currency: CurrencyCode!
    }

    "The type of a bank account. Usually indicates the intended purpose of the account."
    enum AccountType {
      current
      savings
      credit
      loan
      investment
      other
      unknown
    }

    "A unique identifier from a country's ID document."
    input IdentityDocumentInput {
      country: CountryCode!
      number: String!
    }

    "A unique identifier from a country's passport."
    input PassportInput {
      country: CountryCode!
      number: String!
    }

    input TemporaryResidenceIdInput {
      country: CountryCode!
      number: String!
    }

    "This input type requires that one and only one value is set."
    input IdentifyingDocumentInput {
      identityDocument: IdentityDocumentInput
      passport: PassportInput
      temporaryResidenceId: TemporaryResidenceIdInput
    }

    "The registration number of a business in a particular country."
    input BusinessRegistrationInput {
      country: CountryCode!
      number: String!
    }

    "Data available to requests that have client tokens."
    type Client implements Node {
      id: ID!
      clientId: String!
    }

    type Query {
      "Standardized means of fetching entities that implement Node by id."
      node(id: ID!): Node
      "The client field represents the root of any queries that require a client token."
      client: Client!
    }

    type Mutation
  `,
  fields: {
    'Query.client': {
      resolve: (_source, _args, { token }) => ({
        __typename: 'Client',
        id: Buffer.from(`client/${token.clientId}`).toString('base64url'),
        clientId: token.clientId,
      }),
    },
  },
}

import { buildSchema, type GraphQLSchema, isObjectType } from 'graphql'
import { businessLookup } from './business-lookup.js'
import { common } from './common.js'
import { consents } from './consents.js'
import { disbursements } from './disbursements.js'
import { images } from './images.js'
import { requireScopes, type StitchContext, type StitchDomain } from './kit.js'
import { paymentAuthorization } from './payment-authorization.js'
import { paymentRequests } from './payment-requests.js'
import { refunds } from './refunds.js'
import { verification } from './verification.js'
import { webhookEndpoints } from './webhook-endpoints.js'

/** Every domain of Stitch's client API the simulator serves. */
export const DOMAINS: readonly StitchDomain[] = [
  common,
  paymentRequests,
  refunds,
  disbursements,
  verification,
  businessLookup,
  paymentAuthorization,
  consents,
  images,
  webhookEndpoints,
]

/** The simulator's schema in SDL: Stitch's names and types, argument for argument. */
export const SCHEMA_SDL = DOMAINS.map((domain) => domain.sdl).join('\n')

/** Scopes each field needs, keyed `Type.field`, as Stitch's reference states them. */
export const FIELD_SCOPES: Readonly<Record<string, readonly string[]>> = Object.freeze(
  Object.fromEntries(
    DOMAINS.flatMap((domain) =>
      Object.entries(domain.fields).flatMap(([key, field]) =>
        field.scopes ? [[key, field.scopes] as const] : [],
      ),
    ),
  ),
)

// Built once: the schema is immutable and shared by every simulator instance; state lives in
// the context of each call.
export const schema: GraphQLSchema = buildStitchSchema()

function buildStitchSchema(): GraphQLSchema {
  const built = buildSchema(SCHEMA_SDL)
  const fields: Record<string, StitchDomain['fields'][string]> = {
    'Query.node': {
      resolve: (_source, { id }: { id: string }, context: StitchContext) => {
        for (const domain of DOMAINS) {
          const found = domain.node?.(id, context)
          if (found) {
            requireScopes(context, found.scopes)
            return found.value
          }
        }
        return null
      },
    },
  }
  for (const domain of DOMAINS) Object.assign(fields, domain.fields)
  for (const [key, field] of Object.entries(fields)) {
    const [typeName = '', fieldName = ''] = key.split('.')
    const type = built.getType(typeName)
    const target = isObjectType(type) ? type.getFields()[fieldName] : undefined
    if (target === undefined) throw new Error(`Simulator bug: ${key} is not in the schema`)
    const { scopes, resolve } = field
    target.resolve = scopes
      ? (source, args, context: StitchContext, info) => {
          requireScopes(context, scopes)
          return resolve(source, args, context, info)
        }
      : resolve
  }
  return built
}

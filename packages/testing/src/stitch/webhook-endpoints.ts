import { randomBytes } from 'node:crypto'
import type { SimulatorState } from '../state.js'
import { isoNow, newId, type StitchContext, type StitchDomain, throwIfBadInput } from './kit.js'

/** The event types Stitch documents for `filterTypes`, the deprecated ones last. */
export const WEBHOOK_EVENT_TYPES = [
  'payment',
  'payment.confirmation',
  'payment-consent-request',
  'transaction',
  'refund',
  'disbursement',
  'settlement',
  'direct-deposit',
  'payment-initiation',
  'payment-initiation.confirmation',
] as const

/** An event type Stitch documents, as `filterTypes` of `clientWebhookAdd` take them. */
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

/** A webhook subscription made through `clientWebhookAdd`. */
export interface SimulatedWebhookEndpoint {
  id: string
  /** The client whose token subscribed; other clients don't see it. */
  clientId: string
  url: string
  filterTypes: WebhookEventType[]
  /** The Svix signing secret: `whsec_` and the base64 of 24 random bytes. */
  secret: string
  created: string
}

// The HTTP hosts a local test can listen on; Stitch itself delivers over HTTPS only.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * Stitch's reference states no scope for `clientWebhookAdd`, and the scope line of
 * `Client.webhookEndpoints` could not be read; a guess: any valid client token may use both.
 *
 * Stitch's `Endpoint` type could not be read either. The simulator serves the three fields
 * Stitch's webhook guide queries (`id url filterTypes`), typed as on `AddWebhookPayload`.
 */
export const webhookEndpoints: StitchDomain = {
  sdl: /* GraphQL */ `
    input ClientAddWebhookInput {
      "Due to the sensitive nature of the data being transmitted, the url must use the HTTPS protocol."
      url: URL!
      "One or more of the events you wish to subscribe to."
      filterTypes: [String!]!
    }

    type AddWebhookPayload {
      url: URL!
      filterTypes: [String!]
      secret: String
      id: String
    }

    type Endpoint {
      id: String
      url: URL!
      filterTypes: [String!]
    }

    extend type Client {
      webhookEndpoints(filter: [String!]): [Endpoint]
    }

    extend type Mutation {
      "Add a webhook to listen to an event"
      clientWebhookAdd(input: ClientAddWebhookInput!): AddWebhookPayload
    }
  `,
  fields: {
    'Mutation.clientWebhookAdd': {
      resolve: (_source, { input }: { input: { url: string; filterTypes: string[] } }, context) => {
        const endpoint = addWebhookEndpoint(input, context)
        return {
          id: endpoint.id,
          url: endpoint.url,
          filterTypes: [...endpoint.filterTypes],
          secret: endpoint.secret,
        }
      },
    },
    'Client.webhookEndpoints': {
      resolve: (_source, { filter }: { filter?: string[] | null }, context) => {
        // A guess: `filter` keeps endpoints subscribed to any of the types it names; no filter,
        // or an empty one, keeps all.
        const wanted = filter && filter.length > 0 ? new Set(filter) : undefined
        return [...context.state.webhookEndpoints.values()]
          .filter(
            (endpoint) =>
              endpoint.clientId === context.token.clientId &&
              (wanted === undefined || endpoint.filterTypes.some((type) => wanted.has(type))),
          )
          .map((endpoint) => ({
            id: endpoint.id,
            url: endpoint.url,
            filterTypes: [...endpoint.filterTypes],
          }))
      },
    },
  },
}

function addWebhookEndpoint(
  input: { url: string; filterTypes: string[] },
  context: StitchContext,
): SimulatedWebhookEndpoint {
  const problems: string[] = []
  let url: URL | undefined
  try {
    url = new URL(input.url)
  } catch {
    problems.push(`input.url must be an absolute URL (got ${JSON.stringify(input.url)})`)
  }
  // Stitch: "the url must use the HTTPS protocol". A simulator exception: plain HTTP to a
  // loopback host, so a test can receive deliveries without a certificate.
  if (
    url &&
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
  ) {
    problems.push(
      `input.url must use the HTTPS protocol (got ${url.protocol.replace(/:$/, '')}; the simulator also accepts http://localhost, http://127.0.0.1 and http://[::1])`,
    )
  }
  if (input.filterTypes.length === 0) {
    problems.push('input.filterTypes must name one or more event types')
  }
  const known = new Set<string>(WEBHOOK_EVENT_TYPES)
  const unknown = input.filterTypes.filter((type) => !known.has(type))
  if (unknown.length > 0) {
    problems.push(
      `input.filterTypes has unknown event types: ${unknown.map((type) => JSON.stringify(type)).join(', ')} (known: ${WEBHOOK_EVENT_TYPES.join(', ')})`,
    )
  }
  throwIfBadInput(problems)

  const endpoint: SimulatedWebhookEndpoint = {
    id: newId('webhookendpoint'),
    clientId: context.token.clientId,
    url: input.url,
    // Repeats are dropped: a subscription to a type is there or not.
    filterTypes: [...new Set(input.filterTypes as WebhookEventType[])],
    secret: `whsec_${randomBytes(24).toString('base64')}`,
    created: isoNow(context),
  }
  context.state.webhookEndpoints.set(endpoint.id, endpoint)
  return endpoint
}

/** The endpoints of `clientId` subscribed to `eventType`, for whatever delivers events. */
export function subscribedWebhookEndpoints(
  state: SimulatorState,
  clientId: string,
  eventType: WebhookEventType,
): SimulatedWebhookEndpoint[] {
  return [...state.webhookEndpoints.values()].filter(
    (endpoint) => endpoint.clientId === clientId && endpoint.filterTypes.includes(eventType),
  )
}

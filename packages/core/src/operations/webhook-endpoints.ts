import { z } from 'zod'
import { defineApiOperation } from '../api-operation.js'
import { lazy, optional } from './common.js'

/**
 * The webhook event types Stitch documents for `filterTypes`. The last three are the older,
 * deprecated ones.
 */
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

/**
 * A webhook event type: a documented one autocompletes, and any other string is sent as is
 * for types Stitch adds later (Stitch refuses one it does not know).
 */
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number] | (string & {})

const eventType = /* @__PURE__ */ lazy(
  (): z.ZodType<WebhookEventType, WebhookEventType> => z.string().regex(/\S/, 'must not be empty'),
)

/**
 * Stitch's reference states no scope for the webhook fields, and the token request needs at
 * least one. A guess: `client_paymentrequest`, the scope of the payments whose events most
 * subscriptions are for. A client without it can run a copy with its own scope:
 * `defineApiOperation({ ...addWebhookEndpoint, scopes: ['client_disbursement'] })`.
 */
const WEBHOOK_SCOPES = ['client_paymentrequest'] as const

// A receiver on this machine (a local Stitch simulator's deliveries) may use plain HTTP: real
// Stitch refuses such a URL anyway, and nothing leaves the machine.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * Stitch: "Due to the sensitive nature of the data being transmitted, the url must use the
 * HTTPS protocol." Plain HTTP passes only for a loopback host.
 */
const httpsUrl = /* @__PURE__ */ lazy(() =>
  z.string().superRefine((value, context) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      context.addIssue({ code: 'custom', message: 'must be an absolute URL' })
      return
    }
    if (
      url.protocol !== 'https:' &&
      !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
    ) {
      context.addIssue({
        code: 'custom',
        message: `must use the HTTPS protocol, as Stitch requires (got ${url.protocol.replace(/:$/, '')})`,
      })
    }
  }),
)

const added = /* @__PURE__ */ lazy(() =>
  z.object({
    clientWebhookAdd: z.object({
      id: optional(z.string()),
      url: z.string(),
      filterTypes: optional(z.array(z.string())),
      secret: optional(z.string()),
    }),
  }),
)

/**
 * A new webhook subscription, with the Svix signing `secret` (`whsec_…`) that verifies its
 * deliveries: store it as you would a password.
 */
export type AddedWebhookEndpoint = z.output<ReturnType<typeof added>>['clientWebhookAdd']

/**
 * Subscribes an HTTPS endpoint to webhook events (`clientWebhookAdd`). The answer holds the
 * secret that signs the deliveries. Stitch documents no scope for it; the token is asked for
 * `client_paymentrequest`, a guess.
 *
 * @example
 * const { id, secret } = await stitch.run(addWebhookEndpoint, {
 *   input: { url: 'https://shop.example.com/stitch/webhooks', filterTypes: ['payment', 'refund'] },
 * })
 */
export const addWebhookEndpoint = /* @__PURE__ */ defineApiOperation({
  name: 'AddWebhookEndpoint',
  document: /* GraphQL */ `
    mutation AddWebhookEndpoint($input: ClientAddWebhookInput!) {
      clientWebhookAdd(input: $input) { id url filterTypes secret }
    }
  `,
  scopes: WEBHOOK_SCOPES,
  variables: () =>
    z.object({
      input: z.object({
        url: httpsUrl(),
        /** "One or more of the events you wish to subscribe to." */
        filterTypes: z.array(eventType()).min(1, 'must name one or more event types'),
      }),
    }),
  result: (data): AddedWebhookEndpoint => added().parse(data).clientWebhookAdd,
})

const endpoint = /* @__PURE__ */ lazy(() =>
  z.object({
    id: optional(z.string()),
    url: z.string(),
    filterTypes: optional(z.array(z.string())),
  }),
)

/** A webhook subscription as {@link listWebhookEndpoints} reads it (without its secret). */
export type WebhookEndpoint = z.output<ReturnType<typeof endpoint>>

const listed = /* @__PURE__ */ lazy(() =>
  z.object({
    client: z.object({ webhookEndpoints: optional(z.array(endpoint().nullable())) }),
  }),
)

/**
 * Lists the client's webhook subscriptions; `filter` keeps those for the event types it names.
 * Stitch documents no scope for it; the token is asked for `client_paymentrequest`, a guess.
 *
 * @example
 * const endpoints = await stitch.run(listWebhookEndpoints)
 * const refundHooks = await stitch.run(listWebhookEndpoints, { filter: ['refund'] })
 */
export const listWebhookEndpoints = /* @__PURE__ */ defineApiOperation({
  name: 'ListWebhookEndpoints',
  document: /* GraphQL */ `
    query ListWebhookEndpoints($filter: [String!]) {
      client {
        webhookEndpoints(filter: $filter) { id url filterTypes }
      }
    }
  `,
  scopes: WEBHOOK_SCOPES,
  variables: () => z.object({ filter: z.array(eventType()).optional() }).optional(),
  // Stitch's list and its items may be null; an absent list reads as no subscriptions.
  result: (data): WebhookEndpoint[] =>
    (listed().parse(data).client.webhookEndpoints ?? []).filter((item) => item !== null),
})

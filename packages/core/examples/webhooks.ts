// The README's webhook examples, type-checked and run by the tests.
import { createStitchWebhookHandler, createWebhookVerifier } from '@stitch-auth/core/webhooks'

/** Orders as the app keeps them: what the webhook updates. */
export interface Orders {
  markPaid(orderId: string, amount: string): Promise<void>
  markFailed(orderId: string, why: string): Promise<void>
}

export function webhookEndpoint(env: { STITCH_WEBHOOK_SECRET: string }, orders: Orders) {
  // A Web Request → Response handler: a Worker's fetch, Bun.serve, Deno.serve, Hono, or mounted
  // in Express/Nest.
  return createStitchWebhookHandler({
    secrets: env.STITCH_WEBHOOK_SECRET,
    on: {
      payment: async ({ data }) => {
        if (data.externalReference === undefined) return
        switch (data.state.__typename) {
          case 'PaymentInitiationRequestCompleted':
            await orders.markPaid(data.externalReference, data.amount?.quantity ?? '')
            break
          case 'PaymentInitiationRequestCancelled':
          case 'PaymentInitiationRequestExpired':
            await orders.markFailed(data.externalReference, data.state.__typename)
            break
          default: // Pending, or a state Stitch added since: not final.
        }
      },
      refund: ({ data }) => console.log('refund', data.id, data.status.__typename),
      unknown: (event) => console.warn('unhandled Stitch webhook', event.type, event.reason),
    },
    onError: (error, { stage, deliveryId }) => console.error('webhook', stage, deliveryId, error),
  })
}

/** The low-level check, for a framework that hands you the raw body and the headers. */
export async function verifyRaw(
  env: { STITCH_WEBHOOK_SECRET: string; STITCH_WEBHOOK_SECRET_OLD?: string },
  rawBody: string | Uint8Array,
  headers: Record<string, string | string[] | undefined>,
) {
  // Create it once (it imports the keys), not per request. Two secrets during a rotation.
  const verifier = createWebhookVerifier({
    secrets: [env.STITCH_WEBHOOK_SECRET, env.STITCH_WEBHOOK_SECRET_OLD].filter(
      (secret): secret is string => secret !== undefined,
    ),
  })
  const { id, timestamp, event } = await verifier.verify(rawBody, headers)
  return { id, timestamp, type: event.type, known: event.known }
}

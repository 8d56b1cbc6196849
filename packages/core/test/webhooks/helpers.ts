// Deliveries signed the way Svix signs them, with Node's own crypto (not ours), and the body
// shapes Stitch documents (see the research notes in events.ts).
import { createHmac, randomBytes } from 'node:crypto'

/** A signing secret as Svix makes them: `whsec_` and 24 random bytes in base64. */
export function makeSecret(bytes = 24): string {
  return `whsec_${randomBytes(bytes).toString('base64')}`
}

/** `v1,<base64>`: HMAC-SHA256 over `${id}.${timestamp}.${body}` with the key after `whsec_`. */
export function sign(secret: string, id: string, timestamp: number, body: string | Buffer): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')
  return `v1,${mac}`
}

export interface Delivery {
  body: string
  headers: Record<string, string>
}

/** A delivery of `body`, signed with every secret given (several: as during a rotation). */
export function deliver(
  body: string,
  secrets: string | readonly string[],
  options: { id?: string; timestamp?: number } = {},
): Delivery {
  const id = options.id ?? `msg_${randomBytes(12).toString('hex')}`
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000)
  const list = typeof secrets === 'string' ? [secrets] : secrets
  return {
    body,
    headers: {
      'svix-id': id,
      'svix-timestamp': String(timestamp),
      'svix-signature': list.map((secret) => sign(secret, id, timestamp, body)).join(' '),
    },
  }
}

/** A Web request carrying a delivery, as an adapter hands it to the handler. */
export function toRequest(
  delivery: Delivery,
  init: { method?: string; headers?: Record<string, string> } = {},
): Request {
  const method = init.method ?? 'POST'
  return new Request('https://shop.example/webhooks/stitch', {
    method,
    headers: { 'content-type': 'application/json', ...delivery.headers, ...init.headers },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: delivery.body }),
  })
}

/** The subscription envelope: `{ data: { client: { <edge>: { node, eventId, subscriptionId, time } } } }`. */
export function envelope(edge: string, node: Record<string, unknown>): string {
  return JSON.stringify({
    data: {
      client: {
        [edge]: {
          node,
          eventId: 'ZXZlbnQvMQ==',
          subscriptionId: 'c3ViLzE=',
          time: '2025-03-01T10:00:00.000Z',
        },
      },
    },
  })
}

/** A payment request node in `state` (C: `PaymentInitiationRequest`). */
export function paymentNode(
  state = 'PaymentInitiationRequestCompleted',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    __typename: 'PaymentInitiationRequest',
    id: 'cGF5cmVxLzEyMw==',
    externalReference: 'order-42',
    amount: { quantity: '150.00', currency: 'ZAR' },
    payerReference: 'order-42',
    beneficiaryReference: 'my-shop',
    state: { __typename: state, date: '2025-03-01T10:00:00.000Z' },
    paymentConfirmation: null,
    ...extra,
  }
}

export const PAYMENT_BODY = envelope('paymentInitiationRequests', paymentNode())

export const REFUND_BODY = envelope('refunds', {
  __typename: 'Refund',
  id: 'cmVmdW5kLzE=',
  amount: { quantity: '50.00', currency: 'ZAR' },
  reason: 'fraudulent',
  beneficiaryReference: 'Refund order-42',
  nonce: 'refund-order-42',
  created: '2025-03-01T10:00:00.000Z',
  status: { __typename: 'RefundCompleted', date: '2025-03-01T10:05:00.000Z' },
  paymentInitiationRequest: { id: 'cGF5cmVxLzEyMw==' },
})

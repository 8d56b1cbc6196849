// The JSON the demo's servers send the checkout page. Types only: the page imports them too.
import type { PaymentRequestStatus } from '@stitch-auth/core/proxy'

export type AppName = 'express' | 'nestjs'

/** One line of the page's event log (and of the console). Never holds a secret or a token. */
export interface DemoEvent {
  id: number
  /** Epoch ms. */
  at: number
  /** `webhook`: a delivery to the shop's `/webhooks/stitch`, accepted or refused. */
  source: AppName | 'shop' | 'simulator' | 'webhook'
  level: 'info' | 'success' | 'warn' | 'error'
  text: string
}

/** `GET /api/token-state`: the live panel, fed by core's events. */
export interface TokenPanelState {
  /** The server's clock, so the page's countdown does not depend on the visitor's. */
  serverNow: number
  /** The token in the shared cache, as the last `tokenMinted` event described it. */
  token: {
    /** First characters and `…`: never the token itself. */
    preview: string
    scopes: readonly string[]
    issuedAt: number
    expiresAt: number
    /** `rejected`: Stitch said UNAUTHENTICATED, the next call mints a new one. */
    status: 'valid' | 'expired' | 'rejected'
  } | null
  counters: {
    tokensMinted: number
    mintedBy: Record<AppName, number>
    /** `getToken()` calls answered from the cache, both apps. */
    cacheHits: number
    /** Times one app took the token the other had put in the shared cache. */
    sharedCacheReads: number
    refreshFailures: number
  }
  /** The most recent token fetch: who waited for it, or whether it was refresh-ahead. */
  lastFetch: {
    at: number
    app: AppName
    background: boolean
    durationMs: number
    attempts: number
  } | null
  /** A refresh-ahead request is running right now. */
  refreshing: boolean
  /** What the local simulator saw; `null` with real Stitch. */
  simulator: {
    tokenRequests: number
    tokenRequestsRefused: number
    apiCalls: number
    outage: { endsAt: number; status: number } | null
  } | null
  /** The shop's webhook endpoint, `/webhooks/stitch`. */
  webhooks: WebhookPanelState
  /** Newest first. */
  events: readonly DemoEvent[]
}

/** The shop's webhook endpoint, as the page shows it. */
export interface WebhookPanelState {
  /** `off`: real Stitch without STITCH_WEBHOOK_SECRET, so the page polls Stitch. */
  mode: 'subscribed' | 'secret' | 'off'
  /** Deliveries accepted (each svix id once). */
  received: number
  /** Deliveries refused: no or a bad signature, a stale timestamp. */
  refused: number
  /** While the demo's "webhook endpoint down" switch is on: it answers 503 until then. */
  outage: { endsAt: number; status: number } | null
}

/** `GET /api/orders/:id`: the shop's own record of an order, moved on by Stitch's webhooks only. */
export interface ShopOrder {
  /** The payment request's id. */
  id: string
  reference: string
  status: PaymentRequestStatus
  /** `webhook` once a delivery set the status; `null` while it is as created. */
  source: 'webhook' | null
  /** Epoch ms. */
  updatedAt: number
  /** The order's refund, as its last `refund` event left it (`pending`, `submitted`, `completed`…). */
  refund: { id: string; status: string } | null
}

/** `GET /api/config`: what the page needs once. */
export interface DemoPageConfig {
  shop: {
    name: string
    product: { name: string; description: string; quantity: number; price: number }
  }
  stitch: 'simulator' | 'stitch'
  /** The Stitch client id (not a secret). */
  clientId: string
  /** The NestJS back office's whoami route (another origin; CORS allows this page). */
  nestWhoamiUrl: string
  /** The back office's `/api/payments`: `POST …/:id/refund` refunds a paid payment. */
  nestPaymentsUrl: string
  /** Whether the back office may refund (its client has `client_refund`). */
  refunds: boolean
  /** Whether the outage and expiry buttons work (simulator only). */
  controls: boolean
  /**
   * Whether Stitch's webhooks reach the shop: the page then reads the order from the shop and
   * asks Stitch only as a fallback; without them it asks Stitch for the status.
   */
  webhooks: boolean
  tokenLifetimeSeconds: number | null
}

/** `GET /api/whoami` of both apps: the token's facts, never the token. */
export interface WhoamiAnswer {
  app: AppName
  tokenPreview: string
  scopes: readonly string[]
  expiresAt: string
  expiresInSeconds: number
}

/** The answer of the simulator control routes. */
export interface ControlAnswer {
  ok: true
  message: string
}

/** The back office's `GET /api/payments/:id`. */
export interface BackOfficePayment {
  id: string
  status: PaymentRequestStatus
  found: boolean
}

/** The back office's `POST /api/payments/:id/refund`. */
export interface BackOfficeRefund {
  id: string
  paymentRequestId: string
  amount: { quantity: string; currency: string }
  /** `pending`, `submitted`, `completed`, `error` or `paused`. */
  status: string
  nonce: string
}

/** `GET /api/simulator/activity`: what the local simulator holds and saw (no tokens, no secrets). */
export interface SimulatorActivity {
  paymentRequests: { id: string; status: string }[]
  refunds: { id: string; paymentRequestId: string; nonce: string; amount: string; status: string }[]
  /** Each GraphQL call: the operation, the scopes of the token it came with, how it ended. */
  apiCalls: { operationName: string | null; scopes: readonly string[]; outcome: string }[]
  /** Each webhook message the simulator sent, oldest first (no body, no headers, no secret). */
  webhookDeliveries: {
    /** The `svix-id`, the same on every attempt. */
    id: string
    /** `payment`, `refund`… */
    type: string
    /** The id of the object the event is about (a payment request's, a refund's). */
    objectId: string | null
    /** Its state or status, e.g. `PaymentInitiationRequestCompleted`. */
    state: string | null
    status: 'pending' | 'delivered' | 'failed' | 'cancelled'
    /** Each attempt's answer: the HTTP status, or `null` for a network error or timeout. */
    attempts: { status: number | null; ok: boolean }[]
  }[]
}

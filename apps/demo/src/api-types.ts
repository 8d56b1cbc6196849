// The JSON the demo's servers send the checkout page. Types only: the page imports them too.
import type { PaymentRequestStatus } from '@stitch-auth/core'

export type AppName = 'express' | 'nestjs'

/** One line of the page's event log (and of the console). Never holds a secret or a token. */
export interface DemoEvent {
  id: number
  /** Epoch ms. */
  at: number
  source: AppName | 'shop' | 'simulator'
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
  /** Newest first. */
  events: readonly DemoEvent[]
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
}

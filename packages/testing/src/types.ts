// jose's key types, not the DOM's `JsonWebKey`/`CryptoKey`: the published declarations must
// type-check in Node projects whose `lib` has no DOM.
import type { JWK, CryptoKey as WebCryptoKey } from 'jose'
import type { SimulatedBusiness } from './stitch/business-lookup.js'
import type { SimulatedPaymentConsentRequest } from './stitch/consents.js'
import type { DisbursementStatusUpdate, SimulatedDisbursement } from './stitch/disbursements.js'
import type { SimulatedPaymentRequest } from './stitch/payment-requests.js'
import type { RefundStatusUpdate, SimulatedRefund } from './stitch/refunds.js'
import type { SimulatedBankAccount } from './stitch/verification.js'
import type { SimulatedWebhookEndpoint, WebhookEventType } from './stitch/webhook-endpoints.js'

/** The outcome recorded for one request to the token endpoint. */
export type TokenRequestOutcome =
  | 'issued'
  | 'invalid_client'
  | 'invalid_request'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'unauthorized_client'
  | 'fault'

/** How a token request tried to authenticate the client. */
export type ClientAuthMethod = 'client_secret' | 'private_key_jwt' | 'none'

/** A client the simulator knows, like one created in the Stitch dashboard. */
export interface SimulatorClient {
  /**
   * The client's id, sent as `client_id`.
   * @example 'test-18fd4f7c-0b62-4a7e-9c1d-5e2a1f0c3b44'
   */
  clientId: string
  /**
   * The secret of a secret-based client (`client_secret`). Give exactly one of `clientSecret`
   * and `publicKey`.
   * @default undefined
   * @example 'a-long-random-secret'
   */
  clientSecret?: string
  /**
   * The public key of a certificate-based client (`private_key_jwt`): an SPKI PEM
   * (`-----BEGIN PUBLIC KEY-----`), an X.509 certificate PEM (`-----BEGIN CERTIFICATE-----`),
   * a public RSA JWK or a `CryptoKey`. Assertions must be signed with RS256 by its private key.
   * @default undefined
   * @example await exportSPKI(publicKey)
   */
  publicKey?: string | JWK | WebCryptoKey
  /**
   * The scopes this client may request. A request for any other scope gets `invalid_scope`.
   * @example ['client_paymentrequest', 'client_refund']
   */
  scopes: readonly string[]
  /**
   * Set to `false` to make the client authenticate but be refused the client-credentials grant
   * (`unauthorized_client`), as Stitch does for a client that is not enabled for it.
   * @default true
   */
  allowClientCredentials?: boolean
}

/** Options of {@link startStitchSimulator}. */
export interface StitchSimulatorOptions {
  /**
   * Port to listen on; `0` picks a free one (read it back from `url`).
   * @default 0
   * @example 8787
   */
  port?: number
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  host?: string
  /**
   * Clients registered at start. More can be added with `addClient`.
   * @default []
   * @example [{ clientId: 'test-client', clientSecret: 'test-secret', scopes: ['client_paymentrequest'] }]
   */
  clients?: readonly SimulatorClient[]
  /**
   * Lifetime of issued tokens, in seconds (`expires_in`).
   * @default 3600
   */
  tokenLifetimeSeconds?: number
  /**
   * Offset of the simulator's clock from this machine's, in milliseconds. It moves the `Date`
   * header, token expiry and the checks of assertion `exp`/`nbf`/`iat`, so clock skew between
   * client and server can be tested.
   * @default 0
   * @example -120_000 // the simulator runs two minutes behind
   */
  clockOffsetMs?: number
  /**
   * Tolerance, in seconds, when checking the time claims of a `client_assertion`.
   * @default 5
   */
  assertionLeewaySeconds?: number
  /**
   * HTTP status of a GraphQL response to a missing, unknown or expired token. Stitch answers
   * 200 with an `UNAUTHENTICATED` GraphQL error; 401 exercises clients that look at the status.
   * @default 200
   */
  unauthenticatedStatus?: 200 | 401
  /**
   * How many entries `tokenRequests` keeps; older ones are dropped so long benchmarks don't
   * grow without bound.
   * @default 10_000
   */
  requestLogLimit?: number
  /**
   * The waits, in milliseconds, before each retry of a webhook delivery that failed (a network
   * error, a timeout or an answer other than 2xx): one attempt, then one more per entry, then
   * the message is given up on. `[]` never retries. The default is fast, for tests; Svix's own
   * schedule is immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h.
   * @default [100, 200, 400, 800]
   * @example [0, 5_000, 300_000] // Svix's first three retries
   */
  webhookRetryDelaysMs?: readonly number[]
  /**
   * How long one delivery attempt may take, from connecting to the end of the receiver's
   * answer, before it counts as failed (Svix allows about 15 s).
   * @default 5000
   */
  webhookTimeoutMs?: number
}

/**
 * How {@link StitchSimulator.sendWebhook} signs a delivery: `valid`, with the endpoint's
 * secret, as Stitch signs; `wrong-secret`, with a random secret that is not the endpoint's;
 * `tampered`, correctly, after which the body is changed (its first digit moved on by one)
 * before it is sent.
 */
export type WebhookSignatureMode = 'valid' | 'wrong-secret' | 'tampered'

/** One HTTP attempt at delivering a webhook message. */
export interface WebhookDeliveryAttempt {
  /** When it was sent, in epoch milliseconds of the simulator's clock. */
  at: number
  /** The headers sent: `content-type`, `svix-id`, `svix-timestamp`, `svix-signature`. */
  headers: Readonly<Record<string, string>>
  /** The receiver's HTTP status, when it answered. */
  status?: number
  /** Why the attempt failed without a complete answer: a network error or a timeout. */
  error?: string
  /** The start of the receiver's answer (up to 1024 characters), when it answered. */
  response?: string
  /** From sending to the end of the answer (or the failure), in milliseconds. */
  durationMs: number
  /** A 2xx answer arrived complete. */
  ok: boolean
}

/**
 * One webhook message: the event sent to one endpoint, with every attempt at delivering it. Every
 * attempt carries the same `svix-id` (the message `id`) and a fresh timestamp and signature.
 */
export interface WebhookDeliveryLogEntry {
  /** The `svix-id`, `msg_` and a KSUID. */
  id: string
  /** The endpoint (from `clientWebhookAdd`), absent for `sendWebhook` to a URL no endpoint has. */
  endpointId?: string
  /** The client the endpoint belongs to. */
  clientId?: string
  /** Where it was sent. */
  url: string
  /** The event type, e.g. `payment` (Svix sends no type header; the body does not name it). */
  type: string
  /** The body exactly as sent. */
  body: string
  /** `event`: a change of state; `sendWebhook`: made up by a test. */
  trigger: 'event' | 'sendWebhook'
  /** How it was signed; always `valid` for events. */
  signature: WebhookSignatureMode
  /** When the message was queued, in epoch milliseconds of the simulator's clock. */
  createdAt: number
  /** `pending` until delivered, given up on (`failed`) or stopped by `close()` (`cancelled`). */
  status: 'pending' | 'delivered' | 'failed' | 'cancelled'
  /** Every attempt so far, oldest first. */
  attempts: readonly WebhookDeliveryAttempt[]
  /** When the next attempt is due, while one is waiting. */
  nextAttemptAt?: number
}

/**
 * A made-up delivery for {@link StitchSimulator.sendWebhook}: to an endpoint from
 * `clientWebhookAdd`, or to any URL with a secret.
 */
export interface SendWebhookSpec {
  /** The endpoint to send to; its URL and secret are used unless `url`/`secret` are given. */
  endpointId?: string
  /** The URL to send to; without `secret`, the secret of the one endpoint with this URL. */
  url?: string
  /** The `whsec_…` secret to sign with. */
  secret?: string
  /** The event type recorded in the log, and of the example body when `body` is absent. */
  type: WebhookEventType | (string & {})
  /**
   * The body: a string is sent as it is, anything else as JSON. Without one, an example event
   * of `type` (payment, refund and disbursement only), shaped like the simulator's own events.
   */
  body?: unknown
  /** @default 'valid' */
  signature?: WebhookSignatureMode
  /** The `svix-timestamp`, unix seconds or a `Date` (an old one makes a stale delivery). Default: each attempt's time on the simulator's clock. */
  timestamp?: number | Date
  /** The `svix-id`; repeat an earlier delivery's to replay it. Default: a new `msg_…` id. */
  id?: string
  /**
   * Retry on failure with `webhookRetryDelaysMs`, as for real events.
   * @default false // one attempt
   */
  retry?: boolean
}

/** A defect of a 200 response that a careful client must reject. */
export type MalformedKind =
  | 'truncated-json'
  | 'not-json'
  | 'html'
  | 'empty'
  | 'missing-access-token'
  | 'wrong-token-type'
  | 'non-positive-expires-in'
  | 'missing-expires-in'
  | 'fewer-scopes'

/**
 * A fault to inject. Faults are queued: each request to the endpoint takes the oldest fault
 * that is still active, so `fault({ status: 503, times: 1 })` followed by
 * `fault({ reset: true, times: 1 })` answers 503, then resets, then behaves normally.
 */
export interface FaultSpec {
  /** Which endpoint the fault applies to. */
  endpoint: 'token' | 'graphql'
  /** Apply to the next `times` requests only. Without `times` and `durationMs` the fault lasts until cleared. */
  times?: number
  /** Apply to requests during the next `durationMs` milliseconds. */
  durationMs?: number
  /** HTTP status to answer with (default 503 when only `retryAfter` or `body` is given, 200 with `malformed`). */
  status?: number
  /** `Retry-After` header: seconds, an HTTP-date string, or a `Date`. */
  retryAfter?: number | string | Date
  /** Response body to send instead of the default one. */
  body?: string
  /** `Content-Type` of `body` (default `text/plain; charset=utf-8`) or of a stalled body. */
  contentType?: string
  /** Wait this long, then answer normally, or with `status`/`body`/`malformed` if given, or reset, or stall. */
  delayMs?: number
  /** Never answer; the client has to give up. `close()` destroys the socket. */
  hang?: boolean
  /** Destroy the connection (TCP reset) without any response. */
  reset?: boolean
  /**
   * Send the status line and headers (`status`, default 200; `contentType`, default
   * `application/json`; `retryAfter`), then `bodyPrefix` if given, and never the rest of the
   * body: the client has the response but its body read never ends. `close()` destroys the
   * socket.
   * @example sim.fault({ endpoint: 'token', stallAfterHeaders: true, bodyPrefix: '{"access_', times: 1 })
   */
  stallAfterHeaders?: boolean
  /** With `stallAfterHeaders`: the first bytes of the body, sent before it stalls. */
  bodyPrefix?: string
  /**
   * Answer with a defective body. `truncated-json`, `not-json`, `html` and `empty` work for both
   * endpoints; the others describe a token response and apply to `token` only.
   */
  malformed?: MalformedKind
}

/** Handle of an injected fault. */
export interface FaultHandle {
  /** Remove the fault now. */
  clear(): void
  /** How many requests the fault has answered so far. */
  readonly hits: number
  /** Whether the fault will still apply to a future request. */
  readonly active: boolean
}

/** Counters since start or the last `resetStats()`. */
export interface SimulatorStats {
  tokenRequests: {
    /** Every request to the token endpoint, whatever its outcome. */
    total: number
    /** Requests per `client_id` sent (requests without one are not counted here). */
    byClient: Record<string, number>
    /** Requests per outcome; every outcome is present, 0 when none happened. */
    byOutcome: Record<TokenRequestOutcome, number>
  }
  apiCalls: {
    /** Every request to the GraphQL endpoint. */
    total: number
    /** Calls answered `UNAUTHENTICATED` (missing, unknown or expired token). */
    unauthenticated: number
    /** Calls with at least one `FORBIDDEN` (missing scope) error. */
    forbidden: number
    /** Calls answered by an injected fault. */
    faulted: number
  }
  /** Tokens issued and not yet expired, by the simulator's clock. */
  liveTokens: number
}

/** One request to the token endpoint. Secrets and assertions are never recorded. */
export interface TokenRequestLogEntry {
  /** When the request arrived, in epoch milliseconds of the simulator's clock. */
  at: number
  clientId?: string
  /** The `scope` parameter as sent. */
  scope?: string
  authMethod: ClientAuthMethod
  /** The `jti` of the client assertion, when one could be decoded. */
  jti?: string
  outcome: TokenRequestOutcome
  /** The HTTP status answered (0 when a fault reset or hung the connection; a stalled answer's status). */
  status: number
}

/** One request to the GraphQL API. Tokens are never recorded. */
export interface ApiRequestLogEntry {
  /** When the request arrived, in epoch milliseconds of the simulator's clock. */
  at: number
  /** The client whose token made the call (absent when the token was not valid). */
  clientId?: string
  /** The scopes of the token the call was made with. */
  scopes?: readonly string[]
  /** The operation's name, from the request or its document. */
  operationName?: string
  /** The variables as sent (a file in a multipart upload as its name, type and bytes). */
  variables: Readonly<Record<string, unknown>>
  /** `error`: the call ran and answered GraphQL errors other than a missing scope. */
  outcome: 'ok' | 'error' | 'forbidden' | 'unauthenticated'
  /** The HTTP status answered. */
  status: number
}

/** A running simulator. */
export interface StitchSimulator extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** The token endpoint, `${url}/connect/token`; also the only accepted `audience`. */
  readonly tokenUrl: string
  /** The GraphQL endpoint, `${url}/graphql`. */
  readonly graphqlUrl: string
  /**
   * A fetch that sends requests for Stitch's production token and API URLs
   * (`https://secure.stitch.money/connect/token`, `https://api.stitch.money/graphql`) to this
   * simulator, rewriting them in the body too (e.g. a form's `audience`), and throws for any
   * other URL (the simulator's own pass through). It keeps the request's method, headers, body
   * and signal. To run unmodified code that uses Stitch's default URLs against the simulator.
   * A certificate client signs its token URL into its assertion, which no fetch can rewrite:
   * give it `tokenUrl: sim.tokenUrl`.
   * @example vi.stubGlobal('fetch', sim.fetch)
   * @example createStitchAuth({ clientId, clientSecret, scopes, fetch: sim.fetch })
   */
  readonly fetch: typeof fetch
  /** Registers a client, replacing one with the same id and all its secrets or keys. */
  addClient(client: SimulatorClient): void
  /** Forgets a client; tokens already issued to it stay valid until they expire. */
  removeClient(clientId: string): boolean
  /**
   * Gives a secret client one more active secret: the old and the new one both authenticate
   * until one is revoked, as while a secret is rotated (add the new one, deploy, revoke the
   * old one). Throws for an unknown client, a key client or an empty secret.
   */
  addClientSecret(clientId: string, clientSecret: string): void
  /**
   * Revokes one of a client's secrets; false when it is not one of them. Tokens already issued
   * stay valid until they expire (a guess: Stitch does not document what revoking does to them).
   */
  revokeClientSecret(clientId: string, clientSecret: string): boolean
  /** Gives a certificate client one more active public key (SPKI or X.509 PEM, JWK or `CryptoKey`). */
  addClientPublicKey(clientId: string, publicKey: string | JWK | WebCryptoKey): void
  /** Revokes one of a client's public keys, given in any form; false when it is not one of them. */
  revokeClientPublicKey(clientId: string, publicKey: string | JWK | WebCryptoKey): boolean
  /** Injects a fault; see {@link FaultSpec}. */
  fault(spec: FaultSpec): FaultHandle
  /** Removes every fault. */
  clearFaults(): void
  /** A fresh snapshot of the counters. */
  readonly stats: SimulatorStats
  /** Zeroes the counters and empties `tokenRequests`. Issued tokens stay valid. */
  resetStats(): void
  /** A copy of the token request log, oldest first. */
  readonly tokenRequests: readonly TokenRequestLogEntry[]
  /** Makes every token issued so far expire now. */
  expireAllTokens(): void
  /** Moves the simulator's clock; see {@link StitchSimulatorOptions.clockOffsetMs}. */
  setClockOffset(ms: number): void
  /** Changes the lifetime of tokens issued from now on. */
  setTokenLifetime(seconds: number): void
  /**
   * A copy of the API request log, oldest first: who called, with which scopes, which
   * operation and variables, and how it ended. Counted from start or the last `resetStats()`.
   */
  readonly apiRequests: readonly ApiRequestLogEntry[]
  /** Copies of the payment requests created so far, oldest first. */
  readonly paymentRequests: readonly SimulatedPaymentRequest[]
  /** The payer pays a pending payment request in full (what the pay page's button does). */
  completePaymentRequest(id: string): SimulatedPaymentRequest
  /** Cancels a pending payment request, as `clientPaymentInitiationRequestCancel` does. */
  cancelPaymentRequest(id: string, reason?: string): SimulatedPaymentRequest
  /** Expires a pending payment request now, as if its `expireAt` had passed. */
  expirePaymentRequest(id: string): SimulatedPaymentRequest
  /** Copies of the refunds created so far, oldest first. */
  readonly refunds: readonly SimulatedRefund[]
  /**
   * Moves a refund on, as Stitch's processing would: pending → submitted → completed, or to
   * error or paused. `date` defaults to now.
   * @example sim.setRefundStatus(id, { type: 'completed' })
   */
  setRefundStatus(id: string, status: RefundStatusUpdate): SimulatedRefund
  /** Copies of the disbursements created so far, oldest first. */
  readonly disbursements: readonly SimulatedDisbursement[]
  /**
   * Moves a disbursement on: pending → submitted → completed → reversed, or to paused, error
   * or cancelled. `date` defaults to now.
   * @example sim.setDisbursementStatus(id, { type: 'error', reason: 'invalid_account' })
   */
  setDisbursementStatus(id: string, status: DisbursementStatusUpdate): SimulatedDisbursement
  /** Copies of the payment consent requests created so far, oldest first. */
  readonly paymentConsentRequests: readonly SimulatedPaymentConsentRequest[]
  /** The payer authorises a consent request (a DebiCheck mandate, say): its status becomes Granted. */
  grantPaymentConsentRequest(id: string): SimulatedPaymentConsentRequest
  /** Adds a bank account that `verifyBankAccountDetails` knows (a few fixtures are there from the start). */
  registerBankAccount(account: SimulatedBankAccount): void
  /** Adds a business the business lookup finds (a few fixtures are there from the start). */
  registerBusiness(business: SimulatedBusiness): void
  /** Copies of the webhook endpoints added with `clientWebhookAdd`, secrets included. */
  readonly webhookEndpoints: readonly SimulatedWebhookEndpoint[]
  /**
   * Copies of the webhook messages sent so far, oldest first, each with its attempts. A payment
   * request paid, cancelled or expired, and a refund's, disbursement's or consent request's new
   * status, send one message to each endpoint of its client subscribed to the event's type.
   */
  readonly webhookDeliveries: readonly WebhookDeliveryLogEntry[]
  /**
   * Resolves, with `webhookDeliveries`, once every message queued so far has been delivered
   * or given up on (after its last retry), or `close()` cancelled it.
   * @example sim.completePaymentRequest(id); const [delivery] = await sim.webhooksSettled()
   */
  webhooksSettled(): Promise<readonly WebhookDeliveryLogEntry[]>
  /**
   * Sends a made-up delivery, signed well or badly, stale or replayed, for a receiver's tests;
   * resolves with its log entry once it is delivered or failed (one attempt unless `retry`).
   * @example await sim.sendWebhook({ endpointId, type: 'payment', signature: 'wrong-secret' })
   */
  sendWebhook(spec: SendWebhookSpec): Promise<WebhookDeliveryLogEntry>
  /**
   * Stops the server and destroys every open connection, hung ones included; ends webhook
   * attempts in flight and cancels retries and every other timer.
   */
  close(): Promise<void>
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { JWK, CryptoKey as WebCryptoKey } from 'jose'
import { z } from 'zod'
import {
  checkClient,
  type RegisteredClient,
  registerClient,
  withoutPublicKey,
  withoutSecret,
  withPublicKey,
  withSecret,
} from './clients.js'
import { type FaultOutcome, FaultRegistry, runFault } from './faults.js'
import { processGraphQLRequest } from './graphql-endpoint.js'
import {
  BodyTooLargeError,
  escapeHtml,
  jsonReply,
  mediaType,
  type Reply,
  readBody,
  send,
} from './http.js'
import { describeIssues } from './problems.js'
import { SimulatorState } from './state.js'
import type { SimulatedBusiness } from './stitch/business-lookup.js'
import { registerBusiness } from './stitch/business-lookup.js'
import {
  grantPaymentConsentRequest,
  type SimulatedPaymentConsentRequest,
} from './stitch/consents.js'
import {
  type DisbursementStatusUpdate,
  type SimulatedDisbursement,
  setDisbursementStatus,
} from './stitch/disbursements.js'
import { findUpload } from './stitch/images.js'
import { findPaymentAuthorizationRequest } from './stitch/payment-authorization.js'
import {
  cancelPaymentRequest,
  completePaymentRequest,
  currentState,
  expirePaymentRequest,
  type SimulatedPaymentRequest,
} from './stitch/payment-requests.js'
import { type RefundStatusUpdate, type SimulatedRefund, setRefundStatus } from './stitch/refunds.js'
import { registerBankAccount, type SimulatedBankAccount } from './stitch/verification.js'
import type { SimulatedWebhookEndpoint } from './stitch/webhook-endpoints.js'
import { simulatorFetch } from './stitch-fetch.js'
import { peekTokenParams, processTokenRequest } from './token-endpoint.js'
import type {
  ApiRequestLogEntry,
  FaultHandle,
  FaultSpec,
  SendWebhookSpec,
  SimulatorClient,
  SimulatorStats,
  StitchSimulator,
  StitchSimulatorOptions,
  TokenRequestLogEntry,
  WebhookDeliveryLogEntry,
} from './types.js'
import { WebhookDispatcher, type WebhookSettings } from './webhooks.js'

const TOKEN_BODY_LIMIT = 64 * 1024
// Room for an image upload (the simulator accepts images up to 5 MB) and its multipart framing.
const GRAPHQL_BODY_LIMIT = 6 * 1024 * 1024

/**
 * Starts a local Stitch: a real HTTP server with the client-credentials token endpoint and a
 * GraphQL API, on 127.0.0.1 and a free port unless told otherwise.
 *
 * @example
 * await using sim = await startStitchSimulator({
 *   clients: [{ clientId: 'test-client', clientSecret: 'test-secret', scopes: ['client_paymentrequest'] }],
 * })
 * const response = await fetch(sim.tokenUrl, { method: 'POST', body: new URLSearchParams({ ... }) })
 */
export async function startStitchSimulator(
  options: StitchSimulatorOptions = {},
): Promise<StitchSimulator> {
  const settings = resolveOptions(options)
  const state = new SimulatorState(settings.state)
  for (const client of settings.clients) state.clients.set(client.clientId, client)
  const simulator = new Simulator(state, settings.host, settings.webhooks)
  await simulator.listen(settings.port)
  return simulator
}

const got = (issue: { input?: unknown }) => `(got ${String(issue.input)})`
const positiveInteger = (fallback: number) => {
  const problem = (issue: { input?: unknown }) => `must be a positive integer ${got(issue)}`
  return z
    .number({ error: problem })
    .refine((value) => Number.isInteger(value) && value > 0, { error: problem })
    .default(fallback)
}
const portProblem = (issue: { input?: unknown }) => `must be an integer 0-65535 ${got(issue)}`
const leewayProblem = (issue: { input?: unknown }) => `must be a number >= 0 ${got(issue)}`
const delayProblem = (issue: { input?: unknown }) =>
  `must be an array of integers >= 0 (milliseconds) ${got(issue)}`
// setTimeout's limit: a longer wait would fire at once.
const MAX_DELAY_MS = 2 ** 31 - 1

// Each client is checked by the schema `addClient` uses too, after these.
const optionsSchema = z.object(
  {
    port: z
      .number({ error: portProblem })
      .refine((value) => Number.isInteger(value) && value >= 0 && value <= 65535, {
        error: portProblem,
      })
      .default(0),
    host: z
      .string({ error: 'must be a non-empty string' })
      .min(1, 'must be a non-empty string')
      .default('127.0.0.1'),
    clients: z.array(z.unknown(), { error: 'must be an array' }).default([]),
    tokenLifetimeSeconds: positiveInteger(3600),
    // zod's numbers are finite: Infinity and NaN are refused.
    clockOffsetMs: z
      .number({ error: (issue) => `must be a finite number ${got(issue)}` })
      .default(0),
    assertionLeewaySeconds: z
      .number({ error: leewayProblem })
      .min(0, { error: leewayProblem })
      .default(5),
    unauthenticatedStatus: z
      .literal([200, 401], { error: (issue) => `must be 200 or 401 ${got(issue)}` })
      .default(200),
    requestLogLimit: positiveInteger(10_000),
    webhookRetryDelaysMs: z
      .array(
        z
          .number({ error: delayProblem })
          .refine((value) => Number.isInteger(value) && value >= 0 && value <= MAX_DELAY_MS, {
            error: (issue) =>
              `each webhookRetryDelaysMs entry must be whole milliseconds 0-${MAX_DELAY_MS} ${got(issue)}`,
          }),
        { error: delayProblem },
      )
      .max(100, { error: 'must have at most 100 retries' })
      .default([100, 200, 400, 800]),
    webhookTimeoutMs: z
      .number({ error: (issue) => `must be a positive integer ${got(issue)}` })
      .refine((value) => Number.isInteger(value) && value > 0 && value <= MAX_DELAY_MS, {
        error: (issue) => `must be a positive integer of ms up to ${MAX_DELAY_MS} ${got(issue)}`,
      })
      .default(5000),
  },
  { error: 'options must be an object' },
)

function resolveOptions(options: StitchSimulatorOptions) {
  const parsed = optionsSchema.safeParse(options)
  const problems = parsed.success ? [] : describeIssues(parsed.error.issues)
  const clients: unknown = (options as { clients?: unknown } | null)?.clients
  const registered: RegisteredClient[] = []
  const seen = new Set<string>()
  for (const client of Array.isArray(clients) ? clients : []) {
    const checked = checkClient(client)
    if (checked.problems) {
      problems.push(...checked.problems)
      continue
    }
    const { clientId } = checked.registered
    if (seen.has(clientId)) problems.push(`client "${clientId}" is listed more than once`)
    seen.add(clientId)
    registered.push(checked.registered)
  }
  if (!parsed.success || problems.length > 0) {
    throw new TypeError(`Invalid Stitch simulator options:\n- ${problems.join('\n- ')}`)
  }
  const {
    port,
    host,
    clients: _clients,
    webhookRetryDelaysMs,
    webhookTimeoutMs,
    ...state
  } = parsed.data
  const webhooks: WebhookSettings = {
    retryDelaysMs: webhookRetryDelaysMs,
    timeoutMs: webhookTimeoutMs,
    logLimit: state.requestLogLimit,
  }
  return { port, host, clients: registered, state, webhooks }
}

const isPositiveInteger = (n: unknown): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n > 0

/** A URL host for the address: wildcard binds are reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

class Simulator implements StitchSimulator {
  readonly #state: SimulatorState
  readonly #host: string
  readonly #faults = new FaultRegistry()
  readonly #sockets = new Set<Socket>()
  // Aborted by close(): fault delays end at once instead of keeping the process alive.
  readonly #closing = new AbortController()
  readonly #server = createServer((req, res) => {
    this.#handle(req, res).catch((error: unknown) => {
      send(
        res,
        this.#state.now(),
        jsonReply(500, {
          error: 'server_error',
          error_description: `Simulator bug: ${String(error)}`,
        }),
      )
    })
  })
  readonly #webhooks: WebhookDispatcher
  #closed: Promise<void> | undefined

  constructor(state: SimulatorState, host: string, webhooks: WebhookSettings) {
    this.#state = state
    this.#host = host
    this.#webhooks = new WebhookDispatcher(state, webhooks)
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
    })
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, this.#host, () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    const { port: actual } = this.#server.address() as AddressInfo
    this.#state.baseUrl = `http://${urlHost(this.#host)}:${actual}`
  }

  get url(): string {
    return this.#state.baseUrl
  }

  get tokenUrl(): string {
    return this.#state.tokenUrl
  }

  get graphqlUrl(): string {
    return `${this.#state.baseUrl}/graphql`
  }

  // A property, not a method: it is handed over detached (`{ fetch: sim.fetch }`).
  readonly fetch: typeof fetch = simulatorFetch(this)

  addClient(client: SimulatorClient): void {
    const registered = registerClient(client)
    this.#state.clients.set(registered.clientId, registered)
  }

  removeClient(clientId: string): boolean {
    return this.#state.clients.delete(clientId)
  }

  /**
   * Gives a secret client one more active secret: both the old and the new one authenticate
   * until {@link StitchSimulator.revokeClientSecret} revokes one, as during a rotation.
   */
  addClientSecret(clientId: string, clientSecret: string): void {
    this.#updateClient(clientId, (client) => withSecret(client, clientSecret))
  }

  /** Revokes one of a client's secrets; false when it is not one of them. */
  revokeClientSecret(clientId: string, clientSecret: string): boolean {
    return this.#updateClient(clientId, (client) => withoutSecret(client, clientSecret))
  }

  /** Gives a certificate client one more active public key (or certificate), as during a rotation. */
  addClientPublicKey(clientId: string, publicKey: string | JWK | WebCryptoKey): void {
    this.#updateClient(clientId, (client) => withPublicKey(client, publicKey))
  }

  /** Revokes one of a client's public keys; false when it is not one of them. */
  revokeClientPublicKey(clientId: string, publicKey: string | JWK | WebCryptoKey): boolean {
    return this.#updateClient(clientId, (client) => withoutPublicKey(client, publicKey))
  }

  #updateClient(
    clientId: string,
    update: (client: RegisteredClient) => RegisteredClient | undefined,
  ): boolean {
    const client = this.#state.clients.get(clientId)
    if (client === undefined) throw new TypeError(`no simulator client "${clientId}"`)
    const updated = update(client)
    if (updated === undefined) return false
    this.#state.clients.set(clientId, updated)
    return true
  }

  fault(spec: FaultSpec): FaultHandle {
    return this.#faults.add(spec)
  }

  clearFaults(): void {
    this.#faults.clear()
  }

  get stats(): SimulatorStats {
    return this.#state.snapshot()
  }

  resetStats(): void {
    this.#state.resetStats()
  }

  get tokenRequests(): readonly TokenRequestLogEntry[] {
    return this.#state.log
  }

  expireAllTokens(): void {
    const now = this.#state.now()
    for (const token of this.#state.tokens.values())
      token.expiresAt = Math.min(token.expiresAt, now)
  }

  setClockOffset(ms: number): void {
    if (!Number.isFinite(ms))
      throw new TypeError(`clock offset must be a finite number of ms (got ${ms})`)
    this.#state.settings.clockOffsetMs = ms
  }

  setTokenLifetime(seconds: number): void {
    if (!isPositiveInteger(seconds)) {
      throw new TypeError(`token lifetime must be a positive integer of seconds (got ${seconds})`)
    }
    this.#state.settings.tokenLifetimeSeconds = seconds
  }

  get apiRequests(): readonly ApiRequestLogEntry[] {
    return this.#state.apiLog
  }

  get paymentRequests(): readonly SimulatedPaymentRequest[] {
    const requests = [...this.#state.paymentRequests.values()]
    for (const request of requests) currentState(this.#state, request)
    return structuredClone(requests)
  }

  completePaymentRequest(id: string): SimulatedPaymentRequest {
    return structuredClone(completePaymentRequest(this.#state, id))
  }

  cancelPaymentRequest(id: string, reason = 'cancelled by the simulator'): SimulatedPaymentRequest {
    return structuredClone(cancelPaymentRequest(this.#state, id, reason))
  }

  expirePaymentRequest(id: string): SimulatedPaymentRequest {
    return structuredClone(expirePaymentRequest(this.#state, id))
  }

  get refunds(): readonly SimulatedRefund[] {
    return structuredClone([...this.#state.refunds.values()])
  }

  setRefundStatus(id: string, status: RefundStatusUpdate): SimulatedRefund {
    return structuredClone(setRefundStatus(this.#state, id, status))
  }

  get disbursements(): readonly SimulatedDisbursement[] {
    return structuredClone([...this.#state.disbursements.values()])
  }

  setDisbursementStatus(id: string, status: DisbursementStatusUpdate): SimulatedDisbursement {
    return structuredClone(setDisbursementStatus(this.#state, id, status))
  }

  get paymentConsentRequests(): readonly SimulatedPaymentConsentRequest[] {
    return structuredClone([...this.#state.paymentConsentRequests.values()])
  }

  grantPaymentConsentRequest(id: string): SimulatedPaymentConsentRequest {
    return structuredClone(grantPaymentConsentRequest(this.#state, id))
  }

  registerBankAccount(account: SimulatedBankAccount): void {
    registerBankAccount(this.#state, account)
  }

  registerBusiness(business: SimulatedBusiness): void {
    registerBusiness(this.#state, business)
  }

  get webhookEndpoints(): readonly SimulatedWebhookEndpoint[] {
    return structuredClone([...this.#state.webhookEndpoints.values()])
  }

  get webhookDeliveries(): readonly WebhookDeliveryLogEntry[] {
    return this.#webhooks.deliveries
  }

  webhooksSettled(): Promise<readonly WebhookDeliveryLogEntry[]> {
    return this.#webhooks.settled()
  }

  sendWebhook(spec: SendWebhookSpec): Promise<WebhookDeliveryLogEntry> {
    return this.#webhooks.send(spec)
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#closing.abort()
      this.#faults.clear()
      // No expiry or retry fires after this; deliveries in flight are destroyed.
      this.#state.stopTimers()
      const webhooks = this.#webhooks.close()
      const server = new Promise<void>((done) => this.#server.close(() => done()))
      // server.close() only waits for connections to end; hung and keep-alive ones never would.
      for (const socket of this.#sockets) socket.destroy()
      void Promise.all([webhooks, server]).then(() => resolve())
    })
    return this.#closed
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://simulator')
    if (pathname === '/connect/token') return this.#handleToken(req, res)
    if (pathname === '/graphql') return this.#handleGraphQL(req, res)
    const file = /^\/files\/([\w-]+)$/.exec(pathname)
    if (file?.[1] !== undefined && req.method === 'GET') return this.#serveUpload(res, file[1])
    const authorize = /^\/authorize\/([\w-]+)$/.exec(pathname)
    if (authorize?.[1] !== undefined && req.method === 'GET') {
      return this.#handleAuthorizePage(res, authorize[1])
    }
    const pay = /^\/pay\/([\w-]+)(\/complete)?$/.exec(pathname)
    if (pay?.[1] !== undefined) return this.#handlePayPage(req, res, pay[1], pay[2] !== undefined)
    if (pathname === '/' && req.method === 'GET') {
      return this.#reply(
        res,
        jsonReply(200, {
          name: 'Stitch simulator',
          tokenUrl: this.tokenUrl,
          graphqlUrl: this.graphqlUrl,
        }),
      )
    }
    this.#reply(
      res,
      jsonReply(404, { error: 'not_found', error_description: `No route ${pathname}` }),
    )
  }

  async #handleToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.#state.now()
    const body = await this.#readBody(req, TOKEN_BODY_LIMIT)
    if (body === null) return
    const fault = this.#faults.take('token')
    if (fault !== undefined) {
      const peek = peekTokenParams(body?.toString('utf8'))
      const outcome = await runFault(fault, this.#faultContext(req, res, 'token', peek.scopes))
      if (outcome.kind !== 'continue') {
        this.#state.recordTokenRequest(
          withoutUndefined({
            at,
            clientId: peek.clientId,
            scope: peek.scope,
            authMethod: peek.authMethod,
            jti: peek.jti,
            outcome: 'fault',
            status: outcome.kind === 'no-reply' ? 0 : outcome.reply.status,
          }),
        )
        this.#answerFault(res, outcome)
        return
      }
    }
    const result = await processTokenRequest(this.#state, {
      method: req.method ?? 'GET',
      mediaType: mediaType(req),
      body: body?.toString('utf8'),
    })
    this.#state.recordTokenRequest(
      withoutUndefined({
        at,
        clientId: result.clientId,
        scope: result.scope,
        authMethod: result.authMethod,
        jti: result.jti,
        outcome: result.outcome,
        status: result.reply.status,
      }),
    )
    this.#reply(res, result.reply)
  }

  async #handleGraphQL(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await this.#readBody(req, GRAPHQL_BODY_LIMIT)
    if (body === null) return
    const fault = this.#faults.take('graphql')
    if (fault !== undefined) {
      const outcome = await runFault(fault, this.#faultContext(req, res, 'graphql', []))
      if (outcome.kind !== 'continue') {
        this.#state.countApiCall('faulted')
        this.#answerFault(res, outcome)
        return
      }
    }
    const result = await processGraphQLRequest(this.#state, {
      method: req.method ?? 'GET',
      contentType: req.headers['content-type'] ?? '',
      authorization: req.headers.authorization,
      body,
    })
    this.#state.countApiCall(result.kind)
    this.#reply(res, result.reply)
  }

  /** Where a LinkPay `authorizationRequestUrl` leads: a page naming the request. */
  #handleAuthorizePage(res: ServerResponse, id: string): void {
    const request = findPaymentAuthorizationRequest(this.#state, id)
    this.#reply(
      res,
      htmlPage(
        request ? 200 : 404,
        'Stitch simulator — LinkPay',
        request
          ? `<h1>Stitch simulator — payment authorization request ${escapeHtml(id)}</h1>`
          : '<h1>No such payment authorization request</h1>',
      ),
    )
  }

  async #handlePayPage(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    complete: boolean,
  ): Promise<void> {
    const request = this.#state.paymentRequests.get(id)
    const html = htmlPage
    if (request === undefined) {
      return this.#reply(res, html(404, 'Not found', '<h1>No such payment request</h1>'))
    }
    if (complete) {
      if (req.method !== 'POST') {
        return this.#reply(res, { status: 405, headers: { Allow: 'POST' }, body: '' })
      }
      if (currentState(this.#state, request).type === 'pending') this.completePaymentRequest(id)
      return this.#reply(res, { status: 303, headers: { Location: `/pay/${id}` }, body: '' })
    }
    if (req.method !== 'GET')
      return this.#reply(res, { status: 405, headers: { Allow: 'GET' }, body: '' })
    const amount = `R ${request.amount.quantity}`
    const { type } = currentState(this.#state, request)
    const button =
      type === 'pending'
        ? `<form method="post" action="/pay/${escapeHtml(id)}/complete"><button>Simulate payment</button></form>`
        : ''
    this.#reply(
      res,
      html(
        200,
        `Stitch simulator — ${amount}`,
        `<h1>Stitch simulator — payment request ${escapeHtml(id)}, ${escapeHtml(amount)}</h1>` +
          `<p>Beneficiary reference: ${escapeHtml(request.beneficiaryReference)}</p>` +
          `<p>Status: ${escapeHtml(type)}</p>${button}`,
      ),
    )
  }

  /** An uploaded image: Stitch says "file downloads do not require authorization". */
  #serveUpload(res: ServerResponse, id: string): void {
    const upload = findUpload(this.#state, id)
    if (upload === undefined) {
      this.#reply(res, jsonReply(404, { error: 'not_found', error_description: 'No such file' }))
      return
    }
    res.sendDate = false
    res.writeHead(200, {
      Date: new Date(this.#state.now()).toUTCString(),
      'Content-Type': upload.mimetype,
      'Content-Length': String(upload.bytes.byteLength),
    })
    res.end(upload.bytes)
  }

  /** The body, undefined when over the limit, or null when the client went away. */
  async #readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined | null> {
    try {
      return await readBody(req, limit)
    } catch (error) {
      return error instanceof BodyTooLargeError ? undefined : null
    }
  }

  #faultContext(
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: FaultSpec['endpoint'],
    requestedScopes: readonly string[],
  ) {
    return {
      endpoint,
      requestedScopes,
      signal: this.#closing.signal,
      isConnected: () => !res.destroyed && !req.socket.destroyed,
      reset: () => req.socket.resetAndDestroy(),
    }
  }

  #reply(res: ServerResponse, reply: Reply): void {
    send(res, this.#state.now(), reply)
  }

  #answerFault(res: ServerResponse, outcome: Exclude<FaultOutcome, { kind: 'continue' }>): void {
    if (outcome.kind === 'reply') this.#reply(res, outcome.reply)
    else if (outcome.kind === 'stall') this.#stall(res, outcome.reply)
  }

  /**
   * Sends the head of `reply` and its body as the first bytes of a body that never ends: no
   * Content-Length, so the answer is chunked and never gets its last chunk. close() destroys
   * the socket.
   */
  #stall(res: ServerResponse, reply: Reply): void {
    if (res.headersSent || res.destroyed) return
    res.sendDate = false
    res.writeHead(reply.status, {
      Date: new Date(this.#state.now()).toUTCString(),
      ...reply.headers,
    })
    res.flushHeaders()
    if (reply.body !== '') res.write(reply.body)
  }
}

function htmlPage(status: number, title: string, content: string): Reply {
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
    body: `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${content}</body></html>`,
  }
}

/** Keeps log entries free of `key: undefined`, so they compare and print cleanly. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

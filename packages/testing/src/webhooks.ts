import { createHmac, randomBytes } from 'node:crypto'
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { SimulatorState, StateChange } from './state.js'
import { newId } from './stitch/kit.js'
import {
  type SimulatedWebhookEndpoint,
  subscribedWebhookEndpoints,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from './stitch/webhook-endpoints.js'
import {
  exampleWebhookEvent,
  type WebhookEvent,
  webhookBody,
  webhookEventFor,
} from './stitch/webhook-events.js'
import type {
  SendWebhookSpec,
  WebhookDeliveryAttempt,
  WebhookDeliveryLogEntry,
  WebhookSignatureMode,
} from './types.js'

/** What the simulator's options say about delivery. */
export interface WebhookSettings {
  /** The wait before each retry; one attempt more than there are delays. */
  retryDelaysMs: readonly number[]
  /** How long one attempt may take, from connecting to the end of the answer. */
  timeoutMs: number
  /** How many messages the log keeps. */
  logLimit: number
}

/** How much of a receiver's answer the log keeps. */
const RESPONSE_LOG_LIMIT = 1024

interface Message {
  entry: WebhookDeliveryLogEntry & { attempts: WebhookDeliveryAttempt[] }
  /** The endpoint's signing secret; never logged. */
  secret: string
  /** A fixed `svix-timestamp` (unix seconds) for every attempt, from `sendWebhook`. */
  timestamp: number | undefined
  retry: boolean
  /** Resolved once the message has been delivered, given up on or cancelled. */
  done: Promise<void>
  finish: () => void
}

/**
 * Delivers webhooks the way Stitch's provider, Svix, does: a JSON POST to each endpoint of the
 * client subscribed to the event's type, signed with the endpoint's secret (`svix-id`,
 * `svix-timestamp`, `svix-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), retried
 * with the same `svix-id` and a fresh timestamp and signature after a network error, a timeout
 * or an answer other than 2xx, until the schedule runs out. Timers are unref'd, and `close()`
 * ends every attempt and retry at once.
 */
export class WebhookDispatcher {
  readonly #state: SimulatorState
  readonly #settings: WebhookSettings
  #log: Message[] = []
  readonly #pending = new Set<Message>()
  readonly #inFlight = new Set<ClientRequest>()
  readonly #attempts = new Set<Promise<void>>()
  #closed = false

  constructor(state: SimulatorState, settings: WebhookSettings) {
    this.#state = state
    this.#settings = settings
    state.onChange((change) => this.#onChange(change))
  }

  /** Copies of the log, oldest first. */
  get deliveries(): readonly WebhookDeliveryLogEntry[] {
    return this.#log.map((message) => structuredClone(message.entry))
  }

  /** Resolves once every message queued so far has been delivered or given up on. */
  async settled(): Promise<readonly WebhookDeliveryLogEntry[]> {
    // Messages queued while waiting (a retry never queues one) are waited for too.
    while (this.#pending.size > 0) {
      await Promise.all([...this.#pending].map((message) => message.done))
    }
    return this.deliveries
  }

  /** Sends one made-up delivery, well or badly signed, and resolves with its log entry. */
  async send(spec: SendWebhookSpec): Promise<WebhookDeliveryLogEntry> {
    if (this.#closed) throw new Error('The simulator is closed')
    const { target, secret } = this.#target(spec)
    const type = spec.type
    if (typeof type !== 'string' || type === '') {
      throw new TypeError('sendWebhook: type must be an event type such as "payment"')
    }
    let body: string
    if (typeof spec.body === 'string') body = spec.body
    else if (spec.body !== undefined) body = JSON.stringify(spec.body)
    else {
      const example = (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type)
        ? exampleWebhookEvent(type as WebhookEventType, target.clientId ?? '', this.#state)
        : undefined
      if (example === undefined) {
        throw new TypeError(
          `sendWebhook: give a body for "${type}" events (the simulator has examples of payment, refund and disbursement events only)`,
        )
      }
      body = webhookBody(example, target.endpointId ?? newId('webhookendpoint'))
    }
    const signature = spec.signature ?? 'valid'
    if (!['valid', 'wrong-secret', 'tampered'].includes(signature)) {
      throw new TypeError(
        `sendWebhook: signature must be 'valid', 'wrong-secret' or 'tampered' (got ${String(signature)})`,
      )
    }
    let timestamp: number | undefined
    if (spec.timestamp !== undefined) {
      timestamp =
        spec.timestamp instanceof Date
          ? Math.floor(spec.timestamp.getTime() / 1000)
          : spec.timestamp
      if (!Number.isInteger(timestamp)) {
        throw new TypeError(
          `sendWebhook: timestamp must be whole unix seconds or a Date (got ${String(spec.timestamp)})`,
        )
      }
    }
    const message = this.#enqueue({
      ...target,
      id: spec.id ?? newMessageId(),
      type,
      body,
      secret,
      signature,
      timestamp,
      trigger: 'sendWebhook',
      retry: spec.retry ?? false,
    })
    await message.done
    return structuredClone(message.entry)
  }

  /** Stops every attempt and retry; what was still pending is marked cancelled. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const request of this.#inFlight) request.destroy(new Error('the simulator closed'))
    // Destroyed requests answer on a later tick: let their attempts be logged.
    await Promise.allSettled([...this.#attempts])
    for (const message of this.#pending) {
      message.entry.status = 'cancelled'
      delete message.entry.nextAttemptAt
      message.finish()
    }
    this.#pending.clear()
  }

  #onChange(change: StateChange): void {
    if (this.#closed) return
    let event: WebhookEvent | undefined
    try {
      event = webhookEventFor(change, this.#state)
    } catch (error) {
      // A state transition must not fail because its webhook could not be built.
      process.emitWarning(`Stitch simulator: could not build a webhook event: ${String(error)}`)
      return
    }
    if (event === undefined) return
    for (const endpoint of subscribedWebhookEndpoints(this.#state, event.clientId, event.type)) {
      this.#enqueue({
        endpointId: endpoint.id,
        clientId: endpoint.clientId,
        url: endpoint.url,
        id: newMessageId(),
        type: event.type,
        body: webhookBody(event, endpoint.id),
        secret: endpoint.secret,
        signature: 'valid',
        timestamp: undefined,
        trigger: 'event',
        retry: true,
      })
    }
  }

  #target(spec: SendWebhookSpec): {
    target: { endpointId?: string; clientId?: string; url: string }
    secret: string
  } {
    const endpoints = [...this.#state.webhookEndpoints.values()]
    let endpoint: SimulatedWebhookEndpoint | undefined
    if (spec.endpointId !== undefined) {
      endpoint = this.#state.webhookEndpoints.get(spec.endpointId)
      if (endpoint === undefined) {
        throw new Error(`sendWebhook: no webhook endpoint with id "${spec.endpointId}"`)
      }
    } else if (spec.url !== undefined) {
      const matching = endpoints.filter((candidate) => candidate.url === spec.url)
      if (matching.length === 1) endpoint = matching[0]
    } else {
      throw new TypeError('sendWebhook: give an endpointId or a url')
    }
    const url = spec.url ?? (endpoint as SimulatedWebhookEndpoint).url
    try {
      const { protocol } = new URL(url)
      if (protocol !== 'http:' && protocol !== 'https:') throw new Error(protocol)
    } catch {
      throw new TypeError(`sendWebhook: url must be an http or https URL (got ${url})`)
    }
    const secret = spec.secret ?? endpoint?.secret
    if (secret === undefined) {
      throw new TypeError(
        `sendWebhook: give the secret to sign with (no single endpoint has the url ${url})`,
      )
    }
    if (!secret.startsWith('whsec_') || secretKey(secret).length === 0) {
      throw new TypeError('sendWebhook: secret must be "whsec_" and the base64 of the key')
    }
    return {
      target: {
        ...(endpoint ? { endpointId: endpoint.id, clientId: endpoint.clientId } : {}),
        url,
      },
      secret,
    }
  }

  #enqueue(init: {
    endpointId?: string
    clientId?: string
    url: string
    id: string
    type: string
    body: string
    secret: string
    signature: WebhookSignatureMode
    timestamp: number | undefined
    trigger: WebhookDeliveryLogEntry['trigger']
    retry: boolean
  }): Message {
    let finish = () => {}
    const done = new Promise<void>((resolve) => {
      finish = resolve
    })
    const message: Message = {
      entry: {
        id: init.id,
        ...(init.endpointId !== undefined ? { endpointId: init.endpointId } : {}),
        ...(init.clientId !== undefined ? { clientId: init.clientId } : {}),
        url: init.url,
        type: init.type,
        body: init.signature === 'tampered' ? tamper(init.body) : init.body,
        trigger: init.trigger,
        signature: init.signature,
        createdAt: this.#state.now(),
        status: 'pending',
        attempts: [],
        nextAttemptAt: this.#state.now(),
      },
      secret: init.secret,
      timestamp: init.timestamp,
      retry: init.retry,
      done,
      finish,
    }
    // A tampered message is signed for the body before the change.
    const signedBody = init.body
    this.#log.push(message)
    if (this.#log.length > this.#settings.logLimit) {
      this.#log.splice(0, this.#log.length - this.#settings.logLimit)
    }
    this.#pending.add(message)
    this.#state.later(0, () => this.#attempt(message, signedBody))
    return message
  }

  #attempt(message: Message, signedBody: string): void {
    if (this.#closed) return
    const attempt = this.#deliverOnce(message, signedBody).finally(() => {
      this.#attempts.delete(attempt)
    })
    this.#attempts.add(attempt)
  }

  async #deliverOnce(message: Message, signedBody: string): Promise<void> {
    const { entry } = message
    const at = this.#state.now()
    const timestamp = message.timestamp ?? Math.floor(at / 1000)
    const key = entry.signature === 'wrong-secret' ? randomBytes(24) : secretKey(message.secret)
    const signature = sign(key, entry.id, timestamp, signedBody)
    const headers = {
      'content-type': 'application/json',
      'svix-id': entry.id,
      'svix-timestamp': String(timestamp),
      'svix-signature': signature,
    }
    delete entry.nextAttemptAt
    const started = performance.now()
    const outcome = await this.#post(entry.url, headers, entry.body)
    const record: WebhookDeliveryAttempt = {
      at,
      headers,
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      ...(outcome.response !== undefined ? { response: outcome.response } : {}),
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      ok: outcome.error === undefined && outcome.status !== undefined && isSuccess(outcome.status),
    }
    entry.attempts.push(record)
    if (this.#closed) return
    if (record.ok) return this.#settle(message, 'delivered')
    const delay = message.retry
      ? this.#settings.retryDelaysMs[entry.attempts.length - 1]
      : undefined
    if (delay === undefined) return this.#settle(message, 'failed')
    entry.nextAttemptAt = this.#state.now() + delay
    this.#state.later(delay, () => this.#attempt(message, signedBody))
  }

  #settle(message: Message, status: 'delivered' | 'failed'): void {
    message.entry.status = status
    this.#pending.delete(message)
    message.finish()
  }

  /** One POST; never throws. */
  #post(
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status?: number; error?: string; response?: string }> {
    return new Promise((resolve) => {
      const bytes = Buffer.from(body, 'utf8')
      const target = new URL(url)
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest
      let status: number | undefined
      let response = ''
      let settled = false
      const finish = (error?: string) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.#inFlight.delete(request)
        resolve({
          ...(status !== undefined ? { status } : {}),
          ...(error !== undefined ? { error } : {}),
          ...(status !== undefined ? { response } : {}),
        })
      }
      const request = send(target, {
        method: 'POST',
        // A connection per attempt, closed after it: nothing pooled outlives the simulator.
        agent: false,
        headers: {
          ...headers,
          'content-length': String(bytes.byteLength),
          connection: 'close',
          'user-agent': 'stitch-simulator-webhooks',
        },
      })
      const timer = setTimeout(() => {
        finish(`timeout: no complete answer within ${this.#settings.timeoutMs} ms`)
        request.destroy()
      }, this.#settings.timeoutMs)
      timer.unref()
      this.#inFlight.add(request)
      request.on('response', (res: IncomingMessage) => {
        status = res.statusCode
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          if (response.length < RESPONSE_LOG_LIMIT) {
            response = (response + chunk).slice(0, RESPONSE_LOG_LIMIT)
          }
        })
        res.on('end', () => finish())
        res.on('error', (error) => finish(describeError(error)))
        res.on('close', () => {
          if (!res.complete) finish('the connection closed before the answer ended')
        })
      })
      request.on('error', (error) => finish(describeError(error)))
      // Only when nothing else ended the attempt (a normal answer ends before this).
      request.on('close', () => finish('the connection closed before an answer'))
      request.end(bytes)
    })
  }
}

/** Svix counts any 2xx as delivered. */
function isSuccess(status: number): boolean {
  return status >= 200 && status < 300
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code
  return code !== undefined ? `${error.message} (${code})` : error.message
}

/** The HMAC key of a `whsec_` secret: the base64 after the prefix, decoded. */
function secretKey(secret: string): Buffer {
  return Buffer.from(secret.slice('whsec_'.length), 'base64')
}

/** Svix's (Standard Webhooks') signature: `v1,` and base64 HMAC-SHA256 of `id.timestamp.body`. */
export function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', key)
    .update(`${id}.${timestamp}.${body}`, 'utf8')
    .digest('base64')
  return `v1,${mac}`
}

/**
 * A body changed after it was signed: its first digit moved on by one (9 becomes 8), which
 * keeps JSON valid (an amount of 150.00 becomes 250.00), or a space added if it has none.
 */
function tamper(body: string): string {
  const index = body.search(/\d/)
  if (index === -1) return `${body} `
  const digit = Number(body[index])
  return `${body.slice(0, index)}${digit === 9 ? 8 : digit + 1}${body.slice(index + 1)}`
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const KSUID_EPOCH = 1_400_000_000

/**
 * A message id in Svix's form, `msg_` and a KSUID (27 base62 characters: 4 bytes of seconds
 * since 2014-05-13, 16 random bytes), e.g. `msg_2KWPBgLlAfxdpx2AI54pPJ85f4W`.
 */
export function newMessageId(): string {
  const bytes = Buffer.alloc(20)
  bytes.writeUInt32BE(Math.max(0, Math.floor(Date.now() / 1000) - KSUID_EPOCH))
  randomBytes(16).copy(bytes, 4)
  let value = BigInt(`0x${bytes.toString('hex')}`)
  let text = ''
  while (value > 0n) {
    text = BASE62[Number(value % 62n)] + text
    value /= 62n
  }
  return `msg_${text.padStart(27, '0')}`
}

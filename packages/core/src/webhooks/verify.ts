// Verifies a Stitch webhook delivery: Svix's signing scheme (Standard Webhooks), on Web Crypto
// alone, so it runs wherever core runs (Node, Bun, Deno, Workers).
import { StitchConfigError, StitchWebhookError } from '../errors.js'
import { parseStitchWebhookEvent, type StitchWebhookEvent } from './events.js'

/** A delivery's body exactly as it arrived: the signature covers these bytes, not a re-serialisation. */
export type StitchWebhookBody = string | Uint8Array | ArrayBuffer | ArrayBufferView

/** A delivery's headers: a Web `Headers`, or a Node-style record (`req.headers`). */
export type StitchWebhookHeaders =
  | Headers
  | Readonly<Record<string, string | readonly string[] | undefined>>

/** Options of {@link createWebhookVerifier}: one webhook endpoint's secrets and checks. */
export interface StitchWebhookVerifierOptions {
  /**
   * The endpoint's signing secret (`whsec_…`, as Stitch returns it for the endpoint), or several
   * while a secret is being rotated: a delivery signed by any of them is accepted.
   * @example [process.env.STITCH_WEBHOOK_SECRET!, process.env.STITCH_WEBHOOK_SECRET_OLD!]
   */
  secrets: string | readonly string[]
  /**
   * How far a delivery's `svix-timestamp` may be from this server's clock, either way, in
   * seconds. Older deliveries are refused as replays; ones from the future point at a clock off.
   * @default 300
   * @example 600
   */
  toleranceSeconds?: number
  /**
   * The clock, in milliseconds since the epoch; read at every call.
   * @default Date.now
   */
  now?: () => number
  /**
   * The event types (`filterTypes`) this endpoint is subscribed to. Stitch's body does not name
   * its type, and `payment` and `payment.confirmation` arrive in the same shape: when the
   * endpoint is subscribed to only one of the two, that one is used instead of a guess.
   * @example ['payment', 'refund']
   */
  eventTypes?: readonly string[]
}

/** A delivery that passed every check. */
export interface VerifiedStitchWebhook {
  /** The delivery's `svix-id`: the same on every retry of one message, so the key to dedupe on. */
  id: string
  /** When this attempt was signed (`svix-timestamp`). */
  timestamp: Date
  event: StitchWebhookEvent
}

/** Checks deliveries to one endpoint; made by {@link createWebhookVerifier}. */
export interface StitchWebhookVerifier {
  /**
   * Checks a delivery's signature and timestamp, then parses its event. Throws a
   * `StitchWebhookError` for a delivery to refuse (headers, signature, timestamp, body) and a
   * `StitchConfigError` when `body` is not the raw body (e.g. already parsed as JSON).
   */
  verify(body: StitchWebhookBody, headers: StitchWebhookHeaders): Promise<VerifiedStitchWebhook>
}

/** Svix signs each attempt anew, so a genuine delivery is never older than a few seconds. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300

const SECRET_PREFIX = 'whsec_'
// Svix's own bounds for a signing secret's key: anything outside them is not a Svix secret.
const MIN_KEY_BYTES = 24
const MAX_KEY_BYTES = 75
// Svix sends one entry per active secret (two during a rotation). A cap keeps a forged header
// of thousands of entries from costing thousands of HMACs over the body.
const MAX_SIGNATURES = 10
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const TIMESTAMP = /^\d{1,15}$/
const MAX_ID_LENGTH = 1024

/**
 * Makes a verifier for one webhook endpoint. The secrets are checked now (a `StitchConfigError`
 * lists every problem, never the secret) and imported as Web Crypto keys once.
 *
 * @example
 * const verifier = createWebhookVerifier({ secrets: process.env.STITCH_WEBHOOK_SECRET! })
 * const { id, event } = await verifier.verify(rawBody, req.headers)
 */
export function createWebhookVerifier(
  options: StitchWebhookVerifierOptions,
): StitchWebhookVerifier {
  const { keys: rawKeys, problems } = readOptions(options)
  if (problems.length > 0) {
    throw new StitchConfigError(problems, 'Invalid stitch-auth webhook options')
  }
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS
  const { now, eventTypes } = options
  const keys = Promise.all(
    rawKeys.map((bytes) =>
      globalThis.crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
        'verify',
      ]),
    ),
  )
  // Awaited by every verify(); without this a failed import would also be an unhandled rejection.
  keys.catch(() => {})

  return {
    async verify(body, headers) {
      const bytes = bodyBytes(body)
      const { id, timestamp, signatures } = readHeaders(headers)
      const signed = concat(new TextEncoder().encode(`${id}.${timestamp}.`), bytes)
      if (!(await anySignatureMatches(await keys, signatures, signed))) {
        throw new StitchWebhookError(
          `No signature in svix-signature matches this delivery under the ${rawKeys.length === 1 ? 'configured secret' : `${rawKeys.length} configured secrets`}. Check that the secret is this endpoint's own (each endpoint has its own), that verify() gets the body byte for byte as it arrived (a JSON body parser that re-serialises it breaks the signature), and, during a rotation, that the new secret is among "secrets".`,
          { code: 'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID', deliveryId: id },
        )
      }
      checkTimestamp(Number(timestamp), toleranceSeconds, now ? now() : Date.now(), id)
      const payload = parseBody(bytes, id)
      return {
        id,
        timestamp: new Date(Number(timestamp) * 1000),
        event: parseStitchWebhookEvent(payload, eventTypes ? { eventTypes } : {}),
      }
    },
  }
}

function readOptions(options: StitchWebhookVerifierOptions): {
  keys: Uint8Array<ArrayBuffer>[]
  problems: string[]
} {
  const problems: string[] = []
  if (typeof options !== 'object' || options === null) {
    return { keys: [], problems: ['webhook options must be an object with "secrets"'] }
  }
  const { secrets, toleranceSeconds, now, eventTypes } = options
  const list = typeof secrets === 'string' ? [secrets] : secrets
  const keys: Uint8Array<ArrayBuffer>[] = []
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(
      '"secrets" must be the endpoint\'s signing secret ("whsec_…"), or a non-empty list of them',
    )
  } else {
    list.forEach((secret: unknown, index) => {
      const name = typeof secrets === 'string' ? '"secrets"' : `"secrets[${index}]"`
      const problem = secretProblem(secret)
      if (typeof problem === 'string') problems.push(`${name} ${problem}`)
      else keys.push(problem)
    })
  }
  if (
    toleranceSeconds !== undefined &&
    !(
      typeof toleranceSeconds === 'number' &&
      Number.isFinite(toleranceSeconds) &&
      toleranceSeconds > 0
    )
  ) {
    problems.push('"toleranceSeconds" must be a positive number of seconds')
  }
  if (now !== undefined && typeof now !== 'function') {
    problems.push('"now" must be a function returning milliseconds since the epoch')
  }
  if (
    eventTypes !== undefined &&
    !(Array.isArray(eventTypes) && eventTypes.every((type) => typeof type === 'string'))
  ) {
    problems.push('"eventTypes" must be a list of event type names, such as ["payment", "refund"]')
  }
  return { keys, problems }
}

/** The key bytes of a signing secret, or what is wrong with it (never the secret itself). */
function secretProblem(secret: unknown): Uint8Array<ArrayBuffer> | string {
  if (typeof secret !== 'string') return 'must be a string ("whsec_…")'
  if (secret.trim() !== secret) {
    return 'has spaces or a line break around it (read from a file or an env line?): remove them'
  }
  if (!secret.startsWith(SECRET_PREFIX)) {
    return 'must start with "whsec_": use the signing secret Stitch gave for this endpoint (clientWebhookAdd returns it as "secret")'
  }
  const key = decodeBase64(secret.slice(SECRET_PREFIX.length))
  if (key === undefined) return 'must be "whsec_" followed by base64: it holds other characters'
  if (key.byteLength < MIN_KEY_BYTES || key.byteLength > MAX_KEY_BYTES) {
    return `must hold a key of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes after "whsec_", as Svix makes them: is it cut short or joined to something?`
  }
  return key
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) return undefined
  const padded = text.padEnd(Math.ceil(text.length / 4) * 4, '=')
  let binary: string
  try {
    binary = atob(padded)
  } catch {
    return undefined
  }
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return bytes
}

function bodyBytes(body: StitchWebhookBody): Uint8Array {
  if (typeof body === 'string') return new TextEncoder().encode(body)
  if (body instanceof Uint8Array) return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  throw new StitchConfigError(
    [
      `verify() needs the raw body as a string or bytes, got ${body === null ? 'null' : typeof body}: a body parser ran first (in Express, mount express.raw({ type: 'application/json' }) on the webhook route instead of express.json())`,
    ],
    'Invalid stitch-auth webhook call',
  )
}

const HEADER_NAMES = {
  id: ['svix-id', 'webhook-id'],
  timestamp: ['svix-timestamp', 'webhook-timestamp'],
  signature: ['svix-signature', 'webhook-signature'],
} as const

function readHeaders(headers: StitchWebhookHeaders): {
  id: string
  timestamp: string
  signatures: string[]
} {
  const id = header(headers, HEADER_NAMES.id, ', ')
  const timestamp = header(headers, HEADER_NAMES.timestamp, ', ')
  const signature = header(headers, HEADER_NAMES.signature, ' ')
  const missing = [
    id === undefined ? 'svix-id' : undefined,
    timestamp === undefined ? 'svix-timestamp' : undefined,
    signature === undefined ? 'svix-signature' : undefined,
  ].filter((name) => name !== undefined)
  const deliveryId = id !== undefined && id.length <= MAX_ID_LENGTH ? id : undefined
  if (
    missing.length > 0 ||
    id === undefined ||
    timestamp === undefined ||
    signature === undefined
  ) {
    throw new StitchWebhookError(
      `The delivery has no ${missing.join(', ')} header (nor its webhook-… twin). Stitch's deliveries come from Svix with all three: is this request from Stitch, and does a proxy in front of this server pass those headers on?`,
      { code: 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID', deliveryId },
    )
  }
  if (id.length > MAX_ID_LENGTH) {
    throw new StitchWebhookError(
      `The svix-id header is over ${MAX_ID_LENGTH} characters; Svix's message ids are short.`,
      { code: 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID' },
    )
  }
  if (!TIMESTAMP.test(timestamp)) {
    throw new StitchWebhookError(
      'The svix-timestamp header must be a Unix time in whole seconds.',
      { code: 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID', deliveryId },
    )
  }
  const signatures = signature
    .split(/\s+/)
    .flatMap((entry) => (entry.startsWith('v1,') ? [entry.slice(3)] : []))
    .slice(0, MAX_SIGNATURES)
  return { id, timestamp, signatures }
}

/** The first non-empty header of `names`, case-insensitively; repeated values joined. */
function header(
  headers: StitchWebhookHeaders,
  names: readonly string[],
  separator: string,
): string | undefined {
  for (const name of names) {
    const value = rawHeader(headers, name)
    const joined = typeof value === 'string' ? value : value?.join(separator)
    if (joined !== undefined && joined.trim() !== '') return joined.trim()
  }
  return undefined
}

function rawHeader(
  headers: StitchWebhookHeaders,
  name: string,
): string | readonly string[] | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>
  if (Object.hasOwn(record, name)) return record[name]
  // Node lower-cases incoming names; a hand-built record may not have.
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name)
  return key === undefined ? undefined : record[key]
}

async function anySignatureMatches(
  keys: readonly CryptoKey[],
  signatures: readonly string[],
  signed: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  for (const entry of signatures) {
    const signature = decodeBase64(entry)
    if (signature === undefined) continue
    for (const key of keys) {
      // Web Crypto compares in constant time; a signature of the wrong length is just false.
      if (await globalThis.crypto.subtle.verify('HMAC', key, signature, signed)) return true
    }
  }
  return false
}

function checkTimestamp(
  timestamp: number,
  toleranceSeconds: number,
  nowMs: number,
  id: string,
): void {
  const nowSeconds = Math.floor(nowMs / 1000)
  const age = nowSeconds - timestamp
  if (age > toleranceSeconds) {
    throw new StitchWebhookError(
      `The delivery was signed ${age} s ago, past the ${toleranceSeconds} s tolerance: a replay of an old request, or this server's clock is behind (check NTP). Svix signs each retry anew, so a genuine retry is not refused for this.`,
      { code: 'STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE', deliveryId: id },
    )
  }
  if (-age > toleranceSeconds) {
    throw new StitchWebhookError(
      `The delivery is signed ${-age} s in the future, past the ${toleranceSeconds} s tolerance: this server's clock is behind, or "now" returns seconds instead of milliseconds.`,
      { code: 'STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE', deliveryId: id },
    )
  }
}

function parseBody(bytes: Uint8Array, id: string): Record<string, unknown> {
  let payload: unknown
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    // Signed by Stitch, so not hostile; still, a `__proto__` key must not become a prototype
    // when the schemas copy unknown keys across.
    payload = JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value))
  } catch (error) {
    throw new StitchWebhookError('The delivery is correctly signed but its body is not JSON.', {
      code: 'STITCH_AUTH_WEBHOOK_BODY_INVALID',
      deliveryId: id,
      cause: error,
    })
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new StitchWebhookError(
      'The delivery is correctly signed but its body is not a JSON object.',
      { code: 'STITCH_AUTH_WEBHOOK_BODY_INVALID', deliveryId: id },
    )
  }
  return payload as Record<string, unknown>
}

function concat(head: Uint8Array, tail: Uint8Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(head.byteLength + tail.byteLength)
  bytes.set(head, 0)
  bytes.set(tail, head.byteLength)
  return bytes
}

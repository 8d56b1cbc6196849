import { randomBytes } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Reply } from './http.js'
import type { FaultHandle, FaultSpec, MalformedKind } from './types.js'

const ANY_ENDPOINT_KINDS: ReadonlySet<string> = new Set([
  'truncated-json',
  'not-json',
  'html',
  'empty',
])
const TOKEN_ONLY_KINDS: ReadonlySet<string> = new Set([
  'missing-access-token',
  'wrong-token-type',
  'non-positive-expires-in',
  'missing-expires-in',
  'fewer-scopes',
])
const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'endpoint',
  'times',
  'durationMs',
  'status',
  'retryAfter',
  'body',
  'contentType',
  'delayMs',
  'hang',
  'reset',
  'malformed',
  'stallAfterHeaders',
  'bodyPrefix',
])

interface ActiveFault {
  readonly spec: Readonly<FaultSpec>
  remaining: number | undefined
  /** performance.now() deadline: fault windows follow real time, not the simulator's clock. */
  readonly until: number | undefined
  hits: number
  cleared: boolean
}

const isActive = (fault: ActiveFault, now: number): boolean =>
  !fault.cleared &&
  (fault.remaining === undefined || fault.remaining > 0) &&
  (fault.until === undefined || now < fault.until)

/** Faults in the order they were added; each request takes the oldest active one. */
export class FaultRegistry {
  #faults: ActiveFault[] = []

  add(spec: FaultSpec): FaultHandle {
    validateFaultSpec(spec)
    const fault: ActiveFault = {
      // A copy, so a caller reusing its spec object can't change a fault already queued.
      spec: Object.freeze({ ...spec }),
      remaining: spec.times,
      until: spec.durationMs === undefined ? undefined : performance.now() + spec.durationMs,
      hits: 0,
      cleared: false,
    }
    this.#faults.push(fault)
    return {
      clear: () => {
        fault.cleared = true
        this.#faults = this.#faults.filter((f) => f !== fault)
      },
      get hits() {
        return fault.hits
      },
      get active() {
        return isActive(fault, performance.now())
      },
    }
  }

  /** Consumes one use of the oldest active fault for the endpoint. */
  take(endpoint: FaultSpec['endpoint']): Readonly<FaultSpec> | undefined {
    const now = performance.now()
    this.#faults = this.#faults.filter((f) => isActive(f, now))
    const fault = this.#faults.find((f) => f.spec.endpoint === endpoint)
    if (fault === undefined) return undefined
    fault.hits++
    if (fault.remaining !== undefined) fault.remaining--
    return fault.spec
  }

  clear(): void {
    for (const fault of this.#faults) fault.cleared = true
    this.#faults = []
  }
}

/** Rejects a spec with every problem listed, so a typo can't silently become a permanent fault. */
export function validateFaultSpec(spec: FaultSpec): void {
  if (spec === null || typeof spec !== 'object') {
    throw new TypeError('Invalid fault: the spec must be an object')
  }
  const problems: string[] = []
  for (const key of Object.keys(spec)) {
    if (!KNOWN_KEYS.has(key)) problems.push(`unknown option "${key}"`)
  }
  if (spec.endpoint !== 'token' && spec.endpoint !== 'graphql') {
    problems.push(`"endpoint" must be 'token' or 'graphql' (got ${JSON.stringify(spec.endpoint)})`)
  }
  if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0)) {
    problems.push(`"times" must be a positive integer (got ${String(spec.times)})`)
  }
  if (spec.durationMs !== undefined && !(Number.isFinite(spec.durationMs) && spec.durationMs > 0)) {
    problems.push(`"durationMs" must be a positive number (got ${String(spec.durationMs)})`)
  }
  if (
    spec.status !== undefined &&
    !(Number.isInteger(spec.status) && spec.status >= 100 && spec.status <= 599)
  ) {
    problems.push(`"status" must be an HTTP status code 100-599 (got ${String(spec.status)})`)
  }
  if (spec.retryAfter !== undefined) {
    const r = spec.retryAfter
    const ok =
      (typeof r === 'number' && Number.isInteger(r) && r >= 0) ||
      (typeof r === 'string' && r.trim() !== '' && !/[\r\n]/.test(r)) ||
      (r instanceof Date && !Number.isNaN(r.getTime()))
    if (!ok) {
      problems.push('"retryAfter" must be whole seconds >= 0, an HTTP-date string or a valid Date')
    }
  }
  if (spec.body !== undefined && typeof spec.body !== 'string') {
    problems.push('"body" must be a string')
  }
  if (spec.contentType !== undefined) {
    if (typeof spec.contentType !== 'string' || /[\r\n]/.test(spec.contentType)) {
      problems.push('"contentType" must be a single-line string')
    } else if (
      spec.body === undefined &&
      spec.malformed === undefined &&
      spec.stallAfterHeaders !== true
    ) {
      problems.push(
        '"contentType" only applies together with "body", "malformed" or "stallAfterHeaders"',
      )
    }
  }
  if (spec.delayMs !== undefined && !(Number.isFinite(spec.delayMs) && spec.delayMs >= 0)) {
    problems.push(`"delayMs" must be a number >= 0 (got ${String(spec.delayMs)})`)
  }
  for (const flag of ['hang', 'reset', 'stallAfterHeaders'] as const) {
    if (spec[flag] !== undefined && typeof spec[flag] !== 'boolean') {
      problems.push(`"${flag}" must be a boolean`)
    }
  }
  if (spec.malformed !== undefined) {
    if (TOKEN_ONLY_KINDS.has(spec.malformed)) {
      if (spec.endpoint === 'graphql') {
        problems.push(
          `"malformed: '${spec.malformed}'" describes a token response; use it with endpoint 'token'`,
        )
      }
    } else if (!ANY_ENDPOINT_KINDS.has(spec.malformed)) {
      const kinds = [...ANY_ENDPOINT_KINDS, ...TOKEN_ONLY_KINDS].join(', ')
      problems.push(`"malformed" must be one of ${kinds} (got ${JSON.stringify(spec.malformed)})`)
    }
    if (spec.body !== undefined) problems.push('give either "body" or "malformed", not both')
  }

  if (spec.bodyPrefix !== undefined) {
    if (typeof spec.bodyPrefix !== 'string') problems.push('"bodyPrefix" must be a string')
    if (spec.stallAfterHeaders !== true) {
      problems.push('"bodyPrefix" only applies together with "stallAfterHeaders: true"')
    }
  }

  const stalls = spec.stallAfterHeaders === true
  const shapesResponse =
    spec.status !== undefined ||
    spec.retryAfter !== undefined ||
    spec.body !== undefined ||
    spec.malformed !== undefined
  if (
    spec.hang === true &&
    (shapesResponse || spec.reset === true || stalls || spec.delayMs !== undefined)
  ) {
    problems.push('"hang" never answers, so it cannot be combined with other effects')
  }
  if (spec.reset === true && (shapesResponse || stalls)) {
    problems.push(
      '"reset" sends no response, so it cannot be combined with status, retryAfter, body, malformed or stallAfterHeaders',
    )
  }
  if (stalls && (spec.body !== undefined || spec.malformed !== undefined)) {
    problems.push(
      '"stallAfterHeaders" never sends a whole body, so it cannot be combined with body or malformed (give its first bytes as bodyPrefix)',
    )
  }
  if (stalls && spec.status !== undefined && !statusHasBody(spec.status)) {
    problems.push(
      `"stallAfterHeaders" needs a status that has a body (got ${spec.status}, which has none)`,
    )
  }
  if (
    !shapesResponse &&
    !stalls &&
    spec.hang !== true &&
    spec.reset !== true &&
    spec.delayMs === undefined
  ) {
    problems.push(
      'a fault needs an effect: status, retryAfter, body, malformed, delayMs, hang, reset or stallAfterHeaders',
    )
  }
  if (
    spec.status !== undefined &&
    spec.status < 400 &&
    spec.body === undefined &&
    spec.malformed === undefined &&
    !stalls
  ) {
    problems.push(`status ${spec.status} is not an error: give it a "body" or "malformed"`)
  }
  if (problems.length > 0) throw new TypeError(`Invalid fault:\n- ${problems.join('\n- ')}`)
}

/** Statuses whose answers carry a body, so a stalled one leaves the client reading. */
const statusHasBody = (status: number): boolean =>
  status >= 200 && status !== 204 && status !== 205 && status !== 304

export interface FaultContext {
  endpoint: FaultSpec['endpoint']
  /** The scopes asked for, so `fewer-scopes` can grant fewer. */
  requestedScopes: readonly string[]
  /** Aborted when the simulator closes, so pending delays don't keep it alive. */
  signal: AbortSignal
  /** Whether the client is still there to answer. */
  isConnected(): boolean
  /** Destroys the connection with a TCP reset. */
  reset(): void
}

/** What the server should do after a fault ran. */
export type FaultOutcome =
  | { kind: 'continue' }
  | { kind: 'reply'; reply: Reply }
  /** Write the reply's status, headers and body, then leave the response open for good. */
  | { kind: 'stall'; reply: Reply }
  | { kind: 'no-reply' }

export async function runFault(
  spec: Readonly<FaultSpec>,
  ctx: FaultContext,
): Promise<FaultOutcome> {
  if (spec.hang === true) return { kind: 'no-reply' }
  if (spec.delayMs !== undefined && spec.delayMs > 0) {
    try {
      await sleep(spec.delayMs, undefined, { signal: ctx.signal })
    } catch {
      return { kind: 'no-reply' }
    }
    if (!ctx.isConnected()) return { kind: 'no-reply' }
  }
  if (spec.reset === true) {
    ctx.reset()
    return { kind: 'no-reply' }
  }
  if (spec.stallAfterHeaders === true) return { kind: 'stall', reply: stalledReply(spec, ctx) }
  const shapesResponse =
    spec.status !== undefined ||
    spec.retryAfter !== undefined ||
    spec.body !== undefined ||
    spec.malformed !== undefined
  if (!shapesResponse) return { kind: 'continue' }
  return { kind: 'reply', reply: faultReply(spec, ctx) }
}

export function formatRetryAfter(value: number | string | Date): string {
  if (value instanceof Date) return value.toUTCString()
  return String(value)
}

function faultHeaders(spec: Readonly<FaultSpec>, ctx: FaultContext): Record<string, string> {
  const headers: Record<string, string> = {}
  if (ctx.endpoint === 'token') {
    headers['Cache-Control'] = 'no-store'
    headers.Pragma = 'no-cache'
  }
  if (spec.retryAfter !== undefined) headers['Retry-After'] = formatRetryAfter(spec.retryAfter)
  return headers
}

/** The head of an answer whose body never ends, and the bytes of it that are sent. */
function stalledReply(spec: Readonly<FaultSpec>, ctx: FaultContext): Reply {
  const headers = faultHeaders(spec, ctx)
  headers['Content-Type'] = spec.contentType ?? 'application/json'
  return { status: spec.status ?? 200, headers, body: spec.bodyPrefix ?? '' }
}

function faultReply(spec: Readonly<FaultSpec>, ctx: FaultContext): Reply {
  const status = spec.status ?? (spec.malformed !== undefined ? 200 : 503)
  const headers = faultHeaders(spec, ctx)

  if (spec.body !== undefined) {
    headers['Content-Type'] = spec.contentType ?? 'text/plain; charset=utf-8'
    return { status, headers, body: spec.body }
  }
  if (spec.malformed !== undefined) {
    const { body, contentType } = malformedBody(spec.malformed, ctx)
    headers['Content-Type'] = spec.contentType ?? contentType
    return { status, headers, body }
  }
  headers['Content-Type'] = 'application/json'
  const description = `Simulated fault: HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trim()
  const body =
    ctx.endpoint === 'token'
      ? { error: oauthErrorFor(status), error_description: description }
      : { errors: [{ message: description }] }
  return { status, headers, body: JSON.stringify(body) }
}

function oauthErrorFor(status: number): string {
  if (status === 401) return 'invalid_client'
  if (status === 503 || status === 429) return 'temporarily_unavailable'
  if (status >= 500) return 'server_error'
  return 'invalid_request'
}

function malformedBody(
  kind: MalformedKind,
  ctx: FaultContext,
): { body: string; contentType: string } {
  // Fault tokens are never registered: a client that accepts a defective response anyway
  // finds out at the API.
  const token: Record<string, unknown> = {
    access_token: `fault_${randomBytes(24).toString('base64url')}`,
    expires_in: 3600,
    token_type: 'Bearer',
    scope: ctx.requestedScopes.join(' '),
  }
  const plausible = ctx.endpoint === 'token' ? token : { data: { __typename: 'Query' } }
  const json = 'application/json'
  switch (kind) {
    case 'truncated-json': {
      const full = JSON.stringify(plausible)
      return { body: full.slice(0, Math.ceil(full.length / 2)), contentType: json }
    }
    case 'not-json':
      // Some OAuth servers answer form-encoded; a client must not guess.
      return {
        body: new URLSearchParams({
          access_token: String(token.access_token),
          token_type: 'Bearer',
          expires_in: '3600',
        }).toString(),
        contentType: 'text/plain; charset=utf-8',
      }
    case 'html':
      return {
        body: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>',
        contentType: 'text/html; charset=utf-8',
      }
    case 'empty':
      return { body: '', contentType: json }
    case 'missing-access-token':
      delete token.access_token
      break
    case 'wrong-token-type':
      token.token_type = 'mac'
      break
    case 'non-positive-expires-in':
      token.expires_in = 0
      break
    case 'missing-expires-in':
      delete token.expires_in
      break
    case 'fewer-scopes':
      token.scope = ctx.requestedScopes.slice(0, -1).join(' ')
      break
  }
  return { body: JSON.stringify(token), contentType: json }
}

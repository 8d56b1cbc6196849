import { isObject, wrongType } from './checks.js'
import {
  StitchEndpointUnavailableError,
  StitchResponseError,
  StitchTokenRequestError,
} from './errors.js'
import { scrubServerText } from './redact.js'
import type { NormalizedScopes } from './scopes.js'
import type { CachedToken } from './token.js'

/** Everything a token request says, apart from how the client proves who it is. */
export interface TokenRequestParameters {
  tokenUrl: string
  clientId: string
  /** Space-separated scopes. */
  scope: string
  audience: string
  /** `{ client_secret }` or `{ client_assertion_type, client_assertion }`. */
  credentials: Readonly<Record<string, string>>
}

/** A token request as plain data. Its body holds the credentials: send it, never log it. */
export interface TokenHttpRequest {
  method: 'POST'
  url: string
  headers: Record<string, string>
  body: string
}

/**
 * Builds the token request exactly as Stitch documents it: a form-encoded POST with
 * `grant_type`, `client_id`, `scope`, `audience` and the client's credentials. Pure: no I/O.
 */
export function buildTokenRequest(parameters: TokenRequestParameters): TokenHttpRequest {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: parameters.clientId,
    scope: parameters.scope,
    audience: parameters.audience,
    ...parameters.credentials,
  })
  return {
    method: 'POST',
    url: parameters.tokenUrl,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: body.toString(),
  }
}

const MAX_LIFETIME_SECONDS = 86_400

/** A token response's fields, checked. */
interface TokenResponseFields {
  access_token: string
  /** Seconds, capped at a day. */
  expires_in: number
  scope: string | null | undefined
}

/**
 * Checks a 2xx token response's body: its fields, or every problem, each naming its field.
 * Messages name a field and its rule, never a value that could be a token.
 */
function readTokenResponse(json: unknown): TokenResponseFields | string[] {
  const problems: string[] = []
  const problem = (field: string, message: string) =>
    problems.push(`"${field}" in the token response ${message}`)
  if (!isObject(json)) {
    problem('', wrongType('object', json))
    return problems
  }
  const { access_token, token_type, expires_in, scope } = json
  if (typeof access_token !== 'string') {
    problem('access_token', 'must be a string')
  } else {
    if (access_token === '') problem('access_token', 'must not be empty')
    // RFC 6750 b64token: visible ASCII only; a token with spaces or control characters would
    // break the Authorization header it goes into.
    if (!/^[\x21-\x7E]+$/.test(access_token)) {
      problem('access_token', 'must hold only visible ASCII characters')
    }
  }
  if (typeof token_type !== 'string') {
    problem('token_type', 'must be a string')
  } else if (token_type.toLowerCase() !== 'bearer') {
    problem('token_type', `must be "Bearer" (got ${describeValue(token_type)})`)
  }
  // Some servers send the lifetime as a numeric string; anything else is a defect.
  const seconds =
    typeof expires_in === 'number'
      ? expires_in
      : typeof expires_in === 'string' && /^\d+$/.test(expires_in)
        ? Number(expires_in)
        : Number.NaN
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    problem('expires_in', `must be a positive number of seconds (got ${describeValue(expires_in)})`)
  }
  // Some servers send null for "the scopes you asked for"; RFC 6749 §5.1 allows leaving it out.
  if (scope != null && typeof scope !== 'string') {
    problem('scope', 'must be a string of space-separated scopes')
  }
  if (problems.length > 0) return problems
  return {
    access_token: access_token as string,
    // Longer lifetimes are honoured up to a day: refreshing early is harmless, and an absurd
    // value (1e308) must not turn expiry into Infinity.
    expires_in: Math.min(seconds, MAX_LIFETIME_SECONDS),
    scope: scope as string | null | undefined,
  }
}

/** The OAuth error of a refused token request (RFC 6749 §5.2), when the body is one. */
function readOAuthError(json: unknown): { error: string; error_description?: string } | undefined {
  if (!isObject(json)) return undefined
  const { error, error_description } = json
  if (typeof error !== 'string' || error === '') return undefined
  if (error_description !== undefined && typeof error_description !== 'string') return undefined
  return error_description === undefined ? { error } : { error, error_description }
}

/** Statuses after which the same request may succeed later. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}

/**
 * Reads `Retry-After` as milliseconds from now: delay-seconds or an HTTP date.
 * Returns `undefined` when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

export interface ParseTokenResponseContext {
  requested: NormalizedScopes
  /** When the request was sent (epoch ms): the token's lifetime counts from here. */
  sentAt: number
  /** Secrets the server might echo in an error (the client secret): never copied into errors. */
  sensitive?: readonly string[]
}

/**
 * Turns a token endpoint response into a token, or throws the typed error it amounts to.
 * Never puts the response body in an error: it may hold a token.
 */
export async function parseTokenResponse(
  response: Response,
  context: ParseTokenResponseContext,
): Promise<CachedToken> {
  const { status } = response
  const text = await response.text().catch(() => undefined)

  if (isTransientStatus(status)) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    throw new StitchEndpointUnavailableError(
      `The Stitch token endpoint answered HTTP ${status}${retryAfterMs === undefined ? '' : ` and asked to retry after ${Math.round(retryAfterMs / 1000)} s`}.`,
      { status, attempts: 1, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    )
  }

  const json = parseJson(text)

  if (status < 200 || status >= 300) {
    const oauthError = readOAuthError(json)
    if (oauthError) {
      // The server's words go into our error, so they are scrubbed of anything secret-shaped.
      const description = oauthError.error_description
      throw new StitchTokenRequestError({
        error: scrubServerText(oauthError.error, context.sensitive),
        ...(description
          ? { errorDescription: scrubServerText(description, context.sensitive) }
          : {}),
        status,
      })
    }
    throw new StitchResponseError(
      `The Stitch token endpoint answered HTTP ${status} without an OAuth error body; check that tokenUrl points at the token endpoint.`,
      { status },
    )
  }

  if (json === undefined) {
    // A body that is not JSON on a 2xx is usually a proxy or a cut connection: try again.
    throw new StitchResponseError(
      `The Stitch token endpoint answered HTTP ${status} with a body that is not JSON (content-type: ${response.headers.get('content-type') ?? 'none'}).`,
      { status, retryable: true },
    )
  }

  const fields = readTokenResponse(json)
  if (Array.isArray(fields)) {
    throw new StitchResponseError(
      `The Stitch token endpoint answered HTTP ${status} with an invalid token response: ${fields.join('; ')}.`,
      { status },
    )
  }

  // RFC 6749 §5.1: without `scope`, the granted scopes are the requested ones.
  const granted =
    fields.scope == null
      ? context.requested.scopes
      : [...new Set(fields.scope.split(' ').filter(Boolean))].sort()
  const missing = context.requested.scopes.filter((scope) => !granted.includes(scope))
  if (missing.length > 0) {
    throw new StitchResponseError(
      `Stitch granted fewer scopes than requested: missing ${missing.join(', ')}. Ask Stitch to enable them for this client, or stop requesting them.`,
      { status, missingScopes: missing },
    )
  }

  return Object.freeze({
    accessToken: fields.access_token,
    tokenType: 'Bearer',
    scopes: Object.freeze(granted),
    issuedAt: context.sentAt,
    expiresAt: context.sentAt + fields.expires_in * 1000,
  })
}

/**
 * Names a value from a response for an error message without ever showing something that
 * could be a token: numbers and short words are shown, anything else only by its type and size.
 */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value)
  if (typeof value === 'string') {
    return value.length <= 6 ? JSON.stringify(value) : `a ${value.length}-character string`
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

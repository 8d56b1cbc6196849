import { z } from 'zod'
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

const successSchema = z.object({
  access_token: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    // RFC 6750 b64token: visible ASCII only; a token with spaces or control characters would
    // break the Authorization header it goes into.
    .regex(/^[\x21-\x7E]+$/, 'must hold only visible ASCII characters'),
  token_type: z
    .string({ error: 'must be a string' })
    .refine((value) => value.toLowerCase() === 'bearer', {
      error: (issue) => `must be "Bearer" (got ${describeValue(issue.input)})`,
    }),
  expires_in: z.unknown().transform((value, context) => {
    // Some servers send the lifetime as a numeric string; anything else is a defect.
    const seconds =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\d+$/.test(value)
          ? Number(value)
          : Number.NaN
    // Longer lifetimes are honoured up to a day: refreshing early is harmless, and an absurd
    // value (1e308) must not turn expiry into Infinity.
    if (Number.isFinite(seconds) && seconds > 0) return Math.min(seconds, MAX_LIFETIME_SECONDS)
    context.addIssue({
      code: 'custom',
      message: `must be a positive number of seconds (got ${describeValue(value)})`,
    })
    return z.NEVER
  }),
  // Some servers send null for "the scopes you asked for"; RFC 6749 §5.1 allows leaving it out.
  scope: z.string({ error: 'must be a string of space-separated scopes' }).nullish(),
})

const oauthErrorSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
})

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
    const oauthError = oauthErrorSchema.safeParse(json)
    if (oauthError.success) {
      // The server's words go into our error, so they are scrubbed of anything secret-shaped.
      const description = oauthError.data.error_description
      throw new StitchTokenRequestError({
        error: scrubServerText(oauthError.data.error, context.sensitive),
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

  const parsed = successSchema.safeParse(json)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `"${issue.path.join('.')}" in the token response ${issue.message}`,
    )
    throw new StitchResponseError(
      `The Stitch token endpoint answered HTTP ${status} with an invalid token response: ${problems.join('; ')}.`,
      { status },
    )
  }

  // RFC 6749 §5.1: without `scope`, the granted scopes are the requested ones.
  const granted =
    parsed.data.scope == null
      ? context.requested.scopes
      : [...new Set(parsed.data.scope.split(' ').filter(Boolean))].sort()
  const missing = context.requested.scopes.filter((scope) => !granted.includes(scope))
  if (missing.length > 0) {
    throw new StitchResponseError(
      `Stitch granted fewer scopes than requested: missing ${missing.join(', ')}. Ask Stitch to enable them for this client, or stop requesting them.`,
      { status, missingScopes: missing },
    )
  }

  return Object.freeze({
    accessToken: parsed.data.access_token,
    tokenType: 'Bearer',
    scopes: Object.freeze(granted),
    issuedAt: context.sentAt,
    expiresAt: context.sentAt + parsed.data.expires_in * 1000,
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

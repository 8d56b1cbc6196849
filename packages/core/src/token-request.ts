import { z } from 'zod'
import {
  StitchEndpointUnavailableError,
  StitchResponseError,
  StitchTokenRequestError,
} from './errors.js'
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

const successSchema = z.object({
  access_token: z.string({ error: 'must be a string' }).min(1, 'must not be empty'),
  token_type: z
    .string({ error: 'must be a string' })
    .refine((value) => value.toLowerCase() === 'bearer', {
      error: (issue) => `must be "Bearer" (got "${String(issue.input).slice(0, 20)}")`,
    }),
  expires_in: z.unknown().transform((value, context) => {
    // Some servers send the lifetime as a numeric string; anything else is a defect.
    const seconds =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\d+$/.test(value)
          ? Number(value)
          : Number.NaN
    if (Number.isFinite(seconds) && seconds > 0) return seconds
    context.addIssue({
      code: 'custom',
      message: `must be a positive number of seconds (got ${value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 20)})`,
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
      throw new StitchTokenRequestError({
        error: oauthError.data.error,
        ...(oauthError.data.error_description
          ? { errorDescription: oauthError.data.error_description }
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

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

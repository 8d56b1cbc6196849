/** Stable error codes: match on these, not on messages. */
export const STITCH_AUTH_ERROR_CODES = {
  CONFIG_INVALID: 'STITCH_AUTH_CONFIG_INVALID',
  TOKEN_REJECTED: 'STITCH_AUTH_TOKEN_REJECTED',
  ENDPOINT_UNAVAILABLE: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
  RESPONSE_INVALID: 'STITCH_AUTH_RESPONSE_INVALID',
  API_ERROR: 'STITCH_AUTH_API_ERROR',
  API_UNAUTHENTICATED: 'STITCH_AUTH_API_UNAUTHENTICATED',
  API_FORBIDDEN: 'STITCH_AUTH_API_FORBIDDEN',
  API_UNAVAILABLE: 'STITCH_AUTH_API_UNAVAILABLE',
  ABORTED: 'STITCH_AUTH_ABORTED',
  CLIENT_CLOSED: 'STITCH_AUTH_CLIENT_CLOSED',
} as const

export type StitchAuthErrorCode =
  (typeof STITCH_AUTH_ERROR_CODES)[keyof typeof STITCH_AUTH_ERROR_CODES]

const HTTP_STATUS_BY_CODE: Record<StitchAuthErrorCode, number> = {
  STITCH_AUTH_CONFIG_INVALID: 500,
  STITCH_AUTH_TOKEN_REJECTED: 502,
  STITCH_AUTH_ENDPOINT_UNAVAILABLE: 503,
  STITCH_AUTH_RESPONSE_INVALID: 502,
  STITCH_AUTH_API_ERROR: 502,
  STITCH_AUTH_API_UNAUTHENTICATED: 502,
  STITCH_AUTH_API_FORBIDDEN: 502,
  STITCH_AUTH_API_UNAVAILABLE: 503,
  // The caller went away; nobody reads the answer, but logs should not call it a server fault.
  STITCH_AUTH_ABORTED: 499,
  STITCH_AUTH_CLIENT_CLOSED: 503,
}

export interface StitchAuthErrorOptions {
  code: StitchAuthErrorCode
  /** Whether trying the same call again later can succeed. */
  retryable?: boolean
  cause?: unknown
}

/**
 * The base of every error stitch-auth throws. Messages say what went wrong and what to fix;
 * none of them, nor any field, ever holds a client secret, a private key or a full token.
 */
export class StitchAuthError extends Error {
  override name: string = 'StitchAuthError'
  readonly code: StitchAuthErrorCode
  readonly retryable: boolean

  /**
   * The HTTP status a server should answer its own client with when this error ends a
   * request (Express's and Nest's error handlers read it): 503 when Stitch is unavailable,
   * 502 when Stitch refused or answered badly, 500 for misconfiguration.
   */
  get statusCode(): number {
    return HTTP_STATUS_BY_CODE[this.code]
  }

  /** Response headers to send with `statusCode`, e.g. `Retry-After`. */
  get headers(): Record<string, string> | undefined {
    return undefined
  }

  constructor(message: string, options: StitchAuthErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
    this.retryable = options.retryable ?? false
  }

  toJSON(): Record<string, unknown> {
    const { name, code, message, retryable } = this
    return { ...(this as object), name, code, message, retryable }
  }
}

/** Options given to `createStitchAuth` (or a call) are wrong. Lists every problem at once. */
export class StitchConfigError extends StitchAuthError {
  override name = 'StitchConfigError' as const
  readonly issues: readonly string[]

  constructor(issues: readonly string[], context = 'Invalid stitch-auth options') {
    const list = issues.map((issue) => `  - ${issue}`).join('\n')
    super(`${context}:\n${list}`, { code: STITCH_AUTH_ERROR_CODES.CONFIG_INVALID })
    this.issues = Object.freeze([...issues])
  }
}

/** The token endpoint refused the request with an OAuth error (RFC 6749 §5.2). */
export class StitchTokenRequestError extends StitchAuthError {
  override name = 'StitchTokenRequestError' as const
  /** The OAuth `error` value, e.g. `invalid_client` or `invalid_scope`. */
  readonly error: string
  readonly errorDescription: string | undefined
  /** The HTTP status Stitch answered with. */
  readonly upstreamStatus: number

  constructor(options: { error: string; errorDescription?: string; status: number }) {
    const description = options.errorDescription ? `: ${options.errorDescription}` : ''
    super(
      `Stitch refused the token request with "${options.error}"${description} (HTTP ${options.status}). ${oauthErrorHint(options.error)}`,
      { code: STITCH_AUTH_ERROR_CODES.TOKEN_REJECTED },
    )
    this.error = options.error
    this.errorDescription = options.errorDescription
    this.upstreamStatus = options.status
  }
}

function oauthErrorHint(error: string): string {
  switch (error) {
    case 'invalid_client':
      return 'Check the client id and its secret or private key.'
    case 'invalid_scope':
      return 'Request only scopes enabled for this client; Stitch support can enable more.'
    case 'unauthorized_client':
      return 'This client may not use the client-credentials grant; ask Stitch to enable it.'
    case 'invalid_request':
      return 'The request was malformed; check tokenUrl and audience.'
    default:
      return 'See the error description above.'
  }
}

/** The token endpoint could not be reached or kept failing (network, timeout, 408, 429, 5xx). */
export class StitchEndpointUnavailableError extends StitchAuthError {
  override name = 'StitchEndpointUnavailableError' as const
  /** The last HTTP status, if any response arrived. */
  readonly upstreamStatus: number | undefined
  readonly attempts: number
  /** How long the server asked us to wait, in milliseconds, if it said. */
  readonly retryAfterMs: number | undefined

  constructor(
    message: string,
    options: { status?: number; attempts: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, {
      code: STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE,
      retryable: true,
      cause: options.cause,
    })
    this.upstreamStatus = options.status
    this.attempts = options.attempts
    this.retryAfterMs = options.retryAfterMs
  }

  override get headers(): Record<string, string> | undefined {
    return retryAfterHeader(this.retryAfterMs)
  }
}

/** A response arrived but is not a valid token response. */
export class StitchResponseError extends StitchAuthError {
  override name = 'StitchResponseError' as const
  /** The HTTP status Stitch answered with. */
  readonly upstreamStatus: number
  /** Requested scopes Stitch did not grant, when that is what was wrong. */
  readonly missingScopes: readonly string[]

  constructor(
    message: string,
    options: {
      status: number
      retryable?: boolean
      cause?: unknown
      missingScopes?: readonly string[]
    },
  ) {
    super(message, {
      code: STITCH_AUTH_ERROR_CODES.RESPONSE_INVALID,
      retryable: options.retryable ?? false,
      cause: options.cause,
    })
    this.upstreamStatus = options.status
    this.missingScopes = Object.freeze([...(options.missingScopes ?? [])])
  }
}

/** One error from a GraphQL response, with only the fields that are safe to show. */
export interface StitchGraphQLErrorDetail {
  message: string
  path?: readonly (string | number)[]
  code?: string
  requiredScopes?: readonly string[]
}

/** The Stitch API answered a call with errors. */
export class StitchApiError extends StitchAuthError {
  override name = 'StitchApiError' as const
  /** The HTTP status Stitch answered with. */
  readonly upstreamStatus: number
  readonly errors: readonly StitchGraphQLErrorDetail[]
  /** Scopes the API said the call needs, when it failed for lack of them. */
  readonly requiredScopes: readonly string[]
  /** How long the API asked us to wait, in milliseconds, if it said. */
  readonly retryAfterMs: number | undefined

  constructor(
    message: string,
    options: {
      status: number
      errors?: readonly StitchGraphQLErrorDetail[]
      code?: StitchAuthErrorCode
      retryable?: boolean
      retryAfterMs?: number
      cause?: unknown
    },
  ) {
    super(message, {
      code: options.code ?? STITCH_AUTH_ERROR_CODES.API_ERROR,
      retryable: options.retryable ?? false,
      cause: options.cause,
    })
    this.upstreamStatus = options.status
    this.errors = Object.freeze([...(options.errors ?? [])])
    this.requiredScopes = Object.freeze([
      ...new Set(this.errors.flatMap((error) => error.requiredScopes ?? [])),
    ])
    this.retryAfterMs = options.retryAfterMs
  }

  override get headers(): Record<string, string> | undefined {
    return retryAfterHeader(this.retryAfterMs)
  }
}

function retryAfterHeader(retryAfterMs: number | undefined): Record<string, string> | undefined {
  return retryAfterMs === undefined
    ? undefined
    : { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) }
}

/** True for any error thrown by stitch-auth, even across bundles or realms. */
export function isStitchAuthError(error: unknown): error is StitchAuthError {
  if (error instanceof StitchAuthError) return true
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('STITCH_AUTH_')
}

export function abortError(signal: AbortSignal, what = 'The token request'): StitchAuthError {
  return new StitchAuthError(`${what} was aborted by its caller`, {
    code: STITCH_AUTH_ERROR_CODES.ABORTED,
    cause: signal.reason,
  })
}

/** What a server may tell its own client about a failure, by status: enough, and no more. */
export const PUBLIC_ERROR_MESSAGES: Readonly<Record<number, string>> = Object.freeze({
  499: 'The request was aborted.',
  500: 'The server is not set up correctly for Stitch.',
  502: 'Stitch could not complete the request.',
  503: 'Stitch is unavailable; try again shortly.',
})

/** The HTTP answer for an error that ends a request: status, headers and a JSON-safe body. */
export interface HttpErrorAnswer {
  status: number
  headers: Record<string, string>
  body: { error: { code: string; message: string } }
}

/**
 * Maps any error to the answer a server gives its own client. stitch-auth errors keep their
 * `statusCode`, `Retry-After` and `code`; the message is a fixed one per status unless
 * `exposeMessage` is set (core's messages hold no secret, but describe the server's setup).
 */
export function toHttpErrorAnswer(
  error: unknown,
  options: { exposeMessage?: boolean } = {},
): HttpErrorAnswer {
  const known = isStitchAuthError(error)
  const status = known && typeof error.statusCode === 'number' ? error.statusCode : 500
  const message =
    known && options.exposeMessage
      ? error.message
      : (PUBLIC_ERROR_MESSAGES[status] ?? 'The request failed.')
  return {
    status,
    headers: { 'cache-control': 'no-store', ...(known ? error.headers : undefined) },
    body: { error: { code: known ? error.code : 'INTERNAL_ERROR', message } },
  }
}

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
  /** Stitch refused an operation's input (a rule it checks that the variables schema cannot). */
  API_INVALID_INPUT: 'STITCH_AUTH_API_INVALID_INPUT',
  /** Stitch refused a mutation because its `nonce` was used before: the request was already made. */
  API_NONCE_REUSED: 'STITCH_AUTH_API_NONCE_REUSED',
  /** An operation's variables break its schema; nothing was sent. */
  INVALID_VARIABLES: 'STITCH_AUTH_INVALID_VARIABLES',
  ABORTED: 'STITCH_AUTH_ABORTED',
  CLIENT_CLOSED: 'STITCH_AUTH_CLIENT_CLOSED',
  /** A shared token cache (e.g. `@stitch-auth/redis`) failed; core itself treats that as a miss. */
  CACHE_UNAVAILABLE: 'STITCH_AUTH_CACHE_UNAVAILABLE',
  /** Not Stitch and not the setup: a bug, or a failure of code stitch-auth called. */
  INTERNAL: 'STITCH_AUTH_INTERNAL',
  /** A webhook delivery lacks its `svix-id`, `svix-timestamp` or `svix-signature` header, or one is malformed. */
  WEBHOOK_HEADERS_INVALID: 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID',
  /** No signature of a webhook delivery matches its body under any of the endpoint's secrets. */
  WEBHOOK_SIGNATURE_INVALID: 'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
  /** A correctly signed webhook delivery's timestamp is too old or too far ahead (a replay, or a clock off). */
  WEBHOOK_TIMESTAMP_OUT_OF_RANGE: 'STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
  /** A correctly signed webhook delivery's body is not a JSON object. */
  WEBHOOK_BODY_INVALID: 'STITCH_AUTH_WEBHOOK_BODY_INVALID',
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
  STITCH_AUTH_API_INVALID_INPUT: 422,
  STITCH_AUTH_API_NONCE_REUSED: 409,
  STITCH_AUTH_INVALID_VARIABLES: 400,
  // The caller went away; nobody reads the answer, but logs should not call it a server fault.
  STITCH_AUTH_ABORTED: 499,
  STITCH_AUTH_CLIENT_CLOSED: 503,
  STITCH_AUTH_CACHE_UNAVAILABLE: 503,
  STITCH_AUTH_INTERNAL: 500,
  // A delivery we refuse is answered 4xx; Svix retries every non-2xx answer on its schedule,
  // so a refusal caused by our side (a clock off, a secret not yet added) heals by itself.
  STITCH_AUTH_WEBHOOK_HEADERS_INVALID: 400,
  STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID: 401,
  STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE: 401,
  STITCH_AUTH_WEBHOOK_BODY_INVALID: 400,
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(STITCH_AUTH_ERROR_CODES))

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
   * request (`toHttpErrorAnswer`, and so Express's, Nest's and the proxy's answers, read it):
   * 503 when Stitch is unavailable, 502 when Stitch refused or answered badly, 500 for
   * misconfiguration or an internal failure.
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

/** One place an operation's variables are wrong: a dot-separated path and what to fix. */
export interface StitchInputIssue {
  path: string
  message: string
}

/**
 * An operation's variables break its schema (a missing field, a wrong type, a documented
 * limit): thrown by `run()` before any token or API request, with every problem listed.
 */
export class StitchInputError extends StitchAuthError {
  override name = 'StitchInputError' as const
  /** The operation whose variables were refused. */
  readonly operation: string
  readonly issues: readonly StitchInputIssue[]

  constructor(operation: string, issues: readonly StitchInputIssue[]) {
    const list = issues
      .map((issue) => `  - ${issue.path === '' ? '(variables)' : issue.path}: ${issue.message}`)
      .join('\n')
    super(`Invalid variables for ${operation}:\n${list}`, {
      code: STITCH_AUTH_ERROR_CODES.INVALID_VARIABLES,
    })
    this.operation = operation
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue })))
  }
}

/** The codes a {@link StitchWebhookError} carries. */
export type StitchWebhookErrorCode =
  | typeof STITCH_AUTH_ERROR_CODES.WEBHOOK_HEADERS_INVALID
  | typeof STITCH_AUTH_ERROR_CODES.WEBHOOK_SIGNATURE_INVALID
  | typeof STITCH_AUTH_ERROR_CODES.WEBHOOK_TIMESTAMP_OUT_OF_RANGE
  | typeof STITCH_AUTH_ERROR_CODES.WEBHOOK_BODY_INVALID

/**
 * A webhook delivery was refused (`@stitch-auth/core/webhooks`): headers missing or malformed
 * (400), no signature matching (401), a timestamp outside the tolerance (401), or a body that
 * is not a JSON object (400). Its message says what to check; it never holds a secret or a
 * signature, and the handler runs for none of these.
 */
export class StitchWebhookError extends StitchAuthError {
  override name = 'StitchWebhookError' as const
  declare readonly code: StitchWebhookErrorCode
  /** The delivery's `svix-id`, when it had one: find the attempt in Stitch's webhook dashboard. */
  readonly deliveryId: string | undefined

  constructor(
    message: string,
    options: { code: StitchWebhookErrorCode; deliveryId?: string; cause?: unknown },
  ) {
    super(message, { code: options.code, cause: options.cause })
    this.deliveryId = options.deliveryId
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
  /** The error's `extensions.reason`, when it gives one (e.g. `NONCE_ALREADY_USED`). */
  reason?: string
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

  constructor(
    message: string,
    options: {
      status: number
      errors?: readonly StitchGraphQLErrorDetail[]
      code?:
        | typeof STITCH_AUTH_ERROR_CODES.API_ERROR
        | typeof STITCH_AUTH_ERROR_CODES.API_UNAUTHENTICATED
        | typeof STITCH_AUTH_ERROR_CODES.API_FORBIDDEN
        | typeof STITCH_AUTH_ERROR_CODES.API_INVALID_INPUT
        | typeof STITCH_AUTH_ERROR_CODES.API_NONCE_REUSED
      retryable?: boolean
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
  }
}

/**
 * The Stitch API could not be reached or is overloaded: no whole answer within `timeoutMs`, a
 * lost connection, or 408, 429, 502, 503 or 504. One class whatever the cause, like the token
 * endpoint's {@link StitchEndpointUnavailableError}. Not retried by `graphql()` (a mutation
 * must not run twice), but `retryable`: the caller decides.
 */
export class StitchApiUnavailableError extends StitchAuthError {
  override name = 'StitchApiUnavailableError' as const
  /** The HTTP status Stitch answered with; `undefined` when no answer came. */
  readonly upstreamStatus: number | undefined
  /** How long the API asked us to wait, in milliseconds, if it said. */
  readonly retryAfterMs: number | undefined

  constructor(
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, {
      code: STITCH_AUTH_ERROR_CODES.API_UNAVAILABLE,
      retryable: true,
      cause: options.cause,
    })
    this.upstreamStatus = options.status
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

/**
 * True for an error thrown by stitch-auth, also one from another copy of the package (another
 * bundle or realm), where `instanceof` misses: it must be an error with a `name`, a `code`
 * from {@link STITCH_AUTH_ERROR_CODES}, a boolean `retryable` and a numeric `statusCode`. An
 * error that only borrows a `STITCH_AUTH_` code is not one, so nothing reads fields it lacks.
 */
export function isStitchAuthError(value: unknown): value is StitchAuthError {
  if (value instanceof StitchAuthError) return true
  if (!isError(value)) return false
  const candidate = value as unknown as Record<string, unknown>
  const { headers } = candidate
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.message === 'string' &&
    typeof candidate.code === 'string' &&
    KNOWN_CODES.has(candidate.code) &&
    typeof candidate.retryable === 'boolean' &&
    typeof candidate.statusCode === 'number' &&
    (headers === undefined || (typeof headers === 'object' && headers !== null))
  )
}

/** An `Error`, also from another realm (an iframe, a `vm` context), where `instanceof` misses. */
function isError(value: unknown): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]'
}

export function abortError(signal: AbortSignal, what = 'The token request'): StitchAuthError {
  return new StitchAuthError(`${what} was aborted by its caller`, {
    code: STITCH_AUTH_ERROR_CODES.ABORTED,
    cause: signal.reason,
  })
}

/** Codes of requests the proxy refuses before Stitch is called: the caller's own mistakes. */
const REQUEST_ERROR_CODES = {
  METHOD_NOT_ALLOWED: 'method_not_allowed',
  UNKNOWN_OPERATION: 'unknown_operation',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  CSRF_HEADER_MISSING: 'csrf_header_missing',
  BODY_TOO_LARGE: 'body_too_large',
  INVALID_JSON: 'invalid_json',
  INVALID_INPUT: 'invalid_input',
  FORBIDDEN: 'forbidden',
} as const

/**
 * Every `error.code` an HTTP error body holds, on every surface (Express's
 * `stitchErrorHandler()`, Nest's `StitchAuthExceptionFilter`, the proxy): the proxy's refusals
 * of a request (4xx, lower case: the caller can fix its request), and the `code` of the
 * stitch-auth error that ended one (`STITCH_AUTH_…`: the server's call to Stitch failed).
 */
export const HTTP_ERROR_CODES = Object.freeze({
  ...REQUEST_ERROR_CODES,
  ...STITCH_AUTH_ERROR_CODES,
} as const)

export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[keyof typeof HTTP_ERROR_CODES]

/** One problem with a request's input: where (a dot-separated path) and what. */
export interface HttpErrorIssue {
  path: string
  message: string
}

/** The JSON body of every error answer stitch-auth gives: Express, Nest and the proxy alike. */
export interface HttpErrorBody {
  error: {
    code: HttpErrorCode
    message: string
    /** Only for `invalid_input` and `STITCH_AUTH_INVALID_VARIABLES`: each place the input is wrong. */
    issues?: HttpErrorIssue[]
  }
}

/** The HTTP answer for an error that ends a request: status, headers and the JSON body. */
export interface HttpErrorAnswer {
  status: number
  headers: Record<string, string>
  body: HttpErrorBody
}

/**
 * What a server may tell its own client about each failure: enough, and no more. Core's own
 * messages hold no secret, but describe the server's setup (client id, URLs, Stitch's words).
 */
export const PUBLIC_ERROR_MESSAGES: Readonly<Record<StitchAuthErrorCode, string>> = Object.freeze({
  STITCH_AUTH_CONFIG_INVALID: 'The server is not set up correctly for Stitch.',
  STITCH_AUTH_TOKEN_REJECTED: 'Stitch could not complete the request.',
  STITCH_AUTH_ENDPOINT_UNAVAILABLE: 'Stitch is unavailable; try again shortly.',
  STITCH_AUTH_RESPONSE_INVALID: 'Stitch could not complete the request.',
  STITCH_AUTH_API_ERROR: 'Stitch could not complete the request.',
  STITCH_AUTH_API_UNAUTHENTICATED: 'Stitch could not complete the request.',
  STITCH_AUTH_API_FORBIDDEN: 'Stitch could not complete the request.',
  STITCH_AUTH_API_UNAVAILABLE: 'Stitch is unavailable; try again shortly.',
  STITCH_AUTH_API_INVALID_INPUT: 'Stitch refused the details of the request.',
  STITCH_AUTH_API_NONCE_REUSED: 'This request was already made.',
  STITCH_AUTH_INVALID_VARIABLES: 'The input is invalid.',
  STITCH_AUTH_ABORTED: 'The request was aborted.',
  STITCH_AUTH_CLIENT_CLOSED: 'Stitch is unavailable; try again shortly.',
  STITCH_AUTH_CACHE_UNAVAILABLE: 'Stitch is unavailable; try again shortly.',
  STITCH_AUTH_INTERNAL: 'The server failed unexpectedly.',
  STITCH_AUTH_WEBHOOK_HEADERS_INVALID:
    'A svix-id, svix-timestamp or svix-signature header is missing or malformed.',
  STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID: 'The webhook signature does not match.',
  STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE:
    'The webhook timestamp is outside the allowed window.',
  STITCH_AUTH_WEBHOOK_BODY_INVALID: 'The webhook body is not a JSON object.',
})

/**
 * The issues of a `StitchInputError`, also one from another copy of the package (the CommonJS
 * build of `@stitch-auth/core/proxy` does not share classes with the root's): only each issue's
 * `path` and `message`, which name fields and limits, never values.
 */
function inputIssues(error: StitchAuthError): HttpErrorIssue[] | undefined {
  if (error.code !== STITCH_AUTH_ERROR_CODES.INVALID_VARIABLES) return undefined
  const { issues } = error as Partial<StitchInputError>
  if (!Array.isArray(issues)) return undefined
  return issues.flatMap((issue: unknown) => {
    const { path, message } = (issue ?? {}) as Partial<StitchInputIssue>
    return typeof path === 'string' && typeof message === 'string' ? [{ path, message }] : []
  })
}

/**
 * A request the proxy refuses before Stitch is called. Not thrown: the proxy hands it to
 * {@link toHttpErrorAnswer}, so refusals and failures make one body in one place. Its message
 * is about the caller's own request, so it is always sent.
 */
export class HttpRequestRefusal {
  constructor(
    readonly status: number,
    readonly code: (typeof REQUEST_ERROR_CODES)[keyof typeof REQUEST_ERROR_CODES],
    readonly message: string,
    readonly extra: { headers?: Record<string, string>; issues?: HttpErrorIssue[] } = {},
  ) {}
}

/**
 * The one mapping from a failure to the answer a server gives its own client, used by
 * Express's `stitchErrorHandler()`, Nest's `StitchAuthExceptionFilter` and the proxy:
 * `{ error: { code, message, issues? } }`, `cache-control: no-store`, and for stitch-auth
 * errors their `statusCode`, `headers` (`Retry-After`) and `code`. The message is
 * {@link PUBLIC_ERROR_MESSAGES}' for the code unless `exposeMessage` is set. Anything that is
 * not a stitch-auth error is `STITCH_AUTH_INTERNAL` (500) and its message is never sent.
 */
export function toHttpErrorAnswer(
  error: unknown,
  options: { exposeMessage?: boolean } = {},
): HttpErrorAnswer {
  if (error instanceof HttpRequestRefusal) {
    const { issues, headers } = error.extra
    return {
      status: error.status,
      headers: { 'cache-control': 'no-store', ...headers },
      body: {
        error: { code: error.code, message: error.message, ...(issues ? { issues } : {}) },
      },
    }
  }
  if (!isStitchAuthError(error)) {
    return {
      status: HTTP_STATUS_BY_CODE.STITCH_AUTH_INTERNAL,
      headers: { 'cache-control': 'no-store' },
      body: {
        error: {
          code: STITCH_AUTH_ERROR_CODES.INTERNAL,
          message: PUBLIC_ERROR_MESSAGES.STITCH_AUTH_INTERNAL,
        },
      },
    }
  }
  // Which fields are wrong and why is the caller's to know (the messages name limits, never
  // values); the rest of the error describes the server's setup.
  const issues = inputIssues(error)
  return {
    status: error.statusCode,
    headers: { 'cache-control': 'no-store', ...error.headers },
    body: {
      error: {
        code: error.code,
        message: options.exposeMessage ? error.message : PUBLIC_ERROR_MESSAGES[error.code],
        ...(issues ? { issues } : {}),
      },
    },
  }
}

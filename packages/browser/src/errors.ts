import type { HttpErrorCode, HttpErrorIssue } from '@stitch-auth/core'

/**
 * What went wrong, broadly:
 * - `config`: `createStitchProxyClient()` was given bad options (thrown at creation).
 * - `network`: no answer at all (server down, wrong host, CORS refused, offline).
 * - `timeout`: no complete answer within `timeoutMs`.
 * - `aborted`: the caller's `signal` aborted the call.
 * - `rejected`: the proxy refused the call with a 4xx; the same call will fail again.
 * - `server`: the proxy or Stitch failed with a 5xx; trying later may work.
 * - `response`: a 2xx that is not the proxy's `{ data }` JSON (wrong `baseUrl`?).
 */
export type StitchProxyErrorKind =
  | 'config'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'rejected'
  | 'server'
  | 'response'

/**
 * A stable code to match on: core's `HttpErrorCode`, the one set every stitch-auth server
 * answers with, for answers the proxy sent (its refusals, `invalid_input`, `unknown_operation`,
 * …, and the server's failures, `STITCH_AUTH_ENDPOINT_UNAVAILABLE`, …), and the client's for
 * everything else. `http_error` is a 4xx/5xx that did not come from the proxy (a gateway, a
 * 404 page).
 */
export type StitchProxyErrorCode =
  | HttpErrorCode
  | 'invalid_options'
  | 'network_error'
  | 'timeout'
  | 'aborted'
  | 'http_error'
  | 'invalid_response'

/** Where an input is wrong, as the proxy reports it for `invalid_input`. */
export type StitchProxyIssue = HttpErrorIssue

interface ErrorInit {
  kind: StitchProxyErrorKind
  code: StitchProxyErrorCode
  operation?: string | undefined
  status?: number | undefined
  response?: Response | undefined
  cause?: unknown
}

/**
 * The base of every error the client throws. Narrow with `kind` after `isStitchProxyError()`,
 * or with `instanceof` on a subclass. Nothing in it can be a secret: the browser has none.
 */
export class StitchProxyError extends Error {
  override name: string = 'StitchProxyError'
  readonly kind: StitchProxyErrorKind
  readonly code: StitchProxyErrorCode
  /** The operation that was called; `undefined` for option errors. */
  readonly operation: string | undefined
  /** The HTTP status of the answer; `undefined` when none arrived. */
  readonly status: number | undefined
  /** The raw answer, when there was one (not enumerable, so logging the error skips it). */
  declare readonly response: Response | undefined

  constructor(message: string, init: ErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause })
    this.kind = init.kind
    this.code = init.code
    this.operation = init.operation
    this.status = init.status
    Object.defineProperty(this, 'response', { value: init.response, enumerable: false })
  }
}

/** Bad options given to `createStitchProxyClient()`, every problem listed. */
export class StitchProxyConfigError extends StitchProxyError {
  override name = 'StitchProxyConfigError' as const
  declare readonly kind: 'config'
  declare readonly code: 'invalid_options'
  readonly problems: readonly string[]

  constructor(message: string, problems: readonly string[]) {
    super(message, { kind: 'config', code: 'invalid_options' })
    this.problems = problems
  }
}

/** The proxy could not be reached: no HTTP answer arrived. */
export class StitchProxyNetworkError extends StitchProxyError {
  override name = 'StitchProxyNetworkError' as const
  declare readonly kind: 'network'
  declare readonly code: 'network_error'
  declare readonly status: undefined
}

/** No complete answer arrived within `timeoutMs`. */
export class StitchProxyTimeoutError extends StitchProxyError {
  override name = 'StitchProxyTimeoutError' as const
  declare readonly kind: 'timeout'
  declare readonly code: 'timeout'
  declare readonly status: undefined
}

/** The caller's `signal` aborted the call; `cause` is the signal's reason. */
export class StitchProxyAbortError extends StitchProxyError {
  override name = 'StitchProxyAbortError' as const
  declare readonly kind: 'aborted'
  declare readonly code: 'aborted'
  declare readonly status: undefined
}

/** The proxy refused the call (4xx). Fix the call, the options or the server's operations. */
export class StitchProxyRejectedError extends StitchProxyError {
  override name = 'StitchProxyRejectedError' as const
  declare readonly kind: 'rejected'
  declare readonly code: HttpErrorCode | 'http_error'
  declare readonly status: number
  /** For `invalid_input`: each field the operation's schema refused. Empty otherwise. */
  readonly issues: readonly StitchProxyIssue[]

  constructor(message: string, init: ErrorInit, issues: readonly StitchProxyIssue[]) {
    super(message, init)
    this.issues = issues
  }
}

/**
 * The server or Stitch behind it failed (5xx), with the server's `code`. A 503
 * (`STITCH_AUTH_ENDPOINT_UNAVAILABLE`, `STITCH_AUTH_API_UNAVAILABLE`, …) is worth retrying
 * after `retryAfterMs`.
 */
export class StitchProxyServerError extends StitchProxyError {
  override name = 'StitchProxyServerError' as const
  declare readonly kind: 'server'
  declare readonly code: HttpErrorCode | 'http_error'
  declare readonly status: number
  /** Milliseconds to wait before trying again, from the `Retry-After` header when there is one. */
  readonly retryAfterMs: number | undefined

  constructor(message: string, init: ErrorInit, retryAfterMs: number | undefined) {
    super(message, init)
    this.retryAfterMs = retryAfterMs
  }
}

/** A successful status without the proxy's `{ data }` JSON: usually `baseUrl` points elsewhere. */
export class StitchProxyResponseError extends StitchProxyError {
  override name = 'StitchProxyResponseError' as const
  declare readonly kind: 'response'
  declare readonly code: 'invalid_response'
  declare readonly status: number
}

/** Every error the client throws, discriminated by `kind`. */
export type AnyStitchProxyError =
  | StitchProxyConfigError
  | StitchProxyNetworkError
  | StitchProxyTimeoutError
  | StitchProxyAbortError
  | StitchProxyRejectedError
  | StitchProxyServerError
  | StitchProxyResponseError

const ERROR_NAME = /^StitchProxy(Config|Network|Timeout|Abort|Rejected|Server|Response)?Error$/

/**
 * Whether `value` is an error from this client. Also true for one thrown by another copy of
 * the package (the script-tag bundle and the npm build, say), which `instanceof` misses.
 *
 * @example
 * catch (error) {
 *   if (isStitchProxyError(error) && error.kind === 'rejected') showIssues(error.issues)
 * }
 */
export function isStitchProxyError(value: unknown): value is AnyStitchProxyError {
  if (value instanceof StitchProxyError) return true
  const candidate = value as { name?: unknown; kind?: unknown } | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    ERROR_NAME.test(candidate.name) &&
    typeof candidate.kind === 'string'
  )
}

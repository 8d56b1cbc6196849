import {
  isStitchAuthError,
  STITCH_AUTH_ERROR_CODES,
  StitchApiError,
  StitchApiUnavailableError,
  StitchAuthError,
  StitchConfigError,
  StitchTokenRequestError,
} from '@stitch-auth/core'

/** Exit codes scripts can rely on. */
export const EXIT_CODES = {
  /** Everything worked; `doctor`: every check passed (warnings allowed). */
  OK: 0,
  /** Stitch answered and refused (wrong secret, missing scope, API error) or a check failed. */
  FAILED: 1,
  /** Bad arguments or configuration: nothing was sent to Stitch. */
  USAGE: 2,
  /** Stitch or the network was unavailable (DNS, connection, timeout, 5xx): try again later. */
  UNAVAILABLE: 3,
} as const

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE,
  STITCH_AUTH_ERROR_CODES.API_UNAVAILABLE,
  STITCH_AUTH_ERROR_CODES.CLIENT_CLOSED,
])

/** Wrong arguments or configuration found by the CLI itself; every problem is listed. */
export class UsageError extends Error {
  override name = 'UsageError' as const
  readonly problems: readonly string[]

  constructor(
    problems: string | readonly string[],
    readonly helpHint?: string,
  ) {
    const list = typeof problems === 'string' ? [problems] : problems
    super(list.join('\n'))
    this.problems = list
  }
}

/** A failure with a fix the command knows better than the generic one (same exit code). */
export class FailureWithFix extends Error {
  override name = 'FailureWithFix' as const

  constructor(
    readonly failure: unknown,
    readonly fix: string,
  ) {
    super(failure instanceof Error ? failure.message : String(failure), { cause: failure })
  }
}

/** One failure, as the CLI shows it: what happened, what to do, how the process ends. */
export interface Failure {
  message: string
  fix?: string
  exitCode: ExitCode
}

/**
 * Turns anything a command threw into a message and an exit code. Only messages are shown,
 * never the error object: a third-party error (a ky `NetworkError`) can hold the request, and
 * with it the `Authorization` header.
 */
export function describeFailure(error: unknown, context: { apiUrl?: string } = {}): Failure {
  if (error instanceof FailureWithFix) {
    return { ...describeFailure(error.failure, context), fix: error.fix }
  }
  if (error instanceof UsageError) {
    return { message: error.problems.join('\n'), exitCode: EXIT_CODES.USAGE }
  }
  const inputIssues = invalidVariables(error)
  if (inputIssues) {
    // Found before anything was sent (core's `StitchInputError`): the caller's to fix.
    return {
      message: [
        `invalid variables for ${inputIssues.operation}:`,
        ...inputIssues.issues.map(
          (issue) => `  - ${issue.path === '' ? '(variables)' : issue.path}: ${issue.message}`,
        ),
      ].join('\n'),
      exitCode: EXIT_CODES.USAGE,
    }
  }
  if (error instanceof StitchConfigError) {
    return { message: error.message, exitCode: EXIT_CODES.USAGE }
  }
  if (error instanceof StitchTokenRequestError) {
    return {
      message: error.message,
      ...(tokenErrorFix(error) ? { fix: tokenErrorFix(error) } : {}),
      exitCode: EXIT_CODES.FAILED,
    }
  }
  if (error instanceof StitchApiUnavailableError) {
    // An answer (a 5xx, 429) means the API is failing; none means the network or a timeout.
    const fix =
      error.upstreamStatus === undefined
        ? (describeNetworkError(findFetchFailure(error.cause))?.fix ??
          'Stitch did not answer in time or is failing: try again later, or raise --timeout on a slow network.')
        : "Stitch's API is failing; try again in a few minutes, and contact Stitch support if it persists."
    return { message: error.message, fix, exitCode: EXIT_CODES.UNAVAILABLE }
  }
  if (error instanceof StitchApiError) {
    const unavailable = error.retryable || error.upstreamStatus >= 500
    const fix = apiErrorFix(error, unavailable)
    return {
      message: [error.message, ...graphQLErrorLines(error).map((line) => `  - ${line}`)].join('\n'),
      ...(fix ? { fix } : {}),
      exitCode: unavailable ? EXIT_CODES.UNAVAILABLE : EXIT_CODES.FAILED,
    }
  }
  if (isStitchAuthError(error)) {
    // Core wraps a failure of its own (e.g. a private key that will not import) in a generic
    // retryable error; that is not Stitch being down, and the cause says what is wrong.
    const cause = error.cause
    if (
      error.constructor === StitchAuthError &&
      cause instanceof Error &&
      !isStitchAuthError(cause) &&
      findFetchFailure(cause) === undefined
    ) {
      return {
        message: `${error.message}: ${cause.message}`,
        fix: 'Check the client configuration; for a certificate client, that the private key is a complete, unencrypted PKCS#8 PEM.',
        exitCode: EXIT_CODES.FAILED,
      }
    }
    const unavailable = UNAVAILABLE_CODES.has(error.code) || error.retryable
    const fix = unavailable
      ? (describeNetworkError(findFetchFailure(error.cause))?.fix ??
        'Stitch did not answer in time or is failing: try again later, or raise --timeout on a slow network.')
      : undefined
    return {
      message: error.message,
      ...(fix ? { fix } : {}),
      exitCode: unavailable ? EXIT_CODES.UNAVAILABLE : EXIT_CODES.FAILED,
    }
  }
  const network = describeNetworkError(error)
  if (network) {
    const where = context.apiUrl ? ` at ${context.apiUrl}` : ''
    return {
      message: `Could not reach the Stitch API${where} (${network.reason}).`,
      fix: network.fix,
      exitCode: EXIT_CODES.UNAVAILABLE,
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { message, exitCode: EXIT_CODES.FAILED }
}

/** What to do about an OAuth error from the token endpoint. */
export function tokenErrorFix(error: StitchTokenRequestError): string | undefined {
  switch (error.error) {
    case 'invalid_client':
      return (
        'Check that STITCH_CLIENT_ID (--client-id) and the secret or private key belong to the ' +
        'same client, were copied whole, and have not been rotated; and that the client is for ' +
        'the environment you are calling (a sandbox "test-" client does not work against live ' +
        'data and vice versa). Certificate clients: see the clock check of `stitch-auth doctor`.'
      )
    case 'invalid_scope':
      return 'Request only scopes enabled for this client, or ask Stitch support to enable the missing ones.'
    case 'unauthorized_client':
      return 'This client is not enabled for the client-credentials grant; ask Stitch support to enable it.'
    case 'invalid_request':
      return 'Check --token-url (STITCH_TOKEN_URL): the audience is always the token endpoint URL.'
    default:
      return undefined
  }
}

/** Each GraphQL error as one line: message, path and code. */
export function graphQLErrorLines(error: StitchApiError): string[] {
  return error.errors.map((detail) => {
    const path = detail.path?.length ? ` at ${detail.path.join('.')}` : ''
    const code = detail.code ? ` [${detail.code}]` : ''
    return `${detail.message}${path}${code}`
  })
}

/** Core's `StitchInputError`, read by its code so any copy of core is recognised. */
function invalidVariables(
  error: unknown,
): { operation: string; issues: readonly { path: string; message: string }[] } | undefined {
  if (!isStitchAuthError(error) || error.code !== STITCH_AUTH_ERROR_CODES.INVALID_VARIABLES) {
    return undefined
  }
  const { operation, issues } = error as { operation?: unknown; issues?: unknown }
  if (!Array.isArray(issues)) return undefined
  return { operation: typeof operation === 'string' ? operation : 'the operation', issues }
}

function apiErrorFix(error: StitchApiError, unavailable: boolean): string | undefined {
  if (error.code === STITCH_AUTH_ERROR_CODES.API_NONCE_REUSED) {
    return 'Stitch already has a request with this nonce, so this one did not run again: look the first one up instead of retrying. For a new request, give a new nonce or none (one is generated).'
  }
  if (error.code === STITCH_AUTH_ERROR_CODES.API_UNAUTHENTICATED) {
    return 'The API does not accept tokens from this token endpoint: check that --api-url (STITCH_API_URL) and --token-url (STITCH_TOKEN_URL) point at the same environment.'
  }
  if (error.requiredScopes.length > 0) {
    return `Add --scope ${error.requiredScopes.join(' --scope ')}, and make sure Stitch enabled ${error.requiredScopes.length === 1 ? 'it' : 'them'} for this client.`
  }
  if (unavailable) {
    return "Stitch's API is failing; try again in a few minutes, and contact Stitch support if it persists."
  }
  return undefined
}

/**
 * Reads a failed `fetch` (undici `TypeError: fetch failed` with a system error as `cause`, or
 * ky's `NetworkError`/`TimeoutError` around it) as a short reason and a fix.
 */
export function describeNetworkError(error: unknown): { reason: string; fix: string } | undefined {
  if (!(error instanceof Error)) return undefined
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return {
      reason: 'timed out',
      fix: 'Stitch did not answer in time: check your network or firewall, or raise --timeout.',
    }
  }
  const isFetchFailure =
    error.name === 'NetworkError' ||
    (error instanceof TypeError && error.message === 'fetch failed')
  if (!isFetchFailure) return undefined
  const code = systemErrorCode(error)
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        reason: `DNS lookup failed: ${code}`,
        fix: 'The host name did not resolve: check the URL for typos, your DNS and your network connection.',
      }
    case 'ECONNREFUSED':
      return {
        reason: 'connection refused: ECONNREFUSED',
        fix: 'Nothing listens at that address: check the URL and port (is the simulator running?).',
      }
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return {
        reason: `the connection was closed: ${code}`,
        fix: 'A proxy or firewall may be cutting the connection; try again, or from another network.',
      }
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return {
        reason: `connecting timed out: ${code}`,
        fix: 'A firewall may be dropping the traffic: check that outbound HTTPS to Stitch is allowed.',
      }
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return { reason: `network unreachable: ${code}`, fix: 'Check your network connection.' }
    default:
      if (code && /CERT|SSL|TLS|SELF_SIGNED/.test(code)) {
        return {
          reason: `TLS failed: ${code}`,
          fix: 'A proxy may be intercepting HTTPS: trust its CA with NODE_EXTRA_CA_CERTS=/path/ca.pem.',
        }
      }
      return {
        reason: code ? `network error: ${code}` : `network error: ${innermostMessage(error)}`,
        fix: 'Check the URL and your network connection.',
      }
  }
}

/** The failed `fetch` somewhere in an error's `cause` chain, if any. */
export function findFetchFailure(error: unknown): Error | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (describeNetworkError(current)) return current
    current = current.cause
  }
  return undefined
}

function innermostMessage(error: Error): string {
  let current: Error = error
  for (let depth = 0; depth < 5 && current.cause instanceof Error; depth++) current = current.cause
  return current.message
}

function systemErrorCode(error: Error): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && !code.startsWith('STITCH_AUTH_')) return code
    const errors = (current as { errors?: unknown }).errors
    if (Array.isArray(errors) && errors[0] instanceof Error) {
      current = errors[0]
      continue
    }
    current = current.cause
  }
  return undefined
}

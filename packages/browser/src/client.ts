import type {
  HttpErrorBody,
  OperationInput,
  OperationOutput,
  StitchOperations,
} from '@stitch-auth/core'
import {
  StitchProxyAbortError,
  StitchProxyError,
  type StitchProxyIssue,
  StitchProxyNetworkError,
  StitchProxyRejectedError,
  StitchProxyResponseError,
  StitchProxyServerError,
  StitchProxyTimeoutError,
} from './errors.js'
import {
  type ResolvedStitchProxyClientOptions,
  resolveOptions,
  type StitchProxyClientOptions,
} from './options.js'

/** Options of one call. */
export interface StitchProxyCallOptions {
  /** Aborts the call; it then fails with `kind: 'aborted'`. */
  signal?: AbortSignal
}

/** One operation as the browser calls it: input in, the operation's output out. */
export type StitchProxyCall<TInput, TOutput> = (
  ...args: undefined extends TInput
    ? [input?: TInput, options?: StitchProxyCallOptions]
    : [input: TInput, options?: StitchProxyCallOptions]
) => Promise<TOutput>

// `await client` and `JSON.stringify(client)` look these up; they must not become calls.
type ReservedName = 'then' | 'toJSON' | keyof typeof Object.prototype

/** The typed client: one method per operation the server defines. */
export type StitchProxyClient<TOperations extends StitchOperations> = {
  readonly [TName in Exclude<keyof TOperations & string, ReservedName>]: StitchProxyCall<
    OperationInput<TOperations[TName]>,
    OperationOutput<TOperations[TName]>
  >
}

// The names the proxy can route (core's OPERATION_NAME_PATTERN; the engine refuses anything
// else with 404). Copied, not imported: the browser bundle takes no runtime code from core.
const OPERATION_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/

/**
 * Creates the typed client for your own `stitchProxy()`. Pass the server's operations as the
 * type argument (`import type`, so no server code reaches the bundle); each operation becomes a
 * method that POSTs its input and resolves to its output, or rejects with a `StitchProxyError`.
 *
 * @example
 * import type { operations } from '../server/stitch'
 * const api = createStitchProxyClient<typeof operations>({ baseUrl: '/stitch' })
 * const { url } = await api.createPaymentRequest({ amount: 150, reference: 'order-42' })
 */
export function createStitchProxyClient<TOperations extends StitchOperations = StitchOperations>(
  options: StitchProxyClientOptions,
): StitchProxyClient<TOperations> {
  const resolved = resolveOptions(options)
  const calls = new Map<string, (input?: unknown, options?: StitchProxyCallOptions) => unknown>()
  return new Proxy(Object.freeze(Object.create(null)), {
    get(_target, name) {
      if (typeof name !== 'string' || !OPERATION_NAME.test(name) || name === 'then')
        return undefined
      // String(client), hasOwnProperty… behave as on any object; toJSON stays undefined.
      if (name in Object.prototype || name === 'toJSON') return Reflect.get(Object.prototype, name)
      let call = calls.get(name)
      if (!call) {
        call = (input, callOptions) => callOperation(resolved, name, input, callOptions)
        calls.set(name, call)
      }
      return call
    },
  }) as StitchProxyClient<TOperations>
}

async function callOperation(
  options: ResolvedStitchProxyClientOptions,
  operation: string,
  input: unknown,
  { signal }: StitchProxyCallOptions = {},
): Promise<unknown> {
  const url = `${options.baseUrl}/${operation}`
  const where = `Stitch proxy call "${operation}"`
  const headers = new Headers(options.headers as [string, string][])
  headers.set('content-type', 'application/json')
  headers.set('accept', 'application/json')
  headers.set(options.csrfHeader, '1')
  const body = input === undefined ? '{}' : JSON.stringify(input)

  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, options.timeoutMs)
  const onAbort = () => controller.abort(signal?.reason)
  signal?.addEventListener('abort', onAbort, { once: true })

  const noAnswer = (cause: unknown): StitchProxyError => {
    if (signal?.aborted) {
      return new StitchProxyAbortError(`${where} was aborted.`, {
        kind: 'aborted',
        code: 'aborted',
        operation,
        cause: signal.reason,
      })
    }
    if (timedOut) {
      return new StitchProxyTimeoutError(
        `${where} got no complete answer from ${url} within ${options.timeoutMs} ms (timeoutMs).`,
        { kind: 'timeout', code: 'timeout', operation },
      )
    }
    const reason = cause instanceof Error ? `: ${cause.message}` : ''
    return new StitchProxyNetworkError(
      `${where} could not reach ${url}${reason}. Is the server running, is baseUrl "${options.baseUrl}" right, and (for another origin) does CORS allow this page?`,
      { kind: 'network', code: 'network_error', operation, cause },
    )
  }

  try {
    if (signal?.aborted) throw noAnswer(undefined)
    let response: Response
    let text: string
    try {
      // Called without a receiver: a browser's fetch refuses any `this` but the window.
      const fetch = options.fetch ?? globalThis.fetch
      response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        credentials: options.credentials,
        signal: controller.signal,
      })
      text = await response.text()
    } catch (error) {
      throw noAnswer(error)
    }
    return readAnswer(response, text, { where, operation, url, baseUrl: options.baseUrl })
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}

interface AnswerContext {
  where: string
  operation: string
  url: string
  baseUrl: string
}

function readAnswer(response: Response, text: string, context: AnswerContext): unknown {
  const { where, operation, url, baseUrl } = context
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  const { status } = response
  const init = { operation, status, response }
  const notTheProxy = `Is baseUrl "${baseUrl}" where stitchProxy() is mounted${response.redirected ? ` (the call was redirected to ${response.url})` : ''}?`

  if (response.ok) {
    if (isRecord(json) && Object.hasOwn(json, 'data')) return json.data
    throw new StitchProxyResponseError(
      `${where}: ${url} answered ${status} without the proxy's { data } JSON. ${notTheProxy}`,
      { ...init, kind: 'response', code: 'invalid_response' },
    )
  }

  const error = proxyError(json)
  if (status < 400) {
    throw new StitchProxyResponseError(`${where}: ${url} answered ${status}. ${notTheProxy}`, {
      ...init,
      kind: 'response',
      code: 'invalid_response',
    })
  }
  if (!error) {
    const message = `${where}: ${url} answered ${status} without a proxy error body. ${notTheProxy}`
    if (status >= 500) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'))
      throw new StitchProxyServerError(
        message,
        { ...init, kind: 'server', code: 'http_error' },
        retryAfterMs,
      )
    }
    throw new StitchProxyRejectedError(
      message,
      { ...init, kind: 'rejected', code: 'http_error' },
      [],
    )
  }

  const issues = error.issues ?? []
  const details = issues.map((issue) => `${issue.path || '(input)'}: ${issue.message}`).join('; ')
  let message = `${where} failed with ${status} ${error.code}: ${error.message}${details ? ` ${details}.` : ''}`
  if (status >= 500) {
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'))
    if (retryAfterMs !== undefined) message += ` Retry after ${retryAfterMs / 1000} s.`
    throw new StitchProxyServerError(
      message,
      { ...init, kind: 'server', code: error.code },
      retryAfterMs,
    )
  }
  const hint = HINTS[error.code]
  if (hint) message += ` ${hint(operation, baseUrl)}`
  throw new StitchProxyRejectedError(
    message,
    { ...init, kind: 'rejected', code: error.code },
    issues,
  )
}

const HINTS: Partial<Record<string, (operation: string, baseUrl: string) => string>> = {
  unknown_operation: (operation, baseUrl) =>
    `Is "${operation}" one of the server's operations, and is baseUrl "${baseUrl}" where stitchProxy() is mounted?`,
  csrf_header_missing: () =>
    "Set the client's csrfHeader to the header stitchProxy() expects (its csrfHeader option).",
  forbidden: (operation) => `The operation's authorize hook refused "${operation}" for this user.`,
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The `error` of core's error body, if `json` is one. */
function proxyError(json: unknown): HttpErrorBody['error'] | undefined {
  const error = isRecord(json) ? json.error : undefined
  if (!isRecord(error) || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return undefined
  }
  const issues = Array.isArray(error.issues)
    ? error.issues.filter(
        (issue): issue is StitchProxyIssue =>
          isRecord(issue) && typeof issue.path === 'string' && typeof issue.message === 'string',
      )
    : undefined
  return { ...error, issues } as HttpErrorBody['error']
}

/** `Retry-After` (delay-seconds or an HTTP date) in milliseconds, rounded up to whole seconds. */
function parseRetryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000)) * 1000
}

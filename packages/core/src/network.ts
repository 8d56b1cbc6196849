import type { Options } from 'ky'
import { untilAborted } from './abort.js'
import { scrubServerText } from './redact.js'

type Ky = typeof import('ky')

/**
 * What to keep of a request that got no answer: its low-level cause and a short description
 * (`fetch failed: ECONNREFUSED`). ky's own errors hold the request — headers, body, the
 * Authorization header or the client secret — so they are never kept, only their message. An
 * injected `fetch` may put what it sent in its error's message: `sensitive` (the secret, the
 * token) is scrubbed from it, and such an error is not kept as the cause.
 */
export function networkFailure(
  error: unknown,
  ky: Ky,
  sensitive: readonly string[] = [],
): { cause: unknown; detail: string } {
  const raw = ky.isNetworkError(error) ? error.cause : error
  if (!(raw instanceof Error)) return { cause: undefined, detail: 'network error' }
  const code = (raw.cause as { code?: unknown } | undefined)?.code
  const message = scrubServerText(raw.message, sensitive)
  return {
    cause: ky.isKyError(raw) || message !== raw.message ? new Error(message) : raw,
    detail: typeof code === 'string' ? `${message}: ${code}` : message,
  }
}

/** Why an exchange ended without a whole answer. */
export type NoAnswer =
  /** The caller's signal aborted. */
  | { kind: 'aborted' }
  /** `timeoutMs` passed before the headers or the last byte of the body came. */
  | { kind: 'timeout' }
  /** The connection failed; see {@link networkFailure}. */
  | { kind: 'network'; cause: unknown; detail: string }

export interface ExchangeOptions {
  fetch: typeof globalThis.fetch
  /** Bounds the whole exchange: connecting, sending, the headers and every byte of the body. */
  timeoutMs: number
  /** The caller's signal (or the client's, when it closes). */
  signal?: AbortSignal | undefined
  /** The error to throw when no whole answer came. */
  noAnswer: (failure: NoAnswer) => Error
  /** What the request carries that an error must never show (the secret, the token). */
  sensitive?: readonly string[]
}

/** What {@link exchange} sends: the parts of a ky request that describe it. */
export type ExchangeRequest = Pick<Options, 'method' | 'headers' | 'body' | 'json'>

/**
 * Sends one request and reads its whole body, all within `timeoutMs`. A timeout on the fetch
 * alone would let a server that sends its headers and then stalls the body hang the caller
 * forever, so one signal (the timeout and the caller's) goes to the fetch, which aborts the
 * body stream too, and the body read is also raced against it, for an injected fetch that
 * ignores aborts. Resolves with the response and its body in memory, so reading it again
 * cannot stall; an HTTP error status is an answer, not a failure.
 */
export async function exchange(
  url: string,
  request: ExchangeRequest,
  options: ExchangeOptions,
): Promise<Response> {
  const { signal: callerSignal } = options
  if (callerSignal?.aborted) throw options.noAnswer({ kind: 'aborted' })
  // ky is loaded with the first request, not with the package: on Node, importing ky builds a
  // `Request` to probe for stream support, which loads Node's whole fetch implementation
  // (~40 ms) before anyone asked for a token. A failure to load it is not a network error.
  const ky = await import('ky')
  const timeout = new AbortController()
  const timer = setTimeout(() => {
    timeout.abort(
      new DOMException(`No whole answer within ${options.timeoutMs} ms`, 'TimeoutError'),
    )
  }, options.timeoutMs)
  // The request itself keeps a process alive while it is open; the timer must not on its own.
  timer.unref?.()
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout.signal]) : timeout.signal
  try {
    return await untilAborted(
      (async () => {
        const response = await ky.default(url, {
          ...request,
          fetch: options.fetch,
          retry: 0,
          // Our own timer bounds the body as well; ky's would stop at the headers.
          timeout: false,
          throwHttpErrors: false,
          signal,
        })
        return buffered(response, await response.text())
      })(),
      signal,
    )
  } catch (error) {
    if (callerSignal?.aborted) throw options.noAnswer({ kind: 'aborted' })
    if (timeout.signal.aborted) throw options.noAnswer({ kind: 'timeout' })
    throw options.noAnswer({ kind: 'network', ...networkFailure(error, ky, options.sensitive) })
  } finally {
    clearTimeout(timer)
  }
}

/** Statuses whose responses must not have a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([204, 205, 304])

function buffered(response: Response, text: string): Response {
  return new Response(NULL_BODY_STATUSES.has(response.status) ? null : text, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
}

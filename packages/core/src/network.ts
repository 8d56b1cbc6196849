import { isKyError, isNetworkError } from 'ky'

/**
 * What to keep of a request that got no answer: its low-level cause and a short description
 * (`fetch failed: ECONNREFUSED`). ky's own errors hold the request — headers, body, the
 * Authorization header or the client secret — so they are never kept, only their message.
 */
export function networkFailure(error: unknown): { cause: unknown; detail: string } {
  const raw = isNetworkError(error) ? error.cause : error
  if (!(raw instanceof Error)) return { cause: undefined, detail: 'network error' }
  const code = (raw.cause as { code?: unknown } | undefined)?.code
  return {
    cause: isKyError(raw) ? new Error(raw.message) : raw,
    detail: typeof code === 'string' ? `${raw.message}: ${code}` : raw.message,
  }
}

import { isStitchAuthError, toHttpErrorAnswer } from '@stitch-auth/core'
import type { ErrorHandler } from 'hono'

export interface StitchErrorHandlerOptions {
  /**
   * Send the error's own message (it says what to fix, and never holds a secret or a token)
   * instead of a generic one per status. Handy in development; it can name your client id,
   * token URL or Stitch's own error description.
   * @default false
   */
  exposeMessages?: boolean
  /**
   * Answers every error that is not a stitch-auth error (Hono has one `onError`).
   * @default Hono's own: an `HTTPException`'s response, otherwise a logged 500
   * @example fallback: (error, c) => c.json({ error: 'oops' }, 500)
   */
  fallback?: ErrorHandler
}

/**
 * An `app.onError` handler that answers stitch-auth errors with core's one error body,
 * `{ error: { code, message } }` (`toHttpErrorAnswer`, the same answer as Express's handler,
 * Nest's filter and the proxy give), the error's `statusCode` (503, 502, 500, 499), its
 * `headers` (e.g. `Retry-After`) and `cache-control: no-store`. Any other error goes to
 * `fallback`.
 *
 * @example
 * app.onError(stitchErrorHandler())
 */
export function stitchErrorHandler(options: StitchErrorHandlerOptions = {}): ErrorHandler {
  const exposeMessage = options.exposeMessages === true
  const fallback = options.fallback ?? honoDefault
  return (error, c) => {
    if (!isStitchAuthError(error)) return fallback(error, c)
    const answer = toHttpErrorAnswer(error, { exposeMessage })
    return Response.json(answer.body, { status: answer.status, headers: answer.headers })
  }
}

/** What Hono answers without an `onError`, without importing Hono at run time. */
const honoDefault: ErrorHandler = (error, c) => {
  if ('getResponse' in error && typeof error.getResponse === 'function') {
    return error.getResponse()
  }
  console.error(error)
  return c.text('Internal Server Error', 500)
}

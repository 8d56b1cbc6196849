import { isStitchAuthError, toHttpErrorAnswer } from '@stitch-auth/core'
import type { ErrorRequestHandler } from 'express'

export interface StitchErrorHandlerOptions {
  /**
   * Send the error's own message (it says what to fix, and never holds a secret or a token)
   * instead of a generic one per status. Handy in development; it can name your client id,
   * token URL or Stitch's own error description.
   * @default false
   */
  exposeMessages?: boolean
}

/**
 * Error middleware that answers stitch-auth errors with core's one error body,
 * `{ error: { code, message } }` (`toHttpErrorAnswer`, the same answer as Nest's filter and
 * the proxy give), the error's `statusCode` (503, 502, 500, 499), its `headers` (e.g.
 * `Retry-After`) and `cache-control: no-store`. Any other error goes on to the next error
 * handler. Mount it after your routes.
 *
 * @example
 * app.use(stitchErrorHandler())
 */
export function stitchErrorHandler(options: StitchErrorHandlerOptions = {}): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (!isStitchAuthError(error) || res.headersSent) {
      next(error)
      return
    }
    const answer = toHttpErrorAnswer(error, { exposeMessage: options.exposeMessages === true })
    res.status(answer.status).set(answer.headers).json(answer.body)
  }
}

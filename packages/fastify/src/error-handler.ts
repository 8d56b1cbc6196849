import { isStitchAuthError, toHttpErrorAnswer } from '@stitch-auth/core'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Options of `stitchErrorHandler()`. */
export interface StitchErrorHandlerOptions {
  /**
   * Send the error's own message (it says what to fix, and never holds a secret or a token)
   * instead of a generic one per status. Handy in development; it can name your client id,
   * token URL or Stitch's own error description.
   * @default false
   */
  exposeMessages?: boolean
}

/** An error handler for `fastify.setErrorHandler()`. */
export type StitchErrorHandler = (
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
) => void

/**
 * An error handler that answers stitch-auth errors with core's one error body,
 * `{ error: { code, message } }` (`toHttpErrorAnswer`, the same answer as Express's handler,
 * Nest's filter and the proxy give), the error's `statusCode` (503, 502, 500, 499), its
 * `headers` (e.g. `Retry-After`) and `cache-control: no-store`. Any other error goes on to the
 * parent context's error handler (Fastify's default at the root), as a handler that throws does.
 *
 * @example
 * app.setErrorHandler(stitchErrorHandler())
 */
export function stitchErrorHandler(options: StitchErrorHandlerOptions = {}): StitchErrorHandler {
  const exposeMessage = options.exposeMessages === true
  return (error, _request, reply) => {
    if (!isStitchAuthError(error) || reply.sent) throw error
    const answer = toHttpErrorAnswer(error, { exposeMessage })
    reply.code(answer.status).headers(answer.headers).send(answer.body)
  }
}

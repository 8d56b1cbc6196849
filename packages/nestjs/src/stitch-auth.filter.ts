import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import { StitchAuthError, toHttpErrorAnswer } from '@stitch-auth/core'
import { type Observable, throwError } from 'rxjs'

/** The JSON body of an HTTP answer to a `StitchAuthError`. */
export interface StitchErrorResponseBody {
  statusCode: number
  /** Core's stable error code, e.g. `STITCH_AUTH_ENDPOINT_UNAVAILABLE`. */
  code: string
  message: string
}

/**
 * The answer a server gives its own client for a `StitchAuthError`: core's `statusCode`, and
 * a fixed message per status. Core's messages are free of secrets but explain the server's
 * configuration; they go to the log, not to the client.
 */
export function stitchErrorResponseBody(error: StitchAuthError): StitchErrorResponseBody {
  const answer = toHttpErrorAnswer(error)
  return {
    statusCode: answer.status,
    code: answer.body.error.code,
    message: answer.body.error.message,
  }
}

/**
 * Answers a `StitchAuthError` with core's `statusCode` and `headers` (503 + `Retry-After`
 * when Stitch is down, 502 when it refused) and logs core's message. `@UseStitchToken()`
 * applies it to its routes; use it app-wide with
 * `{ provide: APP_FILTER, useClass: StitchAuthExceptionFilter }`.
 */
@Catch(StitchAuthError)
export class StitchAuthExceptionFilter implements ExceptionFilter<StitchAuthError> {
  readonly #logger = new Logger('StitchAuth')

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(error: StitchAuthError, host: ArgumentsHost): Observable<never> | undefined {
    const body = stitchErrorResponseBody(error)
    const line = `${error.name} (${error.code}) → HTTP ${body.statusCode}: ${error.message}`
    if (error.retryable) this.#logger.warn(line)
    else this.#logger.error(line)

    // Outside HTTP (a hybrid app's microservices) the error goes on to that transport's handling.
    if (host.getType() !== 'http') return throwError(() => error)
    const adapter = this.adapterHost.httpAdapter
    const response: unknown = host.switchToHttp().getResponse()
    if (adapter.isHeadersSent(response)) {
      adapter.end(response)
      return undefined
    }
    for (const [name, value] of Object.entries(error.headers ?? {})) {
      adapter.setHeader(response, name, value)
    }
    adapter.reply(response, body, body.statusCode)
    return undefined
  }
}

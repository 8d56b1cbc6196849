import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import { StitchAuthError, toHttpErrorAnswer } from '@stitch-auth/core'
import { type Observable, throwError } from 'rxjs'
import { STITCH_ERROR_ANSWER_OPTIONS } from './stitch-auth.constants.js'

/** How `StitchAuthExceptionFilter` answers; from the module's options, or given directly. */
export interface StitchAuthExceptionFilterOptions {
  /**
   * Send the error's own message (it says what to fix, and never holds a secret or a token)
   * instead of a fixed one per code, as `stitchErrorHandler({ exposeMessages })` of
   * `@stitch-auth/express` does.
   * @default false
   */
  exposeMessages?: boolean
}

/**
 * Answers a `StitchAuthError` with core's one error body, `{ error: { code, message } }`
 * (`toHttpErrorAnswer`: the same answer as Express's `stitchErrorHandler()` and the proxy
 * give), core's `statusCode`, `headers` (503 + `Retry-After` when Stitch is down, 502 when it
 * refused) and `cache-control: no-store`, and logs core's message. `@UseStitchToken()` applies
 * it to its routes; use it app-wide with
 * `{ provide: APP_FILTER, useClass: StitchAuthExceptionFilter }`. It takes `exposeMessages`
 * from `StitchAuthModule.forRoot()` where the module is visible.
 */
@Catch(StitchAuthError)
export class StitchAuthExceptionFilter implements ExceptionFilter<StitchAuthError> {
  readonly #logger = new Logger('StitchAuth')
  readonly #exposeMessages: boolean

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Optional()
    @Inject(STITCH_ERROR_ANSWER_OPTIONS)
    options?: StitchAuthExceptionFilterOptions | null,
  ) {
    this.#exposeMessages = options?.exposeMessages === true
  }

  catch(error: StitchAuthError, host: ArgumentsHost): Observable<never> | undefined {
    const answer = toHttpErrorAnswer(error, { exposeMessage: this.#exposeMessages })
    const line = `${error.name} (${error.code}) → HTTP ${answer.status}: ${error.message}`
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
    for (const [name, value] of Object.entries(answer.headers)) {
      adapter.setHeader(response, name, value)
    }
    adapter.reply(response, answer.body, answer.status)
    return undefined
  }
}

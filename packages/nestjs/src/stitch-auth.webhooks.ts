import { All, Controller, Inject, Logger, Req, Res, type Type } from '@nestjs/common'
import { StitchConfigError, toHttpErrorAnswer } from '@stitch-auth/core'
import {
  createStitchWebhookHandler,
  type StitchWebhookErrorInfo,
  type StitchWebhookHandler,
} from '@stitch-auth/core/webhooks'
import { STITCH_WEBHOOK_ENDPOINT } from './stitch-auth.constants.js'
import {
  keepsBodyBytes,
  type NestHttpRequest,
  type NestHttpResponse,
  toPlatformWebRequest,
} from './stitch-auth.http.js'
import type { StitchAuthWebhookOptions } from './stitch-auth.module-definition.js'

/** The module's webhook endpoint: core's handler, and where the controller reports its own failures. */
export interface StitchWebhookEndpoint {
  readonly handle: StitchWebhookHandler
  readonly report: (error: unknown, info: StitchWebhookErrorInfo) => void
}

/** Makes core's handler; its `StitchConfigError` (every problem of the options) goes on as it is. */
export function createWebhookEndpoint(options: StitchAuthWebhookOptions): StitchWebhookEndpoint {
  const logger = new Logger('StitchAuthWebhooks')
  // Without a hook of the user's, failures go to Nest's logger so they are not lost. Core's
  // messages hold no secret and no signature.
  const onError = options.onError ?? ((error, info) => logFailure(logger, error, info))
  const handle = createStitchWebhookHandler({ ...options, onError })
  const report: StitchWebhookEndpoint['report'] = (error, info) => {
    try {
      onError(error, info)
    } catch {
      // A failing logger must not change the answer Svix gets, as in core.
    }
  }
  return Object.freeze({ handle, report })
}

function logFailure(logger: Logger, error: unknown, info: StitchWebhookErrorInfo): void {
  const code = (error as { code?: unknown } | null)?.code
  const what =
    error instanceof Error
      ? `${error.name}${typeof code === 'string' ? ` (${code})` : ''}: ${error.message}`
      : String(error)
  const delivery = `Stitch webhook ${info.deliveryId ?? '(no svix-id)'}`
  // A refusal is the sender's problem (or a forgery); the rest are this server's, and fail every delivery.
  if (info.stage === 'verify' && !(error instanceof StitchConfigError)) {
    logger.warn(`${delivery} refused: ${what}`)
  } else {
    logger.error(`${delivery} failed (${info.stage}): ${what}`, (error as Error | null)?.stack)
  }
}

/** A controller serving core's webhook handler at `<path>`. */
export interface StitchWebhookControllerInstance {
  /** Answers one delivery: core's `Response`, or a 500 when the body's bytes were not kept. */
  handle(req: NestHttpRequest, res: NestHttpResponse): Promise<Response>
}

/**
 * Makes a controller that mounts core's webhook handler (the module's `webhooks` options) at
 * `POST /<path>`. Every check (signature, timestamp, replay, size) and every answer is core's
 * `createStitchWebhookHandler`; this hands it the body's exact bytes (`req.rawBody`, so create
 * the app with `NestFactory.create(AppModule, { rawBody: true })`) and Nest sends core's
 * `Response` on Express and Fastify alike. Mount it in any module that sees `StitchAuthModule`:
 * `controllers: [createStitchWebhookController('hooks/stitch')]`.
 */
export function createStitchWebhookController(
  path = 'webhooks/stitch',
): Type<StitchWebhookControllerInstance> {
  @Controller(path)
  class StitchWebhookController implements StitchWebhookControllerInstance {
    readonly #endpoint: StitchWebhookEndpoint

    constructor(@Inject(STITCH_WEBHOOK_ENDPOINT) endpoint: StitchWebhookEndpoint | null) {
      if (!endpoint) {
        throw new StitchConfigError([
          `a webhook controller is mounted at "${path}", but StitchAuthModule has no "webhooks" option: add webhooks: { secrets, on }`,
        ])
      }
      this.#endpoint = endpoint
    }

    // Every method comes in so that core, not Nest, answers 405 (with Allow: POST).
    @All()
    async handle(
      @Req() req: NestHttpRequest,
      // Only to see the sender go away; Nest writes the returned Response on either platform.
      @Res({ passthrough: true }) res: NestHttpResponse,
    ): Promise<Response> {
      const { method } = 'raw' in req ? req.raw : req
      if (method === 'POST' && !keepsBodyBytes(req)) return this.#withoutRawBody(req)
      return this.#endpoint.handle(toPlatformWebRequest(req, res))
    }

    // A body parser read the body and kept only what it parsed: re-serialised, that would no
    // longer match the signature, so nothing is checked and the handler never runs.
    #withoutRawBody(req: NestHttpRequest): Response {
      const error = new StitchConfigError(
        [
          'create the app with NestFactory.create(AppModule, { rawBody: true }) (and without bodyParser: false): the signature covers the body byte for byte, and Nest keeps those bytes (req.rawBody) only then',
        ],
        `The Stitch webhook controller at "${path}" got a body already parsed, without its bytes`,
      )
      const id = req.headers['svix-id'] ?? req.headers['webhook-id']
      // Core's stage for a delivery that could not be checked; the error says why.
      this.#endpoint.report(error, {
        stage: 'verify',
        deliveryId: typeof id === 'string' && id.length <= 1024 ? id : undefined,
      })
      const answer = toHttpErrorAnswer(error)
      return Response.json(answer.body, { status: answer.status, headers: answer.headers })
    }
  }
  return StitchWebhookController
}

/** The webhook controller at the default path: `POST /webhooks/stitch`. */
export const StitchWebhookController = createStitchWebhookController()

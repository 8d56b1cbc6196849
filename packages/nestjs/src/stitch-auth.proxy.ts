import { All, Controller, Inject, Param, Req, Res, type Type } from '@nestjs/common'
import { StitchConfigError, type StitchProxyHandler } from '@stitch-auth/core'
import { STITCH_PROXY_HANDLER } from './stitch-auth.constants.js'
import {
  type NestHttpRequest,
  type NestHttpResponse,
  type StitchHttpRequest,
  toPlatformWebRequest,
} from './stitch-auth.http.js'

/**
 * What the operations' `authorize` and `toVariables` hooks get as `call.context`: the
 * platform's request, the one your guards see (Express's `req`, or Fastify's request), e.g.
 * with the `user` your auth guard set. Name your platform's type to read more than headers:
 * `StitchProxyContext<Request & { user?: User }>`.
 */
export interface StitchProxyContext<TRequest extends StitchHttpRequest = StitchHttpRequest> {
  request: TRequest
}

/** A controller serving core's browser-safe proxy at `<path>/:operation`. */
export interface StitchProxyControllerInstance {
  handle(operation: string, req: NestHttpRequest, res: NestHttpResponse): Promise<Response>
}

/**
 * Makes a controller that mounts core's proxy (the module's `proxy` options) at
 * `POST /<path>/:operation`. Every check (method, content type, anti-CSRF header, size,
 * input) is core's `createStitchProxyHandler`; this only converts the request, and Nest sends
 * core's `Response` (status, headers and body) on Express and Fastify alike.
 * Mount it in any module that sees `StitchAuthModule`: `controllers: [createStitchProxyController('api/stitch')]`.
 */
export function createStitchProxyController(path = 'stitch'): Type<StitchProxyControllerInstance> {
  @Controller(path)
  class StitchProxyController implements StitchProxyControllerInstance {
    readonly #handler: StitchProxyHandler<StitchProxyContext>

    constructor(
      @Inject(STITCH_PROXY_HANDLER) handler: StitchProxyHandler<StitchProxyContext> | null,
    ) {
      if (!handler) {
        throw new StitchConfigError([
          `a proxy controller is mounted at "${path}", but StitchAuthModule has no "proxy" option: add proxy: { operations }`,
        ])
      }
      this.#handler = handler
    }

    // Every method comes in so that core, not Nest, answers 405 (with Allow) for a known operation.
    @All(':operation')
    handle(
      @Param('operation') operation: string,
      @Req() req: NestHttpRequest,
      // Only to see the client go away; Nest writes the returned Response on either platform.
      @Res({ passthrough: true }) res: NestHttpResponse,
    ): Promise<Response> {
      return this.#handler(toPlatformWebRequest(req, res), { operation, context: { request: req } })
    }
  }
  return StitchProxyController
}

/** The proxy controller at the default path: `POST /stitch/:operation`. */
export const StitchProxyController = createStitchProxyController()

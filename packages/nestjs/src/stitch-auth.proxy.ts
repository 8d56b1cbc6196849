import type { ServerResponse } from 'node:http'
import { All, Controller, Inject, Param, Req, Res, type Type } from '@nestjs/common'
import { StitchConfigError, type StitchProxyHandler } from '@stitch-auth/core'
import {
  abortOnDisconnect,
  type NodeRequestLike,
  sendWebResponse,
  toWebRequest,
} from '@stitch-auth/core/node'
import { STITCH_PROXY_HANDLER } from './stitch-auth.constants.js'

/**
 * What the operations' `authorize` and `toVariables` hooks get as `call.context`: the
 * platform's request (Express `req`, e.g. with `req.user` from your auth guard).
 */
export interface StitchProxyContext {
  request: NodeRequestLike
}

/** A controller serving core's browser-safe proxy at `<path>/:operation`. */
export interface StitchProxyControllerInstance {
  handle(operation: string, req: NodeRequestLike, res: ServerResponse): Promise<void>
}

/**
 * Makes a controller that mounts core's proxy (the module's `proxy` options) at
 * `POST /<path>/:operation`. Every check (method, content type, anti-CSRF header, size,
 * input) is core's `createStitchProxyHandler`; this only converts the request and response.
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
    async handle(
      @Param('operation') operation: string,
      @Req() req: NodeRequestLike,
      @Res() res: ServerResponse,
    ): Promise<void> {
      // Stitch calls stop when the browser goes away.
      const request = toWebRequest(req, { signal: abortOnDisconnect(res) })
      const response = await this.#handler(request, { operation, context: { request: req } })
      await sendWebResponse(response, res)
    }
  }
  return StitchProxyController
}

/** The proxy controller at the default path: `POST /stitch/:operation`. */
export const StitchProxyController = createStitchProxyController()

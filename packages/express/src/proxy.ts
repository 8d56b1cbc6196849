import {
  createStitchProxyHandler,
  type ProxyCallContext,
  type StitchOperation,
  type StitchProxyOptions,
} from '@stitch-auth/core'
import { abortOnDisconnect, sendWebResponse, toWebRequest } from '@stitch-auth/core/node'
import express, {
  type Request as ExpressRequest,
  type Response as ExpressResponse,
  type RequestHandler,
  type Router,
} from 'express'

/** What `stitchProxy` hands operations as `call.context`: the Express request and response. */
export interface ExpressProxyContext {
  req: ExpressRequest
  res: ExpressResponse
}

/** The `call` an operation's `authorize` and `toVariables` hooks receive under Express. */
export type ExpressProxyCall = ProxyCallContext<ExpressProxyContext>

/** Operations `stitchProxy` can serve: any whose hooks accept the Express context. */
// biome-ignore lint/suspicious/noExplicitAny: operations vary in their schema and output.
export type ExpressStitchOperations = Record<string, StitchOperation<any, any, ExpressProxyContext>>

/** Options of `stitchProxy`: core's proxy options (client, operations, limits, `onError`). */
export type StitchProxyRouterOptions<TOperations extends ExpressStitchOperations> =
  StitchProxyOptions<TOperations>

/**
 * A router serving the browser-safe proxy: `POST <mount>/<operation>` runs that named
 * operation. Every other path and method reaches core's engine too, which refuses it with a
 * JSON error (404, 405, 415, 403, 413, 400) before Stitch is called. Works with or without
 * `express.json()` in front.
 *
 * @example
 * app.use('/stitch', stitchProxy({ client: stitch, operations }))
 */
export function stitchProxy<const TOperations extends ExpressStitchOperations>(
  options: StitchProxyRouterOptions<TOperations>,
): Router {
  const handle = createStitchProxyHandler<TOperations, ExpressProxyContext>(options)

  async function serve(req: ExpressRequest, res: ExpressResponse): Promise<void> {
    const name: unknown = req.params.operation
    // Stitch calls stop when the browser goes away.
    const request = toWebRequest(req, { signal: abortOnDisconnect(res) })
    const response = await handle(request, {
      // Off the `/:operation` route no name can match, so the engine answers 404.
      operation: typeof name === 'string' ? name : '',
      context: { req, res },
    })
    await sendWebResponse(response, res)
  }
  const route: RequestHandler = (req, res, next) => {
    serve(req, res).catch(next)
  }

  const router = express.Router()
  router.all('/:operation', route)
  router.use(route)
  return router
}

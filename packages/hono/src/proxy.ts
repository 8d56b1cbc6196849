import {
  createStitchProxyHandler,
  type ProxyCallContext,
  type StitchOperation,
  type StitchProxyOptions,
} from '@stitch-auth/core'
import { type Context, type Env, Hono } from 'hono'

/** What `stitchProxy` hands operations as `call.context`: the Hono context of the request. */
// biome-ignore lint/suspicious/noExplicitAny: any app's Env, as Hono's own `Context` defaults to.
export type HonoProxyContext<E extends Env = any> = Context<E>

/** The `call` an operation's `authorize` and `toVariables` hooks receive under Hono. */
// biome-ignore lint/suspicious/noExplicitAny: any app's Env, as Hono's own `Context` defaults to.
export type HonoProxyCall<E extends Env = any> = ProxyCallContext<HonoProxyContext<E>>

/** Operations `stitchProxy` can serve: any whose hooks accept the Hono context. */
// biome-ignore lint/suspicious/noExplicitAny: operations vary in their schema and output.
export type HonoStitchOperations = Record<string, StitchOperation<any, any, HonoProxyContext>>

/** Options of `stitchProxy`: core's proxy options (client, operations, limits, `onError`). */
export type StitchProxyAppOptions<TOperations extends HonoStitchOperations> =
  StitchProxyOptions<TOperations>

/**
 * A sub-app serving the browser-safe proxy: `POST <mount>/<operation>` runs that named
 * operation. Every other path and method under the mount reaches core's engine too, which
 * refuses it with a JSON error (404, 405, 415, 403, 413, 400) before Stitch is called.
 *
 * @example
 * app.route('/stitch', stitchProxy({ client: stitch, operations }))
 */
export function stitchProxy<const TOperations extends HonoStitchOperations>(
  options: StitchProxyAppOptions<TOperations>,
): Hono {
  const handle = createStitchProxyHandler<TOperations, HonoProxyContext>(options)
  return (
    new Hono()
      // c.req.raw is already the Web Request core speaks, its signal the client's disconnect.
      .all('/:operation', (c) =>
        handle(c.req.raw, { operation: c.req.param('operation'), context: c }),
      )
      // Off the `/:operation` route no name can match, so the engine answers 404.
      .all('*', (c) => handle(c.req.raw, { operation: '', context: c }))
  )
}

import {
  createStitchProxyHandler,
  type ProxyCallContext,
  type StitchOperation,
  type StitchProxyOptions,
} from '@stitch-auth/core'
import { abortOnDisconnect, type NodeRequestLike, toWebRequest } from '@stitch-auth/core/node'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'

// Fastify's own answers to a request it will not parse, which the proxy leaves to core.
const FRAMEWORK_REFUSALS = new Set<unknown>([
  'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  'FST_ERR_ROUTE_MISSING_CONTENT_TYPE',
])

/** What `stitchProxy` hands operations as `call.context`: Fastify's request and reply. */
export interface FastifyProxyContext {
  /** Fastify's request, as your own hooks left it (e.g. with the user your auth hook set). */
  request: FastifyRequest
  /** Fastify's reply; the proxy sends core's answer on it. */
  reply: FastifyReply
}

/** The `call` an operation's `authorize` and `toVariables` hooks receive under Fastify. */
export type FastifyProxyCall = ProxyCallContext<FastifyProxyContext>

/** Operations `stitchProxy` can serve: any whose hooks accept the Fastify context. */
// biome-ignore lint/suspicious/noExplicitAny: operations vary in their schema and output.
export type FastifyStitchOperations = Record<string, StitchOperation<any, any, FastifyProxyContext>>

/**
 * Options of `stitchProxy`: core's proxy options (client, operations, limits, `onError`), and
 * Fastify's own `prefix`, where the proxy is mounted.
 */
export type StitchProxyPluginOptions = StitchProxyOptions<FastifyStitchOperations>

/**
 * A Fastify plugin serving the browser-safe proxy: `POST <prefix>/<operation>` runs that named
 * operation. Every other path and method under the prefix reaches core's engine too, which
 * refuses it with a JSON error (404, 405, 415, 403, 413, 400) before Stitch is called.
 *
 * It is encapsulated: in its own context no body parser runs, so core reads the body exactly as
 * it was sent (and stops reading past `maxBodyBytes`); the app's parsers, hooks of your own
 * plugins and sibling routes are not touched.
 *
 * @example
 * await app.register(stitchProxy, { client: stitch, operations, prefix: '/stitch' })
 */
export const stitchProxy: FastifyPluginAsync<StitchProxyPluginOptions> = async (
  fastify,
  options,
) => {
  const handle = createStitchProxyHandler<FastifyStitchOperations, FastifyProxyContext>(options)

  // Leave the body unread for core: Fastify's JSON parser would hand it a re-serialised copy
  // and answer malformed or oversized bodies itself, in its own format.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', (_request, _payload, parsed) => parsed(null))

  async function serve(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const name = (request.params as { operation?: unknown } | undefined)?.operation
    const raw: NodeRequestLike = request.raw
    raw.protocol = request.protocol
    // Stitch calls stop when the browser goes away.
    const webRequest = toWebRequest(raw, { signal: abortOnDisconnect(reply.raw) })
    const response = await handle(webRequest, {
      // Off the `/:operation` route no name can match, so the engine answers 404.
      operation: typeof name === 'string' ? name : '',
      context: { request, reply },
    })
    // Buffered (a small JSON answer): sent with Content-Length, and as a Buffer that onSend
    // hooks of the app (compression…) know how to handle.
    const body = Buffer.from(await response.arrayBuffer())
    reply.code(response.status)
    for (const [header, value] of response.headers) reply.header(header, value)
    return reply.send(body)
  }

  // Fastify refuses a malformed Content-Type (and a QUERY without one) before any parser or
  // route runs; core answers those requests too, in its own order and format. Every other
  // error (your hooks' included) goes on to the app's error handler.
  fastify.setErrorHandler((error, request, reply) => {
    if (!FRAMEWORK_REFUSALS.has((error as { code?: unknown } | null)?.code)) throw error
    return serve(request, reply)
  })

  fastify.all('/:operation', serve)
  fastify.all('/', serve)
  fastify.all('/*', serve)
}

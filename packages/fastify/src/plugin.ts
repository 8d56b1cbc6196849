import {
  type AnyStitchScope,
  routeScopeProblems,
  StitchAuth,
  type StitchAuthOptions,
  StitchConfigError,
  type StitchToken,
} from '@stitch-auth/core'
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify'
import fp from 'fastify-plugin'

/** `stitchAuthPlugin` with a client you made, e.g. one shared with other plugins or apps. */
export interface StitchAuthPluginClientOptions {
  /** The client from `createStitchAuth()`; the plugin does not close it. */
  client: StitchAuth<AnyStitchScope>
}

/** A shared client, or `createStitchAuth()`'s options to create one (closed with Fastify). */
export type StitchAuthPluginOptions = StitchAuthPluginClientOptions | StitchAuthOptions

/** Options of `fastify.stitchAuth()`: which token a route needs. */
export interface StitchTokenHookOptions {
  /**
   * Scopes the route needs. Order and duplicates do not matter: the same set is one token.
   * Checked when the hook is made, so a typo fails at start-up with a "did you mean".
   * @default the client's `scopes`
   * @example ['client_paymentrequest']
   */
  scopes?: readonly AnyStitchScope[]
}

/**
 * A hook that sets `request.stitchToken`, for a route's `onRequest` or `preHandler` (or
 * `addHook` in a plugin of yours, for every route it registers).
 */
export type StitchTokenHook = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => void

// Fastify's own option keys, handed to every plugin with its options.
const REGISTER_KEYS = new Set(['prefix', 'logLevel', 'logSerializers'])

const plugin: FastifyPluginAsync<StitchAuthPluginOptions> = async (fastify, options) => {
  const given = Object.fromEntries(
    Object.entries(options).filter(([key]) => !REGISTER_KEYS.has(key)),
  ) as StitchAuthPluginOptions
  const client = 'client' in given ? checkClient(given) : new StitchAuth<string>(given)
  if (!('client' in given)) fastify.addHook('onClose', () => client.close())

  // Declared once, so every request has the same shape; only routes with the hook fill it.
  fastify.decorateRequest('stitchToken', undefined)
  fastify.decorate('stitch', client)
  fastify.decorate('stitchAuth', (hookOptions: StitchTokenHookOptions = {}) =>
    stitchTokenHook(client, hookOptions),
  )
}

/**
 * The Fastify plugin of stitch-auth. It decorates the instance it is registered on (it skips
 * encapsulation, like every decorator plugin) with `fastify.stitch`, the client, and
 * `fastify.stitchAuth({ scopes })`, which makes the hook that puts a token on
 * `request.stitchToken`. No route gets a token unless it asks for one with that hook, and a
 * sibling plugin context sees none of it.
 *
 * @example
 * await app.register(stitchAuthPlugin, { client: stitch })
 * app.get('/checkout', { preHandler: app.stitchAuth() }, async (request) => {
 *   const token = getStitchToken(request) // StitchToken
 * })
 */
export const stitchAuthPlugin = fp(plugin, { fastify: '5.x', name: '@stitch-auth/fastify' })

function stitchTokenHook(client: StitchAuth<string>, options: StitchTokenHookOptions) {
  checkHookOptions(client, options)
  // Core caches by array identity, so handing it this same array keeps the warm path lookup-only.
  const { scopes } = options
  const hook: StitchTokenHook = (request, _reply, done) => {
    let cached: StitchToken | undefined
    try {
      cached = client.peekToken(scopes)
    } catch (error) {
      done(error as Error)
      return
    }
    // Warm cache: no promise, no microtask; the route runs as if the hook were not there.
    if (cached !== undefined) {
      request.stitchToken = cached
      done()
      return
    }
    client.getToken(scopes).then(
      (token) => {
        request.stitchToken = token
        done()
      },
      (error: Error) => done(error),
    )
  }
  return hook
}

/**
 * The token `fastify.stitchAuth()` put on the request, typed as present. Outside that hook it
 * throws a `StitchConfigError` that says where the hook is missing.
 *
 * @example
 * app.get('/checkout', { preHandler: app.stitchAuth() }, async (request) => {
 *   const token = getStitchToken(request) // StitchToken
 * })
 */
export function getStitchToken(request: {
  stitchToken?: StitchToken | undefined
  method?: string
  url?: string
}): StitchToken {
  const token = request.stitchToken
  if (token !== undefined) return token
  const route =
    request.method && request.url ? ` (${request.method} ${request.url.split('?')[0]})` : ''
  throw new StitchConfigError(
    [
      `no Stitch token on this request${route}: give the route the hook of fastify.stitchAuth() (onRequest or preHandler)`,
    ],
    'Cannot read request.stitchToken',
  )
}

function checkClient(options: StitchAuthPluginClientOptions): StitchAuth<string> {
  const problems: string[] = []
  const { client } = options
  if (typeof (client as Partial<StitchAuth<string>> | null)?.peekToken !== 'function') {
    problems.push('"client" must be a client from createStitchAuth()')
  }
  const others = Object.keys(options).filter((key) => key !== 'client')
  if (others.length > 0) {
    problems.push(`give "client" or client options, not both (also got: ${others.join(', ')})`)
  }
  if (problems.length > 0) {
    throw new StitchConfigError(problems, 'Invalid stitchAuthPlugin options')
  }
  return client
}

function checkHookOptions(client: StitchAuth<string>, options: StitchTokenHookOptions): void {
  const problems: string[] = []
  const { scopes, ...others } = options as StitchTokenHookOptions & Record<string, unknown>
  const unknown = Object.keys(others)
  if (unknown.length > 0) problems.push(`unknown option(s): ${unknown.join(', ')} (use "scopes")`)
  problems.push(...routeScopeProblems(scopes, client.options))
  if (problems.length > 0) {
    throw new StitchConfigError(problems, 'Invalid fastify.stitchAuth() options')
  }
}

import {
  routeScopeProblems,
  type StitchAuth,
  StitchConfigError,
  type StitchScope,
  type StitchToken,
} from '@stitch-auth/core'
import type { Context, MiddlewareHandler } from 'hono'

/** What `stitchAuth()` puts on the context: `c.get('stitchToken')`. */
export interface StitchAuthVariables {
  /** The Stitch client token for the route's scopes. */
  stitchToken: StitchToken
}

/**
 * The Hono `Env` of routes behind `stitchAuth()`. Routes chained after the middleware get it
 * by themselves; `new Hono<StitchAuthEnv>()` declares it for a whole app.
 */
export interface StitchAuthEnv {
  Variables: StitchAuthVariables
}

export interface StitchAuthMiddlewareOptions<TScope extends string = StitchScope> {
  /** The client from `createStitchAuth()`; every route given the same client shares its cache. */
  client: StitchAuth<TScope>
  /**
   * Scopes this route needs. Order and duplicates do not matter: the same set is one token.
   * @default the client's `scopes`
   * @example ['client_paymentrequest']
   */
  scopes?: readonly NoInfer<TScope>[]
}

/**
 * Middleware that sets `c.get('stitchToken')` to a client token for the route's scopes. Tokens
 * come from the client's cache (no I/O while fresh); a failure is thrown as the core
 * `StitchAuthError`, which `app.onError(stitchErrorHandler())` answers.
 *
 * @example
 * const stitch = createStitchAuth({ clientId, clientSecret, scopes: ['client_paymentrequest'] })
 * app.get('/checkout', stitchAuth({ client: stitch }), (c) => c.json(c.get('stitchToken').scopes))
 */
export function stitchAuth<TScope extends string = StitchScope>(
  options: StitchAuthMiddlewareOptions<TScope>,
): MiddlewareHandler<StitchAuthEnv> {
  checkOptions(options)
  const { client } = options
  // Core caches by array identity, so handing it this same array keeps the warm path lookup-only.
  const { scopes } = options
  return (c, next) => {
    const cached = client.peekToken(scopes)
    // Warm cache: no promise before the route runs.
    if (cached !== undefined) {
      c.set('stitchToken', cached)
      return next()
    }
    return client.getToken(scopes).then((token) => {
      c.set('stitchToken', token)
      return next()
    })
  }
}

/**
 * The token `stitchAuth()` put on the context, for apps whose `Env` does not say it is there.
 * Outside `stitchAuth()` it throws a `StitchConfigError` that says where the middleware is
 * missing.
 *
 * @example
 * app.post('/refund', async (c) => {
 *   const token = getStitchToken(c) // StitchToken
 * })
 */
export function getStitchToken(c: Context): StitchToken {
  const token: unknown = c.get('stitchToken')
  if (token !== undefined) return token as StitchToken
  throw new StitchConfigError(
    [
      `no Stitch token on this request (${c.req.method} ${c.req.path}): mount stitchAuth() on the route before this handler`,
    ],
    'Cannot read the stitchToken variable',
  )
}

const OPTION_NAMES = new Set(['client', 'scopes'])

/** Every problem with the options at once, in the words Express's `stitchAuth()` uses. */
function checkOptions(options: StitchAuthMiddlewareOptions<string>): void {
  const problems: string[] = []
  if (typeof options !== 'object' || options === null) {
    problems.push('options must be an object with a "client"')
  } else {
    const unknown = Object.keys(options).filter((key) => !OPTION_NAMES.has(key))
    if (unknown.length > 0) {
      problems.push(
        `give a "client" from createStitchAuth() and optionally "scopes", nothing else (also got: ${unknown.join(', ')})`,
      )
    }
    const client = options.client as Partial<StitchAuth<string>> | undefined
    const isClient =
      typeof client?.getToken === 'function' && typeof client.peekToken === 'function'
    if (!isClient) problems.push('"client" must be a client from createStitchAuth()')
    problems.push(...routeScopeProblems(options.scopes, isClient ? client.options : undefined))
  }
  if (problems.length > 0) throw new StitchConfigError(problems, 'Invalid stitchAuth() options')
}

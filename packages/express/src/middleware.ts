import {
  type AnyStitchScope,
  routeScopeProblems,
  StitchAuth,
  type StitchAuthOptions,
  StitchConfigError,
  type StitchScope,
  type StitchToken,
} from '@stitch-auth/core'
import { describeIssues } from '@stitch-auth/core/node'
import type { RequestHandler } from 'express'
import { z } from 'zod'

/** `stitchAuth()` with a client shared by several routes, so they share one token cache. */
export interface StitchAuthClientOptions<TScope extends string = StitchScope> {
  /** The client from `createStitchAuth()`; every route given the same client shares its cache. */
  client: StitchAuth<TScope>
  /**
   * Scopes this route needs. Order and duplicates do not matter: the same set is one token.
   * @default the client's `scopes`
   * @example ['client_paymentrequest']
   */
  scopes?: readonly NoInfer<TScope>[]
}

/** Either a shared client (and the route's scopes) or the options to create one. */
export type StitchAuthMiddlewareOptions<TScope extends string = StitchScope> =
  | StitchAuthClientOptions<TScope>
  | StitchAuthOptions<TScope>

/** The middleware, with the client it uses (e.g. to `close()` it on shutdown). */
export type StitchAuthMiddleware<TScope extends string = StitchScope> = RequestHandler & {
  readonly client: StitchAuth<TScope>
}

/**
 * Middleware that sets `req.stitchToken` to a client token for the route's scopes. Tokens
 * come from the client's cache (no I/O while fresh); a failure goes to `next(err)` as the
 * core `StitchAuthError`, whose `statusCode` and `headers` Express's error handler uses.
 *
 * @example
 * const stitch = createStitchAuth({ clientId, clientSecret, scopes: ['client_paymentrequest'] })
 * app.use('/checkout', stitchAuth({ client: stitch }))
 */
export function stitchAuth<TScope extends string = StitchScope>(
  options: StitchAuthClientOptions<TScope>,
): StitchAuthMiddleware<TScope>
export function stitchAuth(
  options: StitchAuthOptions<AnyStitchScope> & { allowUnknownScopes: true },
): StitchAuthMiddleware<AnyStitchScope>
export function stitchAuth(options: StitchAuthOptions): StitchAuthMiddleware
export function stitchAuth(
  options: StitchAuthMiddlewareOptions<string>,
): StitchAuthMiddleware<string> {
  const shared = typeof options === 'object' && options !== null && 'client' in options
  const client = shared ? options.client : new StitchAuth<string>(options)
  // Core caches by array identity, so handing it this same array keeps the warm path lookup-only.
  const scopes = shared ? options.scopes : undefined
  if (shared) checkSharedOptions(options)

  const middleware: RequestHandler = (req, _res, next) => {
    let cached: StitchToken | undefined
    try {
      cached = client.peekToken(scopes)
    } catch (error) {
      next(error)
      return
    }
    // Warm cache: no promise, no microtask; the route runs as if the middleware were not there.
    if (cached !== undefined) {
      req.stitchToken = cached
      next()
      return
    }
    client.getToken(scopes).then((token) => {
      req.stitchToken = token
      next()
    }, next)
  }
  return Object.assign(middleware, { client })
}

/**
 * The token `stitchAuth()` put on the request, typed as present. Outside `stitchAuth()` it
 * throws a `StitchConfigError` that says where the middleware is missing.
 *
 * @example
 * app.get('/checkout', stitchAuth({ client: stitch }), (req, res) => {
 *   const token = getStitchToken(req) // StitchToken
 * })
 */
export function getStitchToken(req: {
  stitchToken?: StitchToken | undefined
  method?: string
  originalUrl?: string
}): StitchToken {
  const token = req.stitchToken
  if (token !== undefined) return token
  const route =
    req.method && req.originalUrl ? ` (${req.method} ${req.originalUrl.split('?')[0]})` : ''
  throw new StitchConfigError(
    [
      `no Stitch token on this request${route}: mount stitchAuth() on the route before this handler`,
    ],
    'Cannot read req.stitchToken',
  )
}

const sharedOptionsSchema = z.strictObject(
  {
    client: z.custom<StitchAuth<string>>(
      (value) => typeof (value as Partial<StitchAuth<string>> | null)?.getToken === 'function',
      { message: 'must be a client from createStitchAuth()' },
    ),
    // Checked below, against the client, as the other frameworks' middleware check it.
    scopes: z.unknown().optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `give "client" or client options, not both (also got: ${issue.keys.join(', ')})`
        : undefined,
  },
)

/**
 * Validates only: the middleware keeps the caller's own `scopes` array (core caches by array
 * identity), not the copy zod would hand back. Every problem is listed at once.
 */
function checkSharedOptions(options: StitchAuthClientOptions<string>): void {
  const parsed = sharedOptionsSchema.safeParse(options)
  const problems = parsed.success ? [] : describeIssues(parsed.error.issues)
  const client = options.client as Partial<StitchAuth<string>> | undefined
  const isClient = typeof client?.getToken === 'function'
  problems.push(...routeScopeProblems(options.scopes, isClient ? client.options : undefined))
  if (problems.length > 0) throw new StitchConfigError(problems, 'Invalid stitchAuth() options')
}

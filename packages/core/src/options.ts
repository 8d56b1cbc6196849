import { z } from 'zod'
import type { TokenCache } from './cache.js'
import { checkPrivateKey, type PrivateKeyInput } from './client-auth.js'
import { StitchConfigError } from './errors.js'
import type { StitchAuthEvent } from './events.js'
import { Secret } from './redact.js'
import {
  findScopeProblems,
  type NormalizedScopes,
  normalizeScopes,
  type StitchScope,
} from './scopes.js'
import { describeIssues } from './validation.js'

export const DEFAULT_TOKEN_URL = 'https://secure.stitch.money/connect/token'
export const DEFAULT_API_URL = 'https://api.stitch.money/graphql'

/** How token requests are retried. Every field is optional. */
export interface StitchRetryOptions {
  /**
   * Attempts per token request, the first included.
   * @default 4
   */
  maxAttempts?: number
  /**
   * Base of the full-jitter exponential backoff: attempt n waits a random time in
   * [0, min(maxDelayMs, baseDelayMs × 2^(n-1))].
   * @default 250
   */
  baseDelayMs?: number
  /**
   * Longest backoff between two attempts.
   * @default 5000
   */
  maxDelayMs?: number
  /**
   * The longest `Retry-After` we wait out. A server asking for more gets no retry: the
   * error carries `retryAfterMs` so the caller can decide.
   * @default 30000
   */
  maxRetryAfterMs?: number
}

/** Options of `createStitchAuth`. */
export interface StitchAuthOptions<TScope extends string = StitchScope> {
  /** Your Stitch client id. */
  clientId: string
  /**
   * The client secret, for secret-based clients. Give this or `privateKey`, not both.
   */
  clientSecret?: string
  /**
   * The private key of a certificate-based client (`private_key_jwt`): a PEM holding a
   * PKCS#8 `PRIVATE KEY` block (the certificate may sit beside it), an RSA private JWK, or a
   * `CryptoKey`. Give this or `clientSecret`, not both.
   */
  privateKey?: PrivateKeyInput
  /** Optional `kid` header of the client assertion. */
  keyId?: string
  /**
   * The scopes this client uses: `getToken()` asks for them when called without any, and
   * `run()` accepts only operations whose scopes are among them (checked by the compiler when
   * the list is written out). Without it, `run()` accepts any operation.
   * @example ['client_paymentrequest']
   */
  scopes?: readonly TScope[]
  /**
   * Accept scopes that are not (yet) in the documented list, for scopes Stitch adds later.
   * @default false
   */
  allowUnknownScopes?: boolean
  /**
   * The token endpoint. Point it at the simulator in tests.
   * @default 'https://secure.stitch.money/connect/token'
   */
  tokenUrl?: string
  /**
   * The `audience` parameter (and the assertion's `aud`). Stitch wants the token endpoint URL.
   * @default tokenUrl
   */
  audience?: string
  /**
   * Stitch's GraphQL endpoint, used by `graphql()`.
   * @default 'https://api.stitch.money/graphql'
   */
  apiUrl?: string
  /**
   * The `fetch` used for every request: inject one for proxies, undici agents or tests.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch
  /**
   * Where tokens are shared. Pass one `MemoryTokenCache` to several clients, or a Redis
   * cache for a fleet. Each client always keeps the tokens it uses in its own memory.
   * @default none
   */
  cache?: TokenCache
  /**
   * The clock, in epoch milliseconds. Read at every call, so fake timers work.
   * @default Date.now
   */
  now?: () => number
  /**
   * A token counts as expired this long before its real expiry, so a request never leaves
   * with a token that dies on the way. Clamped to a tenth of the token's lifetime.
   * @default 30000
   */
  expirySkewMs?: number
  /**
   * How long before expiry a background refresh may start while the current token is
   * still served. Clamped to a quarter of the token's lifetime.
   * @default 300000
   */
  refreshWindowMs?: number
  /**
   * Share of the refresh window randomised per token, so a fleet does not refresh at once.
   * @default 0.5
   */
  refreshJitter?: number
  /**
   * Timeout of one token request attempt.
   * @default 10000
   */
  attemptTimeoutMs?: number
  /**
   * Time limit of one `getToken()` call including retries and waits.
   * @default 30000
   */
  deadlineMs?: number
  /** Retry policy of token requests. */
  retry?: StitchRetryOptions
  /**
   * How long the shared cache's lease lasts unless renewed. With a cache that has leases, one
   * client of the fleet requests the token while the others wait for it; that client renews its
   * lease while it retries, so the others wait as long as it may still succeed (up to their
   * `deadlineMs`). If it stops renewing (it crashed), they take over after this long. `0` takes
   * no lease: every client requests its own token.
   * @default 5000
   * @example 2000 // take over sooner from a crashed instance
   */
  leaseWaitMs?: number
  /** Listener for events (the same as calling `subscribe`). */
  onEvent?: (event: StitchAuthEvent) => void
}

/**
 * The options a client runs with, after validation and defaults (`stitch.options`): frozen, and
 * nothing in it is secret or live. The credentials, `fetch`, `cache`, `now` and `onEvent` stay
 * inside the client.
 */
export interface ResolvedStitchAuthOptions {
  readonly clientId: string
  /** How the client proves who it is: its secret in the request body, or a signed assertion. */
  readonly authentication: 'client_secret_post' | 'private_key_jwt'
  /** `scopes`, deduplicated and sorted; `undefined` when none were given. */
  readonly defaultScopes: NormalizedScopes | undefined
  readonly allowUnknownScopes: boolean
  readonly tokenUrl: string
  readonly audience: string
  readonly apiUrl: string
  readonly expirySkewMs: number
  readonly refreshWindowMs: number
  readonly refreshJitter: number
  readonly attemptTimeoutMs: number
  readonly deadlineMs: number
  readonly retry: Readonly<Required<StitchRetryOptions>>
  readonly leaseWaitMs: number
}

/**
 * Everything the client itself works with: the public options plus the credentials (wrapped in
 * `Secret`) and the injected functions. Only core's own modules see this type; the package
 * does not export it.
 */
export interface InternalStitchAuthOptions extends ResolvedStitchAuthOptions {
  readonly credentials:
    | { readonly kind: 'clientSecret'; readonly secret: Secret }
    | {
        readonly kind: 'privateKey'
        readonly key: Secret<PrivateKeyInput>
        readonly keyId?: string
      }
  readonly fetch: typeof globalThis.fetch
  readonly cache: TokenCache | undefined
  readonly now: () => number
  readonly onEvent: ((event: StitchAuthEvent) => void) | undefined
}

const duration = (fallback: number) => z.number().int().nonnegative().default(fallback)
const positiveDuration = (fallback: number) => z.number().int().positive().default(fallback)

const httpUrl = z.string().superRefine((value, context) => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    context.addIssue({ code: 'custom', message: 'must be an absolute URL' })
    return
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    context.addIssue({
      code: 'custom',
      message: 'must use https (plain http is accepted only for localhost and 127.0.0.1)',
    })
  }
})

const optionsSchema = z.strictObject({
  clientId: z
    .string({ error: 'is required: your Stitch client id' })
    .trim()
    .min(1, 'must not be empty'),
  clientSecret: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
  privateKey: z.unknown().optional(),
  keyId: z.string().min(1).optional(),
  scopes: z.array(z.unknown()).optional(),
  allowUnknownScopes: z.boolean().default(false),
  tokenUrl: httpUrl.default(DEFAULT_TOKEN_URL),
  audience: z.string().min(1).optional(),
  apiUrl: httpUrl.default(DEFAULT_API_URL),
  fetch: z
    .custom<typeof globalThis.fetch>((value) => typeof value === 'function', {
      message: 'must be a fetch function',
    })
    .optional(),
  cache: z
    .custom<TokenCache>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        ['get', 'set', 'delete'].every(
          (method) => typeof (value as Record<string, unknown>)[method] === 'function',
        ),
      { message: 'must implement get, set and delete' },
    )
    .optional(),
  now: z
    .custom<() => number>((value) => typeof value === 'function', { message: 'must be a function' })
    .optional(),
  expirySkewMs: duration(30_000),
  refreshWindowMs: duration(300_000),
  refreshJitter: z.number().min(0).max(1).default(0.5),
  attemptTimeoutMs: positiveDuration(10_000),
  deadlineMs: positiveDuration(30_000),
  retry: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(20).default(4),
      baseDelayMs: duration(250),
      maxDelayMs: duration(5_000),
      maxRetryAfterMs: duration(30_000),
    })
    .prefault({}),
  leaseWaitMs: duration(5_000),
  onEvent: z
    .custom<(event: StitchAuthEvent) => void>((value) => typeof value === 'function', {
      message: 'must be a function',
    })
    .optional(),
})

/** Validates options once and returns their frozen, resolved form. */
export function resolveOptions(input: unknown): InternalStitchAuthOptions {
  if (typeof input !== 'object' || input === null) {
    throw new StitchConfigError(['options must be an object with at least clientId'])
  }
  const parsed = optionsSchema.safeParse(input)
  const problems = parsed.success ? [] : describeIssues(parsed.error.issues)
  const raw = input as Record<string, unknown>

  if (raw.clientSecret === undefined && raw.privateKey === undefined) {
    problems.push('give either "clientSecret" or "privateKey" (a certificate-based client)')
  }
  if (raw.clientSecret !== undefined && raw.privateKey !== undefined) {
    problems.push('give "clientSecret" or "privateKey", not both')
  }
  if (raw.privateKey !== undefined) {
    problems.push(...checkPrivateKey(raw.privateKey).map((problem) => `"privateKey" ${problem}`))
  }
  const allowUnknownScopes = raw.allowUnknownScopes === true
  if (Array.isArray(raw.scopes)) {
    problems.push(
      ...findScopeProblems(raw.scopes, allowUnknownScopes).map((problem) => `"scopes": ${problem}`),
    )
  }
  if (!parsed.success || problems.length > 0) throw new StitchConfigError(problems)

  const options = parsed.data
  const credentials =
    options.clientSecret !== undefined
      ? ({ kind: 'clientSecret', secret: new Secret(options.clientSecret) } as const)
      : ({
          kind: 'privateKey',
          key: new Secret(options.privateKey as PrivateKeyInput),
          ...(options.keyId ? { keyId: options.keyId } : {}),
        } as const)

  return Object.freeze({
    clientId: options.clientId,
    authentication: credentials.kind === 'clientSecret' ? 'client_secret_post' : 'private_key_jwt',
    credentials: Object.freeze(credentials),
    defaultScopes: options.scopes ? normalizeScopes(options.scopes as string[]) : undefined,
    allowUnknownScopes,
    tokenUrl: options.tokenUrl,
    audience: options.audience ?? options.tokenUrl,
    apiUrl: options.apiUrl,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    cache: options.cache,
    now: options.now ?? (() => Date.now()),
    expirySkewMs: options.expirySkewMs,
    refreshWindowMs: options.refreshWindowMs,
    refreshJitter: options.refreshJitter,
    attemptTimeoutMs: options.attemptTimeoutMs,
    deadlineMs: options.deadlineMs,
    retry: Object.freeze(options.retry),
    leaseWaitMs: options.leaseWaitMs,
    onEvent: options.onEvent,
  })
}

/**
 * The public view of resolved options. Fields are picked one by one, so an option added to the
 * internal form stays internal until it is added here.
 */
export function publicOptions(options: InternalStitchAuthOptions): ResolvedStitchAuthOptions {
  return Object.freeze({
    clientId: options.clientId,
    authentication: options.authentication,
    defaultScopes: options.defaultScopes,
    allowUnknownScopes: options.allowUnknownScopes,
    tokenUrl: options.tokenUrl,
    audience: options.audience,
    apiUrl: options.apiUrl,
    expirySkewMs: options.expirySkewMs,
    refreshWindowMs: options.refreshWindowMs,
    refreshJitter: options.refreshJitter,
    attemptTimeoutMs: options.attemptTimeoutMs,
    deadlineMs: options.deadlineMs,
    retry: options.retry,
    leaseWaitMs: options.leaseWaitMs,
  })
}

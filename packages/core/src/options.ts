import type { TokenCache } from './cache.js'
import { isObject, numberProblems, unknownKeysProblem, wrongType } from './checks.js'
import { type CredentialSource, checkPrivateKey, type PrivateKeyInput } from './client-auth.js'
import { StitchConfigError } from './errors.js'
import type { StitchAuthEvent } from './events.js'
import { Secret } from './redact.js'
import {
  findScopeProblems,
  type NormalizedScopes,
  normalizeScopes,
  type StitchScope,
} from './scopes.js'
import type { StitchTelemetry } from './telemetry.js'

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
   *
   * A function (sync or async) is called for every token request, so a secret rotated in your
   * secrets manager is used from the next request on, without a restart. When Stitch answers
   * `invalid_client`, the function is called once more and the request retried once if the
   * secret changed (a `credentialsRotated` event tells you).
   * @example clientSecret: () => secrets.get('stitch-client-secret')
   */
  clientSecret?: CredentialSource<string>
  /**
   * The private key of a certificate-based client (`private_key_jwt`): a PEM holding a
   * PKCS#8 `PRIVATE KEY` block (the certificate may sit beside it), an RSA private JWK, or a
   * `CryptoKey`. Give this or `clientSecret`, not both. Like `clientSecret`, it may be a
   * function that returns the current key, called for every token request.
   */
  privateKey?: CredentialSource<PrivateKeyInput>
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
  /**
   * Traces and metrics of token requests, caches and API calls. Nothing of a tracing library
   * is loaded without it.
   * @default none
   * @example
   * import { openTelemetry } from '@stitch-auth/core/opentelemetry'
   * createStitchAuth({ clientId, clientSecret, telemetry: openTelemetry() })
   */
  telemetry?: StitchTelemetry
}

/**
 * The options a client runs with, after validation and defaults (`stitch.options`): frozen, and
 * nothing in it is secret or live. The credentials, `fetch`, `cache`, `now`, `onEvent` and
 * `telemetry` stay inside the client.
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
    | { readonly kind: 'clientSecret'; readonly secret: Secret<CredentialSource<string>> }
    | {
        readonly kind: 'privateKey'
        readonly key: Secret<CredentialSource<PrivateKeyInput>>
        readonly keyId?: string
      }
  readonly fetch: typeof globalThis.fetch
  readonly cache: TokenCache | undefined
  readonly now: () => number
  readonly onEvent: ((event: StitchAuthEvent) => void) | undefined
  readonly telemetry: StitchTelemetry | undefined
}

type Check = (value: unknown) => string[]

/** A check that lets `undefined` through: the option's default applies. */
const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined ? [] : check(value)

const nonEmptyString: Check = (value) =>
  typeof value !== 'string'
    ? [wrongType('string', value)]
    : value === ''
      ? ['Too small: expected string to have >=1 characters']
      : []

const httpUrl: Check = (value) => {
  if (typeof value !== 'string') return [wrongType('string', value)]
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return ['must be an absolute URL']
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    return ['must use https (plain http is accepted only for localhost and 127.0.0.1)']
  }
  return []
}

const aFunction =
  (message: string): Check =>
  (value) =>
    typeof value === 'function' ? [] : [message]

const duration: Check = (value) => numberProblems(value, { int: true, min: 0 })
const positiveDuration: Check = (value) => numberProblems(value, { int: true, above: 0 })

const retryChecks: Record<keyof StitchRetryOptions, Check> = {
  maxAttempts: optional((value) => numberProblems(value, { int: true, min: 1, max: 20 })),
  baseDelayMs: optional(duration),
  maxDelayMs: optional(duration),
  maxRetryAfterMs: optional(duration),
}
const RETRY_KEYS = Object.keys(retryChecks)

/** The retry option's problems, each with its path below `retry` ('' for `retry` itself). */
function retryProblems(value: unknown): [path: string, message: string][] {
  if (!isObject(value)) return [['', wrongType('object', value)]]
  const problems: [string, string][] = []
  for (const [key, check] of Object.entries(retryChecks)) {
    for (const message of check(value[key])) problems.push([`.${key}`, message])
  }
  const unknown = unknownKeysProblem(value, RETRY_KEYS)
  if (unknown) problems.push(['', unknown])
  return problems
}

// Every option, in the order its problems are listed. Typed by the options interface, so an
// option cannot be added there without a check here.
const optionChecks: Record<keyof StitchAuthOptions, Check> = {
  clientId: (value) =>
    typeof value !== 'string'
      ? ['is required: your Stitch client id']
      : value.trim() === ''
        ? ['must not be empty']
        : [],
  clientSecret: optional((value) =>
    typeof value === 'function'
      ? []
      : typeof value !== 'string'
        ? ['must be a string, or a function that returns the current secret']
        : value === ''
          ? ['must not be empty']
          : [],
  ),
  // Checked below, with advice on converting a key.
  privateKey: () => [],
  keyId: optional(nonEmptyString),
  scopes: optional((value) => (Array.isArray(value) ? [] : [wrongType('array', value)])),
  allowUnknownScopes: optional((value) =>
    typeof value === 'boolean' ? [] : [wrongType('boolean', value)],
  ),
  tokenUrl: optional(httpUrl),
  audience: optional(nonEmptyString),
  apiUrl: optional(httpUrl),
  fetch: optional(aFunction('must be a fetch function')),
  cache: optional((value) =>
    typeof value === 'object' &&
    value !== null &&
    ['get', 'set', 'delete'].every(
      (method) => typeof (value as Record<string, unknown>)[method] === 'function',
    )
      ? []
      : ['must implement get, set and delete'],
  ),
  now: optional(aFunction('must be a function')),
  expirySkewMs: optional(duration),
  refreshWindowMs: optional(duration),
  refreshJitter: optional((value) => numberProblems(value, { min: 0, max: 1 })),
  attemptTimeoutMs: optional(positiveDuration),
  deadlineMs: optional(positiveDuration),
  // Checked by retryProblems, whose problems have paths of their own.
  retry: () => [],
  leaseWaitMs: optional(duration),
  onEvent: optional(aFunction('must be a function')),
  telemetry: optional((value) =>
    isObject(value) && typeof value.attach === 'function'
      ? []
      : [
          'must come from openTelemetry() in "@stitch-auth/core/opentelemetry" (an object with attach())',
        ],
  ),
}
const OPTION_KEYS = Object.keys(optionChecks)

/**
 * Every problem of the options, as `describeIssues` words zod's: problems of the options as a
 * whole (an unknown option) first, because a misspelt option often explains the rest, then each
 * option's in the order above. Never quotes a value.
 */
function optionProblems(input: object): string[] {
  if (!isObject(input)) return [wrongType('object', input)]
  const whole = unknownKeysProblem(input, OPTION_KEYS)
  const problems = whole ? [whole] : []
  for (const [key, check] of Object.entries(optionChecks)) {
    if (key === 'retry') {
      if (input.retry === undefined) continue
      for (const [path, message] of retryProblems(input.retry)) {
        problems.push(`"retry${path}" ${message}`)
      }
    } else {
      for (const message of check(input[key])) problems.push(`"${key}" ${message}`)
    }
  }
  return problems
}

/** Validates options once and returns their frozen, resolved form. */
export function resolveOptions(input: unknown): InternalStitchAuthOptions {
  if (typeof input !== 'object' || input === null) {
    throw new StitchConfigError(['options must be an object with at least clientId'])
  }
  const problems = optionProblems(input)
  const raw = input as Record<string, unknown>

  if (raw.clientSecret === undefined && raw.privateKey === undefined) {
    problems.push('give either "clientSecret" or "privateKey" (a certificate-based client)')
  }
  if (raw.clientSecret !== undefined && raw.privateKey !== undefined) {
    problems.push('give "clientSecret" or "privateKey", not both')
  }
  // A key function's answer is checked when it is read, before each token request.
  if (raw.privateKey !== undefined && typeof raw.privateKey !== 'function') {
    problems.push(...checkPrivateKey(raw.privateKey).map((problem) => `"privateKey" ${problem}`))
  }
  const allowUnknownScopes = raw.allowUnknownScopes === true
  if (Array.isArray(raw.scopes)) {
    problems.push(
      ...findScopeProblems(raw.scopes, allowUnknownScopes).map((problem) => `"scopes": ${problem}`),
    )
  }
  if (problems.length > 0) throw new StitchConfigError(problems)

  // Checked above: every value is of its option's type, or undefined for its default.
  const options = input as StitchAuthOptions<string>
  const retry = options.retry ?? {}
  const credentials =
    options.clientSecret !== undefined
      ? ({ kind: 'clientSecret', secret: new Secret(options.clientSecret) } as const)
      : ({
          kind: 'privateKey',
          key: new Secret(options.privateKey as CredentialSource<PrivateKeyInput>),
          ...(options.keyId ? { keyId: options.keyId } : {}),
        } as const)
  const tokenUrl = options.tokenUrl ?? DEFAULT_TOKEN_URL

  return Object.freeze({
    clientId: options.clientId.trim(),
    authentication: credentials.kind === 'clientSecret' ? 'client_secret_post' : 'private_key_jwt',
    credentials: Object.freeze(credentials),
    defaultScopes: options.scopes ? normalizeScopes(options.scopes) : undefined,
    allowUnknownScopes,
    tokenUrl,
    audience: options.audience ?? tokenUrl,
    apiUrl: options.apiUrl ?? DEFAULT_API_URL,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    cache: options.cache,
    now: options.now ?? (() => Date.now()),
    expirySkewMs: options.expirySkewMs ?? 30_000,
    refreshWindowMs: options.refreshWindowMs ?? 300_000,
    refreshJitter: options.refreshJitter ?? 0.5,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 10_000,
    deadlineMs: options.deadlineMs ?? 30_000,
    retry: Object.freeze({
      maxAttempts: retry.maxAttempts ?? 4,
      baseDelayMs: retry.baseDelayMs ?? 250,
      maxDelayMs: retry.maxDelayMs ?? 5_000,
      maxRetryAfterMs: retry.maxRetryAfterMs ?? 30_000,
    }),
    leaseWaitMs: options.leaseWaitMs ?? 5_000,
    onEvent: options.onEvent,
    telemetry: options.telemetry,
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

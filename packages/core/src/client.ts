import type { z } from 'zod'
import { graphQLError, postGraphQL } from './api.js'
import {
  checkOperationScopes,
  prepareOperation,
  type RunArguments,
  readOperationResult,
  type StitchApiOperation,
} from './api-operation.js'
import { EventHub, type StitchAuthListener } from './events.js'
import {
  type InternalStitchAuthOptions,
  publicOptions,
  type ResolvedStitchAuthOptions,
  resolveOptions,
  type StitchAuthOptions,
} from './options.js'
import { inspectSymbol } from './redact.js'
import type { AnyStitchScope, StitchScope } from './scopes.js'
import {
  describeOperation,
  type StitchApiCallTrace,
  type StitchTelemetryHooks,
  traced,
} from './telemetry.js'
import type { StitchToken } from './token.js'
import { TokenManager } from './token-manager.js'

/** Options of one `getToken` call. */
export interface GetTokenOptions {
  /** Stops waiting (the shared request goes on for other callers). */
  signal?: AbortSignal
}

/** Options of one `graphql` call. */
export interface GraphQLCallOptions<TScope extends string = StitchScope> {
  /** Scopes the call needs; defaults to the client's `scopes`. */
  scopes?: readonly TScope[]
  operationName?: string
  signal?: AbortSignal
  /**
   * Timeout of the API request.
   * @default 30000
   */
  timeoutMs?: number
}

/**
 * A Stitch client: gets, caches and refreshes client tokens, and makes authenticated API
 * calls. Create one per client id and share it; it is cheap to call and safe to log.
 *
 * `TScope` is what `getToken()` accepts; `TGranted` the scopes the client was configured with
 * (its `scopes` option, when written out), which bounds the operations `run()` accepts.
 */
export class StitchAuth<TScope extends string = StitchScope, TGranted extends string = TScope> {
  readonly #options: InternalStitchAuthOptions
  readonly #publicOptions: ResolvedStitchAuthOptions
  readonly #events = new EventHub()
  readonly #tokens: TokenManager
  readonly #telemetry: StitchTelemetryHooks | undefined

  constructor(options: StitchAuthOptions<TScope>) {
    this.#options = resolveOptions(options)
    this.#publicOptions = publicOptions(this.#options)
    if (this.#options.onEvent) this.#events.subscribe(this.#options.onEvent)
    this.#telemetry = this.#options.telemetry?.attach({
      clientId: this.#options.clientId,
      tokenUrl: this.#options.tokenUrl,
      apiUrl: this.#options.apiUrl,
      sharedCache: this.#options.cache !== undefined,
      tokens: () => this.#tokens.liveTokens(),
    })
    this.#tokens = new TokenManager(this.#options, this.#events, this.#telemetry)
  }

  /** The client id (not secret). */
  get clientId(): string {
    return this.#options.clientId
  }

  /**
   * The options in force after validation and defaults (`tokenUrl`, `apiUrl`, `defaultScopes`,
   * timeouts…), frozen. Never the credentials, `fetch`, `cache`, `now` or `onEvent`.
   */
  get options(): ResolvedStitchAuthOptions {
    return this.#publicOptions
  }

  /**
   * A token for `scopes` (default: the client's `scopes`). Served from memory while fresh;
   * refreshed in the background before expiry; requested once for all concurrent callers.
   */
  getToken(scopes?: readonly TScope[], options?: GetTokenOptions): Promise<StitchToken> {
    return this.#tokens.getToken(scopes, options?.signal)
  }

  /**
   * The cached token for `scopes` when it can be served now, synchronously; `undefined` when
   * a token request is needed. For hot paths (middleware) that want to skip a promise on a
   * warm cache. Inside the refresh window it starts the background refresh, like `getToken`.
   */
  peekToken(scopes?: readonly TScope[]): StitchToken | undefined {
    return this.#tokens.peek(scopes)
  }

  /**
   * Calls Stitch's GraphQL API with a token for `options.scopes` and returns `data`.
   * When the API says the token is no longer valid, the token is dropped (if still cached)
   * and the call is made once more with a new one.
   */
  async graphql<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options: GraphQLCallOptions<TScope> = {},
  ): Promise<TData> {
    return (await this.#call(query, variables, options, undefined)) as TData
  }

  /**
   * Runs an API operation (from `@stitch-auth/core/operations`, or your own
   * `defineApiOperation`) and returns its typed result. The token is for exactly the
   * operation's scopes. The variables are checked first: invalid ones throw a
   * `StitchInputError` naming each field, and nothing is sent. A generated `nonce` is the same
   * if the call is made again after a re-authentication, so a mutation never runs twice.
   *
   * An operation outside the client's `scopes` does not compile when those scopes are written
   * out, and throws a `StitchConfigError` otherwise.
   *
   * @example
   * import { verifyBankAccount } from '@stitch-auth/core/operations'
   * const result = await stitch.run(verifyBankAccount, {
   *   input: { accountNumber: '62000000000', bankId: 'fnb', accountHolder: { … } },
   * })
   */
  async run<TVariables extends z.ZodType, TResult>(
    operation: StitchApiOperation<TVariables, TResult, TGranted>,
    ...[variables, options = {}]: RunArguments<TVariables>
  ): Promise<TResult> {
    checkOperationScopes(operation, this.#options.defaultScopes?.scopes)
    const prepared = await prepareOperation(operation, variables)
    const data = await this.#call(
      operation.document,
      prepared.variables,
      {
        scopes: operation.scopes as readonly string[] as readonly TScope[],
        operationName: operation.name,
        ...options,
      },
      prepared.files,
    )
    return readOperationResult(operation, data, prepared.variables)
  }

  async #call(
    query: string,
    variables: Record<string, unknown> | undefined,
    options: GraphQLCallOptions<TScope>,
    files: ReadonlyMap<string, Blob> | undefined,
  ): Promise<unknown> {
    const trace = this.#telemetry?.apiCall?.({
      scopes: options.scopes ?? this.#options.defaultScopes?.scopes,
      ...describeOperation(query, options.operationName),
    })
    return traced(trace, () => this.#send(query, variables, options, files, trace))
  }

  async #send(
    query: string,
    variables: Record<string, unknown> | undefined,
    options: GraphQLCallOptions<TScope>,
    files: ReadonlyMap<string, Blob> | undefined,
    trace: StitchApiCallTrace | undefined,
  ): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.#tokens.getToken(options.scopes, options.signal, trace?.context)
      const exchange = await postGraphQL({
        url: this.#options.apiUrl,
        fetch: this.#options.fetch,
        authorization: token.authorizationHeader,
        query,
        variables,
        operationName: options.operationName,
        timeoutMs: options.timeoutMs ?? 30_000,
        signal: options.signal,
        sensitive: [token.accessToken],
        files,
        headers: trace?.headers?.(),
      })
      trace?.answered?.(exchange.status)
      if (exchange.unauthenticated && attempt === 1) {
        trace?.reauthenticating?.()
        await this.#tokens.invalidate(token, 'unauthenticated')
        continue
      }
      if (exchange.errors.length > 0 || exchange.unauthenticated || exchange.status >= 400) {
        throw graphQLError(exchange)
      }
      return exchange.data
    }
  }

  /**
   * Drops `token` if it is still the cached one for its scopes, or every token when called
   * without one. The next `getToken` mints anew.
   */
  invalidate(token?: StitchToken): Promise<void> {
    return this.#tokens.invalidate(token)
  }

  /** Listens to events; returns the function that stops listening. */
  subscribe(listener: StitchAuthListener): () => void {
    return this.#events.subscribe(listener)
  }

  /**
   * Stops the client: in-flight requests and retries are cancelled, listeners removed, and
   * later calls fail with `STITCH_AUTH_CLIENT_CLOSED`. Nothing keeps the process alive after.
   */
  async close(): Promise<void> {
    if (!this.#tokens.closed) this.#telemetry?.close?.()
    this.#tokens.close()
    this.#events.clear()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  toJSON(): Record<string, unknown> {
    const { clientId, tokenUrl, audience, apiUrl, authentication, defaultScopes } = this.#options
    return {
      clientId,
      tokenUrl,
      audience,
      apiUrl,
      authentication,
      scopes: defaultScopes?.scopes ?? [],
    }
  }

  toString(): string {
    return `StitchAuth(${this.#options.clientId})`
  }

  [inspectSymbol](): string {
    return `StitchAuth ${JSON.stringify(this.toJSON(), null, 2)}`
  }
}

/**
 * Creates a Stitch client. Options are validated here; every problem is listed in one
 * `StitchConfigError`.
 *
 * @example
 * const stitch = createStitchAuth({
 *   clientId: process.env.STITCH_CLIENT_ID!,
 *   clientSecret: process.env.STITCH_CLIENT_SECRET!,
 *   scopes: ['client_paymentrequest'],
 * })
 * const token = await stitch.getToken()
 */
export function createStitchAuth<const TGranted extends AnyStitchScope = AnyStitchScope>(
  options: StitchAuthOptions<AnyStitchScope> & {
    allowUnknownScopes: true
    scopes?: readonly TGranted[]
  },
): StitchAuth<AnyStitchScope, TGranted>
export function createStitchAuth<const TGranted extends StitchScope = StitchScope>(
  options: StitchAuthOptions & { scopes?: readonly TGranted[] },
): StitchAuth<StitchScope, TGranted>
export function createStitchAuth(options: StitchAuthOptions<string>): StitchAuth<string> {
  return new StitchAuth(options)
}

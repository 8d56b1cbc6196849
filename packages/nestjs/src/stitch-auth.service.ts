import type { OnApplicationShutdown } from '@nestjs/common'
import type {
  GetTokenOptions,
  GraphQLCallOptions,
  RunArguments,
  StitchApiOperation,
  StitchAuth,
  StitchAuthListener,
  StitchScope,
  StitchToken,
} from '@stitch-auth/core'
import type { z } from 'zod'

/**
 * The module's Stitch client, injectable anywhere the module is visible:
 * `constructor(private readonly stitch: StitchAuthService) {}`. The class is its own injection
 * token. Every method is core's; `client` is the core `StitchAuth` itself, to hand to other
 * adapters (e.g. `@stitch-auth/express`) so they share one token cache.
 *
 * Nest's injection cannot carry the module's `scopes` into the type, so `run()` checks them at
 * run time. Name them as the type parameter to have the compiler check them too:
 * `private readonly stitch: StitchAuthService<'client_paymentrequest' | 'client_refund'>`.
 */
export class StitchAuthService<TGranted extends StitchScope = StitchScope>
  implements OnApplicationShutdown
{
  constructor(
    /** The underlying core client. Share it; don't close it yourself. */
    readonly client: StitchAuth,
  ) {}

  /** A token for `scopes` (default: the module's `scopes`), cached and refreshed by core. */
  getToken(scopes?: readonly StitchScope[], options?: GetTokenOptions): Promise<StitchToken> {
    return this.client.getToken(scopes, options)
  }

  /** Calls Stitch's GraphQL API with a token for `options.scopes` and returns `data`. */
  graphql<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: GraphQLCallOptions,
  ): Promise<TData> {
    return this.client.graphql<TData>(query, variables, options)
  }

  /**
   * Runs an API operation from the catalog (`@stitch-auth/nestjs/operations`) or your own
   * `defineApiOperation`, with a token for exactly its scopes, and returns its typed result.
   * Invalid variables throw `StitchInputError` (400 through `StitchAuthExceptionFilter`)
   * before anything is sent. An operation outside the module's `scopes` throws
   * `StitchConfigError`, and does not compile when the service's type parameter names them.
   *
   * @example
   * const result = await this.stitch.run(verifyBankAccount, { input })
   */
  run<TVariables extends z.ZodType, TResult>(
    operation: StitchApiOperation<TVariables, TResult, TGranted>,
    ...args: RunArguments<TVariables>
  ): Promise<TResult> {
    return this.client.run(operation, ...args)
  }

  /** Drops `token` if still cached, or every token without one. */
  invalidate(token?: StitchToken): Promise<void> {
    return this.client.invalidate(token)
  }

  /** Listens to core's events (token minted, cache hit, refresh failed, …); returns `off`. */
  subscribe(listener: StitchAuthListener): () => void {
    return this.client.subscribe(listener)
  }

  /**
   * Nest calls this on `app.close()` (and on signals after `app.enableShutdownHooks()`), after
   * the HTTP server has stopped: the client cancels what is in flight and holds no handle.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.client.close()
  }
}

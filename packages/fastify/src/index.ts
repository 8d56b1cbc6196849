import type { AnyStitchScope, StitchAuth, StitchToken } from '@stitch-auth/core'
import type { StitchTokenHook, StitchTokenHookOptions } from './plugin.js'

// Fastify's own way to type decorators: merged into its interfaces wherever this package is
// imported. Set only where `stitchAuthPlugin` is registered (and, for the token, behind its hook).
declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The Stitch client token for the route's scopes, set by the hook of
     * `fastify.stitchAuth()`; `undefined` on routes without it. `getStitchToken(request)` reads
     * it as a `StitchToken` or throws.
     */
    stitchToken?: StitchToken
  }
  interface FastifyInstance {
    /** The Stitch client of `stitchAuthPlugin`, for your own calls: `fastify.stitch.run(…)`. */
    stitch: StitchAuth<AnyStitchScope>
    /**
     * A hook that puts a token for `scopes` on `request.stitchToken`, for a route's
     * `preHandler` (or `onRequest`). Only routes given it get a token.
     * @example app.get('/pay', { preHandler: app.stitchAuth({ scopes: ['client_paymentrequest'] }) }, handler)
     */
    stitchAuth(options?: StitchTokenHookOptions): StitchTokenHook
  }
}

// What a Fastify app needs from core, so one import suffices.
export {
  type AnyStitchScope,
  type ApiOperationResult,
  type ApiOperationVariables,
  createStitchAuth,
  defineApiOperation,
  defineOperation,
  defineOperations,
  type ExposeOperationOptions,
  exposeOperation,
  HTTP_ERROR_CODES,
  type HttpErrorBody,
  type HttpErrorCode,
  isStitchAuthError,
  type OperationInput,
  type OperationOutput,
  PROXY_CSRF_HEADER,
  type ProxyCallContext,
  STITCH_AUTH_ERROR_CODES,
  StitchApiError,
  type StitchApiOperation,
  StitchApiUnavailableError,
  StitchAuth,
  StitchAuthError,
  type StitchAuthErrorCode,
  type StitchAuthOptions,
  StitchConfigError,
  StitchEndpointUnavailableError,
  StitchInputError,
  type StitchOperation,
  type StitchOperations,
  StitchResponseError,
  type StitchScope,
  StitchToken,
  StitchTokenRequestError,
} from '@stitch-auth/core'
export {
  createPaymentRequestOperation,
  type PaymentBeneficiary,
  type PaymentRequestOperationOptions,
  paymentRequestStatusOperation,
} from '@stitch-auth/core/proxy'
export {
  type StitchErrorHandler,
  type StitchErrorHandlerOptions,
  stitchErrorHandler,
} from './error-handler.js'
export {
  getStitchToken,
  type StitchAuthPluginClientOptions,
  type StitchAuthPluginOptions,
  type StitchTokenHook,
  type StitchTokenHookOptions,
  stitchAuthPlugin,
} from './plugin.js'
export {
  type FastifyProxyCall,
  type FastifyProxyContext,
  type FastifyStitchOperations,
  type StitchProxyPluginOptions,
  stitchProxy,
} from './proxy.js'

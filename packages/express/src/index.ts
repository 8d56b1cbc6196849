import type { StitchToken } from '@stitch-auth/core'

declare global {
  namespace Express {
    // Express's own open interface, merged into `express-serve-static-core`'s `Request` (Express 4
    // and 5 types alike). Merging here needs no import of `express-serve-static-core`, which
    // strict installs (pnpm) do not let this package resolve.
    interface Request {
      /**
       * The Stitch client token for the route's scopes, set by `stitchAuth()`; `undefined` on
       * routes without it. `getStitchToken(req)` reads it as a `StitchToken` or throws.
       */
      stitchToken?: StitchToken
    }
  }
}

// What an Express app needs from core, so one import suffices.
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
  StitchWebhookError,
  type StitchWebhookErrorCode,
} from '@stitch-auth/core'
export {
  createPaymentRequestOperation,
  type PaymentBeneficiary,
  type PaymentRequestOperationOptions,
  paymentRequestStatusOperation,
} from '@stitch-auth/core/proxy'
export {
  type StitchErrorHandlerOptions,
  stitchErrorHandler,
} from './error-handler.js'
export {
  getStitchToken,
  type StitchAuthClientOptions,
  type StitchAuthMiddleware,
  type StitchAuthMiddlewareOptions,
  stitchAuth,
} from './middleware.js'
export {
  type ExpressProxyCall,
  type ExpressProxyContext,
  type ExpressStitchOperations,
  type StitchProxyRouterOptions,
  stitchProxy,
} from './proxy.js'
export { keepRawBody, type StitchWebhooksOptions, stitchWebhooks } from './webhooks.js'

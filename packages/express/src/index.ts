import type { StitchToken } from '@stitch-auth/core'

declare global {
  namespace Express {
    // Express's own open interface, merged into `express-serve-static-core`'s `Request` (Express 4
    // and 5 types alike). Merging here needs no import of `express-serve-static-core`, which
    // strict installs (pnpm) do not let this package resolve.
    interface Request {
      /**
       * The Stitch client token for the route's scopes. Present in handlers behind
       * `stitchAuth()`; elsewhere it is `undefined` despite this type.
       */
      stitchToken: StitchToken
    }
  }
}

// What an Express app needs from core, so one import suffices.
export {
  type AnyStitchScope,
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperation,
  defineOperations,
  isStitchAuthError,
  type OperationInput,
  type OperationOutput,
  type PaymentBeneficiary,
  type PaymentRequestOperationOptions,
  PROXY_CSRF_HEADER,
  PROXY_ERROR_CODES,
  type ProxyCallContext,
  type ProxyErrorBody,
  type ProxyErrorCode,
  paymentRequestStatusOperation,
  STITCH_AUTH_ERROR_CODES,
  StitchApiError,
  StitchAuth,
  StitchAuthError,
  type StitchAuthErrorCode,
  type StitchAuthOptions,
  StitchConfigError,
  StitchEndpointUnavailableError,
  type StitchOperation,
  type StitchOperations,
  StitchResponseError,
  type StitchScope,
  StitchToken,
  StitchTokenRequestError,
} from '@stitch-auth/core'
export {
  type StitchErrorHandlerOptions,
  stitchErrorHandler,
} from './error-handler.js'
export {
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

export {
  type ApiOperationResult,
  type ApiOperationVariables,
  defineApiOperation,
  defineOperation,
  defineOperations,
  type ExposeOperationOptions,
  exposeOperation,
  HTTP_ERROR_CODES,
  type HttpErrorBody,
  type HttpErrorCode,
  isStitchAuthError,
  PROXY_CSRF_HEADER,
  STITCH_AUTH_ERROR_CODES,
  StitchApiError,
  type StitchApiOperation,
  StitchApiUnavailableError,
  StitchAuthError,
  type StitchAuthErrorCode,
  type StitchAuthEvent,
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
  paymentRequestStatusOperation,
} from '@stitch-auth/core/proxy'
export type {
  KnownStitchWebhookEvent,
  StitchWebhookDelivery,
  StitchWebhookEvent,
  StitchWebhookHandlers,
  UnknownStitchWebhookEvent,
  WebhookReplayStore,
} from '@stitch-auth/core/webhooks'
export { STITCH_TOKEN_PROPERTY } from './stitch-auth.constants.js'
export {
  StitchAuthExceptionFilter,
  type StitchAuthExceptionFilterOptions,
} from './stitch-auth.filter.js'
export type {
  NestHttpRequest,
  NestHttpResponse,
  StitchHttpRequest,
} from './stitch-auth.http.js'
export { StitchAuthModule } from './stitch-auth.module.js'
export type {
  StitchAuthForRootAsyncOptions,
  StitchAuthForRootOptions,
  StitchAuthModuleExtras,
  StitchAuthModuleOptions,
  StitchAuthProxyOptions,
  StitchAuthWebhookOptions,
} from './stitch-auth.module-definition.js'
export {
  createStitchProxyController,
  type StitchProxyContext,
  StitchProxyController,
  type StitchProxyControllerInstance,
} from './stitch-auth.proxy.js'
export { StitchAuthService } from './stitch-auth.service.js'
export {
  CurrentStitchToken,
  StitchTokenInterceptor,
  UseStitchToken,
} from './stitch-auth.token.js'
export {
  createStitchWebhookController,
  StitchWebhookController,
  type StitchWebhookControllerInstance,
} from './stitch-auth.webhooks.js'

export {
  type ApiOperationResult,
  type ApiOperationVariables,
  defineApiOperation,
  type RunArguments,
  type RunOptions,
  type StitchApiOperation,
} from './api-operation.js'
export {
  MemoryTokenCache,
  type MemoryTokenCacheOptions,
  type Promisable,
  type TokenCache,
  type TokenCacheLease,
} from './cache.js'
export {
  createStitchAuth,
  type GetTokenOptions,
  type GraphQLCallOptions,
  StitchAuth,
} from './client.js'
export type { CredentialSource, PrivateKeyInput } from './client-auth.js'
export {
  HTTP_ERROR_CODES,
  type HttpErrorAnswer,
  type HttpErrorBody,
  type HttpErrorCode,
  type HttpErrorIssue,
  isStitchAuthError,
  PUBLIC_ERROR_MESSAGES,
  STITCH_AUTH_ERROR_CODES,
  StitchApiError,
  StitchApiUnavailableError,
  StitchAuthError,
  type StitchAuthErrorCode,
  StitchConfigError,
  StitchEndpointUnavailableError,
  type StitchGraphQLErrorDetail,
  StitchInputError,
  type StitchInputIssue,
  StitchResponseError,
  StitchTokenRequestError,
  StitchWebhookError,
  type StitchWebhookErrorCode,
  toHttpErrorAnswer,
} from './errors.js'
export type { StitchAuthEvent, StitchAuthEventType, StitchAuthListener } from './events.js'
export {
  DEFAULT_API_URL,
  DEFAULT_TOKEN_URL,
  type ResolvedStitchAuthOptions,
  type StitchAuthOptions,
  type StitchRetryOptions,
} from './options.js'
export {
  createStitchProxyHandler,
  defineOperation,
  defineOperations,
  type ExposeOperationOptions,
  exposeOperation,
  OPERATION_NAME_PATTERN,
  type OperationInput,
  type OperationOutput,
  PROXY_CSRF_HEADER,
  type ProxyCallContext,
  type ProxyHandleOptions,
  type StitchOperation,
  type StitchOperations,
  type StitchProxyHandler,
  type StitchProxyOptions,
} from './proxy/handler.js'
export {
  type AnyStitchScope,
  findScopeProblems,
  type NormalizedScopes,
  normalizeScopes,
  type RouteScopeDefaults,
  routeScopeProblems,
  STITCH_SCOPES,
  type StitchScope,
} from './scopes.js'
export type {
  StitchApiCallStart,
  StitchApiCallTrace,
  StitchTelemetry,
  StitchTelemetryClient,
  StitchTelemetryError,
  StitchTelemetryHooks,
  StitchTelemetryToken,
  StitchTokenRequestStart,
  StitchTokenRequestTrace,
} from './telemetry.js'
export { type CachedToken, StitchToken } from './token.js'
export {
  buildTokenRequest,
  type ParseTokenResponseContext,
  parseTokenResponse,
  type TokenHttpRequest,
  type TokenRequestParameters,
} from './token-request.js'

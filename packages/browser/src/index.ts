export {
  createStitchProxyClient,
  type StitchProxyCall,
  type StitchProxyCallOptions,
  type StitchProxyClient,
} from './client.js'
export {
  type AnyStitchProxyError,
  isStitchProxyError,
  StitchProxyAbortError,
  StitchProxyConfigError,
  StitchProxyError,
  type StitchProxyErrorCode,
  type StitchProxyErrorKind,
  type StitchProxyIssue,
  StitchProxyNetworkError,
  StitchProxyRejectedError,
  StitchProxyResponseError,
  StitchProxyServerError,
  StitchProxyTimeoutError,
} from './errors.js'
export type { ResolvedStitchProxyClientOptions, StitchProxyClientOptions } from './options.js'

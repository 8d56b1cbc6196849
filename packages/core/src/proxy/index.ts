/**
 * The browser-safe proxy: a Web `Request` → `Response` handler that serves only the operations
 * you define, and ready-made operations for "Pay with Stitch". The root entry re-exports all of
 * it too, for now; import it from here so the root can stop loading the payment-request
 * factories (they bring zod and the operations catalog) when an app only needs tokens.
 *
 * @packageDocumentation
 */
export {
  createPaymentRequestOperation,
  type PaymentBeneficiary,
  type PaymentRequestOperationOptions,
  type PaymentRequestStatus,
  paymentRequestStatusOperation,
} from './browser-operations.js'
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
} from './handler.js'

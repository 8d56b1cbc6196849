/**
 * The browser-safe proxy: a Web `Request` → `Response` handler that serves only the operations
 * you define, and ready-made operations for "Pay with Stitch". The handler is on the root entry
 * too; the ready-made operations are only here, so an app that only needs tokens never loads
 * what they bring (zod and the operations catalog).
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

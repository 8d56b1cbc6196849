/**
 * Stitch's client-token API as typed operations: one per documented feature, each with its
 * document, the scopes it needs, a zod schema of its variables that enforces Stitch's limits,
 * and the type of its result. Run any of them with `stitch.run(operation, variables)`.
 *
 * Each is its own export: an app bundles only the operations it imports.
 *
 * @packageDocumentation
 */
export {
  type ApiOperationResult,
  type ApiOperationVariables,
  defineApiOperation,
  type RunOptions,
  type StitchApiOperation,
} from '../api-operation.js'
export * from './business-lookup.js'
export { type Money, moneyInput, nonce } from './common.js'
export * from './consents.js'
export * from './disbursements.js'
export * from './images.js'
export * from './payment-authorization.js'
export {
  cancelPaymentRequest,
  createPaymentRequest,
  getPaymentRequest,
  type PaymentRequest,
  type PaymentRequestState,
} from './payment-requests.js'
export { initiateRefund, type Refund, type RefundStatus } from './refunds.js'
export * from './verification.js'
export * from './webhook-endpoints.js'

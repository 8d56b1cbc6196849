export { DOCUMENTED_SCOPES, runSimulatorCli, type SimulatorCliIo } from './cli-main.js'
export {
  checkErrorBodyCase,
  type ErrorBodyCall,
  type ErrorBodyCase,
  type ErrorBodyClientOptions,
  type ErrorBodyExpectation,
  type ErrorBodyServer,
  type ErrorBodySetup,
  type ErrorBodySurface,
  errorBodyCaseApplies,
  errorBodyCases,
  runErrorBodyTable,
} from './contracts/error-body.js'
export {
  expectedProxyAttackAnswer,
  PROXY_ATTACK_MOUNT_PATH,
  PROXY_ATTACK_OPERATION,
  type ProxyAttack,
  type ProxyAttackAnswer,
  type ProxyAttackClientOptions,
  type ProxyAttackPaymentOptions,
  type ProxyAttackRunner,
  type ProxyAttackScope,
  type ProxyAttackServer,
  type ProxyAttackSetup,
  type ProxyAttackSurface,
  type ProxyAttackTableOptions,
  proxyAttacks,
  runProxyAttackTable,
} from './contracts/proxy-attacks.js'
export { UNAUTHENTICATED_BODY, type UploadedFile } from './graphql-endpoint.js'
export { startStitchSimulator } from './server.js'
export type { SimulatedBusiness } from './stitch/business-lookup.js'
export type { PaymentConsentStatus, SimulatedPaymentConsentRequest } from './stitch/consents.js'
export type {
  DisbursementStatus,
  DisbursementStatusUpdate,
  SimulatedDisbursement,
} from './stitch/disbursements.js'
export type { Money } from './stitch/kit.js'
export type {
  PaymentRequestState,
  SimulatedPaymentRequest,
} from './stitch/payment-requests.js'
export type { RefundStatus, RefundStatusUpdate, SimulatedRefund } from './stitch/refunds.js'
export { FIELD_SCOPES, SCHEMA_SDL, schema } from './stitch/schema.js'
export type { SimulatedBankAccount } from './stitch/verification.js'
export {
  type SimulatedWebhookEndpoint,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from './stitch/webhook-endpoints.js'
export { ASSERTION_TYPE } from './token-endpoint.js'
export type {
  ApiRequestLogEntry,
  ClientAuthMethod,
  FaultHandle,
  FaultSpec,
  MalformedKind,
  SendWebhookSpec,
  SimulatorClient,
  SimulatorStats,
  StitchSimulator,
  StitchSimulatorOptions,
  TokenRequestLogEntry,
  TokenRequestOutcome,
  WebhookDeliveryAttempt,
  WebhookDeliveryLogEntry,
  WebhookSignatureMode,
} from './types.js'

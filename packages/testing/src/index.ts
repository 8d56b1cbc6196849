export { DOCUMENTED_SCOPES, runSimulatorCli, type SimulatorCliIo } from './cli-main.js'
export { UNAUTHENTICATED_MESSAGE } from './graphql-endpoint.js'
export { FIELD_SCOPES, SCHEMA_SDL } from './graphql-schema.js'
export { startStitchSimulator } from './server.js'
export { ASSERTION_TYPE } from './token-endpoint.js'
export type {
  BankBeneficiaryBankId,
  ClientAuthMethod,
  FaultHandle,
  FaultSpec,
  MalformedKind,
  Money,
  PaymentRequestStatus,
  SimulatedPaymentRequest,
  SimulatedRefund,
  SimulatorClient,
  SimulatorStats,
  StitchSimulator,
  StitchSimulatorOptions,
  TokenRequestLogEntry,
  TokenRequestOutcome,
} from './types.js'

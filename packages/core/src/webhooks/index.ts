/**
 * Receiving Stitch's webhooks: verification of Svix's signatures on Web Crypto alone, typed
 * events, replay protection, and a Web `Request` → `Response` endpoint.
 *
 * @packageDocumentation
 */
export type { Promisable } from '../cache.js'
export {
  StitchWebhookError,
  type StitchWebhookErrorCode,
} from '../errors.js'
export {
  DEPRECATED_STITCH_WEBHOOK_EVENT_TYPES,
  type KnownStitchWebhookEvent,
  type ParseStitchWebhookEventOptions,
  parseStitchWebhookEvent,
  STITCH_WEBHOOK_EVENT_TYPES,
  STITCH_WEBHOOK_STATUSES,
  type StitchWebhookEvent,
  type StitchWebhookEventData,
  type StitchWebhookEventEnvelope,
  type StitchWebhookEventType,
  type StitchWebhookStatusName,
  type UnknownStitchWebhookEvent,
} from './events.js'
export {
  createStitchWebhookHandler,
  DEFAULT_WEBHOOK_MAX_BODY_BYTES,
  type StitchWebhookDelivery,
  type StitchWebhookErrorInfo,
  type StitchWebhookHandler,
  type StitchWebhookHandlerOptions,
  type StitchWebhookHandlers,
} from './handler.js'
export {
  DEFAULT_WEBHOOK_REPLAY_TTL_MS,
  MemoryWebhookReplayStore,
  type MemoryWebhookReplayStoreOptions,
  type WebhookReplayStore,
} from './replay.js'
export {
  createWebhookVerifier,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  type StitchWebhookBody,
  type StitchWebhookHeaders,
  type StitchWebhookVerifier,
  type StitchWebhookVerifierOptions,
  type VerifiedStitchWebhook,
} from './verify.js'

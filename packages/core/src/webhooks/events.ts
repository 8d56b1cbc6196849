// Stitch's webhook events, typed. What Stitch documents and what is our guess is marked in each
// place: C = stated by Stitch (docs.stitch.money, its API reference), I = inferred.
//
// The body (C: Stitch's one verbatim example, for `payment.confirmation`, and "the underlying
// structure of the events has not changed" from the GraphQL-subscription webhooks) is
//   { "data": { "client": { "<edge>": { "node": { …the object… }, "eventId", "subscriptionId", "time" } } } }
// with the edge named after the object (`paymentInitiationRequests`, `refunds`, …: C from the API
// reference's `ClientSubscription`). The body carries no event type, and Svix adds no header for
// it (I): the type is read from the edge and the node's shape, which is a guess for the two types
// that share one edge (see `pickType`).
//
// Every schema is lenient: fields are optional unless the event makes no sense without them,
// unknown fields are kept, and status names are typed but not enforced, so a status or a field
// Stitch adds later does not turn an event into a failure. The schemas are made on first use
// (`lazy`), so importing this module runs nothing and a bundler can drop what is not used.
import { z } from 'zod'

/** Event types (`filterTypes`) with typed events (C: docs.stitch.money/webhooks/types). */
export const STITCH_WEBHOOK_EVENT_TYPES = Object.freeze([
  'payment',
  'payment.confirmation',
  'payment-consent-request',
  'transaction',
  'refund',
  'disbursement',
  'settlement',
] as const)

/** An event type with a typed event. */
export type StitchWebhookEventType = (typeof STITCH_WEBHOOK_EVENT_TYPES)[number]

/**
 * Event types Stitch marks deprecated (C). Recognised by name, delivered as unknown events
 * (`known: false`) with their `type` set.
 */
export const DEPRECATED_STITCH_WEBHOOK_EVENT_TYPES = Object.freeze([
  'direct-deposit',
  'payment-initiation',
  'payment-initiation.confirmation',
] as const)

/**
 * The status names Stitch documents for each event type (C, from the API reference's unions),
 * the `__typename` of the event's state or status. A name Stitch adds later passes through too:
 * match the ones you know and treat any other as not final.
 */
export const STITCH_WEBHOOK_STATUSES = Object.freeze({
  payment: Object.freeze([
    'PaymentInitiationRequestPending',
    'PaymentInitiationRequestCompleted',
    'PaymentInitiationRequestManuallyCompleted',
    'PaymentInitiationRequestCancelled',
    'PaymentInitiationRequestExpired',
  ] as const),
  /** `payment.confirmation` is sent for `PaymentReceived` and `PaymentUnsettled` (C). */
  'payment.confirmation': Object.freeze([
    'PaymentPending',
    'PaymentReceived',
    'PaymentUnsettled',
  ] as const),
  'payment-consent-request': Object.freeze([
    'PaymentConsentPending',
    'PaymentConsentProcessing',
    'PaymentConsentGranted',
    'PaymentConsentFailed',
    'PaymentConsentCancelled',
    'PaymentConsentExpired',
    'PaymentConsentRevoked',
    'PaymentConsentPaused',
  ] as const),
  /** C from Stitch's Capitec Pay recurring guide; the transaction object itself is I. */
  transaction: Object.freeze([
    'TransactionPending',
    'TransactionSuccess',
    'TransactionFailure',
  ] as const),
  refund: Object.freeze([
    'RefundPending',
    'RefundSubmitted',
    'RefundCompleted',
    'RefundError',
    'RefundPaused',
  ] as const),
  /** `DisbursementCompleted` is not always final: a bank may still reverse it (C). */
  disbursement: Object.freeze([
    'DisbursementPending',
    'DisbursementPaused',
    'DisbursementSubmitted',
    'DisbursementCompleted',
    'DisbursementError',
    'DisbursementCancelled',
    'DisbursementReversed',
  ] as const),
  settlement: Object.freeze([
    'SettlementPending',
    'SettlementSubmitted',
    'SettlementCompleted',
    'SettlementFailed',
  ] as const),
})

type Statuses = typeof STITCH_WEBHOOK_STATUSES

/** A documented status name of an event type, or one Stitch added since. */
export type StitchWebhookStatusName<T extends StitchWebhookEventType> =
  | Statuses[T][number]
  // Keeps the documented names as completions while admitting newer ones.
  | (string & {})

function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined
  return () => {
    made ??= { value: make() }
    return made.value
  }
}

/** A field Stitch may leave out or send as null; both read as `undefined`. */
function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value) => value ?? undefined)
}

function statusName<T extends StitchWebhookEventType>() {
  return z.string() as unknown as z.ZodType<StitchWebhookStatusName<T>, string>
}

const money = /* @__PURE__ */ lazy(() =>
  z.looseObject({
    // A Decimal string in major units ("1", "150.00"; C from the example); a number is read too.
    quantity: z.union([z.string(), z.number()]).transform(String),
    currency: z.string(),
  }),
)

/** A reference to another object: its `id`, when the webhook query selects it. */
const reference = /* @__PURE__ */ lazy(() => z.looseObject({ id: optional(z.string()) }))

const paymentState = /* @__PURE__ */ lazy(() =>
  z.looseObject({
    __typename: statusName<'payment'>(),
    date: optional(z.string()),
    /** `PaymentInitiationRequestCompleted` (C). */
    amount: optional(money()),
    /** `PaymentInitiationRequestCancelled` (C). */
    reason: optional(z.string()),
  }),
)

const paymentConfirmation = /* @__PURE__ */ lazy(() =>
  z.looseObject({ __typename: statusName<'payment.confirmation'>(), date: optional(z.string()) }),
)

// `PaymentInitiationRequest` (C, API reference). `id` is required: Stitch's type has it
// non-null and an event is useless without it.
const paymentRequestFields = () => ({
  __typename: optional(z.string()),
  id: z.string(),
  url: optional(z.string()),
  created: optional(z.string()),
  updated: optional(z.string()),
  amount: optional(money()),
  payerReference: optional(z.string()),
  beneficiaryReference: optional(z.string()),
  externalReference: optional(z.string()),
  expireAt: optional(z.string()),
  metadata: optional(z.unknown()),
})

const paymentNode = /* @__PURE__ */ lazy(() =>
  z.looseObject({
    ...paymentRequestFields(),
    // "Sent on each payment request status update" (C): the state is the point of the event.
    state: paymentState(),
    paymentConfirmation: optional(paymentConfirmation()),
  }),
)

const paymentConfirmationNode = /* @__PURE__ */ lazy(() =>
  z.looseObject({
    ...paymentRequestFields(),
    state: optional(paymentState()),
    // Sent when the funds land in (or never reach) the intermediary account (C).
    paymentConfirmation: paymentConfirmation(),
  }),
)

const consentNode = /* @__PURE__ */ lazy(() =>
  // `PaymentConsentRequest` (C, API reference).
  z.looseObject({
    __typename: optional(z.string()),
    id: z.string(),
    url: optional(z.string()),
    nonce: optional(z.string()),
    externalReference: optional(z.string()),
    statusReason: optional(z.string()),
    metadata: optional(z.unknown()),
    status: z.looseObject({
      __typename: statusName<'payment-consent-request'>(),
      date: optional(z.string()),
      /** `PaymentConsentGranted` (C). */
      isPendingRevocation: optional(z.boolean()),
    }),
  }),
)

const transactionNode = /* @__PURE__ */ lazy(() =>
  // I: Stitch documents the statuses, not the object, so all but `id` is optional.
  z.looseObject({
    __typename: optional(z.string()),
    id: z.string(),
    amount: optional(money()),
    nonce: optional(z.string()),
    externalReference: optional(z.string()),
    status: optional(
      z.looseObject({
        __typename: statusName<'transaction'>(),
        date: optional(z.string()),
        reason: optional(z.string()),
      }),
    ),
  }),
)

const refundNode = /* @__PURE__ */ lazy(() =>
  // `Refund` (C, API reference).
  z.looseObject({
    __typename: optional(z.string()),
    id: z.string(),
    amount: optional(money()),
    reason: optional(z.string()),
    created: optional(z.string()),
    beneficiaryReference: optional(z.string()),
    nonce: optional(z.string()),
    paymentInitiationRequest: optional(reference()),
    status: z.looseObject({
      __typename: statusName<'refund'>(),
      date: optional(z.string()),
      /** `RefundError` and `RefundPaused` carry a reason (I: its field name). */
      reason: optional(z.string()),
    }),
  }),
)

const disbursementNode = /* @__PURE__ */ lazy(() =>
  // `Disbursement` (C, API reference).
  z.looseObject({
    __typename: optional(z.string()),
    id: z.string(),
    amount: optional(money()),
    nonce: optional(z.string()),
    beneficiaryReference: optional(z.string()),
    externalReference: optional(z.string()),
    bankBeneficiary: optional(z.looseObject({})),
    linkedAccountId: optional(z.string()),
    created: optional(z.string()),
    status: z.looseObject({
      __typename: statusName<'disbursement'>(),
      date: optional(z.string()),
      /** `DisbursementError`, `…Paused` and `…Reversed` carry a reason (I: its field name). */
      reason: optional(z.string()),
    }),
  }),
)

const settlementNode = /* @__PURE__ */ lazy(() =>
  // `Settlement` (C, API reference).
  z.looseObject({
    __typename: optional(z.string()),
    id: z.string(),
    amount: optional(money()),
    reference: optional(z.string()),
    destination: optional(z.looseObject({})),
    status: z.looseObject({
      __typename: statusName<'settlement'>(),
      date: optional(z.string()),
      /** `SettlementFailed` (C). */
      settlementFailedReason: optional(z.string()),
    }),
  }),
)

const SCHEMAS = {
  payment: paymentNode,
  'payment.confirmation': paymentConfirmationNode,
  'payment-consent-request': consentNode,
  transaction: transactionNode,
  refund: refundNode,
  disbursement: disbursementNode,
  settlement: settlementNode,
} satisfies Record<StitchWebhookEventType, () => z.ZodType>

/** The object each event type carries as its `data`. */
export interface StitchWebhookEventData {
  /** A payment request whose state changed. */
  payment: z.output<ReturnType<typeof paymentNode>>
  /** A payment request whose funds landed in the intermediary account (or did not in 7 days). */
  'payment.confirmation': z.output<ReturnType<typeof paymentConfirmationNode>>
  /** A consent request (card, DebiCheck, Capitec Pay recurring) whose status changed. */
  'payment-consent-request': z.output<ReturnType<typeof consentNode>>
  /** A transaction on a consent whose status changed; its fields are a guess (I). */
  transaction: z.output<ReturnType<typeof transactionNode>>
  /** A refund whose status changed. */
  refund: z.output<ReturnType<typeof refundNode>>
  /** A disbursement whose status changed. */
  disbursement: z.output<ReturnType<typeof disbursementNode>>
  /** A settlement whose status changed. */
  settlement: z.output<ReturnType<typeof settlementNode>>
}

/** What an event carries besides its data: the subscription edge's fields, when Stitch sends them (I). */
export interface StitchWebhookEventEnvelope {
  /** The edge's `eventId`, when present. */
  eventId: string | undefined
  /** The edge's `subscriptionId`, when present. */
  subscriptionId: string | undefined
  /** The edge's `time`, when present. */
  time: string | undefined
  /** The whole JSON body, as parsed. */
  payload: unknown
}

/** An event of a type this version knows, whose object matched its schema. */
export type KnownStitchWebhookEvent<T extends StitchWebhookEventType = StitchWebhookEventType> = {
  [K in T]: StitchWebhookEventEnvelope & { type: K; known: true; data: StitchWebhookEventData[K] }
}[T]

/**
 * An event this version cannot type: of a type it does not know (one Stitch added, a deprecated
 * one, or none it could tell), or whose object did not match its type's schema. Delivered, not
 * refused, so a change on Stitch's side does not break a receiver.
 */
export interface UnknownStitchWebhookEvent extends StitchWebhookEventEnvelope {
  /** The type, when one could be told: a name Stitch gave, or one read from the shape. */
  type: string | undefined
  known: false
  /** The object the event is about (the edge's `node`) when found, else the whole body. */
  data: unknown
  /** `unknown-type`: no schema for the type; `schema-mismatch`: the object did not match it. */
  reason: 'unknown-type' | 'schema-mismatch'
  /** For `schema-mismatch`: where the object differs from the schema (paths and messages only). */
  issues: readonly { path: string; message: string }[]
}

/** A parsed webhook event: narrow on `known`, then on `type`. */
export type StitchWebhookEvent = KnownStitchWebhookEvent | UnknownStitchWebhookEvent

/** Options of {@link parseStitchWebhookEvent}. */
export interface ParseStitchWebhookEventOptions {
  /** The event types the endpoint is subscribed to; see `StitchWebhookVerifierOptions.eventTypes`. */
  eventTypes?: readonly string[]
}

/**
 * Which event types each subscription edge can carry. The edges of `ClientSubscription` are C
 * (API reference); `paymentConsentRequests` and `transactions` are I (named like the others,
 * not documented), and so is the `.confirmation` types sharing their payment's edge (C only for
 * `payment.confirmation`, from its example).
 */
const EDGE_TYPES: Readonly<Record<string, readonly string[]>> = {
  paymentInitiationRequests: ['payment', 'payment.confirmation'],
  paymentConsentRequests: ['payment-consent-request'],
  transactions: ['transaction'],
  refunds: ['refund'],
  disbursements: ['disbursement'],
  settlements: ['settlement'],
  directDeposits: ['direct-deposit'],
  paymentInitiations: ['payment-initiation', 'payment-initiation.confirmation'],
}

/** The same, by the node's `__typename`, for a body that is the object itself (I). */
const NODE_TYPES: Readonly<Record<string, readonly string[]>> = {
  PaymentInitiationRequest: EDGE_TYPES.paymentInitiationRequests ?? [],
  PaymentConsentRequest: EDGE_TYPES.paymentConsentRequests ?? [],
  Refund: EDGE_TYPES.refunds ?? [],
  Disbursement: EDGE_TYPES.disbursements ?? [],
  Settlement: EDGE_TYPES.settlements ?? [],
  DirectDeposit: EDGE_TYPES.directDeposits ?? [],
  PaymentInitiation: EDGE_TYPES.paymentInitiations ?? [],
}

const CONFIRMED = new Set<string>(['PaymentReceived', 'PaymentUnsettled'])

/**
 * Reads a webhook body (already verified and parsed as JSON) into a typed event. Never throws:
 * what it cannot type comes back as an {@link UnknownStitchWebhookEvent}.
 *
 * @example
 * const event = parseStitchWebhookEvent(JSON.parse(body), { eventTypes: ['payment'] })
 * if (event.known && event.type === 'payment') console.log(event.data.state.__typename)
 */
export function parseStitchWebhookEvent(
  payload: unknown,
  options: ParseStitchWebhookEventOptions = {},
): StitchWebhookEvent {
  const { node, edge, candidates } = locate(payload)
  const envelope: StitchWebhookEventEnvelope = {
    eventId: stringField(edge, 'eventId'),
    subscriptionId: stringField(edge, 'subscriptionId'),
    time: stringField(edge, 'time'),
    payload,
  }
  const type = pickType(candidates, node, options.eventTypes)
  const data = node ?? payload
  const schema =
    type !== undefined && Object.hasOwn(SCHEMAS, type)
      ? SCHEMAS[type as StitchWebhookEventType]
      : undefined
  if (schema === undefined) {
    return { ...envelope, type, known: false, data, reason: 'unknown-type', issues: [] }
  }
  const parsed = schema().safeParse(data)
  if (!parsed.success) {
    return {
      ...envelope,
      type,
      known: false,
      data,
      reason: 'schema-mismatch',
      issues: parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    }
  }
  return { ...envelope, type, known: true, data: parsed.data } as KnownStitchWebhookEvent
}

function locate(payload: unknown): {
  node: Record<string, unknown> | undefined
  edge: Record<string, unknown> | undefined
  candidates: readonly string[]
} {
  const body = asObject(payload)
  // I: Stitch's bodies name no type; if one ever does (`type` or `eventType`), it wins.
  const named = stringField(body, 'type') ?? stringField(body, 'eventType')
  const data = asObject(body?.data)
  const client = asObject(data?.client)
  if (client !== undefined) {
    const edges = Object.keys(client).filter((key) => asObject(client[key]) !== undefined)
    const key = edges.find((candidate) => Object.hasOwn(EDGE_TYPES, candidate)) ?? edges[0]
    if (key !== undefined) {
      const edge = asObject(client[key])
      const node = asObject(edge?.node) ?? edge
      return { node, edge, candidates: named ? [named] : (EDGE_TYPES[key] ?? []) }
    }
  }
  // I: a body that is the object itself, or `{ type, data: { …the object… } }`.
  const node =
    stringField(data, '__typename') === undefined && stringField(body, '__typename') !== undefined
      ? body
      : data
  const typename = stringField(node, '__typename')
  const byShape =
    typename !== undefined && Object.hasOwn(NODE_TYPES, typename) ? NODE_TYPES[typename] : undefined
  return { node, edge: undefined, candidates: named ? [named] : (byShape ?? []) }
}

/**
 * One type from the edge's candidates. Where an edge carries two (`payment` and
 * `payment.confirmation`), the endpoint's subscription decides when it holds only one of them;
 * otherwise it is a guess (I): a confirmation status that only `payment.confirmation` is sent
 * for (`PaymentReceived`, `PaymentUnsettled`, C) makes it that, anything else `payment`.
 */
function pickType(
  candidates: readonly string[],
  node: Record<string, unknown> | undefined,
  subscribed: readonly string[] | undefined,
): string | undefined {
  const [first, second] = candidates
  if (second === undefined) return first
  const chosen = subscribed ? candidates.filter((type) => subscribed.includes(type)) : []
  if (chosen.length === 1) return chosen[0]
  const confirmation = stringField(asObject(node?.paymentConfirmation), '__typename')
  return confirmation !== undefined && CONFIRMED.has(confirmation) ? second : first
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

function stringField(object: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = object?.[key]
  return typeof value === 'string' ? value : undefined
}

import type { SimulatorState, StateChange } from '../state.js'
import { toGraphQL as consentToGraphQL } from './consents.js'
import { toGraphQL as disbursementToGraphQL, type SimulatedDisbursement } from './disbursements.js'
import { newId } from './kit.js'
import {
  toGraphQL as paymentRequestToGraphQL,
  type SimulatedPaymentRequest,
} from './payment-requests.js'
import { toGraphQL as refundToGraphQL, type SimulatedRefund } from './refunds.js'
import type { WebhookEventType } from './webhook-endpoints.js'

/**
 * The bodies of the webhooks the simulator sends, as far as Stitch documents them.
 *
 * Stitch (C): "The underlying structure of the events has not changed" since its webhooks were
 * GraphQL subscriptions, and its one verbatim example (a `payment.confirmation`) reads
 * `{ "data": { "client": { "paymentInitiationRequests": { "node": { "__typename":
 * "PaymentInitiationRequest", "amount": { "currency": "ZAR", "quantity": "1" },
 * "bankBeneficiaries": [{ "__typename": "BankBeneficiary", …` (the page is cut there). The API
 * reference's `ClientSubscription` has one edge field per event (`paymentInitiationRequests`,
 * `refunds`, `disbursements`, …), each a `…SubscriptionEventEdge { node, subscriptionId,
 * eventId, time }`.
 *
 * Guesses (I), where Stitch's docs are silent:
 * - that the edge still carries `eventId`, `subscriptionId` and `time` beside `node` (the
 *   example is cut before them): `eventId` is one id per change, shared by every endpoint told
 *   of it, `subscriptionId` the endpoint's id, `time` when the change happened;
 * - the edge of `payment-consent-request` events, `paymentConsentRequests` (not in the
 *   reference's `ClientSubscription`);
 * - which fields `node` has: the simulator sends every field its schema serves for the object
 *   (what `node(id)` answers with all fields selected), plus the example's `bankBeneficiaries`
 *   on payment requests (the example does not show its fields; the simulator repeats the
 *   `BankBeneficiary` objects of `beneficiaries`), and a refund's payment request as its `id`
 *   only;
 * - keys sorted alphabetically at every level, the order of the verbatim example;
 * - no event for a creation (a new payment request, refund, disbursement or consent request is
 *   pending, and Stitch says events come "on each … status update"), and none for
 *   `payment.confirmation` (the simulator has no intermediary account, so no
 *   `paymentConfirmation`).
 */
export interface WebhookEvent {
  type: WebhookEventType
  /** The client whose object changed: only its endpoints are told. */
  clientId: string
  /** The `ClientSubscription` field the node comes under. */
  edge: string
  node: object
  eventId: string
  time: string
}

/** The event a change of state sends, if any. */
export function webhookEventFor(
  change: StateChange,
  state: SimulatorState,
): WebhookEvent | undefined {
  const time = new Date(state.now()).toISOString()
  switch (change.kind) {
    case 'payment-request': {
      const request = change.paymentRequest
      // Payment events come for completed, cancelled and expired requests, never pending ones.
      if (request.state.type === 'pending') return undefined
      return event('payment', request.clientId, paymentRequestNode(request, state), time)
    }
    case 'refund':
      return event('refund', change.refund.clientId, refundNode(change.refund, state), time)
    case 'disbursement':
      return event(
        'disbursement',
        change.disbursement.clientId,
        disbursementToGraphQL(change.disbursement),
        time,
      )
    case 'payment-consent-request':
      return event(
        'payment-consent-request',
        change.paymentConsentRequest.clientId,
        consentToGraphQL(change.paymentConsentRequest),
        time,
      )
  }
}

const EDGES: Partial<Record<WebhookEventType, string>> = {
  payment: 'paymentInitiationRequests',
  refund: 'refunds',
  disbursement: 'disbursements',
  // A guess: the reference's ClientSubscription has no consent request field.
  'payment-consent-request': 'paymentConsentRequests',
}

function event(type: WebhookEventType, clientId: string, node: object, time: string): WebhookEvent {
  return { type, clientId, edge: EDGES[type] as string, node, eventId: newId('event'), time }
}

/** The JSON body one endpoint receives for an event, keys sorted as in Stitch's example. */
export function webhookBody(event: WebhookEvent, subscriptionId: string): string {
  return JSON.stringify(
    sortKeys({
      data: {
        client: {
          [event.edge]: {
            node: event.node,
            eventId: event.eventId,
            subscriptionId,
            time: event.time,
          },
        },
      },
    }),
  )
}

function paymentRequestNode(request: SimulatedPaymentRequest, state: SimulatorState): object {
  const node = paymentRequestToGraphQL(request, state) as {
    beneficiaries: object[]
    state: { __typename: string; paymentInitiationRequest?: unknown }
  }
  // A pending state points back at its request (GraphQL follows it lazily); JSON can't.
  if (node.state.__typename === 'PaymentInitiationRequestPending') {
    node.state = { __typename: 'PaymentInitiationRequestPending' }
  }
  return {
    ...node,
    bankBeneficiaries: node.beneficiaries.map((beneficiary) => ({ ...beneficiary })),
  }
}

function refundNode(refund: SimulatedRefund, state: SimulatorState): object {
  return {
    ...refundToGraphQL(refund, state),
    paymentInitiationRequest: { id: refund.paymentRequestId },
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  )
}

/**
 * Example events for `sendWebhook` when it is given no body: made-up objects of the event's
 * type, shaped like the simulator's own events. Only the types the simulator sends have one.
 */
export function exampleWebhookEvent(
  type: WebhookEventType,
  clientId: string,
  state: SimulatorState,
): WebhookEvent | undefined {
  const now = new Date(state.now()).toISOString()
  const amount = { quantity: '150.00', currency: 'ZAR' }
  const paymentRequest: SimulatedPaymentRequest = {
    id: newId('paymentrequest'),
    url: `${state.baseUrl}/pay/example`,
    clientId,
    created: now,
    updated: now,
    amount,
    payerReference: 'order-42',
    beneficiaryReference: 'shop-42',
    externalReference: 'example-order-42',
    beneficiary: { name: 'Acme Ltd', bankId: 'fnb', accountNumber: '62000000000' },
    merchantId: null,
    expireAt: null,
    metadata: null,
    state: { type: 'completed', date: now, amount: { ...amount } },
  }
  switch (type) {
    case 'payment':
      return event(type, clientId, paymentRequestNode(paymentRequest, state), now)
    case 'refund': {
      const refund: SimulatedRefund = {
        id: newId('refund'),
        clientId,
        paymentRequestId: paymentRequest.id,
        amount: { quantity: '50.00', currency: 'ZAR' },
        reason: 'requested_by_user',
        nonce: newId('nonce'),
        beneficiaryReference: 'refund-42',
        clearingType: 'DEFAULT',
        created: now,
        status: { type: 'completed', date: now, expectedSettlement: now },
      }
      return event(type, clientId, refundNode(refund, state), now)
    }
    case 'disbursement': {
      const disbursement: SimulatedDisbursement = {
        id: newId('disbursement'),
        clientId,
        amount,
        nonce: newId('nonce'),
        disbursementType: 'DEFAULT',
        beneficiaryReference: 'payout-42',
        externalReference: 'example-payout-42',
        bankBeneficiary: {
          name: 'Thandi Mokoena',
          bankId: 'fnb',
          accountNumber: '62000000001',
          accountType: 'current',
        },
        recipientAccountHolder: null,
        created: now,
        status: { type: 'completed', date: now, expectedSettlement: now },
      }
      return event(type, clientId, disbursementToGraphQL(disbursement), now)
    }
    default:
      return undefined
  }
}

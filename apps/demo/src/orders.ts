// The shop's orders, in memory, keyed by payment request id: created with the payment request,
// then moved on by Stitch's webhooks alone. `GET /api/orders/:id` answers from here, so the
// checkout page learns an order is paid without a call to Stitch.
import type { PaymentRequestStatus } from '@stitch-auth/core/proxy'
import type { ShopOrder } from './api-types.js'

// Stitch's names for a payment request's state (`state.__typename` of a `payment` event).
const PAYMENT_STATUS: Readonly<Record<string, PaymentRequestStatus>> = {
  PaymentInitiationRequestPending: 'pending',
  PaymentInitiationRequestCompleted: 'completed',
  PaymentInitiationRequestManuallyCompleted: 'completed',
  PaymentInitiationRequestCancelled: 'cancelled',
  PaymentInitiationRequestExpired: 'expired',
}

const FINAL_REFUND = new Set(['completed', 'error'])

// More than a demo session makes; the oldest go first.
const ORDER_LIMIT = 500

export class OrderStore {
  readonly #orders = new Map<string, ShopOrder>()
  readonly #now: () => number

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
  }

  /** A new order, pending, for the payment request the shop just created. */
  add(id: string, reference: string): ShopOrder {
    const order: ShopOrder = {
      id,
      reference,
      status: 'pending',
      source: null,
      updatedAt: this.#now(),
      refund: null,
    }
    this.#orders.set(id, order)
    if (this.#orders.size > ORDER_LIMIT) {
      const oldest = this.#orders.keys().next().value
      if (oldest !== undefined) this.#orders.delete(oldest)
    }
    return { ...order }
  }

  get(id: string): ShopOrder | undefined {
    const order = this.#orders.get(id)
    return order && { ...order, refund: order.refund && { ...order.refund } }
  }

  /**
   * A `payment` event: the payment request's new state. `undefined` when it is not this shop's
   * order. A state Stitch adds later reads `unknown` (not final); a settled order stays settled.
   */
  paymentEvent(id: string, state: string): ShopOrder | undefined {
    const order = this.#orders.get(id)
    if (!order) return undefined
    const status = PAYMENT_STATUS[state] ?? 'unknown'
    // Paid, cancelled and expired are final: a late or repeated event cannot undo them.
    if (order.status === 'pending' || order.status === 'unknown') {
      order.status = status
      order.source = 'webhook'
      order.updatedAt = this.#now()
    }
    return this.get(id)
  }

  /** A `refund` event: the refund of one of this shop's orders, e.g. `RefundCompleted`. */
  refundEvent(paymentRequestId: string, refundId: string, state: string): ShopOrder | undefined {
    const order = this.#orders.get(paymentRequestId)
    if (!order) return undefined
    // Completed and error are final: a retry of an earlier event that lands late cannot undo them.
    if (order.refund?.id === refundId && FINAL_REFUND.has(order.refund.status))
      return this.get(paymentRequestId)
    order.refund = { id: refundId, status: state.replace(/^Refund/, '').toLowerCase() }
    order.updatedAt = this.#now()
    return this.get(paymentRequestId)
  }
}

// The shop's webhook endpoint, POST /webhooks/stitch: stitchWebhooks() checks each delivery's
// Svix signature and runs it once; the handlers move the order store on and note every
// delivery in the event log. The signing secret lives in this object only: never printed.
import { stitchWebhooks } from '@stitch-auth/express/webhooks'
import type { RequestHandler } from 'express'
import type { WebhookPanelState } from './api-types.js'
import type { OrderStore } from './orders.js'
import type { TokenMonitor } from './token-monitor.js'

export const WEBHOOK_PATH = '/webhooks/stitch'
/** The events the shop subscribes to (the payment's state, the refund's status). */
export const WEBHOOK_EVENT_TYPES = ['payment', 'refund'] as const
export const WEBHOOK_OUTAGE_SECONDS = 30
const OUTAGE_STATUS = 503
const SVIX_ID = /^[\w-]{1,64}$/

/** The first characters of a delivery id (`msg_2abc…`): enough to tell deliveries apart. */
export const shortId = (id: string): string => `${id.slice(0, 10)}…`

export class ShopWebhooks {
  readonly mode: WebhookPanelState['mode']
  readonly #orders: OrderStore
  readonly #monitor: TokenMonitor
  #handler: RequestHandler | undefined
  #received = 0
  #refused = 0
  #outage: { endsAt: number; timer: NodeJS.Timeout; seen: Set<string> } | undefined

  /**
   * `subscribed`: the demo subscribes its endpoint at start and calls `enable()` with the
   * secret it got; `secret`: the user registered the endpoint and gave its secret; `off`.
   */
  constructor(mode: WebhookPanelState['mode'], orders: OrderStore, monitor: TokenMonitor) {
    this.mode = mode
    this.#orders = orders
    this.#monitor = monitor
  }

  get enabled(): boolean {
    return this.#handler !== undefined
  }

  /** Starts verifying deliveries with the endpoint's signing secret (`whsec_…`). */
  enable(secret: string): void {
    const orders = this.#orders
    const note = this.#monitor.note.bind(this.#monitor)
    this.#handler = stitchWebhooks({
      secrets: secret,
      // Stitch's body names no type; the subscription tells `payment` from `payment.confirmation`.
      eventTypes: WEBHOOK_EVENT_TYPES,
      on: {
        payment: (event, delivery) => {
          this.#received++
          const { id, state } = event.data
          const order = orders.paymentEvent(id, state.__typename)
          const said = order
            ? `order ${order.reference} is ${order.status === 'completed' ? 'paid' : order.status}`
            : 'not an order of this shop, ignored'
          note(
            'webhook',
            order?.status === 'completed' ? 'success' : 'info',
            `payment ${state.__typename}: ${said} (${shortId(delivery.id)})`,
          )
        },
        refund: (event, delivery) => {
          this.#received++
          const { id, status, paymentInitiationRequest } = event.data
          const paymentId = paymentInitiationRequest?.id
          const order = paymentId ? orders.refundEvent(paymentId, id, status.__typename) : undefined
          note(
            'webhook',
            status.__typename === 'RefundCompleted' ? 'success' : 'info',
            `refund ${status.__typename}: refund ${id}${order ? ` of order ${order.reference}` : ', not an order of this shop'} (${shortId(delivery.id)})`,
          )
        },
        unknown: (event, delivery) => {
          this.#received++
          note(
            'webhook',
            'warn',
            `${event.type ?? 'an untyped'} event the shop does not handle (${shortId(delivery.id)})`,
          )
        },
      },
      onError: (error, info) => {
        const code = (error as { code?: string }).code ?? 'an error'
        if (info.stage === 'verify') {
          this.#refused++
          note('webhook', 'warn', `Refused a delivery: ${code}; nothing changed`)
        } else {
          note('webhook', 'error', `A delivery failed in the ${info.stage} step (${code})`)
        }
      },
    })
  }

  /** The route, mounted before any body parser: stitchWebhooks() reads the raw body itself. */
  readonly route: RequestHandler = (req, res, next) => {
    const outage = this.#outage
    if (outage && outage.endsAt > Date.now()) {
      // The demo's switch: as if the shop were down. Stitch retries; the page asks Stitch.
      // Unverified, so logged only when it looks like an id (no terminal escapes from strangers).
      const id = req.get('svix-id')
      if (id && SVIX_ID.test(id) && !outage.seen.has(id) && outage.seen.size < 100) {
        outage.seen.add(id)
        this.#monitor.note(
          'webhook',
          'warn',
          `Endpoint down: answered ${OUTAGE_STATUS} to ${shortId(id)} (Stitch retries it)`,
        )
      }
      res
        .status(OUTAGE_STATUS)
        .set('Retry-After', '5')
        .json({
          error: { code: 'webhooks_down', message: 'The demo switched its webhook endpoint off.' },
        })
      return
    }
    if (this.#handler) {
      this.#handler(req, res, next)
      return
    }
    // Off, or in the moment between listening and subscribing: Stitch retries a 503.
    res.status(this.mode === 'off' ? 404 : 503).json({
      error: { code: 'webhooks_off', message: 'This shop takes no webhooks.' },
    })
  }

  /** The demo's "webhook endpoint down" switch: every delivery is answered 503 for `seconds`. */
  startOutage(seconds = WEBHOOK_OUTAGE_SECONDS): string {
    this.#clearOutage()
    const timer = setTimeout(() => {
      this.#outage = undefined
      this.#monitor.note('webhook', 'info', 'Webhook endpoint is back up')
    }, seconds * 1000)
    timer.unref()
    this.#outage = { endsAt: Date.now() + seconds * 1000, timer, seen: new Set() }
    const message = `Webhook endpoint down for ${seconds} s: it answers ${OUTAGE_STATUS}, so the page asks Stitch instead`
    this.#monitor.note('webhook', 'warn', message)
    return message
  }

  endOutage(): string {
    const had = this.#clearOutage()
    const message = had ? 'Webhook endpoint is back up' : 'No webhook outage to end'
    if (had) this.#monitor.note('webhook', 'info', message)
    return message
  }

  info(): WebhookPanelState {
    const outage = this.#outage
    return {
      mode: this.mode,
      received: this.#received,
      refused: this.#refused,
      outage:
        outage && outage.endsAt > Date.now()
          ? { endsAt: outage.endsAt, status: OUTAGE_STATUS }
          : null,
    }
  }

  dispose(): void {
    this.#clearOutage()
  }

  #clearOutage(): boolean {
    const outage = this.#outage
    if (!outage) return false
    clearTimeout(outage.timer)
    this.#outage = undefined
    return true
  }
}

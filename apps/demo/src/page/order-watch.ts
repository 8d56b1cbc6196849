// How the checkout page learns a payment's outcome. With webhooks, it asks the shop's own
// server (the order store Stitch's webhooks fill: no call to Stitch) every second, and asks
// Stitch itself only as a fallback, when no webhook has settled the order for FALLBACK_AFTER_MS
// (a lost or refused delivery). Without webhooks it asks Stitch every STATUS_EVERY_MS.
// No DOM here: the page passes its functions in, and the unit test its fakes.
import type { PaymentRequestStatus } from '@stitch-auth/core/proxy'

export const ORDER_EVERY_MS = 1000
export const FALLBACK_AFTER_MS = 6000
export const STATUS_EVERY_MS = 2000

/** Who told the page: a webhook (through the shop's order store) or a poll of Stitch. */
export type StatusSource = 'webhook' | 'polled'

export interface WatchDeps {
  /** Whether webhooks reach the shop at all (`DemoPageConfig.webhooks`). */
  webhooks: boolean
  /** The order's status in the shop's store (`GET /api/orders/:id`). */
  order: () => Promise<PaymentRequestStatus>
  /** The payment request's status, asked of Stitch (the proxy's `paymentStatus`). */
  stitch: () => Promise<PaymentRequestStatus>
  /** False once the page stopped caring (another payment, or the page settled it itself). */
  current: () => boolean
  show: (status: PaymentRequestStatus, source: StatusSource) => void
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

export const isSettled = (status: PaymentRequestStatus | undefined): boolean =>
  status === 'completed' || status === 'cancelled' || status === 'expired'

/** Watches one payment until it is settled, then shows who said so; resolves then. */
export async function watchPayment(deps: WatchDeps): Promise<void> {
  const sleep =
    deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const now = deps.now ?? Date.now
  const { webhooks, current } = deps
  // A failed request is a miss, not the end: the next round tries again.
  const ask = (read: () => Promise<PaymentRequestStatus>) =>
    read().then(
      (status) => status,
      () => undefined,
    )
  const stitchEvery = webhooks ? FALLBACK_AFTER_MS : STATUS_EVERY_MS
  let stitchAskedAt = now()

  while (current()) {
    await sleep(webhooks ? ORDER_EVERY_MS : STATUS_EVERY_MS)
    if (!current()) return
    if (webhooks) {
      const status = await ask(deps.order)
      if (!current()) return
      if (isSettled(status)) {
        deps.show(status as PaymentRequestStatus, 'webhook')
        return
      }
    }
    if (now() - stitchAskedAt < stitchEvery) continue
    stitchAskedAt = now()
    const polled = await ask(deps.stitch)
    if (!current()) return
    if (!isSettled(polled)) continue
    // The webhook may have landed while Stitch answered: the shop's word comes first.
    if (webhooks) {
      const status = await ask(deps.order)
      if (!current()) return
      if (isSettled(status)) {
        deps.show(status as PaymentRequestStatus, 'webhook')
        return
      }
    }
    deps.show(polled as PaymentRequestStatus, 'polled')
    return
  }
}

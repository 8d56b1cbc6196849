// The checkout page's watch on a payment, on a fake clock: the shop's order store first (what
// the webhooks filled), Stitch only as the fallback.
import type { PaymentRequestStatus } from '@stitch-auth/core/proxy'
import { describe, expect, it } from 'vitest'
import {
  FALLBACK_AFTER_MS,
  ORDER_EVERY_MS,
  STATUS_EVERY_MS,
  type StatusSource,
  type WatchDeps,
  watchPayment,
} from '../src/page/order-watch.js'

type Answer = PaymentRequestStatus | Error

/** Runs a watch where `order(t)` and `stitch(t)` say what each source answers at time t. */
async function watch(options: {
  webhooks?: boolean
  order?: (t: number) => Answer
  stitch?: (t: number) => Answer
  current?: (t: number) => boolean
  /** What lands in the order store while Stitch answers (the webhook's race with the poll). */
  duringStitch?: () => void
  limitMs?: number
}) {
  let t = 0
  const asked = { order: [] as number[], stitch: [] as number[] }
  const shown: { status: PaymentRequestStatus; source: StatusSource; at: number }[] = []
  const answer = (value: Answer) =>
    value instanceof Error ? Promise.reject(value) : Promise.resolve(value)
  const deps: WatchDeps = {
    webhooks: options.webhooks ?? true,
    order: () => {
      asked.order.push(t)
      return answer(options.order?.(t) ?? 'pending')
    },
    stitch: () => {
      asked.stitch.push(t)
      const value = options.stitch?.(t) ?? 'pending'
      options.duringStitch?.()
      return answer(value)
    },
    current: () => (options.current?.(t) ?? true) && t <= (options.limitMs ?? 60_000),
    show: (status, source) => {
      shown.push({ status, source, at: t })
    },
    sleep: async (ms) => {
      t += ms
    },
    now: () => t,
  }
  await watchPayment(deps)
  return { asked, shown }
}

describe('watchPayment', () => {
  it('shows "webhook" as soon as the order store is settled, without asking Stitch', async () => {
    const { asked, shown } = await watch({ order: (t) => (t >= 3000 ? 'completed' : 'pending') })
    expect(shown).toEqual([{ status: 'completed', source: 'webhook', at: 3000 }])
    expect(asked.order).toEqual([1000, 2000, 3000])
    expect(asked.stitch).toEqual([])
  })

  it('asks Stitch only every 6 s while no webhook settles the order, and then says "polled"', async () => {
    const { asked, shown } = await watch({ stitch: (t) => (t >= 12_000 ? 'completed' : 'pending') })
    expect(asked.stitch).toEqual([FALLBACK_AFTER_MS, 2 * FALLBACK_AFTER_MS])
    expect(asked.order).toHaveLength((2 * FALLBACK_AFTER_MS) / ORDER_EVERY_MS + 1)
    expect(shown).toEqual([{ status: 'completed', source: 'polled', at: 12_000 }])
  })

  it('prefers the webhook when it lands while Stitch answers', async () => {
    let landed = false
    const { shown } = await watch({
      order: () => (landed ? 'completed' : 'pending'),
      stitch: () => 'completed',
      duringStitch: () => {
        landed = true
      },
    })
    expect(shown).toEqual([{ status: 'completed', source: 'webhook', at: FALLBACK_AFTER_MS }])
  })

  it('without webhooks asks Stitch every 2 s and never the order store', async () => {
    const { asked, shown } = await watch({
      webhooks: false,
      stitch: (t) => (t >= 6000 ? 'expired' : 'pending'),
    })
    expect(asked.order).toEqual([])
    expect(asked.stitch).toEqual([STATUS_EVERY_MS, 2 * STATUS_EVERY_MS, 3 * STATUS_EVERY_MS])
    expect(shown).toEqual([{ status: 'expired', source: 'polled', at: 6000 }])
  })

  it('rides out failed requests to either source', async () => {
    const { shown } = await watch({
      order: (t) => (t < 4000 ? new Error('shop down') : 'pending'),
      stitch: (t) => (t < 7000 ? new Error('Stitch down') : 'cancelled'),
    })
    expect(shown).toEqual([{ status: 'cancelled', source: 'polled', at: 12_000 }])
  })

  it('keeps waiting on a pending or unknown status, and stops once the page moved on', async () => {
    const { asked, shown } = await watch({
      order: () => 'unknown',
      current: (t) => t < 8500,
    })
    expect(shown).toEqual([])
    expect(asked.order.at(-1)).toBe(8000)
    expect(asked.stitch).toEqual([FALLBACK_AFTER_MS])
  })
})

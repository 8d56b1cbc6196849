import { describe, expect, it, vi } from 'vitest'
import { type Orders, verifyRaw, webhookEndpoint } from '../../examples/webhooks.js'
import { deliver, makeSecret, PAYMENT_BODY, REFUND_BODY, toRequest } from './helpers.js'

describe("the README's webhook examples", () => {
  it('the endpoint marks the order paid once, however often Svix delivers it', async () => {
    const secret = makeSecret()
    const orders: Orders = { markPaid: vi.fn(async () => {}), markFailed: vi.fn(async () => {}) }
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const handle = webhookEndpoint({ STITCH_WEBHOOK_SECRET: secret }, orders)
    const delivery = deliver(PAYMENT_BODY, secret)
    expect((await handle(toRequest(delivery))).status).toBe(204)
    expect((await handle(toRequest(delivery))).status).toBe(200)
    expect(orders.markPaid).toHaveBeenCalledExactlyOnceWith('order-42', '150.00')
    expect((await handle(toRequest(deliver(REFUND_BODY, secret)))).status).toBe(204)
    expect(log).toHaveBeenCalledWith('refund', 'cmVmdW5kLzE=', 'RefundCompleted')
    log.mockRestore()
  })

  it('the low-level verify accepts either secret during a rotation', async () => {
    const [current, old] = [makeSecret(), makeSecret()]
    const env = { STITCH_WEBHOOK_SECRET: current, STITCH_WEBHOOK_SECRET_OLD: old }
    for (const secret of [current, old]) {
      const { body, headers } = deliver(PAYMENT_BODY, secret, { id: 'msg_raw' })
      await expect(verifyRaw(env, body, headers)).resolves.toMatchObject({
        id: 'msg_raw',
        type: 'payment',
        known: true,
      })
    }
  })
})

// The built `@stitch-auth/core/webhooks` entry, from CommonJS and ESM (turbo builds first).
import { createRequire } from 'node:module'
import { Webhook } from 'svix'
import { describe, expect, it } from 'vitest'
import { makeSecret, PAYMENT_BODY } from './helpers.js'

type Webhooks = typeof import('../../src/webhooks/index.js')

const dist = new URL('../../dist/', import.meta.url)

async function verifiesSvixDelivery(webhooks: Webhooks) {
  const secret = makeSecret()
  const date = new Date()
  const verifier = webhooks.createWebhookVerifier({ secrets: secret })
  const { event } = await verifier.verify(PAYMENT_BODY, {
    'svix-id': 'msg_dist',
    'svix-timestamp': String(Math.floor(date.getTime() / 1000)),
    'svix-signature': new Webhook(secret).sign('msg_dist', date, PAYMENT_BODY),
  })
  expect(event).toMatchObject({ type: 'payment', known: true })
}

describe('built webhooks entry', () => {
  it('works from CommonJS require()', async () => {
    await verifiesSvixDelivery(
      createRequire(import.meta.url)('../../dist/webhooks.cjs') as Webhooks,
    )
  })

  it('works from ESM import', async () => {
    await verifiesSvixDelivery((await import(new URL('webhooks.js', dist).href)) as Webhooks)
  })
})

import { startStitchSimulator } from '@stitch-auth/testing'
import { Hono } from 'hono'
import { expect, it } from 'vitest'
import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperations,
  paymentRequestStatusOperation,
  stitchAuth,
  stitchErrorHandler,
  stitchProxy,
} from '../src/index.js'

// The README's quick start and testing sections, run in process against the simulator.
it('runs the README quick start', async () => {
  await using sim = await startStitchSimulator({
    clients: [
      { clientId: 'test-client', clientSecret: 'test-secret', scopes: ['client_paymentrequest'] },
    ],
  })
  const stitch = createStitchAuth({
    clientId: 'test-client',
    clientSecret: 'test-secret',
    scopes: ['client_paymentrequest'],
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
  })

  const orders = new Map([['order-42', { total: 150 }]])
  const operations = defineOperations({
    createPaymentRequest: createPaymentRequestOperation({
      beneficiary: { name: 'My Shop', bankId: 'fnb', accountNumber: '62000000000' },
      beneficiaryReference: 'MyShop',
      resolveAmount: ({ reference }) => orders.get(reference)?.total ?? 0,
    }),
    paymentRequestStatus: paymentRequestStatusOperation(),
  })

  const app = new Hono()
    .route('/stitch', stitchProxy({ client: stitch, operations }))
    .get('/token-expiry', stitchAuth({ client: stitch }), (c) => {
      const token = c.get('stitchToken')
      return c.json({ expiresAt: token.expiresAt })
    })
    .onError(stitchErrorHandler())

  const created = await app.request('/stitch/createPaymentRequest', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
    body: JSON.stringify({ amount: 1, reference: 'order-42' }),
  })
  expect(created.status).toBe(200)
  const { data } = (await created.json()) as { data: { id: string; url: string } }
  expect(data.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pay\//)
  // The order's total is charged, not the amount the browser sent.
  expect(sim.paymentRequests[0]?.amount).toEqual({ quantity: '150.00', currency: 'ZAR' })
  expect(sim.paymentRequests[0]?.beneficiary?.name).toBe('My Shop')

  const status = await app.request('/stitch/paymentRequestStatus', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
    body: JSON.stringify({ id: data.id }),
  })
  expect(((await status.json()) as { data: { status: string } }).data.status).toBe('pending')

  const expiry = await app.request('/token-expiry')
  expect(expiry.status).toBe(200)
  const { expiresAt } = (await expiry.json()) as { expiresAt: string }
  expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now())
  expect(sim.stats.tokenRequests.total).toBe(1)

  // The testing section: a token outage reaches the app as 503 with Retry-After.
  sim.fault({ endpoint: 'token', status: 503, retryAfter: 2 })
  const fresh = createStitchAuth({
    clientId: 'test-client',
    clientSecret: 'test-secret',
    scopes: ['client_paymentrequest'],
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
    retry: { maxAttempts: 1 },
  })
  const outage = await new Hono()
    .get('/token', stitchAuth({ client: fresh }), (c) => c.text(c.get('stitchToken').preview))
    .onError(stitchErrorHandler())
    .request('/token')
  expect(outage.status).toBe(503)
  expect(outage.headers.get('retry-after')).toBe('2')
  await fresh.close()
  await stitch.close()
})

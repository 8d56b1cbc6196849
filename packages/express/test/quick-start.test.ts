import { startStitchSimulator } from '@stitch-auth/testing'
import express from 'express'
import request from 'supertest'
import { expect, it } from 'vitest'
import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperations,
  getStitchToken,
  paymentRequestStatusOperation,
  stitchAuth,
  stitchErrorHandler,
  stitchProxy,
} from '../src/index.js'

// The README's quick start and testing sections, run against the simulator.
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

  const app = express()
  app.use('/stitch', stitchProxy({ client: stitch, operations }))
  app.get('/token-expiry', stitchAuth({ client: stitch }), (req, res) => {
    res.json({ expiresAt: getStitchToken(req).expiresAt })
  })
  app.use(stitchErrorHandler())

  const created = await request(app)
    .post('/stitch/createPaymentRequest')
    .set('x-stitch-proxy', '1')
    .send({ amount: 1, reference: 'order-42' })
    .expect(200)
  expect(created.body.data.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pay\//)
  // The order's total is charged, not the amount the browser sent.
  expect(sim.paymentRequests[0]?.amount).toEqual({ quantity: '150.00', currency: 'ZAR' })
  expect(sim.paymentRequests[0]?.beneficiary?.name).toBe('My Shop')

  const status = await request(app)
    .post('/stitch/paymentRequestStatus')
    .set('x-stitch-proxy', '1')
    .send({ id: created.body.data.id })
    .expect(200)
  expect(status.body.data.status).toBe('pending')

  const expiry = await request(app).get('/token-expiry').expect(200)
  expect(Date.parse(expiry.body.expiresAt)).toBeGreaterThan(Date.now())
  expect(sim.stats.tokenRequests.total).toBe(1)
  await stitch.close()
})

import { startStitchSimulator } from '@stitch-auth/testing'
import Fastify from 'fastify'
import { expect, it } from 'vitest'
import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperations,
  getStitchToken,
  paymentRequestStatusOperation,
  stitchAuthPlugin,
  stitchErrorHandler,
  stitchProxy,
} from '../src/index.js'
import { type BankAccountVerificationBankId, verifyBankAccount } from '../src/operations.js'

// The README's quick start, typed-operations and testing sections, run against the simulator.
it('runs the README quick start', async () => {
  await using sim = await startStitchSimulator({
    clients: [
      {
        clientId: 'test-client',
        clientSecret: 'test-secret',
        scopes: ['client_paymentrequest', 'client_bankaccountverification'],
      },
    ],
  })
  const stitch = createStitchAuth({
    clientId: 'test-client',
    clientSecret: 'test-secret',
    scopes: ['client_paymentrequest', 'client_bankaccountverification'],
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

  const app = Fastify()
  app.setErrorHandler(stitchErrorHandler())
  await app.register(stitchAuthPlugin, { client: stitch })
  await app.register(stitchProxy, { client: stitch, operations, prefix: '/stitch' })
  app.get('/token-expiry', { preHandler: app.stitchAuth() }, async (request) => {
    const token = getStitchToken(request)
    return { expiresAt: token.expiresAt }
  })
  interface Supplier {
    accountNumber: string
    bankId: BankAccountVerificationBankId
    name: string
    registrationNumber: string
  }
  app.post<{ Body: Supplier }>('/suppliers/verify-account', async (request) => {
    const { body } = request
    const details = await app.stitch.run(verifyBankAccount, {
      input: {
        accountNumber: body.accountNumber,
        bankId: body.bankId,
        accountHolder: {
          business: {
            name: body.name,
            registration: { country: 'ZA', number: body.registrationNumber },
          },
        },
      },
    })
    return { verified: details.accountVerificationResult }
  })

  const created = await app.inject({
    method: 'POST',
    url: '/stitch/createPaymentRequest',
    headers: { 'x-stitch-proxy': '1' },
    payload: { amount: 1, reference: 'order-42' },
  })
  expect(created.statusCode).toBe(200)
  const { data } = created.json<{ data: { id: string; url: string } }>()
  expect(data.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pay\//)
  // The order's total is charged, not the amount the browser sent.
  expect(sim.paymentRequests[0]?.amount).toEqual({ quantity: '150.00', currency: 'ZAR' })

  const status = await app.inject({
    method: 'POST',
    url: '/stitch/paymentRequestStatus',
    headers: { 'x-stitch-proxy': '1' },
    payload: { id: data.id },
  })
  expect(status.json().data.status).toBe('pending')

  const expiry = await app.inject({ url: '/token-expiry' })
  expect(Date.parse(expiry.json().expiresAt)).toBeGreaterThan(Date.now())
  // One token for the payment operation's scope, one for the client's scopes (the route's).
  expect(sim.stats.tokenRequests.total).toBe(2)

  const verified = await app.inject({
    method: 'POST',
    url: '/suppliers/verify-account',
    payload: {
      accountNumber: '62000000000',
      bankId: 'fnb',
      name: 'Supplier',
      registrationNumber: '2020/123456/07',
    },
  })
  expect(verified.statusCode).toBe(200)
  expect(typeof verified.json().verified).toBe('string')

  // Invalid variables: 400 with each field's problem, before anything is sent.
  const invalid = await app.inject({
    method: 'POST',
    url: '/suppliers/verify-account',
    payload: { accountNumber: '', bankId: 'fnb', name: 'Supplier', registrationNumber: 'x' },
  })
  expect(invalid.statusCode).toBe(400)
  expect(invalid.json().error.code).toBe('STITCH_AUTH_INVALID_VARIABLES')

  await app.close()
  await stitch.close()
})

import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { createStitchAuth, type StitchAuthOptions } from '../src/index.js'

export const CLIENT_ID = 'test-client-7f3a'
export const CLIENT_SECRET = 'sim-secret-&=+ ü-9c41d2'

/** Starts one simulator for the file; clients made with `client()` are closed after each test. */
export function useSimulator(options: { tokenLifetimeSeconds?: number } = {}) {
  let sim: StitchSimulator | undefined
  const open: Array<{ close(): Promise<void> }> = []
  beforeAll(async () => {
    sim = await startStitchSimulator({
      clients: [
        {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          scopes: ['client_paymentrequest', 'client_refund'],
        },
      ],
      ...options,
    })
  })
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()))
    sim?.clearFaults()
    sim?.resetStats()
  })
  afterAll(async () => {
    await sim?.close()
  })
  const get = () => {
    if (!sim) throw new Error('simulator not started')
    return sim
  }
  return {
    get sim() {
      return get()
    },
    /** A client of the simulator with fast retries unless overridden. */
    client(overrides: Partial<StitchAuthOptions> = {}) {
      const client = createStitchAuth({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        scopes: ['client_paymentrequest'],
        tokenUrl: get().tokenUrl,
        apiUrl: get().graphqlUrl,
        retry: { baseDelayMs: 5, maxDelayMs: 20 },
        ...overrides,
      } as StitchAuthOptions)
      open.push(client)
      return client
    },
  }
}

export const CREATE_PAYMENT = `mutation Create($input: ClientPaymentInitiationRequestCreateInput!) {
  clientPaymentInitiationRequestCreate(input: $input) { paymentInitiationRequest { id url } }
}`

export const paymentInput = {
  input: {
    amount: { quantity: '150.00', currency: 'ZAR' },
    payerReference: 'order-42',
    beneficiaryReference: 'shop',
    beneficiary: { bankAccount: { name: 'Shop', bankId: 'fnb', accountNumber: '62000000000' } },
  },
}

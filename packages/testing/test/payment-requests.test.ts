import { describe, expect, it } from 'vitest'
import { startStitchSimulator } from '../src/index.js'
import {
  CREATE_PAYMENT_REQUEST,
  createPaymentRequest,
  getAccessToken,
  gql,
  paymentInput,
  secretClient,
  startSim,
} from './helpers.js'

const NODE_QUERY = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      id
      ... on PaymentInitiationRequest {
        url
        amount
        payerReference
        beneficiaryReference
        externalReference
        expireAt
        beneficiaries { ... on BankBeneficiary { name bankId bankAccountNumber } }
        state {
          __typename
          ... on PaymentInitiationRequestCompleted { date amount }
          ... on PaymentInitiationRequestCancelled { date reason }
          ... on PaymentInitiationRequestExpired { date }
        }
      }
    }
  }
`

const CANCEL = /* GraphQL */ `
  mutation Cancel($input: PaymentInitiationRequestCancelInput!) {
    clientPaymentInitiationRequestCancel(input: $input) { id }
  }
`

describe('payment requests', () => {
  it('creates one and reads it back with node(), Money as Stitch serializes it', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    const { id, url, state } = await createPaymentRequest(sim, token)
    expect(id).toMatch(/^[\w-]{20,}$/)
    expect(url).toBe(`${sim.url}/pay/${id}`)
    expect(state.__typename).toBe('PaymentInitiationRequestPending')

    const read = await gql(sim, token, NODE_QUERY, { id })
    expect(read.body).toEqual({
      data: {
        node: {
          id,
          url,
          amount: { quantity: '150.00', currency: 'ZAR' },
          payerReference: 'order-42',
          beneficiaryReference: 'shop-42',
          externalReference: 'b7c1f1d2',
          expireAt: null,
          beneficiaries: [{ name: 'Acme Ltd', bankId: 'fnb', bankAccountNumber: '62000000000' }],
          state: { __typename: 'PaymentInitiationRequestPending' },
        },
      },
    })
    expect(sim.paymentRequests).toMatchObject([
      { id, clientId: secretClient.clientId, state: { type: 'pending' } },
    ])
  })

  it('accepts merchantId instead of a beneficiary, and refuses neither', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    const { beneficiary: _, ...withoutBeneficiary } = paymentInput()
    const merchant = await gql(sim, token, CREATE_PAYMENT_REQUEST, {
      input: { ...withoutBeneficiary, merchantId: 'merchant-1' },
    })
    expect(merchant.body.errors).toBeUndefined()
    const neither = await gql(sim, token, CREATE_PAYMENT_REQUEST, { input: withoutBeneficiary })
    expect(neither.body.errors?.[0]?.message).toMatch(
      /either beneficiary or merchantId must be specified/,
    )
    expect(sim.paymentRequests).toHaveLength(1)
  })

  it('accepts the amount as a Decimal string or a number, with up to 2 decimals', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    for (const quantity of ['19.99', 19.99, '100', 5]) {
      const { body } = await gql(sim, token, CREATE_PAYMENT_REQUEST, {
        input: paymentInput({ amount: { quantity, currency: 'ZAR' } }),
      })
      expect(body.errors).toBeUndefined()
    }
    expect(sim.paymentRequests.map((request) => request.amount.quantity)).toEqual([
      '19.99',
      '19.99',
      '100.00',
      '5.00',
    ])
  })

  describe('refuses input that breaks a documented limit, listing each problem', () => {
    it.each([
      [{ amount: { quantity: '10', currency: 'USD' } }, /input\.amount\.currency must be "ZAR"/],
      [
        { amount: { quantity: '0', currency: 'ZAR' } },
        /input\.amount\.quantity must be greater than 0/,
      ],
      [{ amount: { quantity: '1.234', currency: 'ZAR' } }, /at most 2 decimal places/],
      [{ amount: { quantity: '1e3', currency: 'ZAR' } }, /must be a decimal such as "150\.00"/],
      [{ payerReference: 'x'.repeat(13) }, /input\.payerReference must be at most 12 characters/],
      [
        { beneficiaryReference: 'x'.repeat(21) },
        /input\.beneficiaryReference must be at most 20 characters/,
      ],
      [{ externalReference: 'x'.repeat(4097) }, /input\.externalReference must be at most 4096/],
      [
        {
          beneficiary: {
            bankAccount: { name: 'x'.repeat(21), bankId: 'fnb', accountNumber: '62000000000' },
          },
        },
        /input\.beneficiary\.bankAccount\.name must be at most 20 characters/,
      ],
      [
        { beneficiary: { bankAccount: { name: 'Acme', bankId: 'fnb', accountNumber: '62-000' } } },
        /accountNumber must contain digits only/,
      ],
      [{ expireAt: '2000-01-01T00:00:00Z' }, /input\.expireAt must be in the future/],
    ])('%j', async (overrides, message) => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const { body } = await gql(sim, token, CREATE_PAYMENT_REQUEST, {
        input: paymentInput(overrides),
      })
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
      expect(body.errors?.[0]?.message).toMatch(message)
      expect(sim.paymentRequests).toEqual([])
    })

    it('allows exactly the documented maximums', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const { body } = await gql(sim, token, CREATE_PAYMENT_REQUEST, {
        input: paymentInput({
          payerReference: 'x'.repeat(12),
          beneficiaryReference: 'y'.repeat(20),
          externalReference: 'z'.repeat(4096),
        }),
      })
      expect(body.errors).toBeUndefined()
    })

    it('lists every problem at once', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const { body } = await gql(sim, token, CREATE_PAYMENT_REQUEST, {
        input: paymentInput({ payerReference: 'x'.repeat(13), beneficiaryReference: '' }),
      })
      expect(body.errors?.[0]?.extensions?.problems).toEqual([
        'input.payerReference must be at most 12 characters (got 13)',
        'input.beneficiaryReference must not be empty',
      ])
    })

    it('an unknown bank is a GraphQL validation error', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const { body } = await gql(sim, token, CREATE_PAYMENT_REQUEST, {
        input: paymentInput({
          beneficiary: {
            bankAccount: { name: 'Acme', bankId: 'bank_of_mars', accountNumber: '1' },
          },
        }),
      })
      expect(body.errors?.[0]?.message).toMatch(/bank_of_mars/)
    })
  })

  it('moves to Completed when the payer pays on the pay page', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const { id, url } = await createPaymentRequest(sim, token)
    const page = await fetch(url)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(await page.text()).toContain(`payment request ${id}, R 150.00`)
    const paid = await fetch(`${url}/complete`, { method: 'POST', redirect: 'manual' })
    expect(paid.status).toBe(303)
    expect(paid.headers.get('location')).toBe(`/pay/${id}`)
    const read = await gql(sim, token, NODE_QUERY, { id })
    expect(read.body.data?.node).toMatchObject({
      state: {
        __typename: 'PaymentInitiationRequestCompleted',
        amount: { quantity: '150.00', currency: 'ZAR' },
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    })
    expect((await fetch(`${sim.url}/pay/unknown`)).status).toBe(404)
    expect(() => sim.completePaymentRequest(id)).toThrow(/completed and can't be paid/)
    expect(() => sim.cancelPaymentRequest(id)).toThrow(/completed and can't be cancelled/)
    expect(() => sim.completePaymentRequest('unknown')).toThrow(/No payment request/)
  })

  it('is cancelled by clientPaymentInitiationRequestCancel, with its reason', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const { id } = await createPaymentRequest(sim, token)
    const cancelled = await gql(sim, token, CANCEL, {
      input: { requestId: id, reason: 'out of stock' },
    })
    expect(cancelled.body).toEqual({ data: { clientPaymentInitiationRequestCancel: { id } } })
    expect((await gql(sim, token, NODE_QUERY, { id })).body.data?.node).toMatchObject({
      state: { __typename: 'PaymentInitiationRequestCancelled', reason: 'out of stock' },
    })
    const again = await gql(sim, token, CANCEL, { input: { requestId: id, reason: 'again' } })
    expect(again.body.errors?.[0]?.message).toMatch(/is cancelled and can't be cancelled/)
    const unknown = await gql(sim, token, CANCEL, { input: { requestId: 'nope', reason: 'x' } })
    expect(unknown.body.errors?.[0]?.message).toMatch(/no payment request with id "nope"/)
  })

  it('expires when its expireAt passes, or on expirePaymentRequest()', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const expireAt = new Date(Date.now() + 60_000).toISOString()
    const { id } = await createPaymentRequest(sim, token, paymentInput({ expireAt }))
    const other = await createPaymentRequest(sim, token)
    expect((await gql(sim, token, NODE_QUERY, { id })).body.data?.node).toMatchObject({
      expireAt,
      state: { __typename: 'PaymentInitiationRequestPending' },
    })
    sim.setClockOffset(61_000)
    expect((await gql(sim, token, NODE_QUERY, { id })).body.data?.node).toMatchObject({
      state: { __typename: 'PaymentInitiationRequestExpired', date: expireAt },
    })
    expect(() => sim.completePaymentRequest(id)).toThrow(/expired and can't be paid/)

    sim.setClockOffset(0)
    sim.expirePaymentRequest(other.id)
    expect(sim.paymentRequests.map((request) => request.state.type)).toEqual(['expired', 'expired'])
  })

  it("node() answers null for an unknown id and for another client's request", async () => {
    await using sim = await startStitchSimulator({
      clients: [secretClient, { ...secretClient, clientId: 'other', clientSecret: 'other-secret' }],
    })
    const token = await getAccessToken(sim, 'client_paymentrequest')
    expect((await gql(sim, token, NODE_QUERY, { id: 'nope' })).body).toEqual({
      data: { node: null },
    })
    const { id } = await createPaymentRequest(sim, token)
    const response = await fetch(sim.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'other',
        client_secret: 'other-secret',
        scope: 'client_paymentrequest',
        audience: sim.tokenUrl,
      }),
    })
    const otherToken = ((await response.json()) as { access_token: string }).access_token
    expect((await gql(sim, otherToken, NODE_QUERY, { id })).body).toEqual({ data: { node: null } })
  })

  it('needs client_paymentrequest to create, cancel or read one', async () => {
    await using sim = await startSim()
    const { id } = await createPaymentRequest(
      sim,
      await getAccessToken(sim, 'client_paymentrequest'),
    )
    const token = await getAccessToken(sim, 'client_refund')
    const create = await gql(sim, token, CREATE_PAYMENT_REQUEST, { input: paymentInput() })
    const read = await gql(sim, token, NODE_QUERY, { id })
    for (const { body } of [create, read]) {
      expect(body.errors?.[0]?.extensions).toEqual({
        code: 'FORBIDDEN',
        missingScopes: ['client_paymentrequest'],
      })
    }
    expect(sim.paymentRequests).toHaveLength(1)
  })
})

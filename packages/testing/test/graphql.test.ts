import { describe, expect, it } from 'vitest'
import { startStitchSimulator } from '../src/index.js'
import {
  CREATE_PAYMENT_REQUEST,
  createPaymentRequest,
  getAccessToken,
  gql,
  paymentInput,
  secretClient,
  sleep,
  startSim,
} from './helpers.js'

const NODE_QUERY = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      id
      ... on PaymentInitiationRequest {
        url
        amount { quantity currency }
        payerReference
        beneficiaryReference
        externalReference
        status {
          __typename
          ... on PaymentInitiationRequestCompleted { date amount { quantity } }
          ... on PaymentInitiationRequestCancelled { reason }
        }
      }
    }
  }
`

const REFUND = /* GraphQL */ `
  mutation Refund($input: RefundInitiationInput!) {
    clientRefundInitiate(input: $input) { refund { id status { __typename } } }
  }
`

const UNAUTHENTICATED = {
  errors: [
    {
      message: 'The access token is invalid or has expired',
      extensions: { code: 'UNAUTHENTICATED' },
    },
  ],
}

describe('GraphQL API', () => {
  it('creates a payment request and reads it back with node()', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    const created = await gql(sim, token, CREATE_PAYMENT_REQUEST, { input: paymentInput() })
    expect(created.status).toBe(200)
    expect(created.body.errors).toBeUndefined()
    const payload = created.body.data?.clientPaymentInitiationRequestCreate as {
      paymentInitiationRequest: { id: string; url: string; status: { __typename: string } }
    }
    const { id, url, status } = payload.paymentInitiationRequest
    expect(id).toMatch(/^[\w-]{20,}$/)
    expect(url).toBe(`${sim.url}/pay/${id}`)
    expect(status.__typename).toBe('PaymentInitiationRequestPending')

    const read = await gql(sim, token, NODE_QUERY, { id })
    expect(read.body).toEqual({
      data: {
        node: {
          id,
          url,
          amount: { quantity: 150, currency: 'ZAR' },
          payerReference: 'order-42',
          beneficiaryReference: 'shop-42',
          externalReference: 'b7c1f1d2',
          status: { __typename: 'PaymentInitiationRequestPending' },
        },
      },
    })

    const page = await fetch(url)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(await page.text()).toContain(`Stitch simulator — payment request ${id}, R 150.00`)

    expect(sim.paymentRequests).toMatchObject([
      { id, clientId: secretClient.clientId, status: { type: 'pending' } },
    ])
    sim.completePaymentRequest(id)
    const completed = await gql(sim, token, NODE_QUERY, { id })
    expect(completed.body.data?.node).toMatchObject({
      status: { __typename: 'PaymentInitiationRequestCompleted', amount: { quantity: 150 } },
    })
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

  it('a token without client_refund calling clientRefundInitiate is FORBIDDEN with requiredScopes', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    const { status, body } = await gql(sim, token, REFUND, {
      input: {
        amount: { quantity: 10, currency: 'ZAR' },
        reason: 'duplicate',
        nonce: 'n-1',
        beneficiaryReference: 'refund-1',
        paymentRequestId: 'x',
      },
    })
    expect(status).toBe(200)
    expect(body.data).toEqual({ clientRefundInitiate: null })
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'Missing required scopes: client_refund',
        path: ['clientRefundInitiate'],
        extensions: { code: 'FORBIDDEN', requiredScopes: ['client_refund'] },
      }),
    ])
    expect(sim.stats.apiCalls).toMatchObject({ total: 1, forbidden: 1, unauthenticated: 0 })
  })

  it('refunds a completed payment, idempotently by nonce', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const { id } = await createPaymentRequest(sim, token)
    const input = {
      amount: { quantity: 50, currency: 'ZAR' },
      reason: 'duplicate',
      nonce: 'n-1',
      beneficiaryReference: 'refund-1',
      paymentRequestId: id,
    }
    const early = await gql(sim, token, REFUND, { input })
    expect(early.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(early.body.errors?.[0]?.message).toMatch(/only completed payments can be refunded/)

    sim.completePaymentRequest(id)
    const first = await gql(sim, token, REFUND, { input })
    const again = await gql(sim, token, REFUND, { input })
    expect(first.body.errors).toBeUndefined()
    expect(first.body.data).toEqual(again.body.data)
    expect(sim.refunds).toHaveLength(1)
    expect(sim.refunds[0]).toMatchObject({ paymentRequestId: id, amount: { quantity: 50 } })
  })

  it('the payment page can simulate the payer paying; unknown ids are 404', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const { id, url } = await createPaymentRequest(sim, token)
    expect(await (await fetch(url)).text()).toContain('Simulate payment')
    const paid = await fetch(`${url}/complete`, { method: 'POST', redirect: 'manual' })
    expect(paid.status).toBe(303)
    expect(paid.headers.get('location')).toBe(`/pay/${id}`)
    expect(sim.paymentRequests[0]?.status.type).toBe('completed')
    expect((await fetch(`${sim.url}/pay/unknown`)).status).toBe(404)
    expect(() => sim.cancelPaymentRequest(id)).toThrow(/completed and can't be cancelled/)
    expect(() => sim.completePaymentRequest('unknown')).toThrow(/No payment request/)
  })

  it('the index names the endpoints', async () => {
    await using sim = await startSim()
    expect(await (await fetch(sim.url)).json()).toEqual({
      name: 'Stitch simulator',
      tokenUrl: sim.tokenUrl,
      graphqlUrl: sim.graphqlUrl,
    })
    expect((await fetch(`${sim.url}/nope`)).status).toBe(404)
  })

  it('clientScopes returns the token scopes for any valid token', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim, 'client_refund')
    expect((await gql(sim, token, '{ clientScopes }')).body).toEqual({
      data: { clientScopes: ['client_refund'] },
    })
  })

  it('a token without client_paymentrequest cannot create payment requests', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim, 'client_refund')
    const { body } = await gql(sim, token, CREATE_PAYMENT_REQUEST, { input: paymentInput() })
    expect(body.data).toBeNull()
    expect(body.errors?.[0]?.extensions).toEqual({
      code: 'FORBIDDEN',
      requiredScopes: ['client_paymentrequest'],
    })
  })

  describe('UNAUTHENTICATED', () => {
    it('no token, a garbage token and a malformed header', async () => {
      await using sim = await startSim()
      for (const token of [undefined, 'garbage']) {
        const { status, body } = await gql(sim, token, '{ clientScopes }')
        expect(status).toBe(200)
        expect(body).toEqual(UNAUTHENTICATED)
      }
      const response = await fetch(sim.graphqlUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Basic abc' },
        body: JSON.stringify({ query: '{ clientScopes }' }),
      })
      expect(await response.json()).toEqual(UNAUTHENTICATED)
      expect(sim.stats.apiCalls).toMatchObject({ total: 3, unauthenticated: 3 })
    })

    it('a token after expireAllTokens()', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      expect((await gql(sim, token, '{ clientScopes }')).body.errors).toBeUndefined()
      sim.expireAllTokens()
      expect((await gql(sim, token, '{ clientScopes }')).body).toEqual(UNAUTHENTICATED)
    })

    it('a token past its 1 s lifetime', async () => {
      await using sim = await startSim({ tokenLifetimeSeconds: 1 })
      const token = await getAccessToken(sim)
      expect((await gql(sim, token, '{ clientScopes }')).body.errors).toBeUndefined()
      await sleep(1100)
      expect((await gql(sim, token, '{ clientScopes }')).body).toEqual(UNAUTHENTICATED)
    })

    it('a token expired by moving the simulator clock', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      sim.setClockOffset(3_601_000)
      expect((await gql(sim, token, '{ clientScopes }')).body).toEqual(UNAUTHENTICATED)
    })

    it('answers 401 with WWW-Authenticate when configured', async () => {
      await using sim = await startSim({ unauthenticatedStatus: 401 })
      const response = await fetch(sim.graphqlUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ query: '{ clientScopes }' }),
      })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
      expect(await response.json()).toEqual(UNAUTHENTICATED)
    })
  })

  describe('BAD_USER_INPUT', () => {
    it.each([
      [
        { amount: { quantity: 10, currency: 'USD' } },
        /input\.amount\.currency must be "ZAR" \(got "USD"\)/,
      ],
      [
        { amount: { quantity: 0, currency: 'ZAR' } },
        /input\.amount\.quantity must be greater than 0/,
      ],
      [{ amount: { quantity: 1.234, currency: 'ZAR' } }, /at most 2 decimal places/],
      [
        { payerReference: 'a-very-long-reference' },
        /input\.payerReference must be at most 12 characters/,
      ],
      [{ beneficiaryReference: 'x'.repeat(13) }, /input\.beneficiaryReference must be at most 12/],
      [
        { beneficiary: { bankAccount: { name: 'Acme', bankId: 'fnb', accountNumber: '62-000' } } },
        /accountNumber must contain digits only/,
      ],
    ])('%j → %s', async (overrides, message) => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const { body } = await gql(sim, token, CREATE_PAYMENT_REQUEST, {
        input: paymentInput(overrides),
      })
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
      expect(body.errors?.[0]?.message).toMatch(message)
      expect(sim.paymentRequests).toEqual([])
    })

    it('accepts an amount with 2 decimal places', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const { body } = await gql(sim, token, CREATE_PAYMENT_REQUEST, {
        input: paymentInput({ amount: { quantity: 19.99, currency: 'ZAR' } }),
      })
      expect(body.errors).toBeUndefined()
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

  describe('transport', () => {
    it('rejects a non-JSON body, a missing query and the wrong content type', async () => {
      await using sim = await startSim()
      const post = (body: string, contentType = 'application/json') =>
        fetch(sim.graphqlUrl, { method: 'POST', headers: { 'Content-Type': contentType }, body })
      expect((await post('{nope')).status).toBe(400)
      expect((await post('{}')).status).toBe(400)
      expect((await post('query=x', 'application/x-www-form-urlencoded')).status).toBe(415)
      expect((await fetch(sim.graphqlUrl)).status).toBe(405)
    })

    it('syntax errors come back as GraphQL errors', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      const { status, body } = await gql(sim, token, '{ clientScopes ')
      expect(status).toBe(200)
      expect(body.errors?.[0]?.message).toMatch(/Syntax Error/)
    })
  })
})

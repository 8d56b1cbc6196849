import { describe, expect, it } from 'vitest'
import {
  StitchApiError,
  StitchEndpointUnavailableError,
  StitchTokenRequestError,
} from '../src/index.js'
import { CLIENT_SECRET, CREATE_PAYMENT, paymentInput, useSimulator } from './simulator.js'

const ctx = useSimulator()

describe('against the simulator', () => {
  it('gets a token, serves the second from cache, and calls the API with it', async () => {
    const stitch = ctx.client()
    const first = await stitch.getToken()
    const second = await stitch.getToken()
    expect(second).toBe(first)
    expect(first.scopes).toEqual(['client_paymentrequest'])
    const data = await stitch.graphql<{
      clientPaymentInitiationRequestCreate: {
        paymentInitiationRequest: { id: string; url: string }
      }
    }>(CREATE_PAYMENT, paymentInput)
    expect(data.clientPaymentInitiationRequestCreate.paymentInitiationRequest.url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/pay\//,
    )
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
    expect(ctx.sim.stats.apiCalls.total).toBe(1)
  })

  it('sends a secret with reserved and non-ASCII characters intact', async () => {
    const stitch = ctx.client()
    await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(CLIENT_SECRET).toMatch(/[&=+ ü]/)
    expect(ctx.sim.stats.tokenRequests.byOutcome.issued).toBe(1)
  })

  it('answers 1,000 concurrent cold callers with one request to the endpoint', async () => {
    const stitch = ctx.client()
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => stitch.getToken()))
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('fails invalid_client after exactly one request', async () => {
    const stitch = ctx.client({ clientSecret: 'wrong' })
    const error = await stitch.getToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StitchTokenRequestError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_TOKEN_REJECTED',
      error: 'invalid_client',
      upstreamStatus: 401,
    })
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('fails invalid_scope at once, naming the OAuth error', async () => {
    const stitch = ctx.client({ scopes: ['client_disbursement'] })
    await expect(stitch.getToken()).rejects.toMatchObject({ error: 'invalid_scope' })
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('re-authenticates once when the API says the token expired, then succeeds', async () => {
    const stitch = ctx.client()
    const first = await stitch.getToken()
    ctx.sim.expireAllTokens()
    const data = await stitch.graphql(`query { __typename }`)
    expect(data).toEqual({ __typename: 'Query' })
    expect(ctx.sim.stats.apiCalls).toMatchObject({ total: 2, unauthenticated: 1 })
    expect(ctx.sim.apiRequests.map((entry) => entry.outcome)).toEqual(['unauthenticated', 'ok'])
    expect(ctx.sim.stats.tokenRequests.total).toBe(2)
    expect((await stitch.getToken()).accessToken).not.toBe(first.accessToken)
  })

  it('stops after one re-authentication when the API keeps refusing, with a typed error', async () => {
    const stitch = ctx.client()
    const unauthenticated = JSON.stringify({
      errors: [{ message: 'UNAUTHENTICATED: Token is expired or malformed' }],
      extensions: { code: 'UNAUTHENTICATED' },
    })
    ctx.sim.fault({
      endpoint: 'graphql',
      status: 200,
      body: unauthenticated,
      contentType: 'application/json',
    })
    const error = await stitch.graphql(`query { __typename }`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_API_UNAUTHENTICATED' })
    expect(ctx.sim.stats.apiCalls.total).toBe(2)
    expect(ctx.sim.stats.tokenRequests.total).toBe(2)
  })

  it('re-authenticates on an HTTP 401 from the API as well', async () => {
    const stitch = ctx.client()
    await stitch.getToken()
    ctx.sim.fault({ endpoint: 'graphql', status: 401, body: 'Unauthorized', times: 1 })
    await expect(stitch.graphql(`query { __typename }`)).resolves.toEqual({ __typename: 'Query' })
    expect(ctx.sim.stats.tokenRequests.total).toBe(2)
  })

  it('reports a missing scope with the scopes the call needs', async () => {
    const stitch = ctx.client()
    const error = await stitch
      .graphql(
        `mutation { clientRefundInitiate(input: { amount: { quantity: "1.00", currency: "ZAR" }, reason: fraudulent, nonce: "n1", beneficiaryReference: "r", paymentRequestId: "x" }) { refund { id } } }`,
      )
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_API_FORBIDDEN',
      requiredScopes: ['client_refund'],
    })
    expect((error as Error).message).toMatch(/needs scopes the token lacks: client_refund/)
  })

  it('reports GraphQL input errors as StitchApiError without retrying the mutation', async () => {
    const stitch = ctx.client()
    const bad = { input: { ...paymentInput.input, amount: { quantity: '-1', currency: 'ZAR' } } }
    const error = await stitch.graphql(CREATE_PAYMENT, bad).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_API_INVALID_INPUT' })
    expect((error as StitchApiError).errors[0]?.code).toBe('BAD_USER_INPUT')
    expect(ctx.sim.stats.apiCalls.total).toBe(1)
  })

  it('fails with a clear error when the endpoint is unreachable', async () => {
    const stitch = ctx.client({
      tokenUrl: 'http://127.0.0.1:9/connect/token',
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    })
    const error = await stitch.getToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StitchEndpointUnavailableError)
    expect(error).toMatchObject({ attempts: 2, statusCode: 503 })
    expect((error as Error).message).toMatch(
      /Could not reach the Stitch token endpoint at http:\/\/127\.0\.0\.1:9/,
    )
  })
})

import { buildSchema, parse, validate } from 'graphql'
import { describe, expect, it } from 'vitest'
import { FIELD_SCOPES, SCHEMA_SDL, UNAUTHENTICATED_BODY } from '../src/index.js'
import { getAccessToken, gql, sleep, startSim } from './helpers.js'

// Verbatim from Stitch's documentation: an expired or malformed token.
const DOCUMENTED_UNAUTHENTICATED =
  '{"errors":[{"message":"UNAUTHENTICATED: Token is expired or malformed"}],"extensions":{"code":"UNAUTHENTICATED"}}'

async function rawPost(
  url: string,
  init: { token?: string; query?: string; body?: string; contentType?: string } = {},
) {
  const headers: Record<string, string> = {
    'Content-Type': init.contentType ?? 'application/json',
  }
  if (init.token !== undefined) headers.Authorization = init.token
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: init.body ?? JSON.stringify({ query: init.query ?? '{ __typename }' }),
  })
  return { status: response.status, headers: response.headers, text: await response.text() }
}

describe('the schema', () => {
  it('is Stitch’s: roots and the client-token operations, with no field Stitch lacks', () => {
    const schema = buildSchema(SCHEMA_SDL)
    expect(Object.keys(schema.getQueryType()?.getFields() ?? {}).sort()).toEqual(['client', 'node'])
    expect(schema.getType('PaymentInitiationRequestInput')).toBeUndefined()
    expect(schema.getQueryType()?.getFields().clientScopes).toBeUndefined()
    const create = schema.getMutationType()?.getFields().clientPaymentInitiationRequestCreate
    expect(create?.args.map((arg) => `${arg.name}: ${String(arg.type)}`)).toEqual([
      'input: ClientPaymentInitiationRequestCreateInput!',
    ])
  })

  it('names the documented scope of every client-token operation', () => {
    expect(FIELD_SCOPES).toMatchObject({
      'Mutation.clientPaymentInitiationRequestCreate': ['client_paymentrequest'],
      'Mutation.clientPaymentInitiationRequestCancel': ['client_paymentrequest'],
    })
  })

  it('refuses a document that uses names Stitch does not have', () => {
    const schema = buildSchema(SCHEMA_SDL)
    const invented = parse(
      'mutation ($input: PaymentInitiationRequestInput!) { clientPaymentInitiationRequestCreate(input: $input) { paymentInitiationRequest { status { __typename } } } }',
    )
    const messages = validate(schema, invented).map((error) => error.message)
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Unknown type "PaymentInitiationRequestInput"/),
        expect.stringMatching(/Cannot query field "status" on type "PaymentInitiationRequest"/),
      ]),
    )
  })
})

describe('UNAUTHENTICATED', () => {
  it("answers Stitch's documented body verbatim", () => {
    expect(UNAUTHENTICATED_BODY).toBe(DOCUMENTED_UNAUTHENTICATED)
  })

  it('no token, a garbage token and a malformed header', async () => {
    await using sim = await startSim()
    for (const token of [undefined, 'Bearer garbage', 'Basic abc']) {
      const answer = await rawPost(sim.graphqlUrl, token === undefined ? {} : { token })
      expect(answer.status).toBe(200)
      expect(answer.text).toBe(DOCUMENTED_UNAUTHENTICATED)
    }
    expect(sim.stats.apiCalls).toMatchObject({ total: 3, unauthenticated: 3 })
    expect(sim.apiRequests.map((entry) => entry.outcome)).toEqual([
      'unauthenticated',
      'unauthenticated',
      'unauthenticated',
    ])
  })

  it('a token after expireAllTokens()', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    expect((await gql(sim, token, '{ __typename }')).body).toEqual({
      data: { __typename: 'Query' },
    })
    sim.expireAllTokens()
    const answer = await rawPost(sim.graphqlUrl, { token: `Bearer ${token}` })
    expect(answer.text).toBe(DOCUMENTED_UNAUTHENTICATED)
  })

  it('a token past its 1 s lifetime', async () => {
    await using sim = await startSim({ tokenLifetimeSeconds: 1 })
    const token = await getAccessToken(sim)
    expect((await gql(sim, token, '{ __typename }')).body.errors).toBeUndefined()
    await sleep(1100)
    expect((await rawPost(sim.graphqlUrl, { token: `Bearer ${token}` })).text).toBe(
      DOCUMENTED_UNAUTHENTICATED,
    )
  })

  it('a token expired by moving the simulator clock', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    sim.setClockOffset(3_601_000)
    expect((await rawPost(sim.graphqlUrl, { token: `Bearer ${token}` })).text).toBe(
      DOCUMENTED_UNAUTHENTICATED,
    )
  })

  it('answers 401 with WWW-Authenticate when configured, with the same body', async () => {
    await using sim = await startSim({ unauthenticatedStatus: 401 })
    const answer = await rawPost(sim.graphqlUrl)
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    expect(answer.text).toBe(DOCUMENTED_UNAUTHENTICATED)
  })
})

describe('missing scopes', () => {
  it('name the scopes needed, in the shape Stitch documents for its API', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim, 'client_refund')
    const { status, body } = await gql(
      sim,
      token,
      'mutation ($input: PaymentInitiationRequestCancelInput!) { clientPaymentInitiationRequestCancel(input: $input) { id } }',
      { input: { requestId: 'x', reason: 'no longer needed' } },
    )
    expect(status).toBe(200)
    expect(body.data).toEqual({ clientPaymentInitiationRequestCancel: null })
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'Token is missing the following scope: client_paymentrequest',
        path: ['clientPaymentInitiationRequestCancel'],
        extensions: { code: 'FORBIDDEN', missingScopes: ['client_paymentrequest'] },
      }),
    ])
    expect(sim.stats.apiCalls).toMatchObject({ total: 1, forbidden: 1 })
    expect(sim.apiRequests.at(-1)).toMatchObject({
      outcome: 'forbidden',
      scopes: ['client_refund'],
    })
  })
})

describe('the API request log', () => {
  it('records who called, with which scopes, which operation and variables; never the token', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim, 'client_refund client_paymentrequest')
    await gql(sim, token, 'query Probe($id: ID!) { node(id: $id) { id } }', { id: 'abc' })
    await gql(sim, token, '{ nope }')
    expect(sim.apiRequests).toEqual([
      {
        at: expect.any(Number),
        clientId: 'test-client',
        scopes: ['client_refund', 'client_paymentrequest'],
        operationName: 'Probe',
        variables: { id: 'abc' },
        outcome: 'ok',
        status: 200,
      },
      expect.objectContaining({ outcome: 'error', variables: {} }),
    ])
    expect(JSON.stringify(sim.apiRequests)).not.toContain(token)
    sim.resetStats()
    expect(sim.apiRequests).toEqual([])
  })
})

describe('transport', () => {
  it('rejects a non-JSON body, a missing query and the wrong content type', async () => {
    await using sim = await startSim()
    const post = (body: string, contentType = 'application/json') =>
      rawPost(sim.graphqlUrl, { body, contentType })
    expect((await post('{nope')).status).toBe(400)
    expect((await post('{}')).status).toBe(400)
    expect((await post('query=x', 'application/x-www-form-urlencoded')).status).toBe(415)
    expect((await fetch(sim.graphqlUrl)).status).toBe(405)
  })

  it('syntax errors come back as GraphQL errors', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const { status, body } = await gql(sim, token, '{ __typename ')
    expect(status).toBe(200)
    expect(body.errors?.[0]?.message).toMatch(/Syntax Error/)
  })

  it('refuses a multipart request without the spec’s operations and map fields', async () => {
    await using sim = await startSim()
    const token = await getAccessToken(sim)
    const form = new FormData()
    form.set('0', new Blob(['x'], { type: 'image/png' }), 'x.png')
    const response = await fetch(sim.graphqlUrl, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: form,
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      errors: [{ message: expect.stringMatching(/"operations" and "map"/) }],
    })
  })
})

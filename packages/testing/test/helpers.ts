import { type CryptoKey, SignJWT } from 'jose'
import type { SimulatorClient, StitchSimulator, StitchSimulatorOptions } from '../src/index.js'
import { startStitchSimulator } from '../src/index.js'

export const CLIENT_ID = 'test-client'
/** Characters that break naive form encoding, to prove the endpoint decodes properly. */
export const CLIENT_SECRET = 'sEcReT+/=&?:% é'
export const SCOPES = ['client_paymentrequest', 'client_refund'] as const

export const secretClient: SimulatorClient = {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  scopes: [...SCOPES],
}

export function startSim(options: StitchSimulatorOptions = {}): Promise<StitchSimulator> {
  return startStitchSimulator({ clients: [secretClient], ...options })
}

/** The documented token form for the default client, with parameters overridden or removed. */
export function tokenForm(
  sim: StitchSimulator,
  overrides: Record<string, string | undefined> = {},
): URLSearchParams {
  const params: Record<string, string | undefined> = {
    grant_type: 'client_credentials',
    client_id: CLIENT_ID,
    scope: 'client_paymentrequest',
    audience: sim.tokenUrl,
    client_secret: CLIENT_SECRET,
    ...overrides,
  }
  const form = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined) form.set(key, value)
  return form
}

export interface RawResponse {
  status: number
  headers: Headers
  text: string
}

export async function postToken(
  sim: StitchSimulator,
  body: URLSearchParams | string,
  init: { contentType?: string; signal?: AbortSignal } = {},
): Promise<RawResponse> {
  const response = await fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': init.contentType ?? 'application/x-www-form-urlencoded' },
    body: body.toString(),
    signal: init.signal ?? AbortSignal.timeout(10_000),
  })
  return { status: response.status, headers: response.headers, text: await response.text() }
}

/** Posts the token form and parses the JSON answer. */
export async function requestToken(
  sim: StitchSimulator,
  overrides: Record<string, string | undefined> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const { status, headers, text } = await postToken(sim, tokenForm(sim, overrides))
  return { status, headers, json: JSON.parse(text) as Record<string, unknown> }
}

export async function getAccessToken(
  sim: StitchSimulator,
  scope: string = SCOPES.join(' '),
): Promise<string> {
  const { status, json } = await requestToken(sim, { scope })
  if (status !== 200) throw new Error(`expected a token, got ${status} ${JSON.stringify(json)}`)
  return String(json.access_token)
}

export interface GraphQLAnswer {
  status: number
  body: {
    data?: Record<string, unknown> | null
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[]
  }
}

export async function gql(
  sim: StitchSimulator,
  accessToken: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLAnswer> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (accessToken !== undefined) headers.Authorization = `Bearer ${accessToken}`
  const response = await fetch(sim.graphqlUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  })
  return { status: response.status, body: (await response.json()) as GraphQLAnswer['body'] }
}

/** A private_key_jwt assertion as DESIGN §3 describes it, with claims overridable. */
export async function signAssertion(
  sim: StitchSimulator,
  privateKey: CryptoKey,
  clientId: string,
  claims: {
    aud?: string
    iss?: string
    sub?: string
    jti?: string
    iat?: number
    exp?: number
  } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ jti: claims.jti ?? crypto.randomUUID() })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(claims.iss ?? clientId)
    .setSubject(claims.sub ?? clientId)
    .setAudience(claims.aud ?? sim.tokenUrl)
    .setIssuedAt(claims.iat ?? now)
    .setNotBefore(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + 180)
    .sign(privateKey)
}

export const CREATE_PAYMENT_REQUEST = /* GraphQL */ `
  mutation CreatePaymentRequest($input: ClientPaymentInitiationRequestCreateInput!) {
    clientPaymentInitiationRequestCreate(input: $input) {
      paymentInitiationRequest { id url state { __typename } }
    }
  }
`

/** Creates a payment request and returns it, failing loudly on GraphQL errors. */
export async function createPaymentRequest(
  sim: StitchSimulator,
  accessToken: string,
  input: Record<string, unknown> = paymentInput(),
): Promise<{ id: string; url: string; state: { __typename: string } }> {
  const { body } = await gql(sim, accessToken, CREATE_PAYMENT_REQUEST, { input })
  const payload = body.data?.clientPaymentInitiationRequestCreate as
    | { paymentInitiationRequest: { id: string; url: string; state: { __typename: string } } }
    | undefined
  if (payload === undefined) throw new Error(`create failed: ${JSON.stringify(body.errors)}`)
  return payload.paymentInitiationRequest
}

export function paymentInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    amount: { quantity: '150.00', currency: 'ZAR' },
    payerReference: 'order-42',
    beneficiaryReference: 'shop-42',
    externalReference: 'b7c1f1d2',
    beneficiary: {
      bankAccount: { name: 'Acme Ltd', bankId: 'fnb', accountNumber: '62000000000' },
    },
    ...overrides,
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

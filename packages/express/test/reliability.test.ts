// The simulator's fault matrix against an Express app (stitchAuth + stitchProxy), 50 concurrent
// requests per fault: every fault ends in recovery or in the right status and error code, no
// rejection goes unhandled, and nothing keeps running once the app and client are closed.
// Then a property: whatever the token endpoint answers, no response carries the secret or token.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type FaultSpec, type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import express from 'express'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperations,
  type ExpressProxyContext,
  getStitchToken,
  StitchApiError,
  StitchApiUnavailableError,
  type StitchAuth,
  StitchAuthError,
  type StitchAuthOptions,
  StitchEndpointUnavailableError,
  StitchResponseError,
  StitchTokenRequestError,
  stitchAuth,
  stitchErrorHandler,
  stitchProxy,
} from '../src/index.js'

const CLIENT_ID = 'express-reliability-client'
const CLIENT_SECRET = 'express-reliability-secret-&=+% 9d1'
const CALLERS = 50
const TRANSIENT = [408, 429, 500, 502, 503, 504] as const
const PUBLIC_MESSAGES: Record<number, string> = {
  502: 'Stitch could not complete the request.',
  503: 'Stitch is unavailable; try again shortly.',
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Short backoff; a generous attempt timeout except in rows about timeouts (SHORT). */
const FAST: Partial<StitchAuthOptions> = {
  attemptTimeoutMs: 2_000,
  deadlineMs: 5_000,
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 },
}

const operations = defineOperations({
  createPaymentRequest: createPaymentRequestOperation<ExpressProxyContext>({
    beneficiary: { name: 'Reliable Shop', bankId: 'fnb', accountNumber: '62000000000' },
    beneficiaryReference: 'Reliable',
    allowBrowserAmount: true,
  }),
})

type ErrorClass = abstract new (...args: never[]) => StitchAuthError

interface Failure {
  class: ErrorClass
  code: string
  /** The status the app answers. */
  status: number
  /** `Retry-After` the app sends: exact seconds, or a range. */
  retryAfter?: number | readonly [number, number]
}

interface Row {
  name: string
  endpoint: FaultSpec['endpoint']
  fault: () => Omit<FaultSpec, 'endpoint'>
  outcome: 'recover' | Failure
  /** Options for this row's client, over FAST. */
  options?: Partial<StitchAuthOptions>
}

const SHORT = { attemptTimeoutMs: 300 } as const

const httpDate = (secondsAhead: number) => new Date(Date.now() + secondsAhead * 1000)
const unavailable = (retryAfter?: Failure['retryAfter']): Failure => ({
  class: StitchEndpointUnavailableError,
  code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
  status: 503,
  ...(retryAfter === undefined ? {} : { retryAfter }),
})
const invalidResponse: Failure = {
  class: StitchResponseError,
  code: 'STITCH_AUTH_RESPONSE_INVALID',
  status: 502,
}

const tokenRows: Row[] = [
  ...TRANSIENT.flatMap((status): Row[] => [
    {
      name: `${status}, once`,
      endpoint: 'token',
      fault: () => ({ status, times: 1 }),
      outcome: 'recover',
    },
    {
      name: `${status} with Retry-After: 1 (seconds), once`,
      endpoint: 'token',
      fault: () => ({ status, retryAfter: 1, times: 1 }),
      outcome: 'recover',
    },
    {
      name: `${status} with Retry-After as an HTTP date 1.5 s ahead, once`,
      endpoint: 'token',
      fault: () => ({ status, retryAfter: httpDate(1.5), times: 1 }),
      outcome: 'recover',
    },
    {
      name: `${status}, every time`,
      endpoint: 'token',
      fault: () => ({ status }),
      outcome: unavailable(),
    },
    {
      name: `${status} with Retry-After: 60 (over the cap), every time`,
      endpoint: 'token',
      fault: () => ({ status, retryAfter: 60 }),
      outcome: unavailable(60),
    },
    {
      name: `${status} with Retry-After as an HTTP date 60 s ahead, every time`,
      endpoint: 'token',
      fault: () => ({ status, retryAfter: httpDate(60) }),
      outcome: unavailable([58, 60]),
    },
  ]),
  {
    name: 'a 100 ms delay',
    endpoint: 'token',
    fault: () => ({ delayMs: 100, times: 1 }),
    outcome: 'recover',
  },
  {
    name: 'a delay past the attempt timeout, once',
    endpoint: 'token',
    options: SHORT,
    fault: () => ({ delayMs: 1_000, times: 1 }),
    outcome: 'recover',
  },
  {
    name: 'a hang, once',
    endpoint: 'token',
    options: SHORT,
    fault: () => ({ hang: true, times: 1 }),
    outcome: 'recover',
  },
  {
    name: 'a hang, every time',
    endpoint: 'token',
    options: SHORT,
    fault: () => ({ hang: true }),
    outcome: unavailable(),
  },
  {
    name: 'a connection reset, once',
    endpoint: 'token',
    fault: () => ({ reset: true, times: 1 }),
    outcome: 'recover',
  },
  {
    name: 'a connection reset, every time',
    endpoint: 'token',
    fault: () => ({ reset: true }),
    outcome: unavailable(),
  },
  ...(['truncated-json', 'not-json', 'html', 'empty'] as const).flatMap((malformed): Row[] => [
    {
      name: `a ${malformed} 200, once`,
      endpoint: 'token',
      fault: () => ({ malformed, times: 1 }),
      outcome: 'recover',
    },
    {
      name: `a ${malformed} 200, every time`,
      endpoint: 'token',
      fault: () => ({ malformed }),
      outcome: unavailable(),
    },
  ]),
  ...(
    [
      'missing-access-token',
      'wrong-token-type',
      'non-positive-expires-in',
      'missing-expires-in',
      'fewer-scopes',
    ] as const
  ).map(
    (malformed): Row => ({
      name: `a 200 with ${malformed}`,
      endpoint: 'token',
      fault: () => ({ malformed }),
      outcome: invalidResponse,
    }),
  ),
  ...([400, 401] as const).map(
    (status): Row => ({
      name: `a ${status} OAuth error`,
      endpoint: 'token',
      fault: () => ({ status }),
      outcome: { class: StitchTokenRequestError, code: 'STITCH_AUTH_TOKEN_REJECTED', status: 502 },
    }),
  ),
]

/**
 * A 408, 429, 502, 503 or 504 from the API means Stitch is unavailable for now: 503 with
 * Stitch's Retry-After. A 500 is Stitch failing the call: 502.
 */
const apiFailure = (status: number, retryAfter?: Failure['retryAfter']): Failure =>
  status !== 500
    ? {
        class: StitchApiUnavailableError,
        code: 'STITCH_AUTH_API_UNAVAILABLE',
        status: 503,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      }
    : { class: StitchApiError, code: 'STITCH_AUTH_API_ERROR', status: 502 }

const graphqlRows: Row[] = [
  ...TRANSIENT.flatMap((status): Row[] => [
    {
      name: `${status}`,
      endpoint: 'graphql',
      fault: () => ({ status }),
      outcome: apiFailure(status),
    },
    {
      name: `${status} with Retry-After: 2 (seconds)`,
      endpoint: 'graphql',
      fault: () => ({ status, retryAfter: 2 }),
      outcome: apiFailure(status, 2),
    },
    {
      name: `${status} with Retry-After as an HTTP date 60 s ahead`,
      endpoint: 'graphql',
      fault: () => ({ status, retryAfter: httpDate(60) }),
      outcome: apiFailure(status, [58, 60]),
    },
  ]),
  {
    name: 'a 100 ms delay',
    endpoint: 'graphql',
    fault: () => ({ delayMs: 100 }),
    outcome: 'recover',
  },
  {
    name: 'a connection reset',
    endpoint: 'graphql',
    fault: () => ({ reset: true }),
    outcome: { class: StitchApiUnavailableError, code: 'STITCH_AUTH_API_UNAVAILABLE', status: 503 },
  },
  ...(['truncated-json', 'not-json', 'html', 'empty'] as const).map(
    (malformed): Row => ({
      name: `a ${malformed} 200`,
      endpoint: 'graphql',
      fault: () => ({ malformed }),
      outcome: { class: StitchApiError, code: 'STITCH_AUTH_API_ERROR', status: 502 },
    }),
  ),
]

// --- Process-level checks -------------------------------------------------------------------

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled)
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
})

function resources(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const type of process.getActiveResourcesInfo()) {
    counts.set(type, (counts.get(type) ?? 0) + 1)
  }
  return counts
}

async function leakedSince(baseline: Map<string, number>): Promise<Record<string, number>> {
  let extra: Record<string, number> = {}
  for (let attempt = 0; attempt < 100; attempt++) {
    extra = {}
    for (const [type, count] of resources()) {
      const over = count - (baseline.get(type) ?? 0)
      if (over > 0) extra[type] = over
    }
    if (Object.keys(extra).length === 0) return extra
    await sleep(20)
  }
  return extra
}

interface AppContext {
  sim: StitchSimulator
  client: StitchAuth
  base: string
  proxyErrors: unknown[]
}

/** A simulator, a client and the app for one row; afterwards the process must be as before. */
async function withApp(
  options: Partial<StitchAuthOptions>,
  body: (app: AppContext) => Promise<void>,
) {
  const baseline = resources()
  const sim = await startStitchSimulator({
    clients: [
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['client_paymentrequest'] },
    ],
  })
  const client = createStitchAuth({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes: ['client_paymentrequest'],
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
    ...FAST,
    ...options,
  })
  const proxyErrors: unknown[] = []
  const app = express()
  app.get('/token', stitchAuth({ client }), (req, res) => {
    res.json({ preview: getStitchToken(req).preview })
  })
  app.use(
    '/stitch',
    stitchProxy({ client, operations, onError: (error) => proxyErrors.push(error) }),
  )
  app.use(stitchErrorHandler())
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  try {
    await body({ sim, client, base, proxyErrors })
  } finally {
    await client.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await sim.close()
  }
  await sleep(10)
  expect(unhandled).toEqual([])
  expect(await leakedSince(baseline)).toEqual({})
}

interface Answer {
  status: number
  retryAfter: string | null
  body: {
    preview?: string
    data?: { id: string; url: string }
    error?: { code: string; message: string }
  }
}

async function ask(base: string, route: 'token' | 'proxy', signal?: AbortSignal): Promise<Answer> {
  const response =
    route === 'token'
      ? await fetch(`${base}/token`, { signal })
      : await fetch(`${base}/stitch/createPaymentRequest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
          body: JSON.stringify({ amount: 150, reference: 'order-42' }),
          signal,
        })
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Answer['body'],
  }
}

function expectAnswer(answer: Answer, route: 'token' | 'proxy', outcome: Row['outcome']) {
  if (outcome === 'recover') {
    expect(answer.status).toBe(200)
    if (route === 'token') expect(answer.body.preview).toMatch(/…$/)
    else expect(answer.body.data).toMatchObject({ id: expect.any(String), url: expect.any(String) })
    return
  }
  // stitchAuth() routes and the proxy answer with the same body (core's toHttpErrorAnswer).
  expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
    status: outcome.status,
    code: outcome.code,
  })
  expect(answer.body.error?.message).toBe(PUBLIC_MESSAGES[outcome.status])
  if (outcome.retryAfter === undefined) {
    expect(answer.retryAfter).toBeNull()
  } else {
    const [low, high] =
      typeof outcome.retryAfter === 'number'
        ? [outcome.retryAfter, outcome.retryAfter]
        : outcome.retryAfter
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(low)
    expect(Number(answer.retryAfter)).toBeLessThanOrEqual(high)
  }
}

describe.each([
  ['token endpoint: stitchAuth() route and proxy, half each', tokenRows],
  ['GraphQL endpoint: proxy', graphqlRows],
] as const)(`Express fault matrix, ${CALLERS} concurrent requests, %s`, (_label, rows) => {
  it.each(rows)('$name', async (row) => {
    await withApp(row.options ?? {}, async ({ sim, client, base, proxyErrors }) => {
      if (row.endpoint === 'graphql') await client.getToken()
      sim.resetStats()
      sim.fault({ endpoint: row.endpoint, ...row.fault() })

      const routes = Array.from({ length: CALLERS }, (_, index) =>
        row.endpoint === 'token' && index % 2 === 0 ? ('token' as const) : ('proxy' as const),
      )
      const answers = await Promise.all(routes.map((route) => ask(base, route)))
      for (const [index, answer] of answers.entries()) {
        expectAnswer(answer, routes[index]!, row.outcome)
      }

      if (row.outcome === 'recover') {
        if (row.endpoint === 'token') {
          // One token for every request: the cache's single flight held under the fault.
          const previews = answers.flatMap((answer) => answer.body.preview ?? [])
          expect(new Set(previews).size).toBe(1)
        }
      } else {
        // The proxy hides the error from the browser and hands it to onError, typed.
        const proxied = routes.filter((route) => route === 'proxy').length
        expect(proxyErrors).toHaveLength(proxied)
        for (const error of proxyErrors) {
          expect(error).toBeInstanceOf(row.outcome.class)
          expect(error).toMatchObject({ code: row.outcome.code })
        }
      }
      if (row.endpoint === 'graphql') expect(sim.stats.apiCalls.total).toBe(CALLERS)

      sim.clearFaults()
      expectAnswer(await ask(base, 'proxy'), 'proxy', 'recover')
      expectAnswer(await ask(base, 'token'), 'token', 'recover')
    })
  })

  if (rows === graphqlRows) {
    it('a hang: browsers that give up cancel the proxy’s calls to Stitch at once', async () => {
      await withApp({}, async ({ sim, client, base, proxyErrors }) => {
        await client.getToken()
        sim.fault({ endpoint: 'graphql', hang: true })
        const outcomes = await Promise.allSettled(
          Array.from({ length: CALLERS }, () => ask(base, 'proxy', AbortSignal.timeout(300))),
        )
        for (const outcome of outcomes) {
          expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'TimeoutError' } })
        }
        expect(sim.stats.apiCalls.total).toBe(CALLERS)
        // Each disconnect aborts its Stitch call (the API timeout alone would take 30 s).
        for (let waited = 0; proxyErrors.length < CALLERS && waited < 2_000; waited += 20) {
          await sleep(20)
        }
        expect(proxyErrors).toHaveLength(CALLERS)
        for (const error of proxyErrors) {
          expect(error).toMatchObject({ code: 'STITCH_AUTH_ABORTED' })
        }
        sim.clearFaults()
        expectAnswer(await ask(base, 'proxy'), 'proxy', 'recover')
      })
    })
  }
})

// --- Property: no response carries the secret or the token ----------------------------------

describe('property: no Express response carries the secret or the token', () => {
  const B64TOKEN = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/']
  const secretArb = fc
    .tuple(
      fc.string({ unit: 'binary', maxLength: 24 }),
      fc.constantFrom('&', '=', '+', '%', ' ', '%26', '+=', '% &'),
      fc.string({ unit: 'binary', maxLength: 24 }),
    )
    .map(([a, special, b]) => `${a}${special}${b}`)
    .filter((secret) => secret.length >= 10 && new Set(secret).size >= 5)
  const tokenArb = fc
    .string({ unit: fc.constantFrom(...B64TOKEN), minLength: 16, maxLength: 200 })
    .filter((token) => new Set(token).size >= 4)

  /** Texts a leak may take: raw, URL- and form-encoded, JSON-escaped. */
  const forms = (value: string) => [
    value,
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
  ]

  type Scenario =
    | { kind: 'ok'; apiEchoes: boolean }
    | { kind: 'body'; status: number; contentType: string; parts: string[] }

  // Placeholders, filled with the run's secret and token, so the scenario shrinks on its own.
  const scenarioArb: fc.Arbitrary<Scenario> = fc.oneof(
    fc.record({ kind: fc.constant('ok' as const), apiEchoes: fc.boolean() }),
    fc.record({
      kind: fc.constant('body' as const),
      status: fc.constantFrom(200, 400, 401, 403, 500, 503),
      contentType: fc.constantFrom('application/json', 'text/html', 'text/plain'),
      parts: fc.array(
        fc.oneof(
          fc.constant('{{secret}}'),
          fc.constant('{{token}}'),
          fc.constant('{"error":"invalid_client","error_description":"{{secret}} {{token}}"}'),
          fc.constant('{"error":"{{token}}"}'),
          fc.constant(
            '{"access_token":"{{token}}","token_type":"{{token}}","expires_in":"{{token}}"}',
          ),
          fc.json(),
          fc.string(),
        ),
        { maxLength: 4 },
      ),
    }),
  )

  let server: Server
  let base: string
  let current: express.Router = express.Router()
  beforeAll(async () => {
    const app = express()
    app.use((req, res, next) => current(req, res, next))
    server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
    })
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('for random secrets, tokens and token-endpoint answers (500 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, tokenArb, scenarioArb, async (secret, token, scenario) => {
        const fill = (text: string) =>
          text.replaceAll('{{secret}}', secret).replaceAll('{{token}}', token)
        const fakeFetch: typeof fetch = async (input) => {
          const url = input instanceof Request ? input.url : String(input)
          if (url.endsWith('/graphql')) {
            return scenario.kind === 'ok' && scenario.apiEchoes
              ? Response.json({ errors: [{ message: `bad token ${token} for ${secret}` }] })
              : Response.json({
                  data: {
                    clientPaymentInitiationRequestCreate: {
                      paymentInitiationRequest: { id: 'pir_1', url: 'https://pay.example/1' },
                    },
                  },
                })
          }
          if (scenario.kind === 'ok') {
            return Response.json({
              access_token: token,
              token_type: 'Bearer',
              expires_in: 3600,
              scope: 'client_paymentrequest',
            })
          }
          return new Response(fill(scenario.parts.join('')), {
            status: scenario.status,
            headers: { 'content-type': scenario.contentType },
          })
        }
        const client = createStitchAuth({
          clientId: CLIENT_ID,
          clientSecret: secret,
          scopes: ['client_paymentrequest'],
          tokenUrl: 'http://127.0.0.1:9/connect/token',
          apiUrl: 'http://127.0.0.1:9/graphql',
          fetch: fakeFetch,
          retry: { maxAttempts: 1 },
        })
        const router = express.Router()
        router.get('/token', stitchAuth({ client }), (req, res) => {
          res.json({ preview: getStitchToken(req).preview, token: String(getStitchToken(req)) })
        })
        router.use('/stitch', stitchProxy({ client, operations }))
        router.use(stitchErrorHandler())
        current = router
        try {
          for (const route of ['token', 'proxy'] as const) {
            const response =
              route === 'token'
                ? await fetch(`${base}/token`)
                : await fetch(`${base}/stitch/createPaymentRequest`, {
                    method: 'POST',
                    headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
                    body: JSON.stringify({ amount: 150, reference: 'order-42' }),
                  })
            const everything = `${response.status} ${JSON.stringify([...response.headers])} ${await response.text()}`
            for (const needle of [...forms(secret), ...forms(token)]) {
              expect(everything).not.toContain(needle)
            }
          }
        } finally {
          await client.close()
        }
      }),
      { numRuns: 500 },
    )
  }, 60_000)
})

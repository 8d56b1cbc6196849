// The simulator's whole fault matrix against core, 50 concurrent callers per fault: every fault
// ends in recovery or in the right typed error, no rejection goes unhandled, and the client
// leaves nothing running once closed.
import { type FaultSpec, type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createStitchAuth,
  StitchApiError,
  StitchApiUnavailableError,
  type StitchAuth,
  StitchAuthError,
  type StitchAuthOptions,
  StitchEndpointUnavailableError,
  StitchResponseError,
  StitchTokenRequestError,
} from '../src/index.js'
import { CLIENT_ID, CLIENT_SECRET, CREATE_PAYMENT, paymentInput } from './simulator.js'

const CALLERS = 50
const TRANSIENT = [408, 429, 500, 502, 503, 504] as const
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Short backoff, so each row takes milliseconds (or the Retry-After it tests). The attempt
 * timeout stays generous, so a loaded machine cannot turn a slow answer into an extra attempt;
 * rows about timeouts set their own (SHORT).
 */
const FAST: Partial<StitchAuthOptions> = {
  attemptTimeoutMs: 2_000,
  deadlineMs: 5_000,
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 },
}

type ErrorClass = abstract new (...args: never[]) => StitchAuthError

interface Failure {
  class: ErrorClass
  code: string
  /** The HTTP status a server answers its own client with (`error.statusCode`). */
  status: number
  retryable?: boolean
  upstreamStatus?: number
  attempts?: number
  /** The `Retry-After` the error asks a server to send: exact seconds, or a range. */
  retryAfter?: number | readonly [number, number]
  /** The class of `error.cause`. */
  cause?: ErrorClass
  message?: RegExp
}

interface Row {
  name: string
  endpoint: FaultSpec['endpoint']
  /** Built when the row runs, so HTTP dates are relative to then. */
  fault: () => Omit<FaultSpec, 'endpoint'>
  /** Every caller gets a token (or data), or every caller fails like this. */
  outcome: 'recover' | Failure
  /** Token requests the simulator counts for the 50 callers (graphql rows: after the warm-up). */
  tokenRequests?: number
  /** The least time the callers must have waited, e.g. a Retry-After. */
  minMs?: number
  /** Options for this row's client, over FAST. */
  options?: Partial<StitchAuthOptions>
  /** `timeoutMs` of the API calls. */
  apiTimeoutMs?: number
}

const SHORT = { attemptTimeoutMs: 300 } as const
/** The API timeout of every call, and of calls in rows about a hanging API. */
const API_TIMEOUT_MS = 2_000
const SHORT_API_TIMEOUT_MS = 300

const httpDate = (secondsAhead: number) => new Date(Date.now() + secondsAhead * 1000)

const unavailable = (extra: Partial<Failure> = {}): Failure => ({
  class: StitchEndpointUnavailableError,
  code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
  status: 503,
  retryable: true,
  ...extra,
})

const invalidResponse = (message: RegExp): Failure => ({
  class: StitchResponseError,
  code: 'STITCH_AUTH_RESPONSE_INVALID',
  status: 502,
  retryable: false,
  upstreamStatus: 200,
  message,
})

const tokenRows: Row[] = [
  ...TRANSIENT.flatMap((status): Row[] => [
    {
      name: `${status}, once`,
      endpoint: 'token',
      fault: () => ({ status, times: 1 }),
      outcome: 'recover',
      tokenRequests: 2,
    },
    {
      name: `${status} with Retry-After: 1 (seconds), once`,
      endpoint: 'token',
      fault: () => ({ status, retryAfter: 1, times: 1 }),
      outcome: 'recover',
      tokenRequests: 2,
      minMs: 950,
    },
    {
      name: `${status} with Retry-After as an HTTP date 1.5 s ahead, once`,
      endpoint: 'token',
      fault: () => ({ status, retryAfter: httpDate(1.5), times: 1 }),
      outcome: 'recover',
      tokenRequests: 2,
      // HTTP dates have whole seconds: 1.5 s ahead is 0.5–1.5 s away once truncated.
      minMs: 400,
    },
    {
      name: `${status}, every time`,
      endpoint: 'token',
      fault: () => ({ status }),
      outcome: unavailable({ upstreamStatus: status, attempts: 3, message: /Gave up after 3/ }),
      tokenRequests: 3,
    },
    {
      name: `${status} with Retry-After: 60 (over the cap), every time`,
      endpoint: 'token',
      fault: () => ({ status, retryAfter: 60 }),
      outcome: unavailable({ upstreamStatus: status, attempts: 1, retryAfter: 60 }),
      tokenRequests: 1,
    },
    {
      name: `${status} with Retry-After as an HTTP date 60 s ahead, every time`,
      endpoint: 'token',
      fault: () => ({ status, retryAfter: httpDate(60) }),
      outcome: unavailable({ upstreamStatus: status, attempts: 1, retryAfter: [58, 60] }),
      tokenRequests: 1,
    },
  ]),
  {
    name: 'a 100 ms delay',
    endpoint: 'token',
    fault: () => ({ delayMs: 100, times: 1 }),
    outcome: 'recover',
    tokenRequests: 1,
    minMs: 90,
  },
  {
    name: 'a delay past the attempt timeout, once',
    endpoint: 'token',
    options: SHORT,
    fault: () => ({ delayMs: 1_000, times: 1 }),
    outcome: 'recover',
    minMs: 290,
  },
  {
    name: 'a hang, once',
    endpoint: 'token',
    options: SHORT,
    fault: () => ({ hang: true, times: 1 }),
    outcome: 'recover',
    tokenRequests: 2,
    minMs: 290,
  },
  {
    name: 'a hang, every time',
    endpoint: 'token',
    options: SHORT,
    fault: () => ({ hang: true }),
    outcome: unavailable({ attempts: 3, message: /did not answer within 300 ms/ }),
    tokenRequests: 3,
  },
  {
    name: 'a connection reset, once',
    endpoint: 'token',
    fault: () => ({ reset: true, times: 1 }),
    outcome: 'recover',
    tokenRequests: 2,
  },
  {
    name: 'a connection reset, every time',
    endpoint: 'token',
    fault: () => ({ reset: true }),
    outcome: unavailable({ attempts: 3, message: /Could not reach the Stitch token endpoint/ }),
    tokenRequests: 3,
  },
  ...(['truncated-json', 'not-json', 'html', 'empty'] as const).flatMap((malformed): Row[] => [
    {
      name: `a ${malformed} 200, once`,
      endpoint: 'token',
      fault: () => ({ malformed, times: 1 }),
      outcome: 'recover',
      tokenRequests: 2,
    },
    {
      name: `a ${malformed} 200, every time`,
      endpoint: 'token',
      fault: () => ({ malformed }),
      outcome: unavailable({
        attempts: 3,
        cause: StitchResponseError,
        message: /not JSON.*Gave up after 3/,
      }),
      tokenRequests: 3,
    },
  ]),
  {
    name: 'a 200 without access_token',
    endpoint: 'token',
    fault: () => ({ malformed: 'missing-access-token', times: 1 }),
    outcome: invalidResponse(/"access_token" in the token response/),
    tokenRequests: 1,
  },
  {
    name: 'a 200 with token_type other than Bearer',
    endpoint: 'token',
    fault: () => ({ malformed: 'wrong-token-type', times: 1 }),
    outcome: invalidResponse(/"token_type" in the token response must be "Bearer"/),
    tokenRequests: 1,
  },
  {
    name: 'a 200 with expires_in 0',
    endpoint: 'token',
    fault: () => ({ malformed: 'non-positive-expires-in', times: 1 }),
    outcome: invalidResponse(/"expires_in" in the token response must be a positive number/),
    tokenRequests: 1,
  },
  {
    name: 'a 200 without expires_in',
    endpoint: 'token',
    fault: () => ({ malformed: 'missing-expires-in', times: 1 }),
    outcome: invalidResponse(/"expires_in" in the token response must be a positive number/),
    tokenRequests: 1,
  },
  {
    name: 'a 200 granting fewer scopes',
    endpoint: 'token',
    fault: () => ({ malformed: 'fewer-scopes', times: 1 }),
    outcome: invalidResponse(/granted fewer scopes than requested: missing client_paymentrequest/),
    tokenRequests: 1,
  },
  {
    name: 'a 400 OAuth error',
    endpoint: 'token',
    fault: () => ({ status: 400, times: 1 }),
    outcome: {
      class: StitchTokenRequestError,
      code: 'STITCH_AUTH_TOKEN_REJECTED',
      status: 502,
      retryable: false,
      upstreamStatus: 400,
      message: /"invalid_request"/,
    },
    tokenRequests: 1,
  },
  {
    name: 'a 401 OAuth error',
    endpoint: 'token',
    fault: () => ({ status: 401, times: 1 }),
    outcome: {
      class: StitchTokenRequestError,
      code: 'STITCH_AUTH_TOKEN_REJECTED',
      status: 502,
      retryable: false,
      upstreamStatus: 401,
      message: /"invalid_client"/,
    },
    tokenRequests: 1,
  },
]

/**
 * The API is not retried (a mutation must not run twice), so a fault there reaches every
 * caller. 408, 429, 502, 503 and 504 mean Stitch is unavailable for now: the error says so
 * (503 for the server's own client, with Stitch's Retry-After). A 500 is Stitch failing the
 * call (502). Every transient status is `retryable`.
 */
const apiFailure = (status: number, retryAfter?: Failure['retryAfter']): Failure =>
  status !== 500
    ? {
        class: StitchApiUnavailableError,
        code: 'STITCH_AUTH_API_UNAVAILABLE',
        status: 503,
        retryable: true,
        upstreamStatus: status,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      }
    : {
        class: StitchApiError,
        code: 'STITCH_AUTH_API_ERROR',
        status: 502,
        retryable: true,
        upstreamStatus: status,
      }

const graphqlRows: Row[] = [
  ...TRANSIENT.flatMap((status): Row[] => [
    {
      name: `${status}`,
      endpoint: 'graphql',
      fault: () => ({ status }),
      outcome: apiFailure(status),
      tokenRequests: 0,
    },
    {
      name: `${status} with Retry-After: 2 (seconds)`,
      endpoint: 'graphql',
      fault: () => ({ status, retryAfter: 2 }),
      outcome: apiFailure(status, 2),
      tokenRequests: 0,
    },
    {
      name: `${status} with Retry-After as an HTTP date 60 s ahead`,
      endpoint: 'graphql',
      fault: () => ({ status, retryAfter: httpDate(60) }),
      outcome: apiFailure(status, [58, 60]),
      tokenRequests: 0,
    },
  ]),
  {
    name: 'a 100 ms delay',
    endpoint: 'graphql',
    fault: () => ({ delayMs: 100 }),
    outcome: 'recover',
    tokenRequests: 0,
    minMs: 90,
  },
  {
    name: 'a hang (the call times out)',
    endpoint: 'graphql',
    apiTimeoutMs: SHORT_API_TIMEOUT_MS,
    fault: () => ({ hang: true }),
    outcome: {
      class: StitchApiUnavailableError,
      code: 'STITCH_AUTH_API_UNAVAILABLE',
      status: 503,
      retryable: true,
      message: /did not answer within 300 ms/,
    },
    tokenRequests: 0,
  },
  {
    name: 'a connection reset',
    endpoint: 'graphql',
    fault: () => ({ reset: true }),
    outcome: {
      class: StitchApiUnavailableError,
      code: 'STITCH_AUTH_API_UNAVAILABLE',
      status: 503,
      retryable: true,
      message: /Could not reach the Stitch API/,
    },
    tokenRequests: 0,
  },
  ...(['truncated-json', 'not-json', 'html', 'empty'] as const).map(
    (malformed): Row => ({
      name: `a ${malformed} 200`,
      endpoint: 'graphql',
      fault: () => ({ malformed }),
      outcome: {
        class: StitchApiError,
        code: 'STITCH_AUTH_API_ERROR',
        status: 502,
        upstreamStatus: 200,
        message: /not a GraphQL response/,
      },
      tokenRequests: 0,
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

/** Active resources by type, e.g. `{ TCPSocketWrap: 2, Timeout: 1 }`. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const type of process.getActiveResourcesInfo()) {
    counts.set(type, (counts.get(type) ?? 0) + 1)
  }
  return counts
}

/** Resources of a type that outnumber the baseline, or none once sockets had time to close. */
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

/** Runs a row with its own simulator and client, then checks the process is as it was. */
async function withRow(
  options: Partial<StitchAuthOptions>,
  body: (sim: StitchSimulator, client: StitchAuth) => Promise<void>,
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
  try {
    await body(sim, client)
  } finally {
    await client.close()
    await sim.close()
  }
  // Rejections are reported after a turn of the event loop.
  await sleep(10)
  expect(unhandled).toEqual([])
  expect(await leakedSince(baseline)).toEqual({})
}

function expectFailure(error: unknown, failure: Failure) {
  expect(error).toBeInstanceOf(failure.class)
  const known = error as StitchAuthError & Record<string, unknown>
  expect({ code: known.code, statusCode: known.statusCode }).toEqual({
    code: failure.code,
    statusCode: failure.status,
  })
  if (failure.retryable !== undefined) expect(known.retryable).toBe(failure.retryable)
  if (failure.upstreamStatus !== undefined) {
    expect(known.upstreamStatus).toBe(failure.upstreamStatus)
  }
  if (failure.attempts !== undefined) expect(known.attempts).toBe(failure.attempts)
  if (failure.message) expect(known.message).toMatch(failure.message)
  if (failure.cause) expect(known.cause).toBeInstanceOf(failure.cause)
  const retryAfter = known.headers?.['retry-after']
  if (failure.retryAfter === undefined) {
    expect(retryAfter).toBeUndefined()
  } else {
    const [low, high] =
      typeof failure.retryAfter === 'number'
        ? [failure.retryAfter, failure.retryAfter]
        : failure.retryAfter
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(low)
    expect(Number(retryAfter)).toBeLessThanOrEqual(high)
  }
}

const call = (client: StitchAuth, row: Pick<Row, 'endpoint' | 'apiTimeoutMs'>) =>
  row.endpoint === 'token'
    ? client.getToken()
    : client.graphql(CREATE_PAYMENT, paymentInput, {
        timeoutMs: row.apiTimeoutMs ?? API_TIMEOUT_MS,
      })

describe.each([
  ['token endpoint', tokenRows],
  ['GraphQL endpoint', graphqlRows],
] as const)(`fault matrix, ${CALLERS} concurrent callers: %s`, (_label, rows) => {
  it.each(rows)('$name', async (row) => {
    await withRow(row.options ?? {}, async (sim, client) => {
      if (row.endpoint === 'graphql') await client.getToken()
      sim.resetStats()
      sim.fault({ endpoint: row.endpoint, ...row.fault() })

      const started = Date.now()
      const outcomes = await Promise.allSettled(
        Array.from({ length: CALLERS }, () => call(client, row)),
      )
      const elapsed = Date.now() - started

      if (row.outcome === 'recover') {
        expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])
        if (row.endpoint === 'token') {
          // Single-flight: all callers share one token.
          const tokens = new Set(
            outcomes.map((o) =>
              o.status === 'fulfilled' ? (o.value as { accessToken: string }).accessToken : '',
            ),
          )
          expect(tokens.size).toBe(1)
        }
      } else {
        for (const outcome of outcomes) {
          expect(outcome.status).toBe('rejected')
          if (outcome.status === 'rejected') expectFailure(outcome.reason, row.outcome)
        }
      }
      if (row.tokenRequests !== undefined) {
        expect(sim.stats.tokenRequests.total).toBe(row.tokenRequests)
      }
      if (row.endpoint === 'graphql') expect(sim.stats.apiCalls.total).toBe(CALLERS)
      if (row.minMs !== undefined) expect(elapsed).toBeGreaterThanOrEqual(row.minMs)

      // Once the fault is gone, the same client works again: no failure is cached.
      sim.clearFaults()
      await expect(call(client, { endpoint: row.endpoint })).resolves.toBeDefined()
    })
  })
})

describe('closing under faults', () => {
  it.each([
    ['while every caller waits on a hanging token request', { hang: true }],
    ['while waiting out a Retry-After', { status: 503, retryAfter: 1 }],
    ['while backing off between attempts', { status: 500 }],
  ] as const)(
    'close() %s rejects every caller at once and leaves nothing running',
    async (_name, fault) => {
      await withRow(
        {
          attemptTimeoutMs: 5_000,
          retry: { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 1_000 },
        },
        async (sim, client) => {
          sim.fault({ endpoint: 'token', ...fault })
          const pending = Promise.allSettled(
            Array.from({ length: CALLERS }, () => client.getToken()),
          )
          await sleep(150)
          const started = Date.now()
          await client.close()
          const outcomes = await pending
          expect(Date.now() - started).toBeLessThan(500)
          for (const outcome of outcomes) {
            expect(outcome).toMatchObject({
              status: 'rejected',
              reason: { code: 'STITCH_AUTH_CLIENT_CLOSED' },
            })
          }
          await expect(client.getToken()).rejects.toMatchObject({
            code: 'STITCH_AUTH_CLIENT_CLOSED',
          })
        },
      )
    },
  )

  it('a caller that gives up (signal) leaves the shared request to the others', async () => {
    await withRow({}, async (sim, client) => {
      sim.fault({ endpoint: 'token', delayMs: 200, times: 1 })
      const controller = new AbortController()
      const leaving = client.getToken(undefined, { signal: controller.signal })
      const staying = Array.from({ length: CALLERS - 1 }, () => client.getToken())
      controller.abort()
      await expect(leaving).rejects.toMatchObject({ code: 'STITCH_AUTH_ABORTED' })
      const tokens = await Promise.all(staying)
      expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1)
      expect(sim.stats.tokenRequests.total).toBe(1)
    })
  })
})

describe('deadlines hold whatever the injected fetch does', () => {
  it('getToken() settles within deadlineMs even when fetch never settles and ignores the abort signal', async () => {
    // A hand-written fetch wrapper that drops the signal is common (e.g. one that rebuilds the
    // request from its URL); attemptTimeoutMs and deadlineMs must still bound the call.
    let calls = 0
    const client = createStitchAuth({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scopes: ['client_paymentrequest'],
      attemptTimeoutMs: 50,
      deadlineMs: 200,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      fetch: () => {
        calls++
        return new Promise<Response>(() => {})
      },
    })
    try {
      const started = Date.now()
      const outcome = await Promise.race([
        client.getToken().then(
          () => 'resolved',
          (error: unknown) => error,
        ),
        sleep(2_000).then(() => 'still pending 2 s later'),
      ])
      expect(outcome).toBeInstanceOf(StitchEndpointUnavailableError)
      expect(Date.now() - started).toBeLessThan(1_000)
      expect(calls).toBeGreaterThanOrEqual(1)
    } finally {
      await client.close()
    }
  })
})

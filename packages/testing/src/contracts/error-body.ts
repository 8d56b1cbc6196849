// The error-body contract: every HTTP surface of stitch-auth (Express's stitchErrorHandler(),
// Nest's StitchAuthExceptionFilter, the proxy wherever it is mounted) answers the same failure
// with the same status, headers and body. The table lives here once; each adapter's test suite
// starts its own surface for every row and runs it.
import { deepStrictEqual } from 'node:assert/strict'
import { UNAUTHENTICATED_BODY } from '../graphql-endpoint.js'
import { startStitchSimulator } from '../server.js'
import type { StitchSimulator } from '../types.js'

/** The one client the simulator knows in this table. */
const CLIENT_ID = 'error-body-client'
const CLIENT_SECRET = 'error-body-secret-7d41c9a0'
const SCOPES = ['client_paymentrequest'] as const

/**
 * Options for the surface's Stitch client, for `createStitchAuth()` or
 * `StitchAuthModule.forRoot()` as they are: core's own option names and types.
 */
export type ErrorBodyClientOptions = {
  clientId: string
  scopes: readonly (typeof SCOPES)[number][]
  tokenUrl: string
  apiUrl: string
  /** One attempt, so each failure surfaces at once instead of being retried. */
  retry: { maxAttempts: number }
  now?: () => number
} & (
  | { clientSecret: string; privateKey?: undefined }
  | { privateKey: string; clientSecret?: undefined }
)

/** The call a surface makes, the same on every surface. */
export interface ErrorBodyCall {
  /** A GraphQL document the client may run; surfaces that only get a token ignore it. */
  document: string
  /** The scopes of the call: the token's, and the operation's on a proxy. */
  scopes: readonly (typeof SCOPES)[number][]
  /**
   * When set, the server gives up on its own call after this many milliseconds
   * (`AbortSignal.timeout(abortAfterMs)` as the call's `signal`, or the proxy request's signal).
   */
  abortAfterMs?: number
}

/** What a surface is started with for one row. */
export interface ErrorBodySetup {
  client: ErrorBodyClientOptions
  call: ErrorBodyCall
}

/** A surface started for one row: one request through it, then `close()`. */
export interface ErrorBodyServer {
  /** Makes the call through the surface and returns its HTTP answer. */
  request(): Promise<Response>
  close(): Promise<void>
}

/** One HTTP surface under test. */
export interface ErrorBodySurface {
  /**
   * `'api'`: the surface makes the GraphQL call (`graphql()` in a route, the proxy) and runs
   * every row; `'token'`: it only gets a token (`stitchAuth()`, `@UseStitchToken()`) and runs
   * the rows that fail while getting one.
   */
  makes: 'api' | 'token'
  /** Whether the surface can give up on its own call (`ErrorBodyCall.abortAfterMs`). */
  canAbort: boolean
  start(setup: ErrorBodySetup): Promise<ErrorBodyServer>
}

/** The answer every surface must give, exactly. */
export interface ErrorBodyExpectation {
  status: number
  /** `null`: the header must be absent. */
  headers: { 'cache-control': string; 'content-type': string; 'retry-after': string | null }
  body: { error: { code: string; message: string } }
}

/** One failure of the table. */
export interface ErrorBodyCase {
  name: string
  /** Where the call fails: while getting the token, or in the API call after it. */
  stage: 'token' | 'api'
  /** Made to happen by the surface giving up on its call (needs `canAbort`). */
  aborts?: boolean
  /** Faults to inject before the call. */
  arrange?: (sim: StitchSimulator) => void
  /** Client options that differ from a working client's; called once per run. */
  client?: () => Partial<ErrorBodyClientOptions>
  expected: ErrorBodyExpectation
}

const UNAVAILABLE = 'Stitch is unavailable; try again shortly.'
const FAILED = 'Stitch could not complete the request.'

function answer(
  status: number,
  code: string,
  message: string,
  retryAfter: string | null = null,
): ErrorBodyExpectation {
  return {
    status,
    headers: {
      'cache-control': 'no-store',
      'content-type': 'application/json',
      'retry-after': retryAfter,
    },
    body: { error: { code, message } },
  }
}

/** A clock that throws on its first reading, as a bug in the application's code would. */
function clockThatFailsOnce(): () => number {
  let failed = false
  return () => {
    if (failed) return Date.now()
    failed = true
    throw new TypeError('clock.read is not a function')
  }
}

/**
 * A private key with the shape of a PKCS#8 PEM that is not one: it passes the check at
 * construction and fails to import when the first token is requested.
 */
const UNIMPORTABLE_KEY = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n'

/** The failures every surface answers identically. */
export const errorBodyCases: readonly ErrorBodyCase[] = Object.freeze([
  {
    name: 'the token endpoint answers 503 with Retry-After: 7',
    stage: 'token',
    arrange: (sim) => sim.fault({ endpoint: 'token', status: 503, retryAfter: 7 }),
    expected: answer(503, 'STITCH_AUTH_ENDPOINT_UNAVAILABLE', UNAVAILABLE, '7'),
  },
  {
    name: 'the token endpoint resets the connection',
    stage: 'token',
    arrange: (sim) => sim.fault({ endpoint: 'token', reset: true }),
    expected: answer(503, 'STITCH_AUTH_ENDPOINT_UNAVAILABLE', UNAVAILABLE),
  },
  {
    name: 'Stitch refuses the client with invalid_client (a wrong secret)',
    stage: 'token',
    client: () => ({ clientSecret: 'not-the-secret-3b8e' }),
    expected: answer(502, 'STITCH_AUTH_TOKEN_REJECTED', FAILED),
  },
  {
    name: 'a misconfigured client (a private key that will not import)',
    stage: 'token',
    client: () => ({ clientSecret: undefined, privateKey: UNIMPORTABLE_KEY }),
    expected: answer(
      500,
      'STITCH_AUTH_CONFIG_INVALID',
      'The server is not set up correctly for Stitch.',
    ),
  },
  {
    name: 'an unexpected internal error (the injected clock throws a TypeError)',
    stage: 'token',
    client: () => ({ now: clockThatFailsOnce() }),
    expected: answer(500, 'STITCH_AUTH_INTERNAL', 'The server failed unexpectedly.'),
  },
  {
    name: 'the server gives up on its call while the token endpoint hangs',
    stage: 'token',
    aborts: true,
    arrange: (sim) => sim.fault({ endpoint: 'token', hang: true }),
    expected: answer(499, 'STITCH_AUTH_ABORTED', 'The request was aborted.'),
  },
  {
    name: 'the API says UNAUTHENTICATED again after a new token',
    stage: 'api',
    arrange: (sim) =>
      sim.fault({
        endpoint: 'graphql',
        status: 401,
        body: UNAUTHENTICATED_BODY,
        contentType: 'application/json',
      }),
    expected: answer(502, 'STITCH_AUTH_API_UNAUTHENTICATED', FAILED),
  },
  {
    name: 'the API answers 503 with Retry-After: 3',
    stage: 'api',
    arrange: (sim) => sim.fault({ endpoint: 'graphql', status: 503, retryAfter: 3 }),
    expected: answer(503, 'STITCH_AUTH_API_UNAVAILABLE', UNAVAILABLE, '3'),
  },
  {
    name: 'the API resets the connection',
    stage: 'api',
    arrange: (sim) => sim.fault({ endpoint: 'graphql', reset: true }),
    expected: answer(503, 'STITCH_AUTH_API_UNAVAILABLE', UNAVAILABLE),
  },
] satisfies ErrorBodyCase[])

/** Whether `surface` can run `testCase`. */
export function errorBodyCaseApplies(surface: ErrorBodySurface, testCase: ErrorBodyCase): boolean {
  if (testCase.stage === 'api' && surface.makes !== 'api') return false
  return !testCase.aborts || surface.canAbort
}

/**
 * Runs one row on `surface`: a fresh simulator, the surface started with its client, the
 * fault, one call; then asserts the status, `cache-control`, `retry-after`, the media type
 * and the whole JSON body. Throws an `AssertionError` with a diff when the answer differs.
 */
export async function checkErrorBodyCase(
  surface: ErrorBodySurface,
  testCase: ErrorBodyCase,
): Promise<void> {
  const sim = await startStitchSimulator({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: [...SCOPES] }],
  })
  try {
    const client = {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scopes: [...SCOPES],
      tokenUrl: sim.tokenUrl,
      apiUrl: sim.graphqlUrl,
      retry: { maxAttempts: 1 },
      ...testCase.client?.(),
    } as ErrorBodyClientOptions
    const call: ErrorBodyCall = {
      document: 'query ErrorBody { __typename }',
      scopes: [...SCOPES],
      ...(testCase.aborts ? { abortAfterMs: 100 } : {}),
    }
    const server = await surface.start({ client, call })
    try {
      testCase.arrange?.(sim)
      const response = await server.request()
      const text = await response.text()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // Compared as text: the diff then shows what came instead of JSON.
      }
      deepStrictEqual(
        {
          status: response.status,
          headers: {
            'cache-control': response.headers.get('cache-control'),
            'content-type': response.headers.get('content-type')?.split(';')[0]?.trim() ?? null,
            'retry-after': response.headers.get('retry-after'),
          },
          body,
        },
        testCase.expected,
        `${testCase.name}: the answer differs from the error-body contract`,
      )
    } finally {
      await server.close()
    }
  } finally {
    await sim.close()
  }
}

/**
 * Registers one test per row that applies to `surface`, with your test runner's `test`/`it`
 * (vitest, jest, `node:test`).
 *
 * @example
 * describe('stitchErrorHandler()', () => runErrorBodyTable(expressSurface, it))
 */
export function runErrorBodyTable(
  surface: ErrorBodySurface,
  test: (name: string, run: () => Promise<void>) => unknown,
): void {
  for (const testCase of errorBodyCases) {
    if (!errorBodyCaseApplies(surface, testCase)) continue
    test(testCase.name, () => checkErrorBodyCase(surface, testCase))
  }
}

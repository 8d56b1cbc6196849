import {
  type SimulatorClient,
  type StitchSimulator,
  startStitchSimulator,
} from '@stitch-auth/testing'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import {
  createStitchAuth,
  StitchApiError,
  StitchConfigError,
  StitchInputError,
  type StitchScope,
  StitchTokenRequestError,
} from '../../src/index.js'

/** What a test client signs in with. */
export interface ClientCredentials {
  clientId: string
  clientSecret: string
}

/** A client the simulator knows, with the scopes Stitch has enabled for it. */
export type SimulatedClient = ClientCredentials & SimulatorClient

/**
 * A client Stitch has enabled for payment requests only, so for none of the scopes of the
 * other operations: what a merchant that has not asked Stitch for them has.
 */
export const PAYMENTS_ONLY: SimulatedClient = {
  clientId: 'test-payments-only',
  clientSecret: 'payments-secret',
  scopes: ['client_paymentrequest'],
}

export interface OperationsSimulatorOptions {
  /**
   * The clients the simulator knows. The first is the one `client()` signs in as when it is
   * given no credentials, so a file that tests one client need not name it at every call.
   */
  clients: readonly [SimulatedClient, ...SimulatedClient[]]
  /** Registers what the file's tests look up (businesses, bank accounts), once after the start. */
  seed?: (sim: StitchSimulator) => void
}

/**
 * Awaits a call that must fail and returns what it threw; a call that succeeds fails the test,
 * so an assertion on the error can never pass on a result by accident.
 */
export async function errorOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail')
}

/**
 * Starts one simulator for the test file of an operation, and gives its tests the simulator,
 * a client factory, and the assertions every operation's tests make.
 *
 * Clients made with `client()` are closed after each test, and faults and logs are cleared,
 * so that the counts a test asserts (token requests, API requests) are its own.
 */
export function useOperationsSimulator({ clients, seed }: OperationsSimulatorOptions) {
  let started: StitchSimulator | undefined
  const open: Array<{ close(): Promise<void> }> = []

  beforeAll(async () => {
    started = await startStitchSimulator({ clients })
    seed?.(started)
  })
  afterEach(async () => {
    await Promise.all(open.splice(0).map((stitch) => stitch.close()))
    started?.clearFaults()
    started?.resetStats()
  })
  afterAll(() => started?.close())

  /** The running simulator; it only exists once beforeAll has run, hence the getter below. */
  function simulator(): StitchSimulator {
    if (!started) throw new Error('the simulator is not started: use it inside a test')
    return started
  }

  const [firstClient] = clients

  /**
   * A client of the simulator with fast retries, closed after the test.
   *
   * Without `scopes` the client cannot check an operation's scopes itself, so the token
   * endpoint decides; with them it refuses other operations before any request. The
   * `const` type parameter keeps written-out scopes literal, so such a client also rejects
   * other operations at compile time (which the tests mark with `@ts-expect-error`).
   */
  function client<const TGranted extends StitchScope = StitchScope>(
    { clientId, clientSecret }: ClientCredentials = firstClient,
    scopes?: readonly TGranted[],
  ) {
    // Only the id and secret: a SimulatedClient's own `scopes` are what Stitch enabled, not
    // the client's option.
    const options = {
      clientId,
      clientSecret,
      tokenUrl: simulator().tokenUrl,
      apiUrl: simulator().graphqlUrl,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
    }
    const stitch = scopes
      ? createStitchAuth<TGranted>({ ...options, scopes })
      : createStitchAuth<TGranted>(options)
    open.push(stitch)
    return stitch
  }

  /** The scope parameter of each token request of the test, in order. */
  function requestedScopes(): Array<string | undefined> {
    return simulator().tokenRequests.map((request) => request.scope)
  }

  /** Neither a token nor an API request has been made in the test so far. */
  function expectNoRequestMade(): void {
    // The logs show what was sent when this fails; the counter also counts what a full log
    // would have dropped.
    expect(simulator().tokenRequests).toEqual([])
    expect(simulator().stats.tokenRequests.total).toBe(0)
    expect(simulator().apiRequests).toEqual([])
  }

  /**
   * The call is refused locally with a StitchInputError listing `issues` (exactly and in
   * order, or with `inAnyOrder` the same issues in any order) and, as the refusal comes
   * before anything is sent, no token or API request has been made in the test.
   * `issues` may also be a matcher, e.g. `expect.arrayContaining([issue])`; an entry's
   * message may be one too. `label` names the case in failure messages, for loops over cases.
   */
  async function expectRefusedLocally(
    call: Promise<unknown>,
    issues: readonly unknown[],
    {
      operation,
      inAnyOrder = false,
      label,
    }: { operation?: string; inAnyOrder?: boolean; label?: string } = {},
  ): Promise<StitchInputError> {
    const error = await errorOf(call)
    expect(error, label).toBeInstanceOf(StitchInputError)
    expect(error, label).toMatchObject({
      code: 'STITCH_AUTH_INVALID_VARIABLES',
      ...(operation === undefined ? {} : { operation }),
    })
    const actual = (error as StitchInputError).issues
    if (inAnyOrder) {
      expect(actual, label).toHaveLength(issues.length)
      expect(actual, label).toEqual(expect.arrayContaining([...issues]))
    } else {
      expect(actual, label).toEqual(issues)
    }
    expectNoRequestMade()
    return error as StitchInputError
  }

  /**
   * The call fails as Stitch has not enabled `scope` for the client: run() asks for a token
   * of exactly the operation's scope, and the token endpoint refuses it (invalid_scope)
   * before the API is called. Every token request of the test so far was such a refusal,
   * this call made exactly one more, and no API request has been made.
   */
  async function expectScopeNotEnabled(
    call: Promise<unknown>,
    scope: StitchScope,
  ): Promise<StitchTokenRequestError> {
    const before = simulator().tokenRequests.length
    const error = await errorOf(call)
    expect(error).toBeInstanceOf(StitchTokenRequestError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_TOKEN_REJECTED', error: 'invalid_scope' })
    expect(simulator().tokenRequests).toMatchObject(
      Array(before + 1).fill({ scope, outcome: 'invalid_scope' }),
    )
    expect(simulator().apiRequests).toEqual([])
    return error as StitchTokenRequestError
  }

  /**
   * The call is refused with a StitchConfigError whose message matches `message`, as the
   * operation needs a scope the client's `scopes` option does not list; the check is local,
   * so no token or API request has been made in the test.
   */
  async function expectRefusedByScopesOption(
    call: Promise<unknown>,
    message: string | RegExp,
  ): Promise<StitchConfigError> {
    const error = await errorOf(call)
    expect(error).toBeInstanceOf(StitchConfigError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_CONFIG_INVALID' })
    expect((error as Error).message).toMatch(message)
    expectNoRequestMade()
    return error as StitchConfigError
  }

  /**
   * The call passed the local checks and Stitch refused its input: a StitchApiError of
   * STITCH_AUTH_API_INVALID_INPUT (422) from a BAD_USER_INPUT answer, with a message matching
   * `message` where given, and the last API request of the test ended in that error. For
   * rules only Stitch can check (what it has on record, limits it does not document).
   */
  async function expectInputRefusedByStitch(
    call: Promise<unknown>,
    message?: string | RegExp,
  ): Promise<StitchApiError> {
    const error = await errorOf(call)
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_API_INVALID_INPUT',
      statusCode: 422,
      errors: [{ code: 'BAD_USER_INPUT' }],
    })
    if (message !== undefined) expect((error as Error).message).toMatch(message)
    expect(simulator().apiRequests.at(-1)).toMatchObject({ outcome: 'error' })
    return error as StitchApiError
  }

  /**
   * The call reached the API with a token that lacks `missing`, and Stitch refused it: a
   * StitchApiError of STITCH_AUTH_API_FORBIDDEN (502) naming exactly those scopes, from one
   * FORBIDDEN error (the GraphQL answer is HTTP 200) that lists them as its missingScopes, and
   * the last API request of the test was refused so.
   */
  async function expectForbiddenByStitch(
    call: Promise<unknown>,
    missing: readonly string[],
  ): Promise<StitchApiError> {
    const error = await errorOf(call)
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_API_FORBIDDEN',
      statusCode: 502,
      upstreamStatus: 200,
      requiredScopes: missing,
      errors: [{ code: 'FORBIDDEN', requiredScopes: missing }],
      retryable: false,
    })
    expect((error as Error).message).toContain(
      `needs scopes the token lacks: ${missing.join(', ')}.`,
    )
    expect(simulator().apiRequests.at(-1)).toMatchObject({ outcome: 'forbidden' })
    return error as StitchApiError
  }

  /**
   * Neither the message of `error` nor the error as it is logged (its JSON) holds the access
   * token `stitch` has for `scopes`: the one the failed call was made with, read from the
   * client's cache (no token request is made for it).
   */
  async function expectTokenNotIn(
    error: unknown,
    stitch: { getToken(scopes: readonly StitchScope[]): Promise<{ accessToken: string }> },
    scopes: readonly StitchScope[],
  ): Promise<void> {
    const before = simulator().stats.tokenRequests.total
    const { accessToken } = await stitch.getToken(scopes)
    expect(simulator().stats.tokenRequests.total).toBe(before)
    expect(accessToken.length).toBeGreaterThan(0)
    expect((error as Error).message).not.toContain(accessToken)
    expect(JSON.stringify(error)).not.toContain(accessToken)
  }

  return {
    get sim(): StitchSimulator {
      return simulator()
    },
    client,
    requestedScopes,
    expectNoRequestMade,
    expectRefusedLocally,
    expectScopeNotEnabled,
    expectRefusedByScopesOption,
    expectInputRefusedByStitch,
    expectForbiddenByStitch,
    expectTokenNotIn,
  }
}

// A server that sends its headers and then stalls the body: the timeout of a call bounds the
// whole exchange, body included, for API calls (and so the proxy) and for token requests.
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createStitchProxyHandler,
  defineOperation,
  defineOperations,
  type StitchAuthEvent,
  StitchEndpointUnavailableError,
} from '../src/index.js'
import { useSimulator } from './simulator.js'

const ctx = useSimulator()

/** Generous for a loaded machine, far below what a stalled body would take. */
const MARGIN_MS = 700
/** Each test ends on its own well before a hung one would reach vitest's default. */
const QUICK = { timeout: 4_000 }

async function timed<T>(promise: Promise<T>): Promise<{ result: T | unknown; ms: number }> {
  const started = performance.now()
  const result = await promise.catch((error: unknown) => error)
  return { result, ms: performance.now() - started }
}

/** A fetch that answers at once with headers and a body that never ends, ignoring aborts. */
const stallingFetch: typeof fetch = async () =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"data":'))
      },
    }),
    { status: 200, headers: { 'content-type': 'application/json' } },
  )

describe('graphql() against a body that stalls after the headers', () => {
  it('settles at timeoutMs with the API-unavailable error', QUICK, async () => {
    const stitch = ctx.client()
    await stitch.getToken() // only the API call is timed
    ctx.sim.fault({ endpoint: 'graphql', stallAfterHeaders: true, bodyPrefix: '{"data":' })
    const { result, ms } = await timed(
      stitch.graphql('query { __typename }', undefined, { timeoutMs: 300 }),
    )
    expect(result).toMatchObject({
      code: 'STITCH_AUTH_API_UNAVAILABLE',
      retryable: true,
      message: `The Stitch API at ${ctx.sim.graphqlUrl} did not answer within 300 ms.`,
    })
    expect(ms).toBeGreaterThanOrEqual(290)
    expect(ms).toBeLessThan(300 + MARGIN_MS)
  })

  it('settles at timeoutMs when the stall comes before any byte of the body', QUICK, async () => {
    const stitch = ctx.client()
    await stitch.getToken()
    ctx.sim.fault({ endpoint: 'graphql', stallAfterHeaders: true, status: 502 })
    const { result, ms } = await timed(
      stitch.graphql('query { __typename }', undefined, { timeoutMs: 300 }),
    )
    expect(result).toMatchObject({
      code: 'STITCH_AUTH_API_UNAVAILABLE',
      message: expect.stringMatching(/did not answer within 300 ms/),
    })
    expect(ms).toBeLessThan(300 + MARGIN_MS)
  })

  it('still reports ABORTED when the caller aborts during the stalled body', QUICK, async () => {
    const stitch = ctx.client()
    await stitch.getToken()
    ctx.sim.fault({ endpoint: 'graphql', stallAfterHeaders: true })
    const { result, ms } = await timed(
      stitch.graphql('query { __typename }', undefined, {
        timeoutMs: 2_000,
        signal: AbortSignal.timeout(200),
      }),
    )
    expect(result).toMatchObject({
      code: 'STITCH_AUTH_ABORTED',
      message: 'The Stitch API call was aborted by its caller',
    })
    expect(ms).toBeLessThan(200 + MARGIN_MS)
  })

  it('settles at timeoutMs with an injected fetch whose body ignores aborts', QUICK, async () => {
    const stitch = ctx.client({
      fetch: (input, init) =>
        String(input instanceof Request ? input.url : input) === ctx.sim.graphqlUrl
          ? stallingFetch(input, init)
          : fetch(input, init),
    })
    const { result, ms } = await timed(
      stitch.graphql('query { __typename }', undefined, { timeoutMs: 300 }),
    )
    expect(result).toMatchObject({
      code: 'STITCH_AUTH_API_UNAVAILABLE',
      message: expect.stringMatching(/did not answer within 300 ms/),
    })
    expect(ms).toBeLessThan(300 + MARGIN_MS)
  })
})

describe('the proxy against an API body that stalls', () => {
  it('answers 503 within the proxy timeoutMs', QUICK, async () => {
    const stitch = ctx.client()
    await stitch.getToken()
    ctx.sim.fault({ endpoint: 'graphql', stallAfterHeaders: true, bodyPrefix: '{' })
    const handle = createStitchProxyHandler({
      client: stitch,
      operations: defineOperations({
        typename: defineOperation({
          document: 'query { __typename }',
          scopes: ['client_paymentrequest'],
          input: z.object({}),
          toOutput: (data) => data,
        }),
      }),
      timeoutMs: 300,
    })
    const request = new Request('http://shop.test/stitch/typename', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
      body: '{}',
    })
    const started = performance.now()
    const response = await handle(request)
    const ms = performance.now() - started
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { code: 'STITCH_AUTH_API_UNAVAILABLE' } })
    expect(ms).toBeLessThan(300 + MARGIN_MS)
  })
})

describe('getToken() against a token body that stalls after the headers', () => {
  it('times the attempt out at attemptTimeoutMs and succeeds on the next one', QUICK, async () => {
    const events: StitchAuthEvent[] = []
    const stitch = ctx.client({ attemptTimeoutMs: 200, onEvent: (event) => events.push(event) })
    ctx.sim.fault({
      endpoint: 'token',
      stallAfterHeaders: true,
      bodyPrefix: '{"access_token":"',
      times: 1,
    })
    const { result, ms } = await timed(stitch.getToken())
    expect(result).toMatchObject({ tokenType: 'Bearer' })
    expect(ms).toBeGreaterThanOrEqual(190)
    expect(ms).toBeLessThan(200 + MARGIN_MS)
    expect(ctx.sim.stats.tokenRequests.byOutcome).toMatchObject({ fault: 1, issued: 1 })
    const retry = events.find((event) => event.type === 'retryScheduled')
    expect(retry).toMatchObject({
      attempt: 1,
      error: {
        code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
        message: 'The Stitch token endpoint did not answer within 200 ms.',
      },
    })
  })

  it('fails within deadlineMs with the endpoint-unavailable error', QUICK, async () => {
    const stitch = ctx.client({
      attemptTimeoutMs: 200,
      deadlineMs: 700,
      retry: { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 20 },
    })
    ctx.sim.fault({ endpoint: 'token', stallAfterHeaders: true, status: 200 })
    const { result, ms } = await timed(stitch.getToken())
    expect(result).toBeInstanceOf(StitchEndpointUnavailableError)
    // The last attempt gets what is left of the deadline, so its timeout may be under 200 ms.
    expect(result).toMatchObject({
      code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
      message: expect.stringMatching(
        /^The Stitch token endpoint did not answer within \d+ ms\. Gave up after \d+ attempts: /,
      ),
    })
    expect(ctx.sim.stats.tokenRequests.total).toBeGreaterThanOrEqual(2)
    expect(ms).toBeLessThan(700 + MARGIN_MS)
  })

  it('lets deadlineMs cut an attempt short when it comes first', QUICK, async () => {
    const stitch = ctx.client({ attemptTimeoutMs: 5_000, deadlineMs: 400 })
    ctx.sim.fault({ endpoint: 'token', stallAfterHeaders: true })
    const { result, ms } = await timed(stitch.getToken())
    expect(result).toMatchObject({ code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE' })
    expect(ms).toBeGreaterThanOrEqual(390)
    expect(ms).toBeLessThan(400 + MARGIN_MS)
  })

  it('settles with an injected fetch whose body ignores aborts', QUICK, async () => {
    const stitch = ctx.client({ fetch: stallingFetch, attemptTimeoutMs: 200, deadlineMs: 500 })
    const { result, ms } = await timed(stitch.getToken())
    expect(result).toMatchObject({ code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE' })
    expect(ms).toBeLessThan(500 + MARGIN_MS)
  })

  it('still reports ABORTED when the caller aborts during the stalled body', QUICK, async () => {
    const stitch = ctx.client({ attemptTimeoutMs: 2_000 })
    ctx.sim.fault({ endpoint: 'token', stallAfterHeaders: true })
    const { result, ms } = await timed(
      stitch.getToken(undefined, { signal: AbortSignal.timeout(200) }),
    )
    expect(result).toMatchObject({ code: 'STITCH_AUTH_ABORTED' })
    expect(ms).toBeLessThan(200 + MARGIN_MS)
  })
})

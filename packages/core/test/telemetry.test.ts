// OpenTelemetry against the real simulator: the spans, attributes and metric values an operator
// reads on a dashboard for a cold start, a warm hit, a retry after 503, a refresh-ahead and a
// re-authentication, exported by the OpenTelemetry SDK into memory.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { metrics, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { Histogram } from '@opentelemetry/sdk-metrics'
import type { ReadableSpan } from '@opentelemetry/sdk-trace'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createStitchAuth,
  MemoryTokenCache,
  STITCH_AUTH_ERROR_CODES,
  StitchConfigError,
} from '../src/index.js'
import {
  openTelemetry,
  STITCH_METRICS,
  STITCH_SPANS,
  type StitchTelemetry,
} from '../src/opentelemetry/index.js'
import { CLIENT_ID, CREATE_PAYMENT, paymentInput, useSimulator } from './simulator.js'
import { type OtelHarness, otelHarness, pointsOf, total } from './telemetry-harness.js'

const ctx = useSimulator()
let otel: OtelHarness

beforeEach(() => {
  otel = otelHarness()
})

afterEach(async () => {
  await otel.shutdown()
})

const SCOPE = 'client_paymentrequest'
/** Background work answers within this on a loaded machine. */
const WAIT = { timeout: 10_000, interval: 20 }
/** Tests that wait out a Retry-After or a delayed answer on purpose. */
const SLOW = 30_000
const tokenSpans = () => otel.spansNamed(STITCH_SPANS.TOKEN_REQUEST)
const apiSpans = () => otel.spansNamed(STITCH_SPANS.API_CALL)
const port = (url: string) => Number(new URL(url).port)

/** What every token request span carries, whatever happened. */
function tokenRequestBase(refreshAhead = false) {
  return {
    'http.request.method': 'POST',
    'server.address': '127.0.0.1',
    'server.port': port(ctx.sim.tokenUrl),
    'url.full': ctx.sim.tokenUrl,
    'stitch_auth.client_id': CLIENT_ID,
    'stitch_auth.scopes': SCOPE,
    'stitch_auth.refresh_ahead': refreshAhead,
  }
}

function only(spans: ReadableSpan[]): ReadableSpan {
  expect(spans).toHaveLength(1)
  return spans[0]!
}

function histogram(points: Awaited<ReturnType<OtelHarness['points']>>, attributes = {}) {
  const [point] = pointsOf(points, STITCH_METRICS.TOKEN_REQUEST_DURATION, attributes)
  expect(point?.unit).toBe('s')
  return point?.value as Histogram
}

/**
 * A real HTTP hop in front of the simulator's API that records the headers each request
 * arrives with, so a test sees what reached the server, not what the client meant to send.
 */
async function recordingApi(target: string) {
  const received: IncomingHttpHeaders[] = []
  const server = createServer(async (request, response) => {
    received.push(request.headers)
    const body: Buffer[] = []
    for await (const chunk of request) body.push(chunk as Buffer)
    const answer = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': request.headers['content-type'] ?? 'application/json',
        authorization: request.headers.authorization ?? '',
      },
      body: Buffer.concat(body),
    })
    response.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    })
    response.end(Buffer.from(await answer.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`
  return {
    url,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('OpenTelemetry against the simulator', () => {
  it('a cold start: one token request span inside the API call span, and traceparent reaches the API', async () => {
    const api = await recordingApi(ctx.sim.graphqlUrl)
    try {
      const stitch = ctx.client({ telemetry: otel.telemetry, apiUrl: api.url })
      await stitch.graphql(CREATE_PAYMENT, paymentInput)

      const call = only(apiSpans())
      expect(call).toMatchObject({
        name: 'stitch_auth.graphql Create',
        kind: SpanKind.CLIENT,
        status: { code: SpanStatusCode.UNSET },
      })
      expect(call.attributes).toEqual({
        'http.request.method': 'POST',
        'server.address': '127.0.0.1',
        'server.port': port(api.url),
        'url.full': api.url,
        'stitch_auth.client_id': CLIENT_ID,
        'stitch_auth.scopes': SCOPE,
        'graphql.operation.name': 'Create',
        'graphql.operation.type': 'mutation',
        'http.response.status_code': 200,
      })

      const token = only(tokenSpans())
      expect(token.kind).toBe(SpanKind.CLIENT)
      expect(token.spanContext().traceId).toBe(call.spanContext().traceId)
      expect(token.parentSpanContext?.spanId).toBe(call.spanContext().spanId)
      expect(token.attributes).toEqual({
        ...tokenRequestBase(),
        'stitch_auth.token.attempts': 1,
        'stitch_auth.outcome': 'success',
        'http.response.status_code': 200,
      })
      expect(token.events).toEqual([])

      // The API request went out with the call span as its parent, and kept its token.
      const { traceId, spanId } = call.spanContext()
      expect(api.received).toHaveLength(1)
      expect(api.received[0]).toMatchObject({
        traceparent: `00-${traceId}-${spanId}-01`,
        authorization: expect.stringMatching(/^Bearer \S+$/),
      })

      const points = await otel.points()
      expect(
        total(points, STITCH_METRICS.TOKENS_MINTED, { 'stitch_auth.refresh_ahead': false }),
      ).toBe(1)
      expect(
        total(points, STITCH_METRICS.CACHE_MISSES, { 'stitch_auth.cache.tier': 'memory' }),
      ).toBe(1)
      expect(total(points, STITCH_METRICS.CACHE_HITS)).toBe(0)
      expect(
        pointsOf(points, STITCH_METRICS.CACHE_MISSES, { 'stitch_auth.cache.tier': 'shared' }),
      ).toEqual([])
      expect(total(points, STITCH_METRICS.WAITING_REQUESTS)).toBe(0)
      expect(histogram(points).count).toBe(1)
      const [lifetime, ...others] = pointsOf(points, STITCH_METRICS.TOKEN_REMAINING_LIFETIME)
      expect(others).toEqual([])
      expect(lifetime).toMatchObject({
        unit: 's',
        attributes: { 'stitch_auth.client_id': CLIENT_ID, 'stitch_auth.scopes': SCOPE },
      })
      expect(lifetime!.value).toBeGreaterThan(3500)
      expect(lifetime!.value).toBeLessThanOrEqual(3600)
    } finally {
      await api.close()
    }
  })

  it('a warm hit: served from memory with no token request, each call a memory hit', async () => {
    const stitch = ctx.client({ telemetry: otel.telemetry })
    await stitch.getToken()
    for (let call = 0; call < 3; call++) await stitch.getToken()
    expect(stitch.peekToken()).toBeDefined()
    await stitch.graphql('query Ping { __typename }')

    // A getToken() outside any span is a trace of its own; the warm API call has no child.
    expect(only(tokenSpans()).parentSpanContext).toBeUndefined()
    const call = only(apiSpans())
    expect(call.name).toBe('stitch_auth.graphql Ping')
    expect(call.attributes).toMatchObject({ 'graphql.operation.type': 'query' })

    const points = await otel.points()
    expect(total(points, STITCH_METRICS.CACHE_HITS, { 'stitch_auth.cache.tier': 'memory' })).toBe(5)
    expect(total(points, STITCH_METRICS.CACHE_MISSES, { 'stitch_auth.cache.tier': 'memory' })).toBe(
      1,
    )
    expect(total(points, STITCH_METRICS.TOKENS_MINTED)).toBe(1)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it(
    'a retry after 503 with Retry-After: one span, the retry as an event, the wait in the duration',
    async () => {
      ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 1, times: 1 })
      const stitch = ctx.client({ telemetry: otel.telemetry })
      await stitch.getToken()

      const token = only(tokenSpans())
      expect(token.attributes).toEqual({
        ...tokenRequestBase(),
        'stitch_auth.token.attempts': 2,
        'http.request.resend_count': 1,
        'stitch_auth.outcome': 'success',
        'http.response.status_code': 200,
      })
      expect(token.status.code).toBe(SpanStatusCode.UNSET)
      expect(token.events.map(({ name, attributes }) => ({ name, attributes }))).toEqual([
        {
          name: 'stitch_auth.retry',
          attributes: {
            'stitch_auth.retry.attempt': 1,
            'stitch_auth.retry.delay_ms': 1000,
            'stitch_auth.retry.retry_after': true,
            'http.response.status_code': 503,
            'error.type': STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE,
          },
        },
      ])

      const points = await otel.points()
      const duration = histogram(points)
      expect(duration.count).toBe(1)
      expect(duration.min).toBeGreaterThanOrEqual(1)
      expect(total(points, STITCH_METRICS.TOKENS_MINTED)).toBe(1)
    },
    SLOW,
  )

  it('a token request that gives up: an error span with the last status, and its duration by error.type', async () => {
    ctx.sim.fault({ endpoint: 'token', status: 503, times: 2 })
    const stitch = ctx.client({
      telemetry: otel.telemetry,
      retry: { maxAttempts: 2, baseDelayMs: 5 },
    })
    await expect(stitch.getToken()).rejects.toMatchObject({
      code: STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE,
    })

    const token = only(tokenSpans())
    expect(token.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE,
    })
    expect(token.attributes).toEqual({
      ...tokenRequestBase(),
      'stitch_auth.token.attempts': 2,
      'http.request.resend_count': 1,
      'stitch_auth.outcome': 'error',
      'error.type': STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE,
      'http.response.status_code': 503,
    })
    expect(token.events).toHaveLength(1)

    const points = await otel.points()
    expect(total(points, STITCH_METRICS.TOKENS_MINTED)).toBe(0)
    expect(
      histogram(points, { 'error.type': STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE }).count,
    ).toBe(1)
    expect(total(points, STITCH_METRICS.WAITING_REQUESTS)).toBe(0)
  })

  it('a refused client: the OAuth error and the 401 on the span, at the first attempt', async () => {
    const stitch = ctx.client({ telemetry: otel.telemetry, clientSecret: 'wrong' })
    await expect(stitch.getToken()).rejects.toMatchObject({ error: 'invalid_client' })

    expect(only(tokenSpans()).attributes).toEqual({
      ...tokenRequestBase(),
      'stitch_auth.token.attempts': 1,
      'stitch_auth.outcome': 'error',
      'error.type': STITCH_AUTH_ERROR_CODES.TOKEN_REJECTED,
      'stitch_auth.oauth.error': 'invalid_client',
      'http.response.status_code': 401,
    })
  })

  it('a refresh-ahead: a trace of its own linked to the call that started it, counted as a success or a failure', async () => {
    const clock = { now: Date.now() }
    const stitch = ctx.client({
      telemetry: otel.telemetry,
      now: () => clock.now,
      refreshWindowMs: 60_000,
      refreshJitter: 0,
      expirySkewMs: 30_000,
      retry: { maxAttempts: 1 },
    })
    const lifetimeNow = async () =>
      pointsOf(await otel.points(), STITCH_METRICS.TOKEN_REMAINING_LIFETIME).map(
        (point) => point.value,
      )
    const first = await stitch.getToken()
    // The token counts from when its request was sent, by the client's clock.
    expect(await lifetimeNow()).toEqual([3600])

    // Inside the refresh window: the API call is served the current token at once, and a
    // background request fetches the next one.
    clock.now = first.expiresAt.getTime() - 31_000
    expect(await lifetimeNow()).toEqual([31])
    await stitch.graphql('query Ping { __typename }')
    await vi.waitFor(() => expect(tokenSpans()).toHaveLength(2), WAIT)
    const refresh = tokenSpans()[1]!
    const call = only(apiSpans())
    expect(refresh.attributes).toMatchObject({
      ...tokenRequestBase(true),
      'stitch_auth.outcome': 'success',
    })
    expect(refresh.parentSpanContext).toBeUndefined()
    expect(refresh.spanContext().traceId).not.toBe(call.spanContext().traceId)
    expect(refresh.links.map((link) => link.context.spanId)).toEqual([call.spanContext().spanId])
    await vi.waitFor(async () => expect(await lifetimeNow()).toEqual([3600]), WAIT)

    let points = await otel.points()
    expect(total(points, STITCH_METRICS.REFRESH_AHEAD_SUCCESSES)).toBe(1)
    expect(total(points, STITCH_METRICS.TOKENS_MINTED, { 'stitch_auth.refresh_ahead': true })).toBe(
      1,
    )
    expect(
      total(points, STITCH_METRICS.TOKENS_MINTED, { 'stitch_auth.refresh_ahead': false }),
    ).toBe(1)

    // The next refresh fails: the token is still served, and the failure is counted.
    const second = await stitch.getToken()
    ctx.sim.fault({ endpoint: 'token', status: 503, times: 1 })
    clock.now = second.expiresAt.getTime() - 31_000
    expect(await stitch.getToken()).toBe(second)
    await vi.waitFor(
      async () => expect(total(await otel.points(), STITCH_METRICS.REFRESH_AHEAD_FAILURES)).toBe(1),
      WAIT,
    )
    points = await otel.points()
    expect(
      total(points, STITCH_METRICS.REFRESH_AHEAD_FAILURES, {
        'error.type': STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE,
      }),
    ).toBe(1)
    expect(total(points, STITCH_METRICS.REFRESH_AHEAD_SUCCESSES)).toBe(1)
    expect(tokenSpans()[2]?.attributes).toMatchObject({
      'stitch_auth.refresh_ahead': true,
      'stitch_auth.outcome': 'error',
      'http.response.status_code': 503,
    })
  })

  it('a re-authentication: the refused token on the API span, the new token request inside it', async () => {
    const api = await recordingApi(ctx.sim.graphqlUrl)
    try {
      const stitch = ctx.client({ telemetry: otel.telemetry, apiUrl: api.url })
      await stitch.getToken()
      ctx.sim.expireAllTokens()
      await expect(stitch.graphql('query Ping { __typename }')).resolves.toEqual({
        __typename: 'Query',
      })
      const refusedWith = ctx.sim.apiRequests[0]!.status

      const call = only(apiSpans())
      expect(call.attributes).toMatchObject({
        'stitch_auth.reauthenticated': true,
        'http.request.resend_count': 1,
        'http.response.status_code': 200,
      })
      expect(call.status.code).toBe(SpanStatusCode.UNSET)
      expect(call.events.map(({ name, attributes }) => ({ name, attributes }))).toEqual([
        {
          name: 'stitch_auth.reauthenticate',
          attributes: { 'http.response.status_code': refusedWith },
        },
      ])
      const [, remint] = tokenSpans()
      expect(tokenSpans()).toHaveLength(2)
      expect(remint!.parentSpanContext?.spanId).toBe(call.spanContext().spanId)

      // Both API requests carried the call's trace context.
      const { traceId, spanId } = call.spanContext()
      expect(api.received.map((headers) => headers.traceparent)).toEqual([
        `00-${traceId}-${spanId}-01`,
        `00-${traceId}-${spanId}-01`,
      ])

      const points = await otel.points()
      expect(total(points, STITCH_METRICS.TOKENS_MINTED)).toBe(2)
      expect(
        total(points, STITCH_METRICS.CACHE_MISSES, { 'stitch_auth.cache.tier': 'memory' }),
      ).toBe(2)
    } finally {
      await api.close()
    }
  })

  it('an API call that fails: an error span with the error code, never the message', async () => {
    const stitch = ctx.client({ telemetry: otel.telemetry })
    ctx.sim.fault({ endpoint: 'graphql', status: 503, retryAfter: 3, times: 1 })
    await expect(stitch.graphql('query Ping { __typename }')).rejects.toMatchObject({
      code: STITCH_AUTH_ERROR_CODES.API_UNAVAILABLE,
    })
    const call = only(apiSpans())
    expect(call.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: STITCH_AUTH_ERROR_CODES.API_UNAVAILABLE,
    })
    expect(call.attributes).toMatchObject({
      'error.type': STITCH_AUTH_ERROR_CODES.API_UNAVAILABLE,
      'http.response.status_code': 503,
    })
  })

  it(
    'counts the callers waiting on a token request while they wait',
    async () => {
      ctx.sim.fault({ endpoint: 'token', delayMs: 1_500, times: 1 })
      const stitch = ctx.client({ telemetry: otel.telemetry })
      const waiting = Promise.all(Array.from({ length: 5 }, () => stitch.getToken()))

      expect(total(await otel.points(), STITCH_METRICS.WAITING_REQUESTS)).toBe(5)
      await waiting
      const points = await otel.points()
      expect(total(points, STITCH_METRICS.WAITING_REQUESTS)).toBe(0)
      expect(
        total(points, STITCH_METRICS.CACHE_MISSES, { 'stitch_auth.cache.tier': 'memory' }),
      ).toBe(5)
      expect(total(points, STITCH_METRICS.TOKENS_MINTED)).toBe(1)
      expect(tokenSpans()).toHaveLength(1)
    },
    SLOW,
  )

  it('a shared cache: a miss and a mint for the first client, a shared hit for the second', async () => {
    const cache = new MemoryTokenCache()
    const clock = { now: Date.now() }
    const now = () => clock.now
    const first = ctx.client({ telemetry: otel.telemetry, cache, now })
    const second = ctx.client({ telemetry: otel.telemetry, cache, now })
    await first.getToken()
    await second.getToken()

    const points = await otel.points()
    expect(total(points, STITCH_METRICS.CACHE_MISSES, { 'stitch_auth.cache.tier': 'shared' })).toBe(
      1,
    )
    expect(total(points, STITCH_METRICS.CACHE_HITS, { 'stitch_auth.cache.tier': 'shared' })).toBe(1)
    expect(total(points, STITCH_METRICS.CACHE_MISSES, { 'stitch_auth.cache.tier': 'memory' })).toBe(
      2,
    )
    expect(total(points, STITCH_METRICS.TOKENS_MINTED)).toBe(1)
    expect(tokenSpans()).toHaveLength(1)

    // A closed client no longer reports its tokens: the SDK may repeat the last value it had,
    // but nothing reads the clock any more.
    const lifetimes = async () =>
      pointsOf(await otel.points(), STITCH_METRICS.TOKEN_REMAINING_LIFETIME).map(
        (point) => point.value,
      )
    expect(await lifetimes()).toEqual([3600])
    await first.close()
    await second.close()
    clock.now += 100_000
    expect(await lifetimes()).not.toContain(3500)
  })
})

describe('with the SDK registered globally', () => {
  it('openTelemetry() without options uses the global providers and propagator', async () => {
    const { tracerProvider, meterProvider, propagator } = otel.options
    trace.setGlobalTracerProvider(tracerProvider)
    metrics.setGlobalMeterProvider(meterProvider)
    propagation.setGlobalPropagator(propagator)
    try {
      const api = await recordingApi(ctx.sim.graphqlUrl)
      try {
        const stitch = ctx.client({ telemetry: openTelemetry(), apiUrl: api.url })
        await stitch.graphql('query Ping { __typename }')
        const call = only(apiSpans())
        expect(only(tokenSpans()).parentSpanContext?.spanId).toBe(call.spanContext().spanId)
        expect(api.received[0]?.traceparent).toContain(call.spanContext().spanId)
        expect(total(await otel.points(), STITCH_METRICS.TOKENS_MINTED)).toBe(1)
      } finally {
        await api.close()
      }
    } finally {
      trace.disable()
      metrics.disable()
      propagation.disable()
    }
  })
})

describe('telemetry options', () => {
  it('refuses a telemetry option that is not one', () => {
    expect(() =>
      createStitchAuth({ clientId: 'c', clientSecret: 's', telemetry: {} as StitchTelemetry }),
    ).toThrow(
      expect.objectContaining({
        code: STITCH_AUTH_ERROR_CODES.CONFIG_INVALID,
        message: expect.stringContaining(
          '"telemetry" must come from openTelemetry() in "@stitch-auth/core/opentelemetry"',
        ),
      }),
    )
  })

  it('lists every problem of openTelemetry() options at once', () => {
    let error: unknown
    try {
      openTelemetry({
        tracerProvider: {} as never,
        meterProvider: 'global' as never,
        tracer: 1,
      } as never)
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(StitchConfigError)
    expect((error as StitchConfigError).issues).toEqual([
      '"tracer" is not an option (tracerProvider, meterProvider, propagator)',
      '"tracerProvider" must have a getTracer() method',
      '"meterProvider" must have a getMeter() method',
    ])
  })

  it('a telemetry of your own gets only the hooks it has', async () => {
    const calls: string[] = []
    const telemetry: StitchTelemetry = {
      attach: (client) => {
        calls.push(`attach ${client.clientId} shared=${client.sharedCache}`)
        return {
          cacheHit: (tier, scopes) => calls.push(`hit ${tier} ${scopes.join(' ')}`),
          tokenRequest: ({ background }) => ({
            end: ({ attempts }) =>
              calls.push(`token background=${background} attempts=${attempts}`),
          }),
        }
      },
    }
    const stitch = ctx.client({ telemetry })
    await stitch.getToken()
    await stitch.graphql('{ __typename }')
    expect(calls).toEqual([
      `attach ${CLIENT_ID} shared=false`,
      'token background=false attempts=1',
      `hit memory ${SCOPE}`,
    ])
  })
})

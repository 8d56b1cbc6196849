// OpenTelemetry for a Stitch client: a CLIENT span per token request and per API call, with
// HTTP client semantic conventions, the trace context sent with each API request, and metrics
// under `stitch_auth.`. Only this entry imports `@opentelemetry/api`; the token client knows
// nothing of it (see ../telemetry.ts), so an app without telemetry never loads it.
import {
  type Attributes,
  type Context,
  type Counter,
  context,
  defaultTextMapSetter,
  type Histogram,
  type Link,
  type MeterProvider,
  metrics,
  type ObservableGauge,
  type ObservableResult,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
  trace,
  type UpDownCounter,
  ValueType,
} from '@opentelemetry/api'
import { StitchConfigError } from '../errors.js'
import type {
  StitchApiCallStart,
  StitchApiCallTrace,
  StitchTelemetry,
  StitchTelemetryClient,
  StitchTelemetryHooks,
  StitchTokenRequestStart,
  StitchTokenRequestTrace,
} from '../telemetry.js'

export type {
  StitchApiCallStart,
  StitchApiCallTrace,
  StitchTelemetry,
  StitchTelemetryClient,
  StitchTelemetryError,
  StitchTelemetryHooks,
  StitchTelemetryToken,
  StitchTokenRequestStart,
  StitchTokenRequestTrace,
} from '../telemetry.js'

/** Options of `openTelemetry()`. Every field is optional. */
export interface OpenTelemetryOptions {
  /**
   * Where spans go.
   * @default the global tracer provider, which the OpenTelemetry SDK registers
   */
  tracerProvider?: TracerProvider
  /**
   * Where metrics go. The global one is read when a client is created, so start the SDK first.
   * @default the global meter provider, which the OpenTelemetry SDK registers
   */
  meterProvider?: MeterProvider
  /**
   * Writes the trace context into each API request's headers.
   * @default the global propagator (W3C `traceparent` and `baggage` with the SDK's defaults)
   */
  propagator?: TextMapPropagator
}

/** The instrumentation scope of every span and metric. */
export const INSTRUMENTATION_SCOPE = '@stitch-auth/core'

/** The span names. */
export const STITCH_SPANS = {
  /** One request to the token endpoint, its retries included. */
  TOKEN_REQUEST: 'stitch_auth.token_request',
  /** One `graphql()` or `run()` call; followed by the operation's name when it has one. */
  API_CALL: 'stitch_auth.graphql',
} as const

/** The metric names. */
export const STITCH_METRICS = {
  TOKENS_MINTED: 'stitch_auth.tokens.minted',
  CACHE_HITS: 'stitch_auth.cache.hits',
  CACHE_MISSES: 'stitch_auth.cache.misses',
  REFRESH_AHEAD_SUCCESSES: 'stitch_auth.refresh_ahead.successes',
  REFRESH_AHEAD_FAILURES: 'stitch_auth.refresh_ahead.failures',
  WAITING_REQUESTS: 'stitch_auth.token.waiting_requests',
  TOKEN_REQUEST_DURATION: 'stitch_auth.token.request.duration',
  TOKEN_REMAINING_LIFETIME: 'stitch_auth.token.remaining_lifetime',
} as const

// OpenTelemetry's HTTP client semantic conventions, and ours.
const HTTP_METHOD = 'http.request.method'
const HTTP_STATUS = 'http.response.status_code'
const HTTP_RESEND_COUNT = 'http.request.resend_count'
const SERVER_ADDRESS = 'server.address'
const SERVER_PORT = 'server.port'
const URL_FULL = 'url.full'
const ERROR_TYPE = 'error.type'
const GRAPHQL_OPERATION_NAME = 'graphql.operation.name'
const GRAPHQL_OPERATION_TYPE = 'graphql.operation.type'
const CLIENT_ID = 'stitch_auth.client_id'
const SCOPES = 'stitch_auth.scopes'
const REFRESH_AHEAD = 'stitch_auth.refresh_ahead'
const CACHE_TIER = 'stitch_auth.cache.tier'
const ATTEMPTS = 'stitch_auth.token.attempts'
const OUTCOME = 'stitch_auth.outcome'
const OAUTH_ERROR = 'stitch_auth.oauth.error'
const REAUTHENTICATED = 'stitch_auth.reauthenticated'

/** OpenTelemetry's advice for `http.client.request.duration`, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

const OPTION_KEYS = ['tracerProvider', 'meterProvider', 'propagator'] as const
const OPTION_METHODS: Record<(typeof OPTION_KEYS)[number], string> = {
  tracerProvider: 'getTracer',
  meterProvider: 'getMeter',
  propagator: 'inject',
}

/**
 * Traces and metrics for `createStitchAuth({ telemetry })`, through `@opentelemetry/api`. Without
 * options it uses the providers and propagator that the OpenTelemetry SDK registers.
 *
 * @example
 * import { openTelemetry } from '@stitch-auth/core/opentelemetry'
 * const stitch = createStitchAuth({ clientId, clientSecret, telemetry: openTelemetry() })
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): StitchTelemetry {
  const problems = optionProblems(options)
  if (problems.length > 0) throw new StitchConfigError(problems, 'Invalid openTelemetry() options')
  // Made with the first client, when the SDK has registered its providers; shared by every
  // client given this telemetry, so that two clients never report the same series twice.
  let instruments: Instruments | undefined
  return {
    attach(client) {
      instruments ??= createInstruments({
        tracerProvider: options.tracerProvider ?? trace.getTracerProvider(),
        meterProvider: options.meterProvider ?? metrics.getMeterProvider(),
        propagator: options.propagator ?? propagation,
      })
      return instrument(client, instruments)
    },
  }
}

function optionProblems(options: unknown): string[] {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return ['options must be an object']
  }
  const given = options as Record<string, unknown>
  const problems: string[] = []
  for (const key of Object.keys(given)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      problems.push(`"${key}" is not an option (${OPTION_KEYS.join(', ')})`)
    }
  }
  for (const key of OPTION_KEYS) {
    const value = given[key] as Record<string, unknown> | undefined
    if (value !== undefined && typeof value?.[OPTION_METHODS[key]] !== 'function') {
      problems.push(`"${key}" must have a ${OPTION_METHODS[key]}() method`)
    }
  }
  return problems
}

interface Providers {
  tracerProvider: TracerProvider
  meterProvider: MeterProvider
  propagator: Pick<TextMapPropagator, 'inject'>
}

/**
 * One scope set of one client: its attributes, made once, and its cache lookups. Lookups are
 * counted here and read by observable counters when metrics are collected, so that a warm
 * `getToken()` adds one to a number instead of recording a measurement (about a microsecond).
 */
interface ScopeSeries {
  base: Attributes
  memory: Attributes
  shared: Attributes
  refresh: Attributes
  mint: Attributes
  memoryHits: number
  memoryMisses: number
  sharedHits: number
  sharedMisses: number
}

interface Instruments {
  tracer: Tracer
  propagator: Providers['propagator']
  minted: Counter
  refreshed: Counter
  refreshFailed: Counter
  waiting: UpDownCounter
  duration: Histogram
  lifetime: ObservableGauge
  /** Every series, by client id and scopes. */
  series: Map<string, ScopeSeries>
}

function createInstruments(providers: Providers): Instruments {
  const meter = providers.meterProvider.getMeter(INSTRUMENTATION_SCOPE)
  const series = new Map<string, ScopeSeries>()
  const hits = meter.createObservableCounter(STITCH_METRICS.CACHE_HITS, {
    unit: '{hit}',
    description: "Tokens served from the client's memory or the shared cache.",
  })
  hits.addCallback((result) => {
    for (const one of series.values()) {
      if (one.memoryHits > 0) result.observe(one.memoryHits, one.memory)
      if (one.sharedHits > 0) result.observe(one.sharedHits, one.shared)
    }
  })
  const misses = meter.createObservableCounter(STITCH_METRICS.CACHE_MISSES, {
    unit: '{miss}',
    description:
      "Token lookups that found no usable token in the client's memory or the shared cache.",
  })
  misses.addCallback((result) => {
    for (const one of series.values()) {
      if (one.memoryMisses > 0) result.observe(one.memoryMisses, one.memory)
      if (one.sharedMisses > 0) result.observe(one.sharedMisses, one.shared)
    }
  })
  return {
    tracer: providers.tracerProvider.getTracer(INSTRUMENTATION_SCOPE),
    propagator: providers.propagator,
    series,
    minted: meter.createCounter(STITCH_METRICS.TOKENS_MINTED, {
      unit: '{token}',
      description: 'Tokens minted by the Stitch token endpoint.',
    }),
    refreshed: meter.createCounter(STITCH_METRICS.REFRESH_AHEAD_SUCCESSES, {
      unit: '{refresh}',
      description: 'Refresh-ahead requests that brought a new token while the old one was served.',
    }),
    refreshFailed: meter.createCounter(STITCH_METRICS.REFRESH_AHEAD_FAILURES, {
      unit: '{refresh}',
      description: 'Refresh-ahead requests that failed.',
    }),
    waiting: meter.createUpDownCounter(STITCH_METRICS.WAITING_REQUESTS, {
      unit: '{request}',
      description: 'Callers waiting for a token request to finish.',
    }),
    duration: meter.createHistogram(STITCH_METRICS.TOKEN_REQUEST_DURATION, {
      unit: 's',
      description: 'Duration of token requests, retries and their waits included.',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    lifetime: meter.createObservableGauge(STITCH_METRICS.TOKEN_REMAINING_LIFETIME, {
      unit: 's',
      description: 'Time left before the token in use for a scope set expires.',
      valueType: ValueType.DOUBLE,
    }),
  }
}

function instrument(client: StitchTelemetryClient, tools: Instruments): StitchTelemetryHooks {
  const tokenServer = describeServer(client.tokenUrl)
  const apiServer = describeServer(client.apiUrl)
  // The client hands over the same frozen array for a scope set every time.
  const byScopes = new WeakMap<readonly string[], ScopeSeries>()
  const seriesOf = (scopes: readonly string[]): ScopeSeries => {
    let known = byScopes.get(scopes)
    if (known === undefined) {
      const scope = scopes.join(' ')
      const key = JSON.stringify([client.clientId, scope])
      known = tools.series.get(key)
      if (known === undefined) {
        const base = { [CLIENT_ID]: client.clientId, [SCOPES]: scope }
        known = {
          base,
          memory: { ...base, [CACHE_TIER]: 'memory' },
          shared: { ...base, [CACHE_TIER]: 'shared' },
          refresh: { ...base, [REFRESH_AHEAD]: true },
          mint: { ...base, [REFRESH_AHEAD]: false },
          memoryHits: 0,
          memoryMisses: 0,
          sharedHits: 0,
          sharedMisses: 0,
        }
        tools.series.set(key, known)
      }
      byScopes.set(scopes, known)
    }
    return known
  }

  const observeLifetimes = (result: ObservableResult) => {
    for (const token of client.tokens()) {
      result.observe(Math.max(0, token.expiresInMs) / 1000, seriesOf(token.scopes).base)
    }
  }
  tools.lifetime.addCallback(observeLifetimes)

  return {
    cacheHit(tier, scopes) {
      const series = seriesOf(scopes)
      if (tier === 'memory') series.memoryHits++
      else series.sharedHits++
    },
    sharedCacheMiss(scopes) {
      seriesOf(scopes).sharedMisses++
    },
    waiting(scopes) {
      const series = seriesOf(scopes)
      series.memoryMisses++
      tools.waiting.add(1, series.base)
      let waited = false
      return () => {
        if (waited) return
        waited = true
        tools.waiting.add(-1, series.base)
      }
    },
    refreshEnded({ scopes, error }) {
      const series = seriesOf(scopes)
      if (error === undefined) tools.refreshed.add(1, series.base)
      else tools.refreshFailed.add(1, { ...series.base, [ERROR_TYPE]: errorType(error) })
    },
    tokenRequest(request) {
      return tokenRequestTrace(request, tools, tokenServer, seriesOf(request.scopes))
    },
    apiCall(call) {
      return apiCallTrace(call, tools, apiServer, client.clientId)
    },
    close() {
      tools.lifetime.removeCallback(observeLifetimes)
    },
  }
}

function tokenRequestTrace(
  request: StitchTokenRequestStart,
  tools: Instruments,
  server: Server,
  series: ScopeSeries,
): StitchTokenRequestTrace {
  const active = context.active()
  // A refresh-ahead serves whoever calls next, not the caller that happened to start it: a
  // trace of its own, linked to that caller's span.
  let parent: Context
  let links: Link[] | undefined
  if (request.background) {
    const starter = trace.getSpanContext((request.parent as Context | undefined) ?? active)
    parent = trace.deleteSpan(active)
    links = starter ? [{ context: starter }] : undefined
  } else {
    parent = (request.parent as Context | undefined) ?? active
  }
  const mintAttributes = request.background ? series.refresh : series.mint
  const span = tools.tracer.startSpan(
    STITCH_SPANS.TOKEN_REQUEST,
    {
      kind: SpanKind.CLIENT,
      attributes: { ...serverAttributes(server), ...mintAttributes },
      ...(links ? { links } : {}),
    },
    parent,
  )
  const spanContext = trace.setSpan(parent, span)
  const started = performance.now()
  let status: number | undefined
  let retries = 0
  return {
    run: (work) => context.with(spanContext, work),
    answered(answer) {
      status = answer
    },
    retrying(retry) {
      retries++
      span.addEvent('stitch_auth.retry', {
        'stitch_auth.retry.attempt': retry.attempt,
        'stitch_auth.retry.delay_ms': retry.delayMs,
        'stitch_auth.retry.retry_after': retry.retryAfter,
        ...(retry.status === undefined ? {} : { [HTTP_STATUS]: retry.status }),
        [ERROR_TYPE]: errorType(retry.error),
      })
      // The status that ends the span is the last attempt's, not an earlier one's.
      status = undefined
    },
    end({ attempts = retries + 1, error }) {
      const seconds = (performance.now() - started) / 1000
      span.setAttribute(ATTEMPTS, attempts)
      if (attempts > 1) span.setAttribute(HTTP_RESEND_COUNT, attempts - 1)
      if (status !== undefined) span.setAttribute(HTTP_STATUS, status)
      if (error === undefined) {
        span.setAttribute(OUTCOME, 'success')
        tools.minted.add(1, mintAttributes)
        tools.duration.record(seconds, mintAttributes)
      } else {
        const type = errorType(error)
        span.setAttributes({ [OUTCOME]: 'error', [ERROR_TYPE]: type })
        const oauthError = oauthErrorOf(error)
        if (oauthError) span.setAttribute(OAUTH_ERROR, oauthError)
        // Only the code: a message may quote the server, and the span outlives the process.
        span.setStatus({ code: SpanStatusCode.ERROR, message: type })
        tools.duration.record(seconds, { ...mintAttributes, [ERROR_TYPE]: type })
      }
      span.end()
    },
  }
}

function apiCallTrace(
  call: StitchApiCallStart,
  tools: Instruments,
  server: Server,
  clientId: string,
): StitchApiCallTrace {
  const parent = context.active()
  const attributes: Attributes = { ...serverAttributes(server), [CLIENT_ID]: clientId }
  // As given: checked only when the token is asked for, so maybe not a list at all.
  if (Array.isArray(call.scopes)) attributes[SCOPES] = [...new Set(call.scopes)].sort().join(' ')
  if (call.operationName) attributes[GRAPHQL_OPERATION_NAME] = call.operationName
  if (call.operationType) attributes[GRAPHQL_OPERATION_TYPE] = call.operationType
  const span: Span = tools.tracer.startSpan(
    call.operationName ? `${STITCH_SPANS.API_CALL} ${call.operationName}` : STITCH_SPANS.API_CALL,
    { kind: SpanKind.CLIENT, attributes },
    parent,
  )
  const spanContext = trace.setSpan(parent, span)
  let status: number | undefined
  return {
    context: spanContext,
    run: (work) => context.with(spanContext, work),
    headers() {
      const carrier: Record<string, string> = {}
      tools.propagator.inject(spanContext, carrier, defaultTextMapSetter)
      return carrier
    },
    answered(answer) {
      status = answer
    },
    reauthenticating() {
      span.addEvent(
        'stitch_auth.reauthenticate',
        status === undefined ? {} : { [HTTP_STATUS]: status },
      )
      span.setAttributes({ [REAUTHENTICATED]: true, [HTTP_RESEND_COUNT]: 1 })
    },
    end({ error }) {
      const finalStatus = status ?? statusOf(error)
      if (finalStatus !== undefined) span.setAttribute(HTTP_STATUS, finalStatus)
      if (error !== undefined) {
        const type = errorType(error)
        span.setAttribute(ERROR_TYPE, type)
        span.setStatus({ code: SpanStatusCode.ERROR, message: type })
      }
      span.end()
    },
  }
}

interface Server {
  address: string
  port: number
  /** The URL without credentials, query or fragment. */
  url: string
}

function describeServer(raw: string): Server {
  const url = new URL(raw)
  return {
    // An IPv6 host is written without its brackets.
    address: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    url: `${url.protocol}//${url.host}${url.pathname}`,
  }
}

function serverAttributes(server: Server): Attributes {
  return {
    [HTTP_METHOD]: 'POST',
    [SERVER_ADDRESS]: server.address,
    [SERVER_PORT]: server.port,
    [URL_FULL]: server.url,
  }
}

/**
 * A stitch-auth error's stable code, else `_OTHER` (the conventions' fallback): never a message,
 * nor the name of an error that came from elsewhere, since either may quote anything.
 */
function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' && /^STITCH_AUTH_[A-Z_]+$/.test(code) ? code : '_OTHER'
}

/** The HTTP status Stitch answered a failed call with, when it answered. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { upstreamStatus?: unknown } | null | undefined)?.upstreamStatus
  return typeof status === 'number' ? status : undefined
}

/** RFC 6749's error codes: the only server text that becomes an attribute. */
const OAUTH_ERRORS: ReadonlySet<unknown> = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
])

/** The OAuth `error` of a refused token request: one of RFC 6749's, else `_OTHER`. */
function oauthErrorOf(error: unknown): string | undefined {
  if ((error as { name?: unknown } | null)?.name !== 'StitchTokenRequestError') return undefined
  const oauthError = (error as { error?: unknown }).error
  return OAUTH_ERRORS.has(oauthError) ? (oauthError as string) : '_OTHER'
}

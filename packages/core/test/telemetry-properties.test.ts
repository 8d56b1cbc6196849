// Property: whatever the token endpoint and the API answer, however a client's calls go (cold,
// warm, retried, refreshed ahead, re-authenticated, failed), no span name, attribute, status,
// event or link, and no metric name or attribute, holds the client secret, a client assertion
// or an access token, in any encoding. Token endpoint and API answer through an injected fetch
// (no network), and their answers echo the secret and the token wherever a server might.
import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createStitchAuth, STITCH_SCOPES, type StitchAuthOptions } from '../src/index.js'
import { otelHarness, stringsOf, stringsOfSpan } from './telemetry-harness.js'

const TOKEN_URL = 'https://secure.stitch.money/connect/token'
const B64TOKEN = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/']

/** Placeholders for the run's secret and token, filled in when an answer is sent. */
const SECRET = '\u0001SECRET\u0001'
const TOKEN = '\u0001TOKEN\u0001'

/** Any Unicode, always holding one of & = + % or a space; long and varied enough to be unique. */
const secretArb = fc
  .tuple(
    fc.string({ unit: 'binary', maxLength: 24 }),
    fc.constantFrom('&', '=', '+', '%', ' ', '%26', '+=', '% &'),
    fc.string({ unit: 'binary', maxLength: 24 }),
  )
  .map(([before, special, after]) => `${before}${special}${after}`)
  .filter((secret) => secret.length >= 10 && new Set(secret).size >= 5)

/** An opaque bearer token (RFC 6750 b64token characters), 16 to 120 characters. */
const tokenArb = fc
  .string({ unit: fc.constantFrom(...B64TOKEN), minLength: 16, maxLength: 120 })
  .filter((token) => new Set(token).size >= 4)

interface Answer {
  status: number
  headers?: Record<string, string>
  body: string
}

const json = (value: unknown) => JSON.stringify(value)

/** What the token endpoint may say; most often a token, so that calls go on to the API. */
const tokenAnswerArb: fc.Arbitrary<Answer | 'network error'> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ status: 200, body: 'TOKEN' }) },
  fc.constantFrom<Answer | 'network error'>(
    { status: 503, headers: { 'retry-after': '0' }, body: `overloaded, token ${TOKEN}` },
    { status: 429, body: json({ error: 'slow_down', error_description: SECRET }) },
    { status: 401, body: json({ error: 'invalid_client', error_description: `bad ${SECRET}` }) },
    { status: 400, body: json({ error: SECRET }) },
    { status: 400, body: json({ error: TOKEN, error_description: TOKEN }) },
    { status: 200, body: `{"access_token":"${TOKEN}","token_type":"mac"` },
    { status: 200, body: json({ access_token: TOKEN, token_type: 'Bearer', expires_in: -1 }) },
    'network error',
  ),
)

/** What the API may say, echoing the token where a server might. */
const apiAnswerArb: fc.Arbitrary<Answer | 'network error'> = fc.constantFrom<
  Answer | 'network error'
>(
  { status: 200, body: json({ data: { __typename: 'Query' } }) },
  { status: 200, body: json({ data: { __typename: 'Query' } }) },
  {
    status: 200,
    body: json({
      errors: [{ message: 'UNAUTHENTICATED: Token is expired or malformed' }],
      extensions: { code: 'UNAUTHENTICATED' },
    }),
  },
  { status: 401, body: `Bearer ${TOKEN} is not valid` },
  { status: 503, headers: { 'retry-after': '1' }, body: `busy ${TOKEN}` },
  { status: 200, body: json({ errors: [{ message: `token ${TOKEN} lacks client_refund` }] }) },
  { status: 500, body: json({ errors: [{ message: `secret ${SECRET}` }] }) },
  'network error',
)

type Step =
  | { kind: 'getToken' }
  | { kind: 'peek' }
  | { kind: 'graphql'; operationName: string | undefined }
  | { kind: 'invalidate' }
  /** Moves the client's clock: into the refresh window, past expiry, or a little. */
  | { kind: 'advance'; ms: number }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'getToken' }),
  fc.constant<Step>({ kind: 'peek' }),
  fc
    .option(fc.constantFrom('Ping', 'CreatePayment'), { nil: undefined })
    .map((operationName): Step => ({ kind: 'graphql', operationName })),
  fc.constant<Step>({ kind: 'invalidate' }),
  fc
    .constantFrom(1_000, 60_000, 3_000_000, 3_400_000, 3_600_000)
    .map((ms): Step => ({ kind: 'advance', ms })),
)

const scenarioArb = fc.record({
  secret: secretArb,
  token: tokenArb,
  scopes: fc.subarray([...STITCH_SCOPES], { minLength: 1, maxLength: 3 }),
  expiresIn: fc.constantFrom(600, 3600),
  tokenAnswers: fc.array(tokenAnswerArb, { maxLength: 6 }),
  apiAnswers: fc.array(apiAnswerArb, { maxLength: 6 }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 8 }),
})

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never

const fill = (text: string, secret: string, token: string) =>
  text.replaceAll(SECRET, secret).replaceAll(TOKEN, token)

/** Text a secret or token may take once encoded or escaped. */
function forms(value: string): string[] {
  return [
    value,
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
  ]
}

/**
 * Runs the scenario on a client with telemetry, closes it (ending every span), and returns
 * every string the exported spans and metrics hold, with the secrets they must not hold.
 */
async function runScenario(
  scenario: Scenario,
  credentials: Pick<StitchAuthOptions, 'clientSecret' | 'privateKey'>,
): Promise<{ strings: string[]; needles: string[]; spans: number }> {
  const otel = otelHarness()
  const { secret, token, scopes } = scenario
  const tokenAnswers = [...scenario.tokenAnswers]
  const apiAnswers = [...scenario.apiAnswers]
  const assertions: string[] = []
  let issued = 0
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init)
    const answer = request.url === TOKEN_URL ? tokenAnswers.shift() : apiAnswers.shift()
    if (request.url === TOKEN_URL) {
      const assertion = new URLSearchParams(await request.text()).get('client_assertion')
      if (assertion) assertions.push(assertion)
    }
    if (answer === 'network error') throw new TypeError(`fetch failed for ${secret} ${token}`)
    if (request.url === TOKEN_URL && (answer === undefined || answer.body === 'TOKEN')) {
      // Each token differs from the last: a re-minted token is a new needle, not the same one.
      issued++
      return Response.json({
        access_token: `${token}${issued}`,
        token_type: 'Bearer',
        expires_in: scenario.expiresIn,
        scope: scopes.join(' '),
      })
    }
    if (answer === undefined) return Response.json({ data: { __typename: 'Query' } })
    return new Response(fill(answer.body, secret, token), {
      status: answer.status,
      headers: { 'content-type': 'application/json', ...answer.headers },
    })
  }
  const clock = { now: Date.UTC(2026, 10, 23, 12) }
  const stitch = createStitchAuth({
    clientId: 'property-client',
    ...credentials,
    scopes,
    fetch,
    now: () => clock.now,
    retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 1 },
    telemetry: otel.telemetry,
  } as StitchAuthOptions)
  for (const step of scenario.steps) {
    if (step.kind === 'getToken') await stitch.getToken().catch(() => {})
    else if (step.kind === 'peek') stitch.peekToken()
    else if (step.kind === 'invalidate') await stitch.invalidate()
    else if (step.kind === 'advance') clock.now += step.ms
    else {
      // Variables that hold the secret and the token: never an attribute.
      await stitch
        .graphql(
          `query ${step.operationName ?? ''} { __typename }`,
          { note: `${secret} ${token}` },
          step.operationName === undefined ? {} : { operationName: step.operationName },
        )
        .catch(() => {})
    }
    // Lets a refresh-ahead started by this step answer before the next one.
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  await stitch.close()
  const spans = otel.spans()
  const points = await otel.points()
  await otel.shutdown()
  const strings = [
    ...spans.flatMap(stringsOfSpan),
    ...points.flatMap((point) => [point.name, point.unit, ...stringsOf(point.attributes)]),
  ]
  const tokens = Array.from({ length: issued }, (_, index) => `${token}${index + 1}`)
  const needles = [token, ...tokens, ...assertions]
  if (credentials.clientSecret !== undefined) needles.push(secret)
  return { strings, needles: needles.flatMap(forms), spans: spans.length }
}

function expectClean({ strings, needles }: { strings: string[]; needles: string[] }) {
  for (const text of strings) {
    for (const needle of needles) {
      if (text.includes(needle)) {
        throw new Error(`telemetry holds ${JSON.stringify(needle)} in ${JSON.stringify(text)}`)
      }
    }
  }
}

describe('telemetry never holds a secret, an assertion or a token', () => {
  it('for a secret client, whatever the endpoints answer', async () => {
    let sawSpans = 0
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const result = await runScenario(scenario, { clientSecret: scenario.secret })
        sawSpans += result.spans
        expectClean(result)
      }),
      { numRuns: 150 },
    )
    // The property looked at something: the runs made spans.
    expect(sawSpans).toBeGreaterThan(150)
  }, 120_000)

  it('for a private-key client, whose every attempt signs a new assertion', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const result = await runScenario(scenario, { privateKey })
        // The key itself, line by line, is a needle too.
        const keyLines = privateKey.split('\n').filter((line) => line.length >= 16)
        expectClean({ strings: result.strings, needles: [...result.needles, ...keyLines] })
      }),
      { numRuns: 30 },
    )
  }, 120_000)
})

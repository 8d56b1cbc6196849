// Property-based leak checks with fast-check: random secrets (any Unicode, with &=+% and
// spaces), random opaque tokens, random malformed token-endpoint bodies and random OAuth errors,
// all through an injected fetch (no network), so thousands of cases run in seconds. Nothing a
// client produces (error message, stack, JSON, util.inspect, String(), events, the proxy's
// responses) may contain the secret or a full token.
import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createStitchAuth,
  createStitchProxyHandler,
  defineOperations,
  isStitchAuthError,
  STITCH_SCOPES,
  type StitchAuth,
  type StitchAuthEvent,
  type StitchAuthOptions,
  StitchTokenRequestError,
} from '../src/index.js'
import { createPaymentRequestOperation } from '../src/proxy/index.js'

const TOKEN_URL = 'https://secure.stitch.money/connect/token'
const B64TOKEN = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/']

// --- Arbitraries -----------------------------------------------------------------------------

/** Any Unicode, always holding one of & = + % or a space; long and varied enough to be unique. */
const secretArb = fc
  .tuple(
    fc.string({ unit: 'binary', maxLength: 24 }),
    fc.constantFrom('&', '=', '+', '%', ' ', '%26', '+=', '% &', '&=+% '),
    fc.string({ unit: 'binary', maxLength: 24 }),
  )
  .map(([before, special, after]) => `${before}${special}${after}`)
  .filter((secret) => secret.length >= 10 && new Set(secret).size >= 5)

/** An opaque bearer token (RFC 6750 b64token characters), 16 to 200 characters. */
const tokenArb = fc
  .string({ unit: fc.constantFrom(...B64TOKEN), minLength: 16, maxLength: 200 })
  .filter((token) => new Set(token).size >= 4)

const scopesArb = fc.subarray([...STITCH_SCOPES], { minLength: 1 })

/** Placeholders for the run's secret and token, so generated bodies shrink independently. */
const SECRET = '\u0001SECRET\u0001'
const TOKEN = '\u0001TOKEN\u0001'

const junkArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
)

const STATUSES = [200, 201, 203, 206, 302, 400, 401, 403, 404, 409, 418, 422, 500, 502, 503]
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
]

/** A token-endpoint or API answer; placeholders are filled in before JSON is serialised. */
interface Reply {
  status: number
  contentType: string
  body: { text: string } | { json: unknown; cut?: number }
}

/**
 * Malformed (or occasionally valid) token-endpoint answers in which the token appears only
 * where a token belongs: as `access_token`, or inside a body that is not JSON at all.
 */
const malformedReplyArb: fc.Arbitrary<Reply> = fc.record({
  status: fc.constantFrom(...STATUSES),
  contentType: fc.constantFrom(...CONTENT_TYPES),
  body: fc.oneof(
    fc
      .record(
        {
          access_token: fc.oneof(fc.constant(TOKEN), junkArb),
          token_type: fc.oneof(fc.constantFrom('Bearer', 'bearer', 'mac', ''), junkArb),
          expires_in: fc.oneof(fc.constantFrom(3600, '3600', 0, -5, 1e308), junkArb),
          scope: fc.oneof(fc.constantFrom(...STITCH_SCOPES), junkArb),
          refresh_token: junkArb,
        },
        { requiredKeys: [] },
      )
      .map((json) => ({ json })),
    fc.tuple(fc.nat(), fc.constantFrom(...STITCH_SCOPES)).map(([cut, scope]) => ({
      json: { access_token: TOKEN, token_type: 'Bearer', expires_in: 3600, scope },
      cut,
    })),
    // Random OAuth errors (RFC 6749 §5.2), with or without a description.
    fc
      .record(
        {
          error: fc.oneof(
            fc.constantFrom('invalid_client', 'invalid_scope', 'invalid_request', 'server_error'),
            fc.string(),
          ),
          error_description: fc.string(),
          error_uri: fc.webUrl(),
        },
        { requiredKeys: ['error'] },
      )
      .map((json) => ({ json })),
    fc.constant({ text: `access_token=${TOKEN}&token_type=Bearer&expires_in=3600` }),
    fc.constant({ text: `<html><body>${TOKEN}</body></html>` }),
    fc.tuple(fc.string(), fc.string()).map(([a, b]) => ({ text: `${a}${TOKEN}${b}` })),
    fc.string().map((text) => ({ text })),
  ),
})

/** 2xx JSON answers where the token also turns up in a field that is not `access_token`. */
const misplacedTokenReplyArb: fc.Arbitrary<Reply> = fc
  .record({
    status: fc.constantFrom(200, 201),
    fields: fc
      .record(
        {
          access_token: fc.oneof(fc.constant(TOKEN), junkArb),
          token_type: fc.oneof(fc.constant(TOKEN), fc.constantFrom('Bearer', 'mac'), junkArb),
          expires_in: fc.oneof(fc.constant(TOKEN), fc.constant(3600), junkArb),
          scope: fc.oneof(fc.constant(TOKEN), fc.constantFrom(...STITCH_SCOPES), junkArb),
          id_token: fc.constant(TOKEN),
        },
        { requiredKeys: [] },
      )
      .filter((fields) =>
        Object.entries(fields).some(([key, value]) => key !== 'access_token' && value === TOKEN),
      ),
  })
  .map(({ status, fields }) => ({
    status,
    contentType: 'application/json',
    body: { json: fields },
  }))

/** OAuth errors (RFC 6749 §5.2) whose `error` or `error_description` echo the secret or a token. */
const echoingOAuthErrorArb: fc.Arbitrary<Reply> = fc
  .record({
    status: fc.constantFrom(400, 401, 403),
    error: fc.oneof(
      fc.constantFrom('invalid_client', 'invalid_scope', 'invalid_request', 'unauthorized_client'),
      fc.constantFrom(SECRET, TOKEN),
      fc.string({ minLength: 1 }),
    ),
    description: fc.option(
      fc.oneof(
        fc.constantFrom(
          `client_secret ${SECRET} is wrong`,
          `Invalid client secret: '${SECRET}'`,
          `token ${TOKEN} was revoked`,
          `${SECRET}`,
        ),
        fc.string(),
      ),
      { nil: undefined },
    ),
  })
  .filter(({ error, description }) =>
    [error, description ?? ''].some((text) => text.includes(SECRET) || text.includes(TOKEN)),
  )
  .map(({ status, error, description }) => ({
    status,
    contentType: 'application/json',
    body: {
      json: description === undefined ? { error } : { error, error_description: description },
    },
  }))

// --- Leak detection --------------------------------------------------------------------------

/** Every way a value may end up in a log or a response. */
function renderings(value: unknown): string[] {
  const out = [
    inspect(value, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
    inspect(value),
  ]
  try {
    out.push(JSON.stringify(value) ?? '')
  } catch {
    // Not serialisable, so it cannot leak through JSON.
  }
  try {
    out.push(String(value))
  } catch {
    // No string form.
  }
  for (let error = value; error instanceof Error; error = error.cause) {
    out.push(error.message, error.stack ?? '')
  }
  return out
}

/** Text a secret or token may take once encoded or escaped. */
function forms(value: string): string[] {
  return [
    value,
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
    inspect(value).slice(1, -1),
  ]
}

function expectNoLeak(label: string, values: readonly unknown[], needles: readonly string[]) {
  const all = needles.flatMap(forms)
  for (const value of values) {
    for (const text of renderings(value)) {
      for (const needle of all) {
        if (text.includes(needle)) {
          throw new Error(`${label} leaks ${JSON.stringify(needle)} in: ${text.slice(0, 2_000)}`)
        }
      }
    }
  }
}

const fill = (text: string, secret: string, token: string) =>
  text.replaceAll(SECRET, secret).replaceAll(TOKEN, token)

/** Fills the placeholders in every string of a JSON value, keys included. */
function fillJson(value: unknown, secret: string, token: string): unknown {
  if (typeof value === 'string') return fill(value, secret, token)
  if (Array.isArray(value)) return value.map((item) => fillJson(item, secret, token))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        fill(key, secret, token),
        fillJson(item, secret, token),
      ]),
    )
  }
  return value
}

function bodyText(body: Reply['body'], secret: string, token: string): string {
  if ('text' in body) return fill(body.text, secret, token)
  const full = JSON.stringify(fillJson(body.json, secret, token)) ?? ''
  return body.cut === undefined ? full : full.slice(0, body.cut % Math.max(1, full.length))
}

// --- Clients over an injected fetch ----------------------------------------------------------

interface Harness {
  client: StitchAuth
  events: StitchAuthEvent[]
  /** Bodies of the token requests, as sent. */
  sent: URLSearchParams[]
}

function harness(
  secret: string,
  answerToken: () => Response,
  answerApi: () => Response = () => Response.json({ data: { ok: true } }),
  options: Partial<StitchAuthOptions> = {},
): Harness {
  const events: StitchAuthEvent[] = []
  const sent: URLSearchParams[] = []
  const fakeFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    if (request.url === TOKEN_URL) {
      sent.push(new URLSearchParams(await request.text()))
      return answerToken()
    }
    return answerApi()
  }
  const client = createStitchAuth({
    clientId: 'property-client',
    clientSecret: secret,
    scopes: ['client_paymentrequest'],
    fetch: fakeFetch,
    retry: { maxAttempts: 1 },
    ...options,
  })
  // Every event any listener would get.
  client.subscribe((event) => events.push(event))
  return { client, events, sent }
}

const replyOf = ({ status, contentType, body }: Reply, secret: string, token: string) =>
  new Response(bodyText(body, secret, token), { status, headers: { 'content-type': contentType } })

/** Gets a token with the reply; whatever happens, nothing may show the secret or the token. */
async function expectTokenFlowClean(reply: Reply, secret: string, token: string) {
  const { client, events } = harness(secret, () => replyOf(reply, secret, token))
  try {
    const outcome = await client.getToken().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    )
    const needles = [secret, token]
    if ('error' in outcome) {
      expect(isStitchAuthError(outcome.error)).toBe(true)
      expectNoLeak('the error', [outcome.error], needles)
    } else {
      // The answer happened to be a valid token: it must not show either.
      const issued = outcome.value.accessToken
      if (issued.length >= 16 && new Set(issued).size >= 4) needles.push(issued)
      expectNoLeak('the token', [outcome.value], needles)
    }
    expectNoLeak('the events', [events], needles)
    expectNoLeak('the client', [client, client.options], needles)
  } finally {
    await client.close()
  }
}

// --- Properties ------------------------------------------------------------------------------

describe('properties: no output holds the secret or a full token', () => {
  it('random secrets and tokens through a successful flow: token, client, events, API errors (2,000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, tokenArb, scopesArb, async (secret, token, scopes) => {
        let apiCalls = 0
        const { client, events, sent } = harness(
          secret,
          () =>
            Response.json({
              access_token: token,
              token_type: 'Bearer',
              expires_in: 3600,
              scope: scopes.join(' '),
            }),
          () =>
            // First unauthenticated (the client retries once with a new token), then a plain error.
            ++apiCalls <= 2
              ? Response.json({
                  errors: [
                    {
                      message: 'The access token is invalid',
                      extensions: { code: 'UNAUTHENTICATED' },
                    },
                  ],
                })
              : new Response('<html>502 Bad Gateway</html>', { status: 502 }),
        )
        try {
          const minted = await client.getToken(scopes)
          // The secret went out exactly as configured, whatever it holds.
          expect(sent[0]?.get('client_secret')).toBe(Buffer.from(secret).toString())
          expect(minted.accessToken).toBe(token)
          expect(minted.authorizationHeader).toBe(`Bearer ${token}`)
          await client.getToken([...scopes].reverse())
          const unauthenticated = await client
            .graphql('{ __typename }', undefined, { scopes })
            .catch((e: unknown) => e)
          const unavailable = await client
            .graphql('{ __typename }', undefined, { scopes })
            .catch((e: unknown) => e)
          expect(unauthenticated).toMatchObject({ code: 'STITCH_AUTH_API_UNAUTHENTICATED' })
          expect(unavailable).toMatchObject({ code: 'STITCH_AUTH_API_UNAVAILABLE' })
          await client.invalidate()
          const needles = [secret, token]
          expectNoLeak('the token', [minted], needles)
          expectNoLeak('the API errors', [unauthenticated, unavailable], needles)
          expectNoLeak('the client', [client, client.options], needles)
          expectNoLeak('the events', [events], needles)
          expect(events.map((event) => event.type)).toContain('tokenInvalidated')
        } finally {
          await client.close()
        }
      }),
      { numRuns: 2_000 },
    )
  }, 60_000)

  it('random malformed token-endpoint bodies and OAuth errors (the token only as access_token or in non-JSON) (3,500 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, tokenArb, malformedReplyArb, async (secret, token, reply) => {
        await expectTokenFlowClean(reply, secret, token)
      }),
      { numRuns: 3_500 },
    )
  }, 60_000)

  it('random 2xx token bodies that carry the token in another field (1,500 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        tokenArb,
        misplacedTokenReplyArb,
        async (secret, token, reply) => {
          await expectTokenFlowClean(reply, secret, token)
        },
      ),
      { numRuns: 1_500 },
    )
  }, 60_000)

  it('random OAuth errors that echo the secret or a token (1,000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(secretArb, tokenArb, echoingOAuthErrorArb, async (secret, token, reply) => {
        const { client } = harness(secret, () => replyOf(reply, secret, token))
        try {
          const error = await client.getToken().catch((e: unknown) => e)
          expect(error).toBeInstanceOf(StitchTokenRequestError)
        } finally {
          await client.close()
        }
        await expectTokenFlowClean(reply, secret, token)
      }),
      { numRuns: 1_000 },
    )
  }, 60_000)

  it('random GraphQL errors that echo the token (1,000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        tokenArb,
        fc.constantFrom(200, 400, 500, 503),
        fc.constantFrom(
          `Token ${TOKEN} is not allowed to call this field`,
          `Invalid authorization header: Bearer ${TOKEN}`,
          TOKEN,
        ),
        fc.constantFrom('FORBIDDEN', 'BAD_USER_INPUT', 'INTERNAL'),
        async (secret, token, status, message, code) => {
          const { client, events } = harness(
            secret,
            () => Response.json({ access_token: token, token_type: 'Bearer', expires_in: 3600 }),
            () =>
              Response.json(
                { errors: [{ message: fill(message, secret, token), extensions: { code } }] },
                { status },
              ),
          )
          try {
            const error = await client.graphql('{ __typename }').catch((e: unknown) => e)
            expect(isStitchAuthError(error)).toBe(true)
            expectNoLeak('the API error', [error], [secret, token])
            expectNoLeak('the events', [events], [secret, token])
          } finally {
            await client.close()
          }
        },
      ),
      { numRuns: 1_000 },
    )
  }, 60_000)

  it('the proxy never answers the browser with the secret or a token (2,500 runs)', async () => {
    const tokenReplyArb = fc.oneof(
      fc.constant<Reply>({
        status: 200,
        contentType: 'application/json',
        body: { json: { access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 } },
      }),
      malformedReplyArb,
      misplacedTokenReplyArb,
      echoingOAuthErrorArb,
    )
    const apiReplyArb = fc.oneof(
      fc.constant<Reply>({
        status: 200,
        contentType: 'application/json',
        body: {
          json: {
            data: {
              clientPaymentInitiationRequestCreate: {
                paymentInitiationRequest: { id: 'pir_1', url: 'https://pay.example/pir_1' },
              },
            },
          },
        },
      }),
      fc
        .record({
          status: fc.constantFrom(200, 400, 401, 429, 500, 503),
          message: fc.constantFrom(`token ${TOKEN} refused`, `secret ${SECRET}`, 'nope'),
          code: fc.constantFrom('UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'INTERNAL'),
        })
        .map(({ status, message, code }) => ({
          status,
          contentType: 'application/json',
          body: { json: { errors: [{ message, extensions: { code } }] } },
        })),
      fc.constant<Reply>({
        status: 502,
        contentType: 'text/html',
        body: { text: `<p>${TOKEN}</p>` },
      }),
    )
    const requestBodyArb = fc.oneof(
      fc.constant('{"amount":150,"reference":"order-42"}'),
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? ''),
      fc.constant(`{"amount":150,"reference":"${TOKEN}"}`),
    )
    const operations = defineOperations({
      createPaymentRequest: createPaymentRequestOperation({
        beneficiary: { name: 'Shop', bankId: 'fnb', accountNumber: '62000000000' },
        beneficiaryReference: 'Shop',
        allowBrowserAmount: true,
      }),
    })
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        tokenArb,
        tokenReplyArb,
        apiReplyArb,
        requestBodyArb,
        async (secret, token, tokenReply, apiReply, body) => {
          const { client } = harness(
            secret,
            () => replyOf(tokenReply, secret, token),
            () => replyOf(apiReply, secret, token),
          )
          const handle = createStitchProxyHandler({ client, operations })
          try {
            const response = await handle(
              new Request('https://shop.example/stitch/createPaymentRequest', {
                method: 'POST',
                headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
                body: fill(body, secret, token),
              }),
            )
            const text = `${response.status} ${JSON.stringify([...response.headers])} ${await response.text()}`
            expectNoLeak('the proxy response', [text], [secret, token])
          } finally {
            await client.close()
          }
        },
      ),
      { numRuns: 2_500 },
    )
  }, 60_000)

  it('invalid options, network failures and timeouts (2,500 runs)', async () => {
    const failureArb = fc.constantFrom(
      'refused',
      'dns',
      'reset',
      'abort',
      'timeout',
      'bad-url',
      'unknown-option',
      'both-credentials',
      'bad-retry',
    )
    await fc.assert(
      fc.asyncProperty(secretArb, failureArb, async (secret, failure) => {
        const networkError = (code: string, message: string) =>
          new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) })
        const fakeFetch: typeof fetch = (input, init) => {
          const signal = new Request(input, init).signal
          switch (failure) {
            case 'refused':
              return Promise.reject(
                networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:443'),
              )
            case 'dns':
              return Promise.reject(
                networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND secure.stitch.money'),
              )
            case 'reset':
              return Promise.reject(networkError('ECONNRESET', 'read ECONNRESET'))
            case 'abort':
              return Promise.reject(new DOMException('This operation was aborted', 'AbortError'))
            default:
              // Never answers: the attempt timeout ends it.
              return new Promise((_resolve, reject) => {
                signal.addEventListener('abort', () => reject(signal.reason))
              })
          }
        }
        const options: Record<string, unknown> = {
          clientId: 'property-client',
          clientSecret: secret,
          scopes: ['client_paymentrequest'],
          fetch: fakeFetch,
          attemptTimeoutMs: 1,
          retry: { maxAttempts: 1 },
        }
        if (failure === 'bad-url') options.tokenUrl = `http://secure.stitch.money/connect/token`
        if (failure === 'unknown-option') options.client_secret = secret
        if (failure === 'both-credentials') options.privateKey = 'not a key'
        if (failure === 'bad-retry') options.retry = { maxAttempts: 0, secret }
        let error: unknown
        let client: StitchAuth | undefined
        try {
          client = createStitchAuth(options as unknown as StitchAuthOptions)
          error = await client.getToken().catch((e: unknown) => e)
        } catch (thrown) {
          error = thrown
        } finally {
          await client?.close()
        }
        expect(isStitchAuthError(error)).toBe(true)
        expectNoLeak('the error', [error], [secret])
        if (client) expectNoLeak('the client', [client, client.options], [secret])
      }),
      { numRuns: 2_500 },
    )
  }, 60_000)
})

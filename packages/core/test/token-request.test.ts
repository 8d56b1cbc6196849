import { describe, expect, it } from 'vitest'
import {
  buildTokenRequest,
  normalizeScopes,
  parseTokenResponse,
  StitchEndpointUnavailableError,
  StitchResponseError,
  StitchTokenRequestError,
} from '../src/index.js'
import { parseRetryAfter } from '../src/token-request.js'

const requested = normalizeScopes(['client_paymentrequest', 'client_refund'])
const sentAt = 1_000_000

describe('buildTokenRequest', () => {
  it('builds the documented form-encoded POST, byte for byte', () => {
    const secret = 'a&b=c+d e/ü€✓%'
    const request = buildTokenRequest({
      tokenUrl: 'https://secure.stitch.money/connect/token',
      clientId: 'test-4a1f',
      scope: 'client_paymentrequest client_refund',
      audience: 'https://secure.stitch.money/connect/token',
      credentials: { client_secret: secret },
    })
    expect(request.method).toBe('POST')
    expect(request.url).toBe('https://secure.stitch.money/connect/token')
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request.body).toBe(
      'grant_type=client_credentials' +
        '&client_id=test-4a1f' +
        '&scope=client_paymentrequest+client_refund' +
        '&audience=https%3A%2F%2Fsecure.stitch.money%2Fconnect%2Ftoken' +
        '&client_secret=a%26b%3Dc%2Bd+e%2F%C3%BC%E2%82%AC%E2%9C%93%25',
    )
    // And a standard form parser gets every value back unchanged.
    const parsed = new URLSearchParams(request.body)
    expect(parsed.get('client_secret')).toBe(secret)
    expect([...parsed.keys()]).toEqual([
      'grant_type',
      'client_id',
      'scope',
      'audience',
      'client_secret',
    ])
  })
})

function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

const good = {
  access_token: 'abc123abc123abc123',
  expires_in: 3600,
  token_type: 'Bearer',
  scope: 'client_refund client_paymentrequest',
}

describe('parseTokenResponse', () => {
  it('turns a success body into a token whose lifetime counts from when it was sent', async () => {
    const token = await parseTokenResponse(json(good), { requested, sentAt })
    expect(token).toEqual({
      accessToken: 'abc123abc123abc123',
      tokenType: 'Bearer',
      scopes: ['client_paymentrequest', 'client_refund'],
      issuedAt: sentAt,
      expiresAt: sentAt + 3_600_000,
    })
  })

  it('accepts token_type in any case and a numeric-string expires_in', async () => {
    const token = await parseTokenResponse(
      json({ ...good, token_type: 'bearer', expires_in: '60' }),
      {
        requested,
        sentAt,
      },
    )
    expect(token.expiresAt).toBe(sentAt + 60_000)
  })

  it('treats a missing scope as the requested scopes granted (RFC 6749 §5.1)', async () => {
    const { scope: _, ...withoutScope } = good
    const token = await parseTokenResponse(json(withoutScope), { requested, sentAt })
    expect(token.scopes).toEqual(requested.scopes)
    const nullScope = await parseTokenResponse(json({ ...good, scope: null }), {
      requested,
      sentAt,
    })
    expect(nullScope.scopes).toEqual(requested.scopes)
  })

  const malformed: Array<[string, Response, RegExp]> = [
    ['a body that is not JSON', json('<html>gateway</html>'), /body that is not JSON/],
    ['truncated JSON', json('{"access_token":"abc'), /body that is not JSON/],
    ['an empty body', json(''), /body that is not JSON/],
    [
      'no access_token',
      json({ ...good, access_token: undefined }),
      /"access_token" in the token response must be a string/,
    ],
    [
      'an empty access_token',
      json({ ...good, access_token: '' }),
      /"access_token" in the token response must not be empty/,
    ],
    [
      'token_type other than Bearer',
      json({ ...good, token_type: 'mac' }),
      /"token_type" in the token response must be "Bearer" \(got "mac"\)/,
    ],
    [
      'a negative expires_in',
      json({ ...good, expires_in: -5 }),
      /"expires_in" in the token response must be a positive number of seconds \(got -5\)/,
    ],
    ['a zero expires_in', json({ ...good, expires_in: 0 }), /"expires_in" .* \(got 0\)/],
    ['no expires_in', json({ ...good, expires_in: undefined }), /"expires_in" .* \(got nothing\)/],
    [
      'fewer scopes than requested',
      json({ ...good, scope: 'client_paymentrequest' }),
      /granted fewer scopes than requested: missing client_refund/,
    ],
  ]

  it.each(malformed)(
    'rejects %s with a message that says what is wrong',
    async (_, response, message) => {
      const error = await parseTokenResponse(response, { requested, sentAt }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(StitchResponseError)
      expect(error).toMatchObject({ code: 'STITCH_AUTH_RESPONSE_INVALID', upstreamStatus: 200 })
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).not.toContain('abc123abc123')
    },
  )

  it('names the scopes Stitch did not grant', async () => {
    const error = await parseTokenResponse(json({ ...good, scope: 'client_paymentrequest' }), {
      requested,
      sentAt,
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ missingScopes: ['client_refund'] })
  })

  it('turns an RFC 6749 error body into a StitchTokenRequestError', async () => {
    const error = await parseTokenResponse(
      json({ error: 'invalid_client', error_description: 'Client authentication failed' }, 401),
      { requested, sentAt },
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StitchTokenRequestError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_TOKEN_REJECTED',
      error: 'invalid_client',
      errorDescription: 'Client authentication failed',
      upstreamStatus: 401,
      retryable: false,
    })
    expect((error as Error).message).toMatch(/Check the client id and its secret/)
  })

  it('marks 408, 429 and 5xx as retryable, with Retry-After', async () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      const error = await parseTokenResponse(json({}, status, { 'retry-after': '2' }), {
        requested,
        sentAt,
      }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StitchEndpointUnavailableError)
      expect(error).toMatchObject({
        upstreamStatus: status,
        retryable: true,
        retryAfterMs: 2000,
        statusCode: 503,
        headers: { 'retry-after': '2' },
      })
    }
  })

  it('fails other 4xx without an OAuth body at once, naming tokenUrl', async () => {
    const error = await parseTokenResponse(json('Not found', 404), { requested, sentAt }).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_RESPONSE_INVALID',
      upstreamStatus: 404,
      retryable: false,
    })
    expect((error as Error).message).toMatch(/check that tokenUrl/)
  })
})

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('Mon, 23 Nov 2026 12:00:00 GMT')
    expect(parseRetryAfter('2', now)).toBe(2000)
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('Mon, 23 Nov 2026 11:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })
})

describe('parseTokenResponse limits', () => {
  const requestedOne = normalizeScopes(['client_refund'])
  const body = (fields: Record<string, unknown>) =>
    new Response(JSON.stringify({ token_type: 'Bearer', scope: 'client_refund', ...fields }))

  it('caps an absurd lifetime at a day instead of expiring at Infinity', async () => {
    const token = await parseTokenResponse(
      body({ access_token: 'abc123abc123', expires_in: 1e308 }),
      {
        requested: requestedOne,
        sentAt,
      },
    )
    expect(token.expiresAt).toBe(sentAt + 86_400_000)
  })

  it('refuses an access token with spaces or control characters', async () => {
    for (const accessToken of [' ', 'abc def', 'abc\ndef']) {
      await expect(
        parseTokenResponse(body({ access_token: accessToken, expires_in: 60 }), {
          requested: requestedOne,
          sentAt,
        }),
      ).rejects.toThrow(/"access_token" in the token response must hold only visible ASCII/)
    }
  })
})

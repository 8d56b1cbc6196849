import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createStitchAuth, type StitchAuthEvent } from '../src/index.js'
import { fakeTokenEndpoint } from './helpers.js'

const secret = 'sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0'

/** Every way a value may end up in a log. */
function renderings(value: unknown): string[] {
  const rendered = [inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value) ?? '']
  try {
    rendered.push(String(value))
  } catch {
    // Objects without a string form cannot leak through String().
  }
  if (value instanceof Error) rendered.push(value.message, value.stack ?? '')
  return rendered
}

function expectNoLeak(value: unknown, ...needles: string[]) {
  for (const text of renderings(value)) {
    for (const needle of needles) expect(text).not.toContain(needle)
  }
}

describe('secrets never leak', () => {
  it('not from the client or its resolved options', () => {
    const stitch = createStitchAuth({
      clientId: 'client-1',
      clientSecret: secret,
      scopes: ['client_refund'],
    })
    expectNoLeak(stitch, secret)
    expectNoLeak(stitch.options, secret)
    expect(inspect(stitch)).toContain('client-1')
  })

  it('not even by reveal(): the public options hold no credentials and no live parts', () => {
    const fetch: typeof globalThis.fetch = () => Promise.reject(new Error('unused'))
    const stitch = createStitchAuth({
      clientId: 'client-1',
      clientSecret: secret,
      scopes: ['client_refund', 'client_refund'],
      fetch,
      now: () => 0,
      onEvent: () => {},
    })
    expect(Object.keys(stitch.options).sort()).toEqual(
      [
        'clientId',
        'authentication',
        'defaultScopes',
        'allowUnknownScopes',
        'tokenUrl',
        'audience',
        'apiUrl',
        'expirySkewMs',
        'refreshWindowMs',
        'refreshJitter',
        'attemptTimeoutMs',
        'deadlineMs',
        'retry',
        'leaseWaitMs',
      ].sort(),
    )
    expect(stitch.options).toMatchObject({
      clientId: 'client-1',
      authentication: 'client_secret_post',
      defaultScopes: { scopes: ['client_refund'], scope: 'client_refund' },
    })
    expect(Object.values(stitch.options).some((value) => typeof value === 'function')).toBe(false)
    expect(Object.isFrozen(stitch.options)).toBe(true)
  })

  it('not from a private key in the options', () => {
    const pem = `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7${'A'.repeat(60)}\n-----END PRIVATE KEY-----`
    const stitch = createStitchAuth({
      clientId: 'client-1',
      privateKey: pem,
      scopes: ['client_refund'],
    })
    expectNoLeak(stitch, 'MIIEvQIBADAN')
    expectNoLeak(stitch.options, 'MIIEvQIBADAN')
  })

  it('not from a token, which shows only a short preview', async () => {
    const endpoint = fakeTokenEndpoint()
    const stitch = createStitchAuth({
      clientId: 'c',
      clientSecret: secret,
      scopes: ['client_refund'],
      fetch: endpoint.fetch,
    })
    const token = await stitch.getToken()
    expect(token.accessToken).toMatch(/^tok_1_x{32}$/)
    expect(token.authorizationHeader).toBe(`Bearer ${token.accessToken}`)
    expectNoLeak(token, token.accessToken, secret)
    expect(JSON.stringify(token)).toContain('tok_1_…')
  })

  it('not from errors of a rejected, a failing or a malformed token request', async () => {
    const endpoint = fakeTokenEndpoint()
    const stitch = createStitchAuth({
      clientId: 'c',
      clientSecret: secret,
      scopes: ['client_refund'],
      fetch: endpoint.fetch,
      retry: { maxAttempts: 1 },
    })
    const leakyToken = 'leaky_access_token_value_123456'
    endpoint.queue.push(
      () => Response.json({ error: 'invalid_client' }, { status: 401 }),
      () => Response.json({ access_token: leakyToken, token_type: 'mac', expires_in: 60 }),
      () => new Response(`{"access_token":"${leakyToken}`),
      () => new Response('down', { status: 503 }),
    )
    for (let i = 0; i < 4; i++) {
      const error = await stitch.getToken().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      expectNoLeak(error, secret, leakyToken)
    }
  })

  it('not from a network failure, whose cause is kept without the request body', async () => {
    const stitch = createStitchAuth({
      clientId: 'c',
      clientSecret: secret,
      scopes: ['client_refund'],
      tokenUrl: 'http://127.0.0.1:9/connect/token',
      retry: { maxAttempts: 1 },
    })
    const error = await stitch.getToken().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE' })
    expect((error as Error).message).toMatch(/Could not reach the Stitch token endpoint/)
    expectNoLeak(error, secret)
  })

  it('not from an injected fetch whose error repeats what it was sent', async () => {
    // Some fetch wrappers (proxies, test doubles, logging agents) put the request in their
    // error message: the body with the secret, the Authorization header with the token.
    const endpoint = fakeTokenEndpoint()
    let failToken = true
    let failApi = false
    const echoing: typeof fetch = async (input, init) => {
      if (!failToken && !failApi) return endpoint.fetch(input, init)
      const request = input instanceof Request ? input : new Request(input, init)
      throw new TypeError(
        `upstream refused ${failToken ? await request.text() : request.headers.get('authorization')}`,
      )
    }
    const stitch = createStitchAuth({
      clientId: 'c',
      clientSecret: secret,
      scopes: ['client_refund'],
      fetch: echoing,
      retry: { maxAttempts: 1 },
    })
    const tokenError = await stitch.getToken().catch((e: unknown) => e)
    expect(tokenError).toMatchObject({ code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE' })
    expect((tokenError as Error).message).toContain('upstream refused')
    expectNoLeak(tokenError, secret)

    failToken = false
    const token = await stitch.getToken()
    failApi = true
    const apiError = await stitch.graphql('query Q { __typename }').catch((e: unknown) => e)
    expect(apiError).toMatchObject({ code: 'STITCH_AUTH_API_UNAVAILABLE' })
    expect((apiError as Error).message).toContain('upstream refused Bearer')
    expectNoLeak(apiError, secret, token.accessToken)
  })

  it('not from events', async () => {
    const endpoint = fakeTokenEndpoint()
    const events: StitchAuthEvent[] = []
    const stitch = createStitchAuth({
      clientId: 'c',
      clientSecret: secret,
      scopes: ['client_refund'],
      fetch: endpoint.fetch,
      onEvent: (event) => events.push(event),
    })
    const token = await stitch.getToken()
    await stitch.getToken()
    await stitch.invalidate(token)
    expect(events.map((event) => event.type)).toEqual([
      'cacheMiss',
      'tokenMinted',
      'cacheHit',
      'tokenInvalidated',
    ])
    expectNoLeak(events, secret, token.accessToken)
  })
})

describe('scrubServerText', () => {
  it('redacts known secrets and token-shaped runs, keeps words, scopes and codes', async () => {
    const { scrubServerText } = await import('../src/redact.js')
    const text = scrubServerText(
      `client_secret ${secret} is wrong for client_paymentrequest; token eyJhbGciOiJSUzI1NiJ9.e30.sig1234 revoked at secure.stitch.money`,
      [secret],
    )
    expect(text).toBe(
      'client_secret [redacted] is wrong for client_paymentrequest; token eyJhbG… revoked at secure.stitch.money',
    )
  })

  it('keeps the field paths of a validation message readable', async () => {
    const { scrubServerText } = await import('../src/redact.js')
    const message =
      'input.initialPayment.amount.currency must be ZAR; input.beneficiary.bankAccounts.0.accountNumber is required'
    expect(scrubServerText(message)).toBe(message)
    // Mixed letters and digits in one run still read as a token.
    expect(scrubServerText('token eAAAAAAAAAAAAblA.xyz')).toBe('token eAAAA…')
    expect(scrubServerText('input.nonce AbCdEf12345GhIjKl67890 was used')).toBe(
      'input.nonce AbCdE… was used',
    )
  })
})

import { describe, expect, it } from 'vitest'
import { createStitchAuth, StitchConfigError } from '../src/index.js'

function configError(options: unknown): StitchConfigError {
  try {
    createStitchAuth(options as never)
  } catch (error) {
    if (error instanceof StitchConfigError) return error
    throw error
  }
  throw new Error('expected a StitchConfigError')
}

describe('options', () => {
  it('lists every problem at once, naming each field', () => {
    const error = configError({
      clientId: '',
      tokenUrl: 'http://stitch.example.com/token',
      attemptTimeoutMs: -1,
      scopes: ['client_paymentrequest', 'nope'],
      clientSecert: 'typo',
    })
    expect(error.code).toBe('STITCH_AUTH_CONFIG_INVALID')
    expect(error.issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^"clientId" must not be empty/),
        expect.stringMatching(/^"tokenUrl" must use https/),
        expect.stringMatching(/^"attemptTimeoutMs"/),
        expect.stringMatching(/clientSecert/),
        expect.stringMatching(/give either "clientSecret" or "privateKey"/),
        expect.stringMatching(/^"scopes": unknown scope "nope"/),
      ]),
    )
    expect(error.message).toContain('Invalid stitch-auth options:\n  - ')
  })

  it('refuses both a secret and a private key', () => {
    const error = configError({
      clientId: 'id',
      clientSecret: 's',
      privateKey: '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----',
    })
    expect(error.issues).toContain('give "clientSecret" or "privateKey", not both')
  })

  it('explains how to convert a PKCS#1 key', () => {
    const error = configError({
      clientId: 'id',
      privateKey: '-----BEGIN RSA PRIVATE KEY-----\nMII\n-----END RSA PRIVATE KEY-----',
    })
    expect(error.issues.join()).toMatch(/openssl pkcs8 -topk8 -nocrypt/)
  })

  it('accepts plain http only for loopback', () => {
    expect(() =>
      createStitchAuth({
        clientId: 'id',
        clientSecret: 's',
        tokenUrl: 'http://127.0.0.1:8787/connect/token',
      }),
    ).not.toThrow()
  })

  it('defaults audience to the token URL', () => {
    const stitch = createStitchAuth({
      clientId: 'id',
      clientSecret: 's',
      tokenUrl: 'http://localhost:1/connect/token',
    })
    expect(stitch.options.audience).toBe('http://localhost:1/connect/token')
    expect(stitch.options.tokenUrl).toBe('http://localhost:1/connect/token')
    expect(Object.isFrozen(stitch.options)).toBe(true)
  })

  it('reports a private key that will not import as a configuration error, without retrying', async () => {
    let requests = 0
    const stitch = createStitchAuth({
      clientId: 'id',
      privateKey: '-----BEGIN PRIVATE KEY-----\nMIIBnotakey\n-----END PRIVATE KEY-----',
      scopes: ['client_refund'],
      fetch: async () => {
        requests++
        return new Response('{}')
      },
    })
    const error = await stitch.getToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StitchConfigError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_CONFIG_INVALID',
      retryable: false,
      statusCode: 500,
    })
    expect((error as Error).message).toMatch(/"privateKey" could not be imported/)
    expect((error as Error).message).not.toContain('MIIBnotakey')
    expect(requests).toBe(0)
  })

  // The options are checked by hand (zod costs the token client ~70 ms of import and ~90 KB of
  // bundle), in the words zod used: these lines are what users and their tests see.
  it.each([
    [{ clientSecret: 's' }, ['"clientId" is required: your Stitch client id']],
    [
      { clientId: '  ', clientSecret: '' },
      ['"clientId" must not be empty', '"clientSecret" must not be empty'],
    ],
    [
      {
        clientId: 'id',
        clientSecret: 's',
        keyId: '',
        audience: 5,
        scopes: 'client_refund',
        allowUnknownScopes: 'yes',
      },
      [
        '"keyId" Too small: expected string to have >=1 characters',
        '"scopes" Invalid input: expected array, received string',
        '"allowUnknownScopes" Invalid input: expected boolean, received string',
        '"audience" Invalid input: expected string, received number',
      ],
    ],
    [
      {
        clientId: 'id',
        clientSecret: 's',
        tokenUrl: 'not a url',
        apiUrl: 'http://api.example.com/graphql',
      },
      [
        '"tokenUrl" must be an absolute URL',
        '"apiUrl" must use https (plain http is accepted only for localhost and 127.0.0.1)',
      ],
    ],
    [
      { clientId: 'id', clientSecret: 's', fetch: 'fetch', cache: {}, now: 1, onEvent: null },
      [
        '"fetch" must be a fetch function',
        '"cache" must implement get, set and delete',
        '"now" must be a function',
        '"onEvent" must be a function',
      ],
    ],
    [
      {
        clientId: 'id',
        clientSecret: 's',
        expirySkewMs: -1,
        refreshWindowMs: 1.5,
        refreshJitter: 2,
        attemptTimeoutMs: 0,
        deadlineMs: Number.NaN,
        leaseWaitMs: '5',
      },
      [
        '"expirySkewMs" Too small: expected number to be >=0',
        '"refreshWindowMs" Invalid input: expected int, received number',
        '"refreshJitter" Too big: expected number to be <=1',
        '"attemptTimeoutMs" Too small: expected number to be >0',
        '"deadlineMs" Invalid input: expected number, received NaN',
        '"leaseWaitMs" Invalid input: expected number, received string',
      ],
    ],
    [
      { clientId: 'id', clientSecret: 's', retry: { maxAttempts: 21, baseDelayMs: -1, jitter: 1 } },
      [
        '"retry.maxAttempts" Too big: expected number to be <=20',
        '"retry.baseDelayMs" Too small: expected number to be >=0',
        '"retry" Unrecognized key: "jitter"',
      ],
    ],
    [
      { clientId: 'id', clientSecret: 's', retry: 'none', scope: ['client_refund'], timeoutMs: 5 },
      [
        'Unrecognized keys: "scope", "timeoutMs"',
        '"retry" Invalid input: expected object, received string',
      ],
    ],
  ])('words each problem as before: %j', (options, issues) => {
    expect(configError(options).issues).toEqual(issues)
  })

  it('resolves defaults, trims the client id and freezes the result', () => {
    const stitch = createStitchAuth({
      clientId: ' id ',
      clientSecret: 's',
      retry: { maxAttempts: 2 },
    })
    expect(stitch.options).toEqual({
      clientId: 'id',
      authentication: 'client_secret_post',
      defaultScopes: undefined,
      allowUnknownScopes: false,
      tokenUrl: 'https://secure.stitch.money/connect/token',
      audience: 'https://secure.stitch.money/connect/token',
      apiUrl: 'https://api.stitch.money/graphql',
      expirySkewMs: 30_000,
      refreshWindowMs: 300_000,
      refreshJitter: 0.5,
      attemptTimeoutMs: 10_000,
      deadlineMs: 30_000,
      retry: { maxAttempts: 2, baseDelayMs: 250, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 },
      leaseWaitMs: 5_000,
    })
    expect(Object.isFrozen(stitch.options.retry)).toBe(true)
  })
})

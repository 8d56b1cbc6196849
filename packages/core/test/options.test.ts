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
})

// One error model: each failure family is one class with one code, whatever caused it; an
// unexpected failure is not dressed up as a Stitch outage; and the type guard only accepts
// values that have what it promises.
import { createRequire } from 'node:module'
import { runInNewContext } from 'node:vm'
import type { FaultSpec } from '@stitch-auth/testing'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createStitchProxyHandler,
  defineOperations,
  isStitchAuthError,
  STITCH_AUTH_ERROR_CODES,
  StitchApiUnavailableError,
  StitchAuthError,
  type StitchAuthEvent,
  StitchEndpointUnavailableError,
  toHttpErrorAnswer,
} from '../src/index.js'
import { useSimulator } from './simulator.js'

const ctx = useSimulator()

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (error: unknown) => error,
  )
}

describe('the Stitch API unavailable family is one class', () => {
  const rows: {
    name: string
    fault: Omit<FaultSpec, 'endpoint'>
    status?: number
    retryAfterMs?: number
  }[] = [
    { name: 'no answer within timeoutMs', fault: { hang: true } },
    { name: 'headers, then a body that stalls', fault: { stallAfterHeaders: true } },
    { name: 'a connection reset', fault: { reset: true } },
    ...[408, 429, 502, 503, 504].map((status) => ({
      name: `HTTP ${status}`,
      fault: { status },
      status,
    })),
    {
      name: 'HTTP 503 with Retry-After: 2',
      fault: { status: 503, retryAfter: 2 },
      status: 503,
      retryAfterMs: 2_000,
    },
  ]

  it.each(rows)('$name: StitchApiUnavailableError, API_UNAVAILABLE, retryable', async (row) => {
    const client = ctx.client()
    await client.getToken()
    ctx.sim.fault({ endpoint: 'graphql', ...row.fault })
    const error = await failure(
      client.graphql('query { __typename }', undefined, { timeoutMs: 200 }),
    )
    expect(error).toBeInstanceOf(StitchApiUnavailableError)
    expect(error).toMatchObject({
      name: 'StitchApiUnavailableError',
      code: STITCH_AUTH_ERROR_CODES.API_UNAVAILABLE,
      retryable: true,
      statusCode: 503,
      upstreamStatus: row.status,
      retryAfterMs: row.retryAfterMs,
      headers: row.retryAfterMs === undefined ? undefined : { 'retry-after': '2' },
    })
  })
})

describe('the token endpoint unavailable family is one class', () => {
  const rows: {
    name: string
    fault: Omit<FaultSpec, 'endpoint'>
    status?: number
    retryAfterMs?: number
  }[] = [
    { name: 'no answer within attemptTimeoutMs', fault: { hang: true } },
    { name: 'a connection reset', fault: { reset: true } },
    ...[408, 429, 500, 503].map((status) => ({
      name: `HTTP ${status}`,
      fault: { status },
      status,
    })),
    {
      name: 'HTTP 503 with Retry-After: 60 (past maxRetryAfterMs)',
      fault: { status: 503, retryAfter: 60 },
      status: 503,
      retryAfterMs: 60_000,
    },
  ]

  it.each(rows)(
    '$name: StitchEndpointUnavailableError, ENDPOINT_UNAVAILABLE, retryable',
    async (row) => {
      const client = ctx.client({
        attemptTimeoutMs: 200,
        retry: { maxAttempts: 2, baseDelayMs: 1 },
      })
      ctx.sim.fault({ endpoint: 'token', ...row.fault })
      const error = await failure(client.getToken())
      expect(error).toBeInstanceOf(StitchEndpointUnavailableError)
      expect(error).toMatchObject({
        code: STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE,
        retryable: true,
        statusCode: 503,
        upstreamStatus: row.status,
        retryAfterMs: row.retryAfterMs,
      })
    },
  )
})

describe('an unexpected internal failure', () => {
  it('inside the token manager is STITCH_AUTH_INTERNAL (500, not retryable) with the original as cause', async () => {
    const bug = new TypeError('clock.read is not a function')
    let failed = false
    const events: StitchAuthEvent[] = []
    const client = ctx.client({
      now: () => {
        if (failed) return Date.now()
        failed = true
        throw bug
      },
      onEvent: (event) => events.push(event),
    })
    const error = await failure(client.getToken())
    expect(error).toBeInstanceOf(StitchAuthError)
    expect(error).not.toBeInstanceOf(StitchEndpointUnavailableError)
    expect(error).toMatchObject({
      code: STITCH_AUTH_ERROR_CODES.INTERNAL,
      statusCode: 500,
      retryable: false,
      cause: bug,
    })
    expect(isStitchAuthError(error)).toBe(true)
    // It is reported once, as what it is, and nothing was asked of Stitch.
    expect(events.filter((event) => event.type === 'requestFailed')).toEqual([
      expect.objectContaining({ error }),
    ])
    expect(events.some((event) => event.type === 'retryScheduled')).toBe(false)
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
    // The failure is not kept: once the clock works, so does the client.
    await expect(client.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
  })

  it('answers 500 STITCH_AUTH_INTERNAL without its message, for any non-stitch-auth error', () => {
    expect(
      toHttpErrorAnswer(new TypeError('Cannot read properties of undefined (reading "x")'), {
        exposeMessage: true,
      }),
    ).toEqual({
      status: 500,
      headers: { 'cache-control': 'no-store' },
      body: { error: { code: 'STITCH_AUTH_INTERNAL', message: 'The server failed unexpectedly.' } },
    })
  })

  it('in a proxy operation hook answers 500 STITCH_AUTH_INTERNAL and reaches onError as it was', async () => {
    const bug = new TypeError('order.total is not a function')
    const seen: unknown[] = []
    const handle = createStitchProxyHandler({
      client: ctx.client(),
      operations: defineOperations({
        pay: {
          document: 'query { __typename }',
          scopes: ['client_paymentrequest'],
          input: z.strictObject({}),
          toVariables: () => {
            throw bug
          },
          toOutput: (data: unknown) => data,
        },
      }),
      onError: (error) => seen.push(error),
    })
    const response = await handle(
      new Request('http://shop.test/stitch/pay', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
        body: '{}',
      }),
    )
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({
      error: { code: 'STITCH_AUTH_INTERNAL', message: 'The server failed unexpectedly.' },
    })
    expect(seen).toEqual([bug])
    expect(ctx.sim.stats.apiCalls.total).toBe(0)
  })
})

describe('isStitchAuthError()', () => {
  it('refuses look-alikes that lack the fields it promises', () => {
    const withCode = (fields: Record<string, unknown>) =>
      Object.assign(new Error('look-alike'), fields)
    const complete = {
      name: 'StitchAuthError',
      code: 'STITCH_AUTH_API_ERROR',
      retryable: false,
      statusCode: 502,
    }
    // A plain Error that only borrows a code would be read for statusCode, retryable, headers.
    expect(isStitchAuthError(withCode({ code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE' }))).toBe(false)
    expect(isStitchAuthError(withCode({ ...complete, code: 'STITCH_AUTH_MADE_UP' }))).toBe(false)
    expect(isStitchAuthError(withCode({ ...complete, retryable: 'yes' }))).toBe(false)
    expect(isStitchAuthError(withCode({ ...complete, statusCode: '502' }))).toBe(false)
    expect(isStitchAuthError(withCode({ ...complete, headers: 'retry-after: 1' }))).toBe(false)
    // An error's JSON (what a log line holds) is not the error.
    expect(
      isStitchAuthError(
        JSON.parse(JSON.stringify(new StitchAuthError('x', { code: 'STITCH_AUTH_API_ERROR' }))),
      ),
    ).toBe(false)
    expect(isStitchAuthError({ ...complete, message: 'not an Error' })).toBe(false)
    expect(isStitchAuthError(null)).toBe(false)
    expect(isStitchAuthError('STITCH_AUTH_API_ERROR')).toBe(false)
    // With every field, an error is one, whatever class made it.
    expect(isStitchAuthError(withCode(complete))).toBe(true)
  })

  it('accepts an error from another copy of the package (the built bundle)', () => {
    const dist = createRequire(import.meta.url)(
      '../dist/index.cjs',
    ) as typeof import('../src/index.js')
    const copy = new dist.StitchEndpointUnavailableError('down', {
      attempts: 1,
      retryAfterMs: 2_000,
    })
    expect(copy).not.toBeInstanceOf(StitchAuthError)
    expect(isStitchAuthError(copy)).toBe(true)
    expect(toHttpErrorAnswer(copy)).toMatchObject({
      status: 503,
      headers: { 'retry-after': '2' },
      body: { error: { code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE' } },
    })
  })

  it('answers with the issues of a StitchInputError from another copy of the package', () => {
    // The CommonJS builds of the root and of `@stitch-auth/core/proxy` hold a class each.
    const dist = createRequire(import.meta.url)(
      '../dist/index.cjs',
    ) as typeof import('../src/index.js')
    const copy = new dist.StitchInputError('VerifyBankAccount', [
      { path: 'input.accountNumber', message: 'must not be empty' },
    ])
    expect(copy).not.toBeInstanceOf(StitchAuthError)
    expect(toHttpErrorAnswer(copy)).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'STITCH_AUTH_INVALID_VARIABLES',
          issues: [{ path: 'input.accountNumber', message: 'must not be empty' }],
        },
      },
    })
  })

  it('accepts an error from another realm (a vm context, an iframe)', () => {
    const foreign: unknown = runInNewContext(`
      class StitchAuthError extends Error {
        constructor(message) {
          super(message)
          this.name = 'StitchAuthError'
          this.code = 'STITCH_AUTH_API_ERROR'
          this.retryable = false
        }
        get statusCode() { return 502 }
        get headers() { return undefined }
      }
      new StitchAuthError('from another realm')
    `)
    expect(foreign).not.toBeInstanceOf(Error)
    expect(isStitchAuthError(foreign)).toBe(true)
  })
})

import type { StitchOperation } from '@stitch-auth/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { z } from 'zod'
import {
  createStitchProxyClient,
  isStitchProxyError,
  StitchProxyAbortError,
  type StitchProxyClientOptions,
  StitchProxyConfigError,
  StitchProxyError,
  StitchProxyNetworkError,
  StitchProxyRejectedError,
  StitchProxyResponseError,
  StitchProxyServerError,
  StitchProxyTimeoutError,
} from '../src/index.js'

// Hand-built answers, as the proxy sends them (or as something else in the way might).
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })

/** A fetch that answers with `answer` and keeps every request it was given. */
function fakeFetch(answer: (request: Request) => Response | Promise<Response>) {
  const requests: Request[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    // Paths resolve against a page, as they would in a browser.
    const request = new Request(new URL(String(input), 'https://shop.example'), init)
    requests.push(request)
    return answer(request)
  })
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests, calls: fetch }
}

/** A fetch that never answers until its signal aborts, like a hung server. */
const hangingFetch: typeof globalThis.fetch = (_input, init) =>
  new Promise((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true })
  })

const BASE = 'https://shop.example/stitch'

/** Operations of any input and output, under the names these tests call. */
type Loose = Record<
  'createPaymentRequest' | 'pay' | 'ping' | 'nope' | 'gateway' | 'anything',
  StitchOperation<z.ZodUnknown, unknown>
>
const client = (options: StitchProxyClientOptions) => createStitchProxyClient<Loose>(options)

function failureOf(promise: Promise<unknown>): Promise<StitchProxyError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (error: unknown) => {
      expect(isStitchProxyError(error)).toBe(true)
      return error as StitchProxyError
    },
  )
}

function creationError(options: unknown): StitchProxyConfigError {
  try {
    createStitchProxyClient(options as StitchProxyClientOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(StitchProxyConfigError)
    return error as StitchProxyConfigError
  }
  throw new Error('expected createStitchProxyClient() to throw')
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('calls', () => {
  it('POSTs JSON with the anti-CSRF header to <baseUrl>/<operation> and resolves to data', async () => {
    const { fetch, requests } = fakeFetch(() =>
      json(200, { data: { id: 'pr_1', url: 'https://pay.example/1' } }),
    )
    const api = client({
      baseUrl: `${BASE}/`,
      fetch,
      headers: { 'x-app-version': '1.4.2' },
    })

    await expect(api.createPaymentRequest({ amount: 150, reference: 'order-42' })).resolves.toEqual(
      {
        id: 'pr_1',
        url: 'https://pay.example/1',
      },
    )
    const [request] = requests
    expect(request?.method).toBe('POST')
    expect(request?.url).toBe(`${BASE}/createPaymentRequest`)
    expect(request?.headers.get('content-type')).toBe('application/json')
    expect(request?.headers.get('x-stitch-proxy')).toBe('1')
    expect(request?.headers.get('x-app-version')).toBe('1.4.2')
    expect(request?.credentials).toBe('same-origin')
    expect(await request?.json()).toEqual({ amount: 150, reference: 'order-42' })
  })

  it('sends a custom anti-CSRF header and credentials mode, and {} when there is no input', async () => {
    const { fetch, requests } = fakeFetch(() => json(200, { data: null }))
    const api = client({
      baseUrl: BASE,
      fetch,
      csrfHeader: 'x-shop-proxy',
      credentials: 'include',
    })

    await expect(api.ping()).resolves.toBeNull()
    expect(requests[0]?.headers.get('x-shop-proxy')).toBe('1')
    expect(requests[0]?.headers.has('x-stitch-proxy')).toBe(false)
    expect(requests[0]?.credentials).toBe('include')
    expect(await requests[0]?.text()).toBe('{}')
  })

  it('reads globalThis.fetch at call time, so a stub installed later applies', async () => {
    const api = client({ baseUrl: BASE })
    const { fetch, calls } = fakeFetch(() => json(200, { data: 'stubbed' }))
    vi.stubGlobal('fetch', fetch)
    await expect(api.anything({})).resolves.toBe('stubbed')
    expect(calls).toHaveBeenCalledOnce()
  })

  it('is a plain-looking object: not thenable, no call from JSON.stringify or String()', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { data: 1 }))
    const api = client({ baseUrl: BASE, fetch })

    expect((api as unknown as { then?: unknown }).then).toBeUndefined()
    expect(await Promise.resolve(api)).toBe(api)
    expect(JSON.stringify(api)).toBe('{}')
    expect(String(api)).toBe('[object Object]')
    expect((api as Record<string, unknown>)['../admin']).toBeUndefined()
    expect(api.createPaymentRequest).toBe(api.createPaymentRequest)
    expect(calls).not.toHaveBeenCalled()
  })
})

describe('errors', () => {
  it('invalid_input: a rejected error with status, code and every issue', async () => {
    const issues = [
      { path: 'amount', message: 'must be more than 0' },
      { path: 'reference', message: 'must not be empty' },
    ]
    const { fetch } = fakeFetch(() =>
      json(400, { error: { code: 'invalid_input', message: 'The input is invalid.', issues } }),
    )
    const api = client({ baseUrl: BASE, fetch })

    const error = await failureOf(api.createPaymentRequest({ amount: -1, reference: '' }))
    expect(error).toBeInstanceOf(StitchProxyRejectedError)
    expect(error).toMatchObject({
      name: 'StitchProxyRejectedError',
      kind: 'rejected',
      code: 'invalid_input',
      status: 400,
      operation: 'createPaymentRequest',
      issues,
    })
    expect(error.message).toBe(
      'Stitch proxy call "createPaymentRequest" failed with 400 invalid_input: The input is invalid. amount: must be more than 0; reference: must not be empty.',
    )
    // The raw answer is there for headers, but logging the error does not dump it.
    expect(error.response?.status).toBe(400)
    expect(Object.keys(error)).not.toContain('response')
  })

  it('unknown_operation and csrf_header_missing say what to check', async () => {
    const { fetch } = fakeFetch((request) =>
      request.url.endsWith('/nope')
        ? json(404, { error: { code: 'unknown_operation', message: 'No such operation.' } })
        : json(403, {
            error: { code: 'csrf_header_missing', message: 'Missing the x-stitch-proxy header.' },
          }),
    )
    const api = client({ baseUrl: '/stitch', fetch })

    const unknown = await failureOf(api.nope({}))
    expect(unknown).toMatchObject({ kind: 'rejected', code: 'unknown_operation', status: 404 })
    expect(unknown.message).toContain('Is "nope" one of the server\'s operations')
    expect(unknown.message).toContain('baseUrl "/stitch"')

    const csrf = await failureOf(api.pay({}))
    expect(csrf).toMatchObject({ kind: 'rejected', code: 'csrf_header_missing', status: 403 })
    expect(csrf.message).toContain("Set the client's csrfHeader")
  })

  it('STITCH_AUTH_ENDPOINT_UNAVAILABLE: a server error with retryAfterMs from seconds or an HTTP date', async () => {
    // Core's error body, as every stitch-auth server answers it.
    const body = {
      error: {
        code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
        message: 'Stitch is unavailable; try again shortly.',
      },
    }
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString()
    const answers = [
      json(503, body, { 'retry-after': '7' }),
      json(503, body, { 'retry-after': inTenSeconds }),
      json(503, body),
    ]
    const { fetch } = fakeFetch(() => answers.shift()!)
    const api = client({ baseUrl: BASE, fetch })

    const seconds = await failureOf(api.pay({}))
    expect(seconds).toBeInstanceOf(StitchProxyServerError)
    expect(seconds).toMatchObject({
      kind: 'server',
      code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
      status: 503,
      retryAfterMs: 7000,
    })
    expect(seconds.message).toBe(
      'Stitch proxy call "pay" failed with 503 STITCH_AUTH_ENDPOINT_UNAVAILABLE: Stitch is unavailable; try again shortly. Retry after 7 s.',
    )
    const date = (await failureOf(api.pay({}))) as StitchProxyServerError
    expect(date.retryAfterMs).toBeGreaterThanOrEqual(9000)
    expect(date.retryAfterMs).toBeLessThanOrEqual(10_000)
    await expect(failureOf(api.pay({}))).resolves.toMatchObject({ retryAfterMs: undefined })
  })

  it('an error page that is not the proxy: http_error, with a hint about baseUrl', async () => {
    const { fetch } = fakeFetch((request) =>
      request.url.endsWith('/gateway')
        ? new Response('<h1>Bad gateway</h1>', { status: 502, headers: { 'retry-after': '3' } })
        : new Response('Cannot POST /api/stitch/pay', { status: 404 }),
    )
    const api = client({ baseUrl: '/api/stitch', fetch })

    await expect(failureOf(api.gateway({}))).resolves.toMatchObject({
      kind: 'server',
      code: 'http_error',
      status: 502,
      retryAfterMs: 3000,
    })
    const missing = await failureOf(api.pay({}))
    expect(missing).toMatchObject({ kind: 'rejected', code: 'http_error', status: 404, issues: [] })
    expect(missing.message).toContain('without a proxy error body')
    expect(missing.message).toContain('Is baseUrl "/api/stitch" where stitchProxy() is mounted?')
  })

  it('a 200 that is not { data } JSON (an SPA fallback page) is a response error', async () => {
    const { fetch } = fakeFetch(
      () => new Response('<!doctype html><title>Shop</title>', { status: 200 }),
    )
    const api = client({ baseUrl: '/stitch', fetch })

    const error = await failureOf(api.pay({}))
    expect(error).toBeInstanceOf(StitchProxyResponseError)
    expect(error).toMatchObject({ kind: 'response', code: 'invalid_response', status: 200 })
    expect(error.message).toContain("without the proxy's { data } JSON")
  })

  it('a failed fetch is a network error keeping the cause', async () => {
    const cause = new TypeError('Failed to fetch')
    const api = client({
      baseUrl: BASE,
      fetch: () => Promise.reject(cause),
    })

    const error = await failureOf(api.pay({}))
    expect(error).toBeInstanceOf(StitchProxyNetworkError)
    expect(error).toMatchObject({ kind: 'network', code: 'network_error', status: undefined })
    expect(error.cause).toBe(cause)
    expect(error.message).toBe(
      `Stitch proxy call "pay" could not reach ${BASE}/pay: Failed to fetch. Is the server running, is baseUrl "${BASE}" right, and (for another origin) does CORS allow this page?`,
    )
  })

  it('no answer within timeoutMs is a timeout error', async () => {
    const api = client({ baseUrl: BASE, fetch: hangingFetch, timeoutMs: 20 })
    const error = await failureOf(api.pay({}))
    expect(error).toBeInstanceOf(StitchProxyTimeoutError)
    expect(error).toMatchObject({ kind: 'timeout', code: 'timeout' })
    expect(error.message).toBe(
      `Stitch proxy call "pay" got no complete answer from ${BASE}/pay within 20 ms (timeoutMs).`,
    )
  })

  it('defaults to a 15 s timeout', async () => {
    vi.useFakeTimers()
    const api = client({ baseUrl: BASE, fetch: hangingFetch })
    const failure = failureOf(api.pay({}))
    await vi.advanceTimersByTimeAsync(14_999)
    let settled = false
    void failure.finally(() => {
      settled = true
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await expect(failure).resolves.toMatchObject({ kind: 'timeout' })
  })

  it("the caller's signal aborts, before or during the call", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { data: 1 }))
    const early = client({ baseUrl: BASE, fetch })
    const reason = new Error('user left the page')
    const error = await failureOf(early.pay({}, { signal: AbortSignal.abort(reason) }))
    expect(error).toBeInstanceOf(StitchProxyAbortError)
    expect(error).toMatchObject({ kind: 'aborted', code: 'aborted', cause: reason })
    expect(calls).not.toHaveBeenCalled()

    const late = client({ baseUrl: BASE, fetch: hangingFetch })
    const controller = new AbortController()
    const pending = failureOf(late.pay({}, { signal: controller.signal }))
    controller.abort()
    await expect(pending).resolves.toMatchObject({ kind: 'aborted' })
  })

  it('isStitchProxyError also knows errors from another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), {
      name: 'StitchProxyServerError',
      kind: 'server',
    })
    expect(isStitchProxyError(foreign)).toBe(true)
    expect(isStitchProxyError(Object.assign(new Error('x'), { name: 'StitchProxyError' }))).toBe(
      false,
    )
    expect(isStitchProxyError(new TypeError('Failed to fetch'))).toBe(false)
    expect(isStitchProxyError(null)).toBe(false)
  })
})

describe('options', () => {
  it('lists every problem at once', () => {
    const error = creationError({
      baseUrl: '',
      timeoutMs: -1,
      credentials: 'always',
      retries: 3,
      csrfHeader: 'bad header',
    })
    expect(error).toMatchObject({ kind: 'config', code: 'invalid_options' })
    expect(isStitchProxyError(error)).toBe(true)
    expect(error.problems).toEqual([
      '"retries" is not an option (known: baseUrl, headers, timeoutMs, credentials, fetch, csrfHeader)',
      '"baseUrl" is required: the path or URL where stitchProxy() is mounted, e.g. "/stitch"',
      '"timeoutMs" must be a positive whole number of milliseconds (got -1)',
      `"credentials" must be 'same-origin', 'include' or 'omit' (got always)`,
      '"csrfHeader" must be a header name, e.g. "x-stitch-proxy"',
    ])
    expect(error.message).toMatch(/^Invalid createStitchProxyClient\(\) options:\n {2}- "retries"/)
    expect(error.message).not.toContain('credentials:')
  })

  it('refuses a csrfHeader the proxy could never see as its own', () => {
    expect(creationError({ baseUrl: '/stitch', csrfHeader: 'Authorization' }).problems).toEqual([
      '"csrfHeader" cannot be Authorization: use a custom header such as "x-stitch-proxy"',
    ])
  })

  it('refuses a baseUrl with a query string or fragment', () => {
    expect(creationError({ baseUrl: '/stitch?v=2' }).problems).toEqual([
      '"baseUrl" must not have a query string or fragment: calls go to <baseUrl>/<operation>',
    ])
  })

  it('accepts paths, absolute URLs, UUIDs in the path and CSRF tokens in headers', () => {
    for (const options of [
      { baseUrl: '/stitch' },
      { baseUrl: 'http://localhost:3000/api/stitch/' },
      { baseUrl: '/tenants/3f2504e0-4f89-11d3-9a0c-0305e82c3301/stitch' },
      {
        baseUrl: '/stitch',
        headers: { 'x-csrf-token': 'k2Jf9sQ0aZ7wX3vB8nT1yL5mR4cE6hU2pO0iG9dV' },
      },
      {
        baseUrl: '/stitch',
        headers: [['X-XSRF-TOKEN', 'eyJpdiI6IjRnV2lDa0RvaHhzZ3ZmSjZ3dz09In0']],
      },
      { baseUrl: '/stitch', headers: new Headers({ 'accept-language': 'en-ZA' }) },
      { baseUrl: '/stitch', csrfHeader: 'x-csrf-token' },
    ] as StitchProxyClientOptions[]) {
      expect(() => createStitchProxyClient(options)).not.toThrow()
    }
  })
})

describe('it has no way to hold a secret', () => {
  const SECRET = 'Zq8vN3kP0sT7wX2yB5mC9dF1gH4jL6aQ'
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0LWNsaWVudCJ9.c2lnbmF0dXJlLWhlcmU'
  const PEM =
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----'

  it.each([
    ['a client secret in the query', { baseUrl: `/stitch?client_secret=${SECRET}` }, SECRET],
    ['a token in the query', { baseUrl: `https://shop.example/stitch?t=${JWT}` }, JWT],
    ['a key under any query name', { baseUrl: `/stitch?q=${SECRET}` }, SECRET],
    [
      'user and password in the URL',
      { baseUrl: `https://app:${SECRET}@shop.example/stitch` },
      SECRET,
    ],
    [
      'an Authorization header',
      { baseUrl: '/stitch', headers: { Authorization: `Bearer ${SECRET}` } },
      SECRET,
    ],
    [
      'a Bearer value under another name',
      { baseUrl: '/stitch', headers: { 'x-forward': `bearer ${SECRET}` } },
      SECRET,
    ],
    ['an API key header', { baseUrl: '/stitch', headers: { 'x-api-key': 'short' } }, 'short'],
    ['a JWT in a header', { baseUrl: '/stitch', headers: { 'x-session': JWT } }, JWT],
    [
      'a PEM in a header',
      { baseUrl: '/stitch', headers: [['x-key', PEM.replaceAll('\n', ' ')]] },
      'MIIEvQ',
    ],
    ['a clientSecret option', { baseUrl: '/stitch', clientSecret: SECRET }, SECRET],
    ['a privateKey option', { baseUrl: '/stitch', privateKey: PEM }, 'MIIEvQ'],
    ['an accessToken option', { baseUrl: '/stitch', accessToken: 'abc' }, 'abc'],
    ['a PEM under any option name', { baseUrl: '/stitch', extra: PEM }, 'MIIEvQ'],
    [
      'a nested credential',
      { baseUrl: '/stitch', stitch: { clientId: 'c', clientSecret: 's3' } },
      's3',
    ],
  ])('refuses %s at creation, without repeating it', (_label, options, secret) => {
    const error = creationError(options)
    expect(error.message).toMatch(/looks like a credential|a credential has no place/)
    expect(error.message).toContain('The browser must never hold credentials')
    expect(error.message).not.toContain(secret)
    expect(JSON.stringify(error)).not.toContain(secret)
  })

  it('names what it found', () => {
    expect(
      creationError({
        baseUrl: `/stitch?access_token=${SECRET}`,
        headers: { authorization: `Bearer ${SECRET}`, 'x-session': JWT },
        clientSecret: SECRET,
      }).problems,
    ).toEqual([
      '"clientSecret" is not an option, and a credential has no place in the browser',
      '"baseUrl" looks like a credential: the "access_token" query parameter',
      '"baseUrl" must not have a query string or fragment: calls go to <baseUrl>/<operation>',
      '"headers.authorization" looks like a credential: the authorization header',
      '"headers.x-session" looks like a credential: a JWT',
    ])
  })

  it.each([
    ['a request id of 32 hex characters', { 'x-request-id': '9f86d081884c7d659a2feaa0c55ad015' }],
    ['a build hash', { 'x-build': 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3' }],
    ['a mixed-case release tag', { 'x-app-version': 'Release2026R12aBcDeFgHiJkLmNoPqRsT' }],
    ['a UUID correlation id', { 'x-correlation-id': '0b1e7c7a-5a8c-4f2e-9d55-3c1f9a2b7e10' }],
    ['an anti-forgery token', { 'x-csrf-token': 'Zq8vN3kP0sT7wX2yB5mC9dF1gH4jL6aQ' }],
  ])('accepts ordinary headers that only look random: %s', (_label, headers) => {
    expect(() => createStitchProxyClient({ baseUrl: '/stitch', headers })).not.toThrow()
  })

  it('accepts a path that holds a long id', () => {
    expect(() =>
      createStitchProxyClient({ baseUrl: '/tenants/9f86d081884c7d659a2feaa0c55ad015/stitch' }),
    ).not.toThrow()
  })
})

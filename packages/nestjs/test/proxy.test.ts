import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Injectable,
  Module,
  type NestApplicationOptions,
  UseGuards,
} from '@nestjs/common'
import type { StitchSimulator } from '@stitch-auth/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createPaymentRequestOperation,
  createStitchProxyController,
  defineOperation,
  defineOperations,
  paymentRequestStatusOperation,
  StitchAuthModule,
  type StitchHttpRequest,
  type StitchProxyContext,
  StitchProxyController,
} from '../src/index.js'
import {
  CLIENT_SECRET,
  listen,
  PLATFORMS,
  type PlatformName,
  type RunningApp,
  request,
  simulatorOptions,
  startSimulator,
} from './helpers.js'

const operations = defineOperations({
  createPaymentRequest: createPaymentRequestOperation({
    beneficiary: { name: 'Nest Shop', bankId: 'fnb', accountNumber: '62000000000' },
    beneficiaryReference: 'NestShop',
    // The test shop charges what the test asks for; a real one looks the order up.
    resolveAmount: ({ amount }) => amount,
  }),
  // Only "alice" may call this one: `authorize` sees the platform's request.
  paymentStatus: defineOperation({
    ...paymentRequestStatusOperation(),
    authorize: ({ context }: { context: StitchProxyContext }) =>
      context.request.headers['x-user'] === 'alice',
  }),
  // Reads what a guard put on the request: the hook gets the very request guards see.
  myPaymentStatus: defineOperation({
    ...paymentRequestStatusOperation(),
    authorize: ({ context }: { context: StitchProxyContext<SignedInRequest> }) =>
      context.request.user === 'alice',
  }),
})

/** What `SignedInGuard` leaves on the request of either platform. */
interface SignedInRequest extends StitchHttpRequest {
  user?: string
}

/** Lets in any request naming a user, and signs that user in, as an auth guard would. */
@Injectable()
class SignedInGuard implements CanActivate {
  canActivate(context: ExecutionContext) {
    const request = context.switchToHttp().getRequest<SignedInRequest>()
    const user = request.headers['x-user']
    if (typeof user !== 'string') return false
    request.user = user
    return true
  }
}

const JSON_HEADERS = { 'content-type': 'application/json', 'x-stitch-proxy': '1' }

function post(url: string, body: unknown, headers: Record<string, string> = JSON_HEADERS) {
  return request(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** A body sent chunked, without Content-Length, so only the bytes read can enforce the limit. */
function chunked(text: string): RequestInit {
  const bytes = new TextEncoder().encode(text)
  return {
    body: new ReadableStream({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 512) {
          controller.enqueue(bytes.slice(offset, offset + 512))
        }
        controller.close()
      },
    }),
    duplex: 'half',
  } as RequestInit
}

const bodyModes: [string, NestApplicationOptions][] = [
  ['Nest’s default body parser', {}],
  ['bodyParser: false', { bodyParser: false }],
  ['rawBody: true', { rawBody: true }],
]

describe.each(PLATFORMS)('on %s', (platform: PlatformName) => {
  describe.each(bodyModes)('proxy controller with %s', (_name, appOptions) => {
    let sim: StitchSimulator
    let running: RunningApp
    let base: string

    beforeAll(async () => {
      sim = await startSimulator()
      @Module({
        imports: [
          StitchAuthModule.forRoot({
            ...simulatorOptions(sim),
            proxy: { operations, maxBodyBytes: 1024 },
          }),
        ],
        controllers: [StitchProxyController],
      })
      class AppModule {}
      running = await listen(platform, AppModule, appOptions)
      base = `${running.url}/stitch`
    })

    afterAll(async () => {
      await running.close()
      await sim.close()
    })

    beforeEach(() => {
      sim.resetStats()
    })

    it('creates a payment request end to end', async () => {
      const response = await post(`${base}/createPaymentRequest`, {
        amount: 150,
        reference: 'order-42',
      })

      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-store')
      const { data } = response.json as { data: { id: string; url: string } }
      expect(data.url).toContain(data.id)
      const created = sim.paymentRequests.find((payment) => payment.id === data.id)
      expect(created).toMatchObject({
        amount: { quantity: '150.00', currency: 'ZAR' },
        payerReference: 'order-42',
        beneficiaryReference: 'NestShop',
      })
      expect(response.text).not.toContain(CLIENT_SECRET)
      expect(response.text).not.toContain('Bearer')
      expect(sim.stats.apiCalls.total).toBe(1)
    })

    it('passes the Nest request to the operation hooks as context.request', async () => {
      const refused = await post(`${base}/paymentStatus`, { id: 'nope' })
      expect(refused).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } })
      expect(sim.stats.apiCalls.total).toBe(0)

      const allowed = await post(
        `${base}/paymentStatus`,
        { id: 'nope' },
        { ...JSON_HEADERS, 'x-user': 'alice' },
      )
      expect(allowed).toMatchObject({
        status: 200,
        json: { data: { id: 'nope', status: 'unknown', found: false } },
      })
      expect(sim.stats.apiCalls.total).toBe(1)
    })

    it.each([
      [
        'a missing anti-CSRF header',
        () =>
          post(
            `${base}/createPaymentRequest`,
            { amount: 1, reference: 'a' },
            { 'content-type': 'application/json' },
          ),
        403,
        'csrf_header_missing',
      ],
      [
        'an unknown operation',
        () => post(`${base}/deleteEverything`, {}),
        404,
        'unknown_operation',
      ],
      ['a GET', () => request(`${base}/createPaymentRequest`), 405, 'method_not_allowed'],
      [
        'another content type',
        () =>
          post(`${base}/createPaymentRequest`, 'amount=1', {
            ...JSON_HEADERS,
            'content-type': 'text/plain',
          }),
        415,
        'unsupported_media_type',
      ],
      [
        'a body over maxBodyBytes',
        () =>
          post(`${base}/createPaymentRequest`, {
            amount: 1,
            reference: 'a',
            pad: 'x'.repeat(5000),
          }),
        413,
        'body_too_large',
      ],
      [
        'a chunked body over maxBodyBytes',
        () =>
          request(`${base}/createPaymentRequest`, {
            method: 'POST',
            headers: JSON_HEADERS,
            ...chunked(JSON.stringify({ amount: 1, reference: 'a', pad: 'x'.repeat(5000) })),
          }),
        413,
        'body_too_large',
      ],
      [
        'invalid input',
        () => post(`${base}/createPaymentRequest`, { amount: -5, reference: 'a' }),
        400,
        'invalid_input',
      ],
    ] as const)('refuses %s without calling Stitch', async (_case, send, status, code) => {
      const response = await send()

      expect(response.status).toBe(status)
      expect(response.json).toMatchObject({ error: { code } })
      expect(sim.stats.apiCalls.total).toBe(0)
      expect(sim.stats.tokenRequests.total).toBe(0)
    })

    // Bodies a platform's parser may refuse before the proxy sees them, with its own answer;
    // Stitch is never called either way. Express's JSON parser keeps a `__proto__` key (core
    // refuses it), Fastify's refuses it itself; only unparsed bodies bring malformed JSON to
    // core; Fastify refuses content types it has no parser for.
    it.each([
      [
        'a __proto__ key',
        'application/json',
        '{"amount":1,"reference":"a","__proto__":{"x":1}}',
        400,
        'invalid_json',
        platform === 'express',
      ],
      [
        'malformed JSON',
        'application/json',
        '{"amount":1,',
        400,
        'invalid_json',
        platform === 'express' && appOptions.bodyParser === false,
      ],
      [
        'an unparsable content type',
        'application/xml',
        '<amount>1</amount>',
        415,
        'unsupported_media_type',
        platform === 'express',
      ],
    ] as const)(
      'refuses %s without calling Stitch',
      async (_case, contentType, body, status, code, reachesCore) => {
        const response = await post(`${base}/createPaymentRequest`, body, {
          ...JSON_HEADERS,
          'content-type': contentType,
        })

        expect(response.status).toBe(status)
        expect(response.json).toMatchObject(
          reachesCore ? { error: { code } } : { statusCode: status },
        )
        expect(sim.stats.apiCalls.total).toBe(0)
        expect(sim.stats.tokenRequests.total).toBe(0)
      },
    )

    it('keeps serving the connection after refusing an oversized chunked body', async () => {
      const tooLarge = await request(`${base}/createPaymentRequest`, {
        method: 'POST',
        headers: JSON_HEADERS,
        ...chunked(JSON.stringify({ pad: 'x'.repeat(50_000) })),
      })
      expect(tooLarge.status).toBe(413)

      const next = await post(`${base}/createPaymentRequest`, { amount: 10, reference: 'after' })
      expect(next.status).toBe(200)
    })
  })

  describe('createStitchProxyController(path)', () => {
    it('mounts the proxy at another path', async () => {
      const sim = await startSimulator()
      @Module({
        imports: [StitchAuthModule.forRoot({ ...simulatorOptions(sim), proxy: { operations } })],
        controllers: [createStitchProxyController('api/pay')],
      })
      class AppModule {}
      const running = await listen(platform, AppModule)
      try {
        const moved = await post(`${running.url}/api/pay/createPaymentRequest`, {
          amount: 99.5,
          reference: 'moved',
        })
        expect(moved.status).toBe(200)
        const old = await post(`${running.url}/stitch/createPaymentRequest`, {
          amount: 1,
          reference: 'old',
        })
        expect(old.status).toBe(404)
        expect(sim.paymentRequests).toHaveLength(1)
      } finally {
        await running.close()
        await sim.close()
      }
    })
  })

  describe('proxy upstream failures', () => {
    it('answers 503 + Retry-After when Stitch is down and reports the error to onError', async () => {
      const sim = await startSimulator()
      const failures: { error: unknown; operation: string }[] = []
      @Module({
        imports: [
          StitchAuthModule.forRoot({
            ...simulatorOptions(sim),
            retry: { maxAttempts: 1 },
            proxy: {
              operations,
              onError: (error, operation) => failures.push({ error, operation }),
            },
          }),
        ],
        controllers: [StitchProxyController],
      })
      class AppModule {}
      const running = await listen(platform, AppModule)
      try {
        sim.fault({ endpoint: 'token', status: 503, retryAfter: 3, times: 1 })

        const response = await post(`${running.url}/stitch/createPaymentRequest`, {
          amount: 10,
          reference: 'down',
        })

        expect(response.status).toBe(503)
        expect(response.headers.get('retry-after')).toBe('3')
        expect(response.json).toMatchObject({ error: { code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE' } })
        expect(response.text).not.toContain(CLIENT_SECRET)
        expect(failures).toEqual([
          {
            operation: 'createPaymentRequest',
            error: expect.objectContaining({ code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE' }),
          },
        ])
        expect(sim.stats.apiCalls.total).toBe(0)
      } finally {
        await running.close()
        await sim.close()
      }
    })
  })

  describe('a browser that goes away', () => {
    it('stops the Stitch call it started', async () => {
      const sim = await startSimulator()
      const failures: unknown[] = []
      @Module({
        imports: [
          StitchAuthModule.forRoot({
            ...simulatorOptions(sim),
            proxy: { operations, onError: (error) => failures.push(error) },
          }),
        ],
        controllers: [StitchProxyController],
      })
      class AppModule {}
      const running = await listen(platform, AppModule)
      try {
        sim.fault({ endpoint: 'graphql', hang: true })
        const browser = new AbortController()
        const sent = fetch(`${running.url}/stitch/createPaymentRequest`, {
          method: 'POST',
          headers: JSON_HEADERS,
          body: JSON.stringify({ amount: 10, reference: 'gone' }),
          signal: browser.signal,
        })
        await vi.waitFor(() => expect(sim.stats.apiCalls.total).toBe(1))

        browser.abort()

        await expect(sent).rejects.toThrow()
        await vi.waitFor(() =>
          expect(failures).toEqual([expect.objectContaining({ code: 'STITCH_AUTH_ABORTED' })]),
        )
      } finally {
        await running.close()
        await sim.close()
      }
    })
  })

  describe('extending the proxy controller', () => {
    it('takes guards of its own on a subclass, whose request the hooks get', async () => {
      const sim = await startSimulator()
      @UseGuards(SignedInGuard)
      @Controller('guarded')
      class GuardedProxy extends createStitchProxyController() {}
      @Module({
        imports: [StitchAuthModule.forRoot({ ...simulatorOptions(sim), proxy: { operations } })],
        controllers: [GuardedProxy],
      })
      class AppModule {}
      const running = await listen(platform, AppModule)
      try {
        const input = { amount: 5, reference: 'guarded' }
        const refused = await post(`${running.url}/guarded/createPaymentRequest`, input)
        expect(refused.status).toBe(403)
        expect(sim.stats.tokenRequests.total).toBe(0)

        const allowed = await post(`${running.url}/guarded/createPaymentRequest`, input, {
          ...JSON_HEADERS,
          'x-user': 'alice',
        })
        expect(allowed.status).toBe(200)

        const status = (user: string) =>
          post(
            `${running.url}/guarded/myPaymentStatus`,
            { id: 'nope' },
            {
              ...JSON_HEADERS,
              'x-user': user,
            },
          )
        expect(await status('bob')).toMatchObject({
          status: 403,
          json: { error: { code: 'forbidden' } },
        })
        expect(await status('alice')).toMatchObject({
          status: 200,
          json: { data: { id: 'nope', found: false } },
        })
      } finally {
        await running.close()
        await sim.close()
      }
    })
  })
})

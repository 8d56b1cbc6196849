import { describe, expect, it, vi } from 'vitest'
import { StitchApiUnavailableError, StitchConfigError, StitchInputError } from '../../src/index.js'
import {
  createStitchWebhookHandler,
  type StitchWebhookHandlerOptions,
  type WebhookReplayStore,
} from '../../src/webhooks/index.js'
import {
  type Delivery,
  deliver,
  envelope,
  makeSecret,
  PAYMENT_BODY,
  REFUND_BODY,
  toRequest,
} from './helpers.js'

const NOW = 1_740_823_200_000
const NOW_SECONDS = NOW / 1000
const SECRET = makeSecret()

function setup(options: Partial<StitchWebhookHandlerOptions> = {}) {
  const payment = vi.fn()
  const refund = vi.fn()
  const unknown = vi.fn()
  const onError = vi.fn()
  const handle = createStitchWebhookHandler({
    secrets: SECRET,
    now: () => NOW,
    on: { payment, refund, unknown },
    onError,
    ...options,
  })
  const calls = () =>
    payment.mock.calls.length + refund.mock.calls.length + unknown.mock.calls.length
  return { handle, payment, refund, unknown, onError, calls }
}

const signed = (
  body = PAYMENT_BODY,
  options: { id?: string; timestamp?: number; secrets?: string[] } = {},
) => deliver(body, options.secrets ?? SECRET, { timestamp: NOW_SECONDS, ...options })

async function json(response: Response): Promise<unknown> {
  return response.headers.get('content-type')?.includes('json') ? response.json() : response.text()
}

describe('a delivery that passes', () => {
  it('runs the handler for its type and answers 204', async () => {
    const { handle, payment, refund } = setup()
    const delivery = signed(PAYMENT_BODY, { id: 'msg_1' })
    const request = toRequest(delivery)
    const response = await handle(request)
    expect(response.status).toBe(204)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(payment).toHaveBeenCalledTimes(1)
    expect(refund).not.toHaveBeenCalled()
    const [event, info] = payment.mock.calls[0] ?? []
    expect(event).toMatchObject({
      type: 'payment',
      known: true,
      data: { externalReference: 'order-42' },
    })
    expect(info).toEqual({ id: 'msg_1', timestamp: new Date(NOW_SECONDS * 1000), request })
  })

  it('runs the refund handler for a refund', async () => {
    const { handle, payment, refund } = setup()
    expect((await handle(toRequest(signed(REFUND_BODY)))).status).toBe(204)
    expect([payment.mock.calls.length, refund.mock.calls.length]).toEqual([0, 1])
  })

  it('hands an event it cannot type to "unknown"', async () => {
    const { handle, unknown, payment } = setup()
    const body = envelope('payoutBatches', { id: 'b1' })
    expect((await handle(toRequest(signed(body)))).status).toBe(204)
    expect(payment).not.toHaveBeenCalled()
    expect(unknown).toHaveBeenCalledWith(
      expect.objectContaining({ known: false, type: undefined, data: { id: 'b1' } }),
      expect.objectContaining({ id: expect.any(String) }),
    )
  })

  it('acknowledges a type with no handler (204), so Svix stops sending it', async () => {
    const disbursement = envelope('disbursements', {
      id: 'd1',
      status: { __typename: 'DisbursementCompleted' },
    })
    const { handle, calls } = setup()
    expect((await handle(toRequest(signed(disbursement)))).status).toBe(204)
    expect(calls()).toBe(0)
    const bare = createStitchWebhookHandler({ secrets: SECRET, now: () => NOW, on: {} })
    expect((await bare(toRequest(signed(envelope('payoutBatches', {}))))).status).toBe(204)
  })

  it('accepts the old and the new secret during a rotation', async () => {
    const [oldSecret, newSecret] = [makeSecret(), makeSecret()]
    const { handle, payment } = setup({ secrets: [oldSecret, newSecret] })
    for (const secrets of [[oldSecret], [newSecret], [newSecret, oldSecret]]) {
      expect((await handle(toRequest(signed(PAYMENT_BODY, { secrets })))).status).toBe(204)
    }
    expect(payment).toHaveBeenCalledTimes(3)
  })
})

describe('a delivery refused: the handler never runs', () => {
  const cases: [string, number, string, () => Request][] = [
    [
      'a tampered body',
      401,
      'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
      () => tamper(signed(), (body) => body.replace('150.00', '1.00')),
    ],
    [
      'another secret',
      401,
      'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
      () => toRequest(signed(PAYMENT_BODY, { secrets: [makeSecret()] })),
    ],
    [
      'a stale timestamp',
      401,
      'STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
      () => toRequest(signed(PAYMENT_BODY, { timestamp: NOW_SECONDS - 301 })),
    ],
    [
      'a future timestamp',
      401,
      'STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
      () => toRequest(signed(PAYMENT_BODY, { timestamp: NOW_SECONDS + 301 })),
    ],
    ['no svix-id', 400, 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID', () => without('svix-id')],
    [
      'no svix-timestamp',
      400,
      'STITCH_AUTH_WEBHOOK_HEADERS_INVALID',
      () => without('svix-timestamp'),
    ],
    [
      'no svix-signature',
      400,
      'STITCH_AUTH_WEBHOOK_HEADERS_INVALID',
      () => without('svix-signature'),
    ],
    [
      'a signed body that is not JSON',
      400,
      'STITCH_AUTH_WEBHOOK_BODY_INVALID',
      () => toRequest(signed('{"data":')),
    ],
    ['a GET', 405, 'method_not_allowed', () => toRequest(signed(), { method: 'GET' })],
    ['a PUT', 405, 'method_not_allowed', () => toRequest(signed(), { method: 'PUT' })],
    [
      'a body over maxBodyBytes',
      413,
      'body_too_large',
      () => toRequest(signed(`{"pad":"${'x'.repeat(262_144)}"}`)),
    ],
  ]

  it.each(cases)('%s → %i %s', async (_name, status, code, request) => {
    const { handle, calls, onError } = setup()
    const response = await handle(request())
    expect(response.status).toBe(status)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await json(response)).toEqual({ error: { code, message: expect.any(String) } })
    expect(calls()).toBe(0)
    if (status === 400 || status === 401) {
      expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code }), {
        stage: 'verify',
        deliveryId:
          code === 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID' && _name === 'no svix-id'
            ? undefined
            : expect.any(String),
      })
    }
  })

  it('answers 405 with Allow: POST', async () => {
    const response = await setup().handle(toRequest(signed(), { method: 'GET' }))
    expect(response.headers.get('allow')).toBe('POST')
  })

  it('refuses an oversized body without reading past the limit, with or without Content-Length', async () => {
    const { handle, calls } = setup({ maxBodyBytes: 64 })
    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(32).fill(0x20))
        if (pulled > 1000) controller.close()
      },
    })
    const delivery = signed()
    const streamed = new Request('https://shop.example/hook', {
      method: 'POST',
      headers: delivery.headers,
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect((await handle(streamed)).status).toBe(413)
    expect(pulled).toBeLessThan(10)
    expect(
      (await handle(toRequest(delivery, { headers: { 'content-length': '65' } }))).status,
    ).toBe(413)
    expect(calls()).toBe(0)
  })

  it('answers a refusal with the fixed public message, not the detailed one', async () => {
    const response = await setup().handle(tamper(signed(), (body) => `${body} `))
    expect(await response.json()).toEqual({
      error: {
        code: 'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
        message: 'The webhook signature does not match.',
      },
    })
  })
})

describe('replay protection', () => {
  it('answers a delivery id it already ran with 200, without running the handler again', async () => {
    const { handle, payment } = setup()
    const delivery = signed(PAYMENT_BODY, { id: 'msg_replayed' })
    expect((await handle(toRequest(delivery))).status).toBe(204)
    const again = await handle(toRequest(delivery))
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ duplicate: true })
    // Svix signs each retry anew: same id, new timestamp and signature.
    const retry = deliver(PAYMENT_BODY, SECRET, { id: 'msg_replayed', timestamp: NOW_SECONDS + 60 })
    expect((await handle(toRequest(retry))).status).toBe(200)
    expect(payment).toHaveBeenCalledTimes(1)
    expect((await handle(toRequest(signed(PAYMENT_BODY, { id: 'msg_other' })))).status).toBe(204)
    expect(payment).toHaveBeenCalledTimes(2)
  })

  it('forgets ids after replayTtlMs', async () => {
    let now = NOW
    const payment = vi.fn()
    const handle = createStitchWebhookHandler({
      secrets: SECRET,
      now: () => now,
      replayTtlMs: 600_000,
      on: { payment },
    })
    const first = signed(PAYMENT_BODY, { id: 'msg_ttl' })
    await handle(toRequest(first))
    now += 600_000
    const later = deliver(PAYMENT_BODY, SECRET, {
      id: 'msg_ttl',
      timestamp: Math.floor(now / 1000),
    })
    expect((await handle(toRequest(later))).status).toBe(204)
    expect(payment).toHaveBeenCalledTimes(2)
  })

  it('runs every delivery with replayStore: false', async () => {
    const { handle, payment } = setup({ replayStore: false })
    const delivery = signed()
    await handle(toRequest(delivery))
    await handle(toRequest(delivery))
    expect(payment).toHaveBeenCalledTimes(2)
  })

  it('uses the store it is given', async () => {
    const claimed: string[] = []
    const store: WebhookReplayStore = {
      claim: async (id, ttlMs) => {
        claimed.push(`${id}:${ttlMs}`)
        return claimed.length === 1
      },
      release: async () => {},
    }
    const { handle, payment } = setup({ replayStore: store })
    const delivery = signed(PAYMENT_BODY, { id: 'msg_s' })
    expect((await handle(toRequest(delivery))).status).toBe(204)
    expect((await handle(toRequest(delivery))).status).toBe(200)
    expect(claimed).toEqual(['msg_s:172800000', 'msg_s:172800000'])
    expect(payment).toHaveBeenCalledTimes(1)
  })

  it('answers 500 when the store fails, without running the handler, and the retry runs', async () => {
    let failing = true
    const inner = new Map<string, true>()
    const store: WebhookReplayStore = {
      claim: (id) => {
        if (failing) throw new Error('redis down')
        if (inner.has(id)) return false
        inner.set(id, true)
        return true
      },
      release: (id) => {
        inner.delete(id)
      },
    }
    const { handle, payment, onError } = setup({ replayStore: store })
    const delivery = signed()
    const response = await handle(toRequest(delivery))
    expect(response.status).toBe(500)
    expect(JSON.stringify(await response.json())).not.toContain('redis')
    expect(payment).not.toHaveBeenCalled()
    expect(onError).toHaveBeenCalledWith(expect.any(Error), {
      stage: 'replay',
      deliveryId: delivery.headers['svix-id'],
    })
    failing = false
    expect((await handle(toRequest(delivery))).status).toBe(204)
    expect(payment).toHaveBeenCalledTimes(1)
  })
})

describe('a handler that throws', () => {
  it('answers 500, releases the id, and the retry runs the handler again', async () => {
    const payment = vi.fn().mockRejectedValueOnce(new Error('db is down: password=hunter2'))
    const { handle, onError } = setup({ on: { payment } })
    const delivery = signed(PAYMENT_BODY, { id: 'msg_fail' })
    const failed = await handle(toRequest(delivery))
    expect(failed.status).toBe(500)
    const text = await failed.text()
    expect(JSON.parse(text)).toEqual({
      error: { code: 'STITCH_AUTH_INTERNAL', message: 'The server failed unexpectedly.' },
    })
    expect(text).not.toContain('hunter2')
    expect(onError).toHaveBeenCalledWith(expect.any(Error), {
      stage: 'handler',
      deliveryId: 'msg_fail',
      event: expect.objectContaining({ type: 'payment' }),
    })
    const retry = deliver(PAYMENT_BODY, SECRET, { id: 'msg_fail', timestamp: NOW_SECONDS + 5 })
    expect((await handle(toRequest(retry))).status).toBe(204)
    expect(payment).toHaveBeenCalledTimes(2)
    expect((await handle(toRequest(retry))).status).toBe(200)
    expect(payment).toHaveBeenCalledTimes(2)
  })

  it('keeps a 5xx a stitch-auth error gives (503 with Retry-After), and makes a 4xx one 500', async () => {
    const unavailable = new StitchApiUnavailableError('Stitch is down', {
      status: 503,
      retryAfterMs: 30_000,
    })
    const bad = new StitchInputError('initiateRefund', [
      { path: 'input.amount', message: 'must be more than 0' },
    ])
    const payment = vi.fn().mockRejectedValueOnce(unavailable).mockRejectedValueOnce(bad)
    const { handle } = setup({ on: { payment } })
    const first = await handle(toRequest(signed()))
    expect([first.status, first.headers.get('retry-after')]).toEqual([503, '30'])
    const second = await handle(toRequest(signed()))
    expect(second.status).toBe(500)
    expect(await second.json()).toMatchObject({ error: { code: 'STITCH_AUTH_INTERNAL' } })
  })

  it('makes a retry that arrives while the first attempt still runs wait for it', async () => {
    let finish: (error?: Error) => void = () => {}
    const payment = vi.fn(
      () =>
        new Promise<void>((resolve, reject) => {
          finish = (error) => (error ? reject(error) : resolve())
        }),
    )
    const { handle } = setup({ on: { payment } })
    const delivery = signed(PAYMENT_BODY, { id: 'msg_slow' })

    const first = handle(toRequest(delivery))
    await vi.waitFor(() => expect(payment).toHaveBeenCalledTimes(1))
    const second = handle(toRequest(delivery))
    await new Promise((resolve) => setTimeout(resolve, 20))
    finish(new Error('failed late'))
    expect((await first).status).toBe(500)
    // Told "failed" too, not "done": Svix retries it, and that retry runs the handler.
    expect((await second).status).toBe(500)
    const third = handle(toRequest(delivery))
    await vi.waitFor(() => expect(payment).toHaveBeenCalledTimes(2))
    const fourth = handle(toRequest(delivery))
    await new Promise((resolve) => setTimeout(resolve, 20))
    finish()
    expect([(await third).status, (await fourth).status]).toEqual([204, 200])
    expect(payment).toHaveBeenCalledTimes(2)
  })

  it('is not affected by an onError that throws', async () => {
    const { handle } = setup({
      on: { payment: () => Promise.reject(new Error('x')) },
      onError: () => {
        throw new Error('logger broke')
      },
    })
    expect((await handle(toRequest(signed()))).status).toBe(500)
    expect((await handle(tamper(signed(), (body) => `${body} `))).status).toBe(401)
  })
})

describe('options', () => {
  const issues = (options: Partial<StitchWebhookHandlerOptions>) => {
    try {
      createStitchWebhookHandler({
        secrets: SECRET,
        on: {},
        ...options,
      } as StitchWebhookHandlerOptions)
    } catch (error) {
      expect(error).toBeInstanceOf(StitchConfigError)
      return (error as StitchConfigError).issues
    }
    throw new Error('no StitchConfigError')
  }

  it('names a handler for a type that does not exist, and the ones that do', () => {
    expect(issues({ on: { payments: () => {} } as never })).toEqual([
      '"on.payments" is not an event type: use one of payment, payment.confirmation, payment-consent-request, transaction, refund, disbursement, settlement, unknown (other types arrive at "unknown")',
    ])
  })

  it('lists every problem at once', () => {
    expect(
      issues({
        on: { refund: 'yes' as never },
        replayStore: {} as never,
        replayTtlMs: -1,
        maxBodyBytes: 1.5,
        onError: 3 as never,
      }),
    ).toEqual([
      '"on.refund" must be a function',
      '"replayStore" must have claim(id, ttlMs) and release(id), or be false',
      '"replayTtlMs" must be a positive number of milliseconds',
      '"maxBodyBytes" must be a positive whole number of bytes',
      '"onError" must be a function',
    ])
  })

  it('refuses a replay window shorter than twice the timestamp tolerance', () => {
    expect(issues({ replayTtlMs: 599_999 })).toEqual([
      expect.stringContaining('at least twice the timestamp tolerance (600000 ms)'),
    ])
    expect(() =>
      createStitchWebhookHandler({
        secrets: SECRET,
        on: {},
        replayTtlMs: 20_000,
        toleranceSeconds: 10,
      }),
    ).not.toThrow()
  })

  it("lists the verifier's problems with its own", () => {
    expect(issues({ secrets: 'nope', toleranceSeconds: -1, maxBodyBytes: 0 })).toEqual([
      expect.stringMatching(/^"secrets" must start with "whsec_"/),
      '"toleranceSeconds" must be a positive number of seconds',
      '"maxBodyBytes" must be a positive whole number of bytes',
    ])
  })
})

function tamper(delivery: Delivery, change: (body: string) => string): Request {
  return toRequest({ ...delivery, body: change(delivery.body) })
}

function without(name: string): Request {
  const delivery = signed()
  const headers = { ...delivery.headers }
  delete headers[name]
  return toRequest({ ...delivery, headers })
}

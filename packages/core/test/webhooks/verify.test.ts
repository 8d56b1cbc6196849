import { Webhook } from 'svix'
import { describe, expect, it } from 'vitest'
import { StitchConfigError } from '../../src/index.js'
import {
  createWebhookVerifier,
  StitchWebhookError,
  type StitchWebhookHeaders,
} from '../../src/webhooks/index.js'
import { deliver, makeSecret, PAYMENT_BODY, sign } from './helpers.js'

const NOW = 1_740_823_200_000 // 2025-03-01T10:00:00Z
const NOW_SECONDS = NOW / 1000

/** The `{ code, message }` a refused delivery fails with. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error('the delivery was accepted')
    },
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(StitchWebhookError)
  const { code, message } = error as StitchWebhookError
  return { code, message }
}

describe('verification against the official svix package', () => {
  it('accepts deliveries that svix signs', async () => {
    const secret = makeSecret()
    const verifier = createWebhookVerifier({ secrets: secret })
    for (const payload of [PAYMENT_BODY, '{"é":"ünïcødé ✓"}', '{}']) {
      const id = `msg_${Math.random().toString(36).slice(2)}`
      const date = new Date()
      const signature = new Webhook(secret).sign(id, date, payload)
      const verified = await verifier.verify(payload, {
        'svix-id': id,
        'svix-timestamp': String(Math.floor(date.getTime() / 1000)),
        'svix-signature': signature,
      })
      expect(verified.id).toBe(id)
      expect(verified.timestamp.getTime()).toBe(Math.floor(date.getTime() / 1000) * 1000)
    }
  })

  it('signs in tests the way svix verifies (so the helper is a fair stand-in)', () => {
    const secret = makeSecret(32)
    const delivery = deliver(PAYMENT_BODY, secret)
    expect(() => new Webhook(secret).verify(delivery.body, delivery.headers)).not.toThrow()
    expect(() => new Webhook(makeSecret()).verify(delivery.body, delivery.headers)).toThrow()
  })

  it('refuses what svix refuses: a tampered body', async () => {
    const secret = makeSecret()
    const delivery = deliver(PAYMENT_BODY, secret)
    const tampered = delivery.body.replace('150.00', '1500.00')
    expect(() => new Webhook(secret).verify(tampered, delivery.headers)).toThrow()
    const { code } = await refusal(
      createWebhookVerifier({ secrets: secret }).verify(tampered, delivery.headers),
    )
    expect(code).toBe('STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID')
  })
})

describe('signatures', () => {
  const secret = makeSecret()
  const verifier = createWebhookVerifier({ secrets: secret, now: () => NOW })
  const at = { timestamp: NOW_SECONDS }

  it('verifies the exact bytes: string, Uint8Array, ArrayBuffer and Buffer bodies', async () => {
    const delivery = deliver(PAYMENT_BODY, secret, at)
    const bytes = new TextEncoder().encode(delivery.body)
    for (const body of [delivery.body, bytes, bytes.buffer, Buffer.from(delivery.body)]) {
      await expect(verifier.verify(body, delivery.headers)).resolves.toMatchObject({
        id: delivery.headers['svix-id'],
        event: { type: 'payment', known: true },
      })
    }
  })

  it('refuses a body changed by one byte, or re-serialised', async () => {
    const delivery = deliver(PAYMENT_BODY, secret, at)
    for (const body of [
      `${delivery.body} `,
      delivery.body.replace('order-42', 'order-43'),
      JSON.stringify(JSON.parse(delivery.body), null, 2),
    ]) {
      expect(await refusal(verifier.verify(body, delivery.headers))).toEqual({
        code: 'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
        message: expect.stringContaining('byte for byte'),
      })
    }
  })

  it('refuses a delivery signed with another secret', async () => {
    const delivery = deliver(PAYMENT_BODY, makeSecret(), at)
    expect((await refusal(verifier.verify(delivery.body, delivery.headers))).code).toBe(
      'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
    )
  })

  it('refuses a changed id or timestamp: both are signed', async () => {
    const delivery = deliver(PAYMENT_BODY, secret, at)
    for (const headers of [
      { ...delivery.headers, 'svix-id': 'msg_other' },
      { ...delivery.headers, 'svix-timestamp': String(NOW_SECONDS + 1) },
    ]) {
      expect((await refusal(verifier.verify(delivery.body, headers))).code).toBe(
        'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
      )
    }
  })

  it('accepts one valid entry among several, whatever its place', async () => {
    const delivery = deliver(PAYMENT_BODY, secret, at)
    const valid = delivery.headers['svix-signature']
    const junk = [
      sign(makeSecret(), 'msg', NOW_SECONDS, delivery.body),
      'v1,AAAA',
      'v1,not base64!',
      'v1a,ed25519-signature',
      'v2,AAAA',
    ].join(' ')
    for (const header of [`${junk} ${valid}`, `${valid} ${junk}`, `${junk}  ${valid}\t`]) {
      await expect(
        verifier.verify(delivery.body, { ...delivery.headers, 'svix-signature': header }),
      ).resolves.toMatchObject({ id: delivery.headers['svix-id'] })
    }
  })

  it('refuses a header with no v1 entry, or only empty ones', async () => {
    const delivery = deliver(PAYMENT_BODY, secret, at)
    const sig = delivery.headers['svix-signature'] ?? ''
    for (const header of ['v1,', 'v2,abc', sig.replace('v1,', 'v1a,'), sig.slice(3)]) {
      expect(
        (
          await refusal(
            verifier.verify(delivery.body, { ...delivery.headers, 'svix-signature': header }),
          )
        ).code,
      ).toBe('STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID')
    }
  })

  it('accepts the old and the new secret during a rotation', async () => {
    const [oldSecret, newSecret] = [makeSecret(), makeSecret()]
    const rotating = createWebhookVerifier({ secrets: [newSecret, oldSecret], now: () => NOW })
    for (const signedWith of [[oldSecret], [newSecret], [oldSecret, newSecret]]) {
      const delivery = deliver(PAYMENT_BODY, signedWith, at)
      await expect(rotating.verify(delivery.body, delivery.headers)).resolves.toBeDefined()
    }
    const other = deliver(PAYMENT_BODY, makeSecret(), at)
    expect((await refusal(rotating.verify(other.body, other.headers))).message).toContain(
      '2 configured secrets',
    )
  })
})

describe('timestamps', () => {
  const secret = makeSecret()

  it.each([
    ['stale, just inside the default 300 s', -300, true],
    ['stale, just outside', -301, false],
    ['future, just inside', 300, true],
    ['future, just outside', 301, false],
  ])('%s', async (_name, offset, accepted) => {
    const verifier = createWebhookVerifier({ secrets: secret, now: () => NOW })
    const delivery = deliver(PAYMENT_BODY, secret, { timestamp: NOW_SECONDS + offset })
    const result = verifier.verify(delivery.body, delivery.headers)
    if (accepted) await expect(result).resolves.toBeDefined()
    else {
      expect(await refusal(result)).toEqual({
        code: 'STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
        message: expect.stringContaining(offset < 0 ? '301 s ago' : '301 s in the future'),
      })
    }
  })

  it('honours toleranceSeconds, and reads the clock at every call', async () => {
    let now = NOW
    const verifier = createWebhookVerifier({
      secrets: secret,
      toleranceSeconds: 10,
      now: () => now,
    })
    const delivery = deliver(PAYMENT_BODY, secret, { timestamp: NOW_SECONDS })
    await expect(verifier.verify(delivery.body, delivery.headers)).resolves.toBeDefined()
    now = NOW + 10_999
    await expect(verifier.verify(delivery.body, delivery.headers)).resolves.toBeDefined()
    now = NOW + 11_000
    expect((await refusal(verifier.verify(delivery.body, delivery.headers))).code).toBe(
      'STITCH_AUTH_WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
    )
  })

  it('checks the signature first: a forged old delivery is a bad signature', async () => {
    const verifier = createWebhookVerifier({ secrets: secret, now: () => NOW })
    const forged = deliver(PAYMENT_BODY, makeSecret(), { timestamp: NOW_SECONDS - 3600 })
    expect((await refusal(verifier.verify(forged.body, forged.headers))).code).toBe(
      'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID',
    )
  })
})

describe('headers', () => {
  const secret = makeSecret()
  const verifier = createWebhookVerifier({ secrets: secret, now: () => NOW })
  const delivery = deliver(PAYMENT_BODY, secret, { timestamp: NOW_SECONDS, id: 'msg_1' })

  it.each(['svix-id', 'svix-timestamp', 'svix-signature'])(
    'refuses a delivery without %s',
    async (name) => {
      const headers = { ...delivery.headers }
      delete headers[name]
      expect(await refusal(verifier.verify(delivery.body, headers))).toEqual({
        code: 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID',
        message: expect.stringContaining(`no ${name} header`),
      })
      expect(
        (await refusal(verifier.verify(delivery.body, { ...headers, [name]: '  ' }))).code,
      ).toBe('STITCH_AUTH_WEBHOOK_HEADERS_INVALID')
    },
  )

  it('names every missing header at once', async () => {
    expect((await refusal(verifier.verify(delivery.body, {}))).message).toContain(
      'no svix-id, svix-timestamp, svix-signature header',
    )
  })

  it('refuses a timestamp that is not whole seconds', async () => {
    for (const timestamp of ['1740823200.5', '2025-03-01T10:00:00Z', '-1', '1e9']) {
      expect(
        await refusal(
          verifier.verify(delivery.body, { ...delivery.headers, 'svix-timestamp': timestamp }),
        ),
      ).toEqual({
        code: 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID',
        message: 'The svix-timestamp header must be a Unix time in whole seconds.',
      })
    }
  })

  it('reads a Web Headers, the webhook-* names and a record in any case', async () => {
    const standard = {
      'webhook-id': delivery.headers['svix-id'] ?? '',
      'webhook-timestamp': delivery.headers['svix-timestamp'] ?? '',
      'webhook-signature': delivery.headers['svix-signature'] ?? '',
    }
    const shouting = Object.fromEntries(
      Object.entries(delivery.headers).map(([name, value]) => [name.toUpperCase(), value]),
    )
    const arrays: StitchWebhookHeaders = {
      'svix-id': [delivery.headers['svix-id'] ?? ''],
      'svix-timestamp': delivery.headers['svix-timestamp'],
      'svix-signature': ['v1,AAAA', delivery.headers['svix-signature'] ?? ''],
      'x-other': undefined,
    }
    for (const headers of [
      new Headers(delivery.headers),
      new Headers(standard),
      standard,
      shouting,
      arrays,
    ]) {
      await expect(verifier.verify(delivery.body, headers)).resolves.toMatchObject({ id: 'msg_1' })
    }
  })

  it('carries the delivery id on the error, when there is one', async () => {
    const error = await verifier
      .verify(`${delivery.body} `, delivery.headers)
      .catch((caught: StitchWebhookError) => caught)
    expect(error).toMatchObject({ deliveryId: 'msg_1', statusCode: 401, retryable: false })
  })
})

describe('bodies', () => {
  const secret = makeSecret()
  const verifier = createWebhookVerifier({ secrets: secret, now: () => NOW })

  it.each([
    ['not JSON', 'not json', 'is not JSON'],
    ['a JSON array', '[1,2]', 'is not a JSON object'],
    ['JSON null', 'null', 'is not a JSON object'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'is not JSON'],
  ])('refuses a signed body that is %s (400)', async (_name, body, message) => {
    const delivery = deliver(body.toString(), secret, { timestamp: NOW_SECONDS })
    const signature = sign(secret, 'msg_1', NOW_SECONDS, body)
    const error = await verifier
      .verify(body, { ...delivery.headers, 'svix-id': 'msg_1', 'svix-signature': signature })
      .catch((caught: StitchWebhookError) => caught)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_WEBHOOK_BODY_INVALID',
      statusCode: 400,
      message: expect.stringContaining(message),
    })
  })

  it('says what to do when handed a parsed body instead of the raw one', async () => {
    const delivery = deliver(PAYMENT_BODY, secret, { timestamp: NOW_SECONDS })
    const parsed = JSON.parse(delivery.body) as never
    const error = await verifier.verify(parsed, delivery.headers).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchConfigError)
    expect((error as StitchConfigError).message).toContain('express.raw')
  })

  it('drops __proto__ keys rather than letting them set a prototype', async () => {
    const body = '{"__proto__":{"polluted":true},"data":{"client":{}}}'
    const delivery = deliver(body, secret, { timestamp: NOW_SECONDS })
    const { event } = await verifier.verify(delivery.body, delivery.headers)
    expect(Object.getPrototypeOf(event.payload)).toBe(Object.prototype)
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
  })
})

describe('options', () => {
  const problems = (secrets: unknown, extra: Record<string, unknown> = {}) => {
    try {
      createWebhookVerifier({ secrets, ...extra } as never)
    } catch (error) {
      expect(error).toBeInstanceOf(StitchConfigError)
      return (error as StitchConfigError).issues
    }
    throw new Error('no StitchConfigError')
  }

  it('refuses secrets that are not whsec_ secrets, naming each, never echoing it', () => {
    const good = makeSecret()
    const bad = [
      good.slice(6), // no prefix
      `${good}\n`, // a line break from an env file
      'whsec_****', // not base64
      'whsec_c2hvcnQ=', // decodes to 5 bytes
      `whsec_${Buffer.alloc(80).toString('base64')}`, // too long
      42,
    ]
    const issues = problems([good, ...bad])
    expect(issues).toEqual([
      expect.stringMatching(/^"secrets\[1\]" must start with "whsec_"/),
      expect.stringMatching(/^"secrets\[2\]" has spaces or a line break/),
      expect.stringMatching(/^"secrets\[3\]" must be "whsec_" followed by base64/),
      expect.stringMatching(/^"secrets\[4\]" must hold a key of 24 to 75 bytes/),
      expect.stringMatching(/^"secrets\[5\]" must hold a key of 24 to 75 bytes/),
      '"secrets[6]" must be a string ("whsec_…")',
    ])
    const text = issues.join('\n')
    for (const secret of [good, ...bad.filter((value) => typeof value === 'string')]) {
      expect(text).not.toContain(String(secret).trim())
    }
    expect(text).not.toContain(good.slice(6))
  })

  it('refuses no secret, and bad tolerance, clock and event types, all at once', () => {
    expect(problems([], { toleranceSeconds: 0, now: 5, eventTypes: 'payment' })).toEqual([
      expect.stringContaining('"secrets" must be'),
      '"toleranceSeconds" must be a positive number of seconds',
      '"now" must be a function returning milliseconds since the epoch',
      expect.stringContaining('"eventTypes" must be a list'),
    ])
    expect(problems(undefined)).toHaveLength(1)
  })

  it('accepts one secret as a string', () => {
    expect(() => createWebhookVerifier({ secrets: makeSecret(64) })).not.toThrow()
  })
})

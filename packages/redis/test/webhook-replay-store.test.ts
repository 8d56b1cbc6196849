// The webhook replay store on a real redis-server: a fleet of receivers (here two handlers,
// each its own instance) runs each Stitch delivery once, and a Redis outage fails the
// delivery with a 5xx, so Svix delivers it again, instead of running it twice or losing it.
import { createHmac, randomBytes } from 'node:crypto'
import { createStitchWebhookHandler } from '@stitch-auth/core/webhooks'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisWebhookReplayStore, RedisTokenCacheError } from '../src/index.js'
import { type RedisServer, startRedisServer } from './helpers/redis-server.js'

const SECRET = `whsec_${randomBytes(24).toString('base64')}`
let server: RedisServer
const connect = (url: string) =>
  createClient({ url, disableOfflineQueue: true })
    .on('error', () => {})
    .connect()
let redis: Awaited<ReturnType<typeof connect>>

beforeAll(async () => {
  server = await startRedisServer()
  redis = await connect(server.url)
})
afterAll(async () => {
  redis?.destroy()
  await server?.stop()
})

/** A delivery signed as Svix signs one (Standard Webhooks). */
function delivery(id: string, body: string): Request {
  const timestamp = String(Math.floor(Date.now() / 1000))
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64')
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')
  return new Request('http://receiver.test/webhooks/stitch', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': timestamp,
      'svix-signature': `v1,${signature}`,
    },
    body,
  })
}

const refundBody = JSON.stringify({
  data: {
    client: {
      refunds: {
        node: {
          __typename: 'Refund',
          id: 'cmVmdW5kLzE=',
          amount: { quantity: '10.00', currency: 'ZAR' },
          reason: 'requested_by_user',
          status: { __typename: 'RefundCompleted', date: '2026-12-01T10:00:00Z' },
        },
      },
    },
  },
})

let prefix = 0
const freshStore = () =>
  createRedisWebhookReplayStore({ client: redis, keyPrefix: `replay-test-${++prefix}:` })

describe('createRedisWebhookReplayStore', () => {
  it('claims an id once across instances, until it is released or expires', async () => {
    const keyPrefix = `replay-direct-${++prefix}:`
    const one = createRedisWebhookReplayStore({ client: redis, keyPrefix })
    const two = createRedisWebhookReplayStore({ client: redis, keyPrefix })
    expect(await one.claim('msg_1', 60_000)).toBe(true)
    expect(await two.claim('msg_1', 60_000)).toBe(false)
    await one.release('msg_1')
    expect(await two.claim('msg_1', 60_000)).toBe(true)
    expect(await one.claim('msg_short', 50)).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 120))
    expect(await two.claim('msg_short', 50)).toBe(true)
    expect(await redis.pTTL(`${keyPrefix}msg_1`)).toBeGreaterThan(59_000)
  })

  it('runs a delivery that reaches two instances 20 times at once exactly once', async () => {
    const store = freshStore()
    const runs: string[] = []
    const instances = [1, 2].map((instance) =>
      createStitchWebhookHandler({
        secrets: SECRET,
        // Each instance has its own store object; what they share is Redis.
        replayStore:
          instance === 1
            ? store
            : createRedisWebhookReplayStore({
                client: redis,
                keyPrefix: `replay-test-${prefix}:`,
              }),
        on: {
          refund: async (event) => {
            runs.push(event.data.id)
          },
        },
      }),
    )
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (instances[index % 2] ?? instances[0])!(delivery('msg_fleet', refundBody)),
      ),
    )
    expect(runs).toEqual(['cmVmdW5kLzE='])
    expect(answers.map((answer) => answer.status).sort()).toEqual([
      ...Array.from({ length: 19 }, () => 200),
      204,
    ])
  })

  it("releases a delivery whose handler failed, so Svix's retry runs it", async () => {
    let attempts = 0
    const handle = createStitchWebhookHandler({
      secrets: SECRET,
      replayStore: freshStore(),
      onError: () => {},
      on: {
        refund: () => {
          attempts++
          if (attempts === 1) throw new Error('the database is down')
        },
      },
    })
    expect((await handle(delivery('msg_retry', refundBody))).status).toBe(500)
    expect((await handle(delivery('msg_retry', refundBody))).status).toBe(204)
    expect((await handle(delivery('msg_retry', refundBody))).status).toBe(200)
    expect(attempts).toBe(2)
  })

  it('answers 5xx without running the handler while Redis is down, and runs it once back', async () => {
    const own = await connect(server.url)
    const errors: unknown[] = []
    let runs = 0
    const handle = createStitchWebhookHandler({
      secrets: SECRET,
      replayStore: createRedisWebhookReplayStore({ client: own, keyPrefix: 'replay-outage:' }),
      onError: (error) => errors.push(error),
      on: { refund: () => void runs++ },
    })
    await server.kill()
    try {
      const answer = await handle(delivery('msg_outage', refundBody))
      expect(answer.status).toBeGreaterThanOrEqual(500)
      expect(runs).toBe(0)
      expect(errors.some((error) => error instanceof RedisTokenCacheError)).toBe(true)
    } finally {
      await server.restart()
    }
    await expect.poll(() => own.isReady, { timeout: 5_000 }).toBe(true)
    expect((await handle(delivery('msg_outage', refundBody))).status).toBe(204)
    expect(runs).toBe(1)
    own.destroy()
    // The shared client reconnects too, for the tests after this one.
    await expect.poll(() => redis.isReady, { timeout: 5_000 }).toBe(true)
  })

  it('refuses options it cannot use, listing each problem', () => {
    expect(() =>
      createRedisWebhookReplayStore({ client: {} as never, operationTimeoutMs: -1 }),
    ).toThrow(
      /"client" must be a connected node-redis client[\s\S]*"operationTimeoutMs" must be a positive/,
    )
  })
})

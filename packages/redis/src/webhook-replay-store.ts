import { StitchConfigError } from '@stitch-auth/core'
import { describeIssues } from '@stitch-auth/core/node'
import type { WebhookReplayStore } from '@stitch-auth/core/webhooks'
import { z } from 'zod'
import { clientKind, connectionFor } from './clients.js'
import { REDIS_TOKEN_CACHE_ERROR_CODES, RedisTokenCacheError } from './errors.js'
import type { AnyRedisCommandClient } from './options.js'

/** Options of {@link createRedisWebhookReplayStore}. */
export interface RedisWebhookReplayStoreOptions {
  /**
   * A connected node-redis client from `createClient()`, `createCluster()` or `createSentinel()`;
   * it stays yours. One client can serve this store and a `RedisTokenCache` alike.
   * @example await createClient({ url: process.env.REDIS_URL }).on('error', log).connect()
   */
  client: AnyRedisCommandClient
  /**
   * Prepended to every key, to keep apps or environments apart in one Redis.
   * @default 'stitch-auth:webhook:'
   */
  keyPrefix?: string
  /**
   * The longest one claim or release may take. A slower (or unreachable) Redis fails the
   * delivery with a 5xx, so Svix delivers it again later: an event is never run twice nor lost.
   * @default 1000
   */
  operationTimeoutMs?: number
}

const optionsSchema = z.strictObject({
  client: z.custom<AnyRedisCommandClient>(
    (value) => clientKind(value) !== undefined,
    'must be a connected node-redis client (createClient(), createCluster() or createSentinel())',
  ),
  keyPrefix: z.string().min(1, 'must not be empty').optional(),
  operationTimeoutMs: z.number().positive('must be a positive number of milliseconds').optional(),
})

/**
 * The delivery ids of Stitch's webhooks, shared by a fleet through Redis, so that a delivery
 * Svix retries (or one that two instances receive) runs its handler once across all of them.
 * `claim` is one `SET key 1 NX PX ttl`, atomic in Redis; `release` is `DEL`.
 *
 * @example
 * const replayStore = createRedisWebhookReplayStore({ client: redis })
 * const handle = createStitchWebhookHandler({ secrets, replayStore, on: { payment: markPaid } })
 */
export function createRedisWebhookReplayStore(
  options: RedisWebhookReplayStoreOptions,
): WebhookReplayStore {
  const parsed = optionsSchema.safeParse(options)
  if (!parsed.success) {
    throw new StitchConfigError(
      describeIssues(parsed.error.issues),
      'Invalid stitch-auth Redis webhook replay store options',
    )
  }
  const { client, keyPrefix = 'stitch-auth:webhook:', operationTimeoutMs = 1000 } = parsed.data
  const connection = connectionFor(client)

  async function send(
    operation: 'webhook-claim' | 'webhook-release',
    key: string,
    args: string[],
  ): Promise<unknown> {
    if (!client.isReady) {
      throw new RedisTokenCacheError('Redis is not connected: the webhook delivery is not run.', {
        redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.UNAVAILABLE,
        operation,
      })
    }
    const signal = AbortSignal.timeout(operationTimeoutMs)
    try {
      return await connection.send(key, args, signal)
    } catch (error) {
      const timedOut = signal.aborted
      throw new RedisTokenCacheError(
        timedOut
          ? `Redis did not answer within ${operationTimeoutMs} ms: the webhook delivery is not run.`
          : 'Redis failed: the webhook delivery is not run.',
        {
          redisCode: timedOut
            ? REDIS_TOKEN_CACHE_ERROR_CODES.TIMEOUT
            : REDIS_TOKEN_CACHE_ERROR_CODES.UNAVAILABLE,
          operation,
          cause: error,
        },
      )
    }
  }

  return {
    async claim(id, ttlMs) {
      const key = `${keyPrefix}${id}`
      const reply = await send('webhook-claim', key, [
        'SET',
        key,
        '1',
        'NX',
        'PX',
        String(Math.max(1, Math.ceil(ttlMs))),
      ])
      // SET … NX answers OK when it set the key, nil when the key was there.
      return reply !== null && reply !== undefined
    },
    async release(id) {
      const key = `${keyPrefix}${id}`
      await send('webhook-release', key, ['DEL', key])
    },
  }
}

import { isStitchAuthError, STITCH_AUTH_ERROR_CODES, StitchAuthError } from '@stitch-auth/core'

/**
 * What went wrong with Redis, finer than the `code` every {@link RedisTokenCacheError} has
 * (core's `STITCH_AUTH_CACHE_UNAVAILABLE`): its `redisCode`.
 */
export const REDIS_TOKEN_CACHE_ERROR_CODES = {
  /** Redis could not be reached, dropped the connection, or answered with an error. */
  UNAVAILABLE: 'STITCH_AUTH_REDIS_UNAVAILABLE',
  /** Redis did not answer within `operationTimeoutMs`. */
  TIMEOUT: 'STITCH_AUTH_REDIS_TIMEOUT',
  /** The cache was closed with `close()`. */
  CLOSED: 'STITCH_AUTH_REDIS_CLOSED',
} as const

export type RedisTokenCacheErrorCode =
  (typeof REDIS_TOKEN_CACHE_ERROR_CODES)[keyof typeof REDIS_TOKEN_CACHE_ERROR_CODES]

const REDIS_CODES: ReadonlySet<string> = new Set(Object.values(REDIS_TOKEN_CACHE_ERROR_CODES))

/**
 * What was being done: core's cache operations, releasing a lease, connecting, and the webhook
 * replay store's claim and release of a delivery id.
 */
export type RedisTokenCacheOperation =
  | 'get'
  | 'set'
  | 'delete'
  | 'lease'
  | 'release'
  | 'connection'
  | 'webhook-claim'
  | 'webhook-release'

/**
 * A Redis operation failed or took too long. A `StitchAuthError` with core's code
 * `STITCH_AUTH_CACHE_UNAVAILABLE` (HTTP 503, `retryable`), so `isStitchAuthError()` and every
 * HTTP surface treat it like any other; `redisCode` says what happened. Core catches it,
 * reports a `cacheError` event and carries on as if the cache were empty, so a user rarely sees
 * one. Neither the message nor any field holds a token, a key or the encryption key; the Redis
 * client's error is in `cause`.
 */
export class RedisTokenCacheError extends StitchAuthError {
  override name = 'RedisTokenCacheError' as const
  declare readonly code: typeof STITCH_AUTH_ERROR_CODES.CACHE_UNAVAILABLE
  /** What happened: Redis unavailable, too slow, or the cache closed. */
  readonly redisCode: RedisTokenCacheErrorCode
  readonly operation: RedisTokenCacheOperation
  /** Always true: Redis failures are transient from the cache's point of view. */
  declare readonly retryable: true

  constructor(
    message: string,
    options: {
      redisCode: RedisTokenCacheErrorCode
      operation: RedisTokenCacheOperation
      cause?: unknown
    },
  ) {
    super(message, {
      code: STITCH_AUTH_ERROR_CODES.CACHE_UNAVAILABLE,
      retryable: true,
      cause: options.cause,
    })
    this.redisCode = options.redisCode
    this.operation = options.operation
  }

  override toJSON(): Record<string, unknown> {
    const { name, code, redisCode, message, operation, retryable } = this
    return { name, code, redisCode, message, operation, retryable }
  }
}

/**
 * True for a {@link RedisTokenCacheError}, even from another copy of this package: a
 * stitch-auth error (core's `isStitchAuthError()`) named `RedisTokenCacheError`, with a
 * `redisCode` and an `operation`.
 */
export function isRedisTokenCacheError(error: unknown): error is RedisTokenCacheError {
  if (error instanceof RedisTokenCacheError) return true
  if (!isStitchAuthError(error)) return false
  const candidate = error as unknown as Record<string, unknown>
  return (
    candidate.name === 'RedisTokenCacheError' &&
    candidate.code === STITCH_AUTH_ERROR_CODES.CACHE_UNAVAILABLE &&
    typeof candidate.redisCode === 'string' &&
    REDIS_CODES.has(candidate.redisCode) &&
    typeof candidate.operation === 'string'
  )
}

/**
 * Stable codes of {@link RedisTokenCacheError}. They share core's `STITCH_AUTH_` prefix, so
 * `isStitchAuthError()` from `@stitch-auth/core` recognises them too.
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

/** What the cache was doing: core's cache operations, plus releasing a lease and connecting. */
export type RedisTokenCacheOperation = 'get' | 'set' | 'delete' | 'lease' | 'release' | 'connection'

/**
 * A Redis operation failed or took too long. Core catches it, reports a `cacheError` event and
 * carries on as if the cache were empty, so a user rarely sees one. Neither the message nor any
 * field holds a token, a key or the encryption key; the Redis client's error is in `cause`.
 */
export class RedisTokenCacheError extends Error {
  override name = 'RedisTokenCacheError' as const
  readonly code: RedisTokenCacheErrorCode
  readonly operation: RedisTokenCacheOperation
  /** Always true: Redis failures are transient from the cache's point of view. */
  readonly retryable = true

  constructor(
    message: string,
    options: {
      code: RedisTokenCacheErrorCode
      operation: RedisTokenCacheOperation
      cause?: unknown
    },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
    this.operation = options.operation
  }

  toJSON(): Record<string, unknown> {
    const { name, code, message, operation, retryable } = this
    return { name, code, message, operation, retryable }
  }
}

/** True for a {@link RedisTokenCacheError}, even from another copy of this package. */
export function isRedisTokenCacheError(error: unknown): error is RedisTokenCacheError {
  if (error instanceof RedisTokenCacheError) return true
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('STITCH_AUTH_REDIS_')
}

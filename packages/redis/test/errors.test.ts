// RedisTokenCacheError belongs to stitch-auth's one error hierarchy: a StitchAuthError with a
// code from core's set, which every HTTP surface maps like any other.
import {
  isStitchAuthError,
  STITCH_AUTH_ERROR_CODES,
  StitchAuthError,
  toHttpErrorAnswer,
} from '@stitch-auth/core'
import { describe, expect, it } from 'vitest'
import {
  isRedisTokenCacheError,
  REDIS_TOKEN_CACHE_ERROR_CODES,
  RedisTokenCacheError,
} from '../src/index.js'

const timeout = () =>
  new RedisTokenCacheError('Redis did not answer the get within 250 ms', {
    redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.TIMEOUT,
    operation: 'get',
    cause: new Error('socket timeout'),
  })

describe('RedisTokenCacheError', () => {
  it('is a StitchAuthError with core code STITCH_AUTH_CACHE_UNAVAILABLE, keeping its own name and fields', () => {
    const error = timeout()
    expect(error).toBeInstanceOf(StitchAuthError)
    expect(error).toBeInstanceOf(RedisTokenCacheError)
    expect(error).toMatchObject({
      name: 'RedisTokenCacheError',
      code: STITCH_AUTH_ERROR_CODES.CACHE_UNAVAILABLE,
      redisCode: 'STITCH_AUTH_REDIS_TIMEOUT',
      operation: 'get',
      retryable: true,
      statusCode: 503,
      message: 'Redis did not answer the get within 250 ms',
    })
    expect(isStitchAuthError(error)).toBe(true)
    expect(isRedisTokenCacheError(error)).toBe(true)
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'RedisTokenCacheError',
      code: 'STITCH_AUTH_CACHE_UNAVAILABLE',
      redisCode: 'STITCH_AUTH_REDIS_TIMEOUT',
      message: 'Redis did not answer the get within 250 ms',
      operation: 'get',
      retryable: true,
    })
  })

  it('answers like any stitch-auth error when it ends a request', () => {
    expect(toHttpErrorAnswer(timeout())).toEqual({
      status: 503,
      headers: { 'cache-control': 'no-store' },
      body: {
        error: {
          code: 'STITCH_AUTH_CACHE_UNAVAILABLE',
          message: 'Stitch is unavailable; try again shortly.',
        },
      },
    })
  })

  it('isRedisTokenCacheError() accepts another copy of the package, not a look-alike', async () => {
    // The built package: another RedisTokenCacheError class, as a second install would have.
    const dist = (await import(
      new URL('../dist/index.js', import.meta.url).href
    )) as typeof import('../src/index.js')
    const copy = new dist.RedisTokenCacheError('Redis failed the set', {
      redisCode: dist.REDIS_TOKEN_CACHE_ERROR_CODES.UNAVAILABLE,
      operation: 'set',
    })
    expect(copy).not.toBeInstanceOf(RedisTokenCacheError)
    expect(isRedisTokenCacheError(copy)).toBe(true)
    expect(isStitchAuthError(copy)).toBe(true)

    const lookAlike = Object.assign(new Error('Redis timed out'), {
      code: 'STITCH_AUTH_REDIS_TIMEOUT',
    })
    expect(isRedisTokenCacheError(lookAlike)).toBe(false)
    expect(isStitchAuthError(lookAlike)).toBe(false)
  })
})

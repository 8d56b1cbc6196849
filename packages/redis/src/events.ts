import type { RedisTokenCacheError, RedisTokenCacheOperation } from './errors.js'

/**
 * What the cache reports. Core already emits `cacheError` for every failed operation; these
 * events add the state changes (Redis lost, Redis back) and entries that could not be read.
 * No event carries a token, a key name or the encryption key.
 */
export type RedisTokenCacheEvent =
  | {
      /** The first failure after a healthy period; repeated failures are not reported again. */
      type: 'redisUnavailable'
      operation: RedisTokenCacheOperation
      error: RedisTokenCacheError
    }
  | {
      /** Redis answers again (the client reconnected or an operation succeeded). */
      type: 'redisRecovered'
      /** How long Redis was unavailable. */
      downForMs: number
    }
  | {
      /**
       * A stored value could not be decrypted: written with another encryption key (during a
       * rotation), moved from another key, or damaged. It was treated as a miss.
       */
      type: 'entryRejected'
    }

export type RedisTokenCacheEventType = RedisTokenCacheEvent['type']
export type RedisTokenCacheListener = (event: RedisTokenCacheEvent) => void

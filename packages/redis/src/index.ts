export type { RedisMode } from './clients.js'
export {
  isRedisTokenCacheError,
  REDIS_TOKEN_CACHE_ERROR_CODES,
  RedisTokenCacheError,
  type RedisTokenCacheErrorCode,
  type RedisTokenCacheOperation,
} from './errors.js'
export type {
  RedisTokenCacheEvent,
  RedisTokenCacheEventType,
  RedisTokenCacheListener,
} from './events.js'
export type {
  AnyRedisCommandClient,
  RedisClusterCommandClient,
  RedisCommandClient,
  RedisSentinelCommandClient,
  RedisTokenCacheOptions,
  ResolvedRedisTokenCacheOptions,
} from './options.js'
export { createRedisTokenCache, RedisTokenCache } from './redis-token-cache.js'
export {
  createRedisWebhookReplayStore,
  type RedisWebhookReplayStoreOptions,
} from './webhook-replay-store.js'

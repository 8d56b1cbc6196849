import { StitchConfigError } from '@stitch-auth/core'
import type { RedisClientOptions } from 'redis'
import type { RedisTokenCacheListener } from './events.js'

/**
 * The part of a node-redis client the cache uses. A client from `createClient()` (node-redis
 * 5 or 6) fits; cluster and sentinel clients do not (their `sendCommand` takes other arguments).
 */
export interface RedisCommandClient {
  sendCommand(args: readonly string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>
  readonly isOpen: boolean
  readonly isReady: boolean
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
}

/** Options of `createRedisTokenCache`. Give `client` or `url`. */
export interface RedisTokenCacheOptions {
  /**
   * A node-redis client you created and connected. It stays yours: `close()` leaves it open.
   * Commands time out after `operationTimeoutMs` and fail at once while it is disconnected, even
   * with its offline queue enabled, so a Redis outage never stalls `getToken()`.
   * @example createClient({ url: process.env.REDIS_URL }).on('error', log).connect()
   */
  client?: RedisCommandClient
  /**
   * Where Redis runs; the cache creates, connects and owns the client (`close()` closes it).
   * The client rejects commands while disconnected (`disableOfflineQueue`) and reconnects with
   * capped, jittered backoff.
   * @example 'redis://:password@redis.internal:6379/0'
   */
  url?: string
  /**
   * Extra node-redis options for the client created from `url` (TLS, credentials, `database`…).
   * `disableOfflineQueue` is always `true`; `socket.reconnectStrategy` defaults to ours.
   * @default {}
   * @example { socket: { tls: true, servername: 'redis.internal' } }
   */
  clientOptions?: Omit<RedisClientOptions, 'url'>
  /**
   * The secret that encrypts tokens and hashes key names: at least 32 characters (or bytes),
   * random, the same on every instance that should share tokens. Changing it is a key rotation:
   * entries written with the old key are never read again and expire on their own.
   * @example process.env.STITCH_CACHE_KEY // openssl rand -base64 32
   */
  encryptionKey: string | Uint8Array | ArrayBuffer
  /**
   * Prepended to every Redis key, to keep several apps or environments apart in one Redis.
   * @default 'stitch-auth:'
   * @example 'payments-api:prod:stitch-auth:'
   */
  keyPrefix?: string
  /**
   * The longest one cache operation may take, connection wait and encryption included. A slower
   * Redis counts as unavailable for that call: core treats it as a cache miss and goes on.
   * @default 250
   */
  operationTimeoutMs?: number
  /**
   * Cap of the backoff between reconnection attempts of a client created from `url`.
   * @default 2000
   */
  maxReconnectDelayMs?: number
  /**
   * After a lease holder writes a new token, its lease is kept this long (instead of being
   * deleted) so that an instance which missed the cache just before the write waits for that
   * token instead of minting a second one. `0` releases leases at once.
   * @default 1000
   */
  leaseHoldAfterWriteMs?: number
  /** Listener for the cache's events (the same as calling `subscribe`). */
  onEvent?: RedisTokenCacheListener
}

/** Options after validation and defaults. The encryption key is not kept here. */
export interface ResolvedRedisTokenCacheOptions {
  readonly keyPrefix: string
  readonly operationTimeoutMs: number
  readonly maxReconnectDelayMs: number
  readonly leaseHoldAfterWriteMs: number
  readonly onEvent: RedisTokenCacheListener | undefined
}

export const MIN_KEY_LENGTH = 32

/**
 * Validates the options at once, listing every problem in one `StitchConfigError`. Returns the
 * resolved options and the key material (a private copy of the bytes).
 */
export function resolveOptions(input: unknown): {
  options: ResolvedRedisTokenCacheOptions
  secret: Uint8Array<ArrayBuffer>
  client: RedisCommandClient | undefined
  url: string | undefined
  clientOptions: Omit<RedisClientOptions, 'url'>
} {
  if (typeof input !== 'object' || input === null) {
    throw new StitchConfigError(
      ['options must be an object with "encryptionKey" and "client" or "url"'],
      'Invalid @stitch-auth/redis options',
    )
  }
  const raw = input as Record<string, unknown>
  const problems: string[] = []

  const known = new Set([
    'client',
    'url',
    'clientOptions',
    'encryptionKey',
    'keyPrefix',
    'operationTimeoutMs',
    'maxReconnectDelayMs',
    'leaseHoldAfterWriteMs',
    'onEvent',
  ])
  for (const name of Object.keys(raw)) {
    if (!known.has(name)) problems.push(`"${name}" is not an option of createRedisTokenCache`)
  }

  if (raw.client !== undefined && raw.url !== undefined) {
    problems.push('give "client" or "url", not both')
  } else if (raw.client === undefined && raw.url === undefined) {
    problems.push('give "client" (a connected node-redis client) or "url" (e.g. redis://host:6379)')
  }
  if (raw.client !== undefined && !looksLikeClient(raw.client)) {
    problems.push(
      '"client" must be a node-redis client from createClient() (cluster and sentinel clients are not supported)',
    )
  }
  if (raw.url !== undefined) {
    const problem = checkUrl(raw.url)
    if (problem) problems.push(`"url" ${problem}`)
  }
  if (raw.clientOptions !== undefined) {
    if (raw.url === undefined) problems.push('"clientOptions" applies only together with "url"')
    if (typeof raw.clientOptions !== 'object' || raw.clientOptions === null) {
      problems.push('"clientOptions" must be an object of node-redis client options')
    }
  }

  const secret = keyBytes(raw.encryptionKey, problems)

  if (raw.keyPrefix !== undefined && typeof raw.keyPrefix !== 'string') {
    problems.push('"keyPrefix" must be a string')
  }
  const operationTimeoutMs = integer(raw, 'operationTimeoutMs', 250, 1, problems)
  const maxReconnectDelayMs = integer(raw, 'maxReconnectDelayMs', 2_000, 1, problems)
  const leaseHoldAfterWriteMs = integer(raw, 'leaseHoldAfterWriteMs', 1_000, 0, problems)
  if (raw.onEvent !== undefined && typeof raw.onEvent !== 'function') {
    problems.push('"onEvent" must be a function')
  }

  if (problems.length > 0) {
    throw new StitchConfigError(problems, 'Invalid @stitch-auth/redis options')
  }
  return {
    options: Object.freeze({
      keyPrefix: (raw.keyPrefix as string | undefined) ?? 'stitch-auth:',
      operationTimeoutMs,
      maxReconnectDelayMs,
      leaseHoldAfterWriteMs,
      onEvent: raw.onEvent as RedisTokenCacheListener | undefined,
    }),
    secret: secret!,
    client: raw.client as RedisCommandClient | undefined,
    url: raw.url as string | undefined,
    clientOptions: (raw.clientOptions as Omit<RedisClientOptions, 'url'> | undefined) ?? {},
  }
}

function keyBytes(value: unknown, problems: string[]): Uint8Array<ArrayBuffer> | undefined {
  const hint = `generate one with \`openssl rand -base64 32\``
  if (value === undefined) {
    problems.push(`"encryptionKey" is required: a random secret of at least 32 characters; ${hint}`)
    return undefined
  }
  if (typeof value === 'string') {
    // Measured in characters, the unit users count in; each is at least one UTF-8 byte.
    if (value.length < MIN_KEY_LENGTH) {
      problems.push(
        `"encryptionKey" must be at least ${MIN_KEY_LENGTH} characters (got ${value.length}); ${hint}`,
      )
      return undefined
    }
    return new TextEncoder().encode(value)
  }
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    // A private copy: the caller's bytes are never kept nor wiped.
    const bytes = new Uint8Array(value instanceof ArrayBuffer ? new Uint8Array(value) : value)
    if (bytes.length < MIN_KEY_LENGTH) {
      problems.push(
        `"encryptionKey" must be at least ${MIN_KEY_LENGTH} bytes (got ${bytes.length}); ${hint}`,
      )
      return undefined
    }
    return bytes
  }
  problems.push('"encryptionKey" must be a string, a Uint8Array or an ArrayBuffer')
  return undefined
}

function integer(
  raw: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  problems: string[],
): number {
  const value = raw[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    problems.push(
      `"${name}" must be an integer of at least ${min} milliseconds (got ${String(value)})`,
    )
    return fallback
  }
  return value
}

function checkUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string such as redis://localhost:6379'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an absolute URL such as redis://localhost:6379'
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return `must use redis: or rediss: (got ${url.protocol})`
  }
  return undefined
}

function looksLikeClient(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const client = value as Record<string, unknown>
  return (
    typeof client.sendCommand === 'function' &&
    typeof client.isReady === 'boolean' &&
    typeof client.on === 'function' &&
    typeof client.off === 'function' &&
    // Cluster and sentinel clients route commands by slot or role and take other arguments.
    !('masters' in client) &&
    typeof client.getSentinelNode !== 'function'
  )
}

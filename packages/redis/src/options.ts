import { StitchConfigError } from '@stitch-auth/core'
import { describeIssues } from '@stitch-auth/core/node'
import type { RedisClientOptions } from 'redis'
import { z } from 'zod'
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

const KEY_HINT = 'generate one with `openssl rand -base64 32`'

type EncryptionKeyInput = RedisTokenCacheOptions['encryptionKey']

const isKeyInput = (value: unknown): value is EncryptionKeyInput =>
  typeof value === 'string' || value instanceof Uint8Array || value instanceof ArrayBuffer

// A string is measured in characters, the unit users count in; each is at least one UTF-8 byte.
const keyLength = (key: EncryptionKeyInput): number =>
  typeof key === 'string' ? key.length : key.byteLength

// Says how long the key is, never what it is.
function keyProblem(value: unknown): string {
  if (value === undefined) {
    return `is required: a random secret of at least ${MIN_KEY_LENGTH} characters; ${KEY_HINT}`
  }
  if (!isKeyInput(value)) return 'must be a string, a Uint8Array or an ArrayBuffer'
  const unit = typeof value === 'string' ? 'characters' : 'bytes'
  return `must be at least ${MIN_KEY_LENGTH} ${unit} (got ${keyLength(value)}); ${KEY_HINT}`
}

const milliseconds = (min: number, fallback: number) => {
  const problem = (issue: { input?: unknown }) =>
    `must be an integer of at least ${min} milliseconds (got ${String(issue.input)})`
  return z
    .number({ error: problem })
    .refine((value) => Number.isInteger(value) && value >= min, { error: problem })
    .default(fallback)
}

const redisUrl = z
  .string({ error: 'must be a string such as redis://localhost:6379' })
  .superRefine((value, context) => {
    // The URL may hold a password: a problem names its protocol at most.
    if (!URL.canParse(value)) {
      context.addIssue({
        code: 'custom',
        message: 'must be an absolute URL such as redis://localhost:6379',
      })
      return
    }
    const { protocol } = new URL(value)
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      context.addIssue({ code: 'custom', message: `must use redis: or rediss: (got ${protocol})` })
    }
  })

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null

// `z.custom` aborts by default, which would skip the checks of how options combine; none of
// these does, so every problem is listed at once.
const optionsSchema = z
  .strictObject(
    {
      client: z
        .custom<RedisCommandClient>(looksLikeClient, {
          abort: false,
          message:
            'must be a node-redis client from createClient() (cluster and sentinel clients are not supported)',
        })
        .optional(),
      url: redisUrl.optional(),
      clientOptions: z
        .custom<Omit<RedisClientOptions, 'url'>>(isObject, {
          abort: false,
          message: 'must be an object of node-redis client options',
        })
        .optional(),
      encryptionKey: z
        .custom<EncryptionKeyInput>(
          (value) => isKeyInput(value) && keyLength(value) >= MIN_KEY_LENGTH,
          { abort: false, error: (issue) => keyProblem(issue.input) },
        )
        // A private copy: the caller's bytes are never kept nor wiped.
        .transform(
          (key): Uint8Array<ArrayBuffer> =>
            typeof key === 'string'
              ? new TextEncoder().encode(key)
              : new Uint8Array(key instanceof ArrayBuffer ? new Uint8Array(key) : key),
        ),
      keyPrefix: z.string({ error: 'must be a string' }).default('stitch-auth:'),
      operationTimeoutMs: milliseconds(1, 250),
      maxReconnectDelayMs: milliseconds(1, 2_000),
      leaseHoldAfterWriteMs: milliseconds(0, 1_000),
      onEvent: z
        .custom<RedisTokenCacheListener>((value) => typeof value === 'function', {
          abort: false,
          message: 'must be a function',
        })
        .optional(),
    },
    {
      error: (issue) => {
        if (issue.code === 'invalid_type') {
          return 'options must be an object with "encryptionKey" and "client" or "url"'
        }
        if (issue.code === 'unrecognized_keys') {
          const names = issue.keys.map((key) => `"${key}"`).join(', ')
          return issue.keys.length === 1
            ? `${names} is not an option of createRedisTokenCache`
            : `${names} are not options of createRedisTokenCache`
        }
        return undefined
      },
    },
  )
  .superRefine(
    ({ client, url, clientOptions }, context) => {
      const problem = (message: string) => context.addIssue({ code: 'custom', message })
      if (client !== undefined && url !== undefined) {
        problem('give "client" or "url", not both')
      } else if (client === undefined && url === undefined) {
        problem('give "client" (a connected node-redis client) or "url" (e.g. redis://host:6379)')
      }
      if (clientOptions !== undefined && url === undefined) {
        problem('"clientOptions" applies only together with "url"')
      }
    },
    // Also when a field is wrong; only not when the options are not an object at all.
    { when: (payload) => isObject(payload.value) },
  )

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
  const parsed = optionsSchema.safeParse(input)
  if (!parsed.success) {
    throw new StitchConfigError(
      describeIssues(parsed.error.issues),
      'Invalid @stitch-auth/redis options',
    )
  }
  const { encryptionKey, client, url, clientOptions, ...options } = parsed.data
  return {
    options: Object.freeze({
      keyPrefix: options.keyPrefix,
      operationTimeoutMs: options.operationTimeoutMs,
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      leaseHoldAfterWriteMs: options.leaseHoldAfterWriteMs,
      onEvent: options.onEvent,
    }),
    secret: encryptionKey,
    client,
    url,
    clientOptions: clientOptions ?? {},
  }
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

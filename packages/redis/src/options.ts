import { StitchConfigError } from '@stitch-auth/core'
import { describeIssues } from '@stitch-auth/core/node'
import type { RedisClientOptions, RedisClusterOptions, RedisSentinelOptions } from 'redis'
import { z } from 'zod'
import { clientKind } from './clients.js'
import type { RedisTokenCacheListener } from './events.js'

/**
 * The part of a node-redis client from `createClient()` (node-redis 5 or 6) the cache uses:
 * one Redis server, commands as `sendCommand(args)`.
 */
export interface RedisCommandClient {
  sendCommand(args: readonly string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>
  readonly isOpen: boolean
  readonly isReady: boolean
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
}

/**
 * The part of a node-redis cluster client from `createCluster()` the cache uses: each command
 * goes to the primary that owns the slot of its first key.
 */
export interface RedisClusterCommandClient {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: { abortSignal?: AbortSignal },
  ): Promise<unknown>
  /** The cluster's primaries; only cluster clients have them. */
  readonly masters: readonly unknown[]
  readonly isOpen: boolean
  readonly isReady: boolean
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
}

/**
 * The part of a node-redis Sentinel client from `createSentinel()` the cache uses: commands go
 * to the primary the sentinels name, and follow it through a failover.
 */
export interface RedisSentinelCommandClient {
  sendCommand(
    isReadonly: boolean | undefined,
    args: string[],
    options?: { abortSignal?: AbortSignal },
  ): Promise<unknown>
  /** The primary the sentinels named last; only Sentinel clients have it. */
  getMasterNode(): unknown
  readonly isOpen: boolean
  readonly isReady: boolean
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
}

/** Any node-redis client the cache can use: standalone, cluster or Sentinel. */
export type AnyRedisCommandClient =
  | RedisCommandClient
  | RedisClusterCommandClient
  | RedisSentinelCommandClient

/** Options of `createRedisTokenCache`. Give one of `client`, `url`, `cluster` or `sentinel`. */
export interface RedisTokenCacheOptions {
  /**
   * A node-redis client you created and connected: from `createClient()`, `createCluster()` or
   * `createSentinel()`. It stays yours: `close()` leaves it open. Commands time out after
   * `operationTimeoutMs` and fail at once while it is disconnected, even with its offline queue
   * enabled, so a Redis outage never stalls `getToken()`.
   * @example createClient({ url: process.env.REDIS_URL }).on('error', log).connect()
   */
  client?: AnyRedisCommandClient
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
   * A Redis Cluster to discover from these node-redis cluster options; the cache creates,
   * connects and owns the cluster client (`close()` closes it). Its node connections reject
   * commands while disconnected (`defaults.disableOfflineQueue`), reconnect with capped, jittered
   * backoff, and re-read the topology 1 s into a node's outage (unless you set
   * `topologyRefreshOnReconnectionAttemptStrategy`) so that a replica promoted by a failover is
   * found quickly. Credentials and TLS for every node go in `defaults`.
   * @example { rootNodes: [{ url: 'redis://10.0.0.1:6379' }, { url: 'redis://10.0.0.2:6379' }] }
   */
  cluster?: RedisClusterOptions
  /**
   * A Sentinel-managed Redis, found through these node-redis Sentinel options; the cache creates,
   * connects and owns the Sentinel client (`close()` closes it) and follows the primary through
   * failovers. Its primary connection rejects commands while disconnected
   * (`nodeClientOptions.disableOfflineQueue`) and reconnects with capped, jittered backoff.
   * Credentials and TLS for the data nodes go in `nodeClientOptions`.
   * @example { name: 'mymaster', sentinelRootNodes: [{ host: '10.0.0.1', port: 26379 }] }
   */
  sentinel?: RedisSentinelOptions
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
   * Cap of the backoff between reconnection attempts of a client the cache creates (from `url`,
   * `cluster` or `sentinel`).
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

// The URL may hold a password: a problem names its protocol at most.
function urlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string such as redis://localhost:6379'
  if (!URL.canParse(value)) return 'must be an absolute URL such as redis://localhost:6379'
  const { protocol } = new URL(value)
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    return `must use redis: or rediss: (got ${protocol})`
  }
  return undefined
}

const redisUrl = z
  .string({ error: 'must be a string such as redis://localhost:6379' })
  .superRefine((value, context) => {
    const message = urlProblem(value)
    if (message) context.addIssue({ code: 'custom', message })
  })

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null

type Problem = { path: (string | number)[]; message: string }

const isRecord = (value: unknown): value is object => isObject(value) && !Array.isArray(value)

const isPort = (value: unknown) =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65_536

/** A node address as node-redis takes it: `{ host, port }` (a socket's host may be omitted). */
function addressProblems(
  value: unknown,
  path: (string | number)[],
  what: string,
  hostRequired: boolean,
): Problem[] {
  if (!isRecord(value)) return [{ path, message: `must be ${what}` }]
  const { host, port } = value as { host?: unknown; port?: unknown }
  const problems: Problem[] = []
  if ((host !== undefined || hostRequired) && (typeof host !== 'string' || host === '')) {
    problems.push({ path: [...path, 'host'], message: 'must be a host name or IP address' })
  }
  if (!isPort(port)) {
    problems.push({
      path: [...path, 'port'],
      message: `must be a port number from 1 to 65535 (got ${String(port)})`,
    })
  }
  return problems
}

// Only what the cache needs to find the nodes is checked; node-redis checks the rest itself.
function clusterProblems(value: unknown): Problem[] {
  const example = 'such as { rootNodes: [{ url: "redis://10.0.0.1:6379" }] }'
  if (!isRecord(value))
    return [{ path: [], message: `must be node-redis cluster options ${example}` }]
  const { rootNodes, defaults } = value as { rootNodes?: unknown; defaults?: unknown }
  const problems: Problem[] = []
  if (!Array.isArray(rootNodes) || rootNodes.length === 0) {
    problems.push({
      path: ['rootNodes'],
      message: `must list at least one node of the cluster, ${example.replace('such as ', 'e.g. ')}`,
    })
  } else {
    const what = 'a node such as { url: "redis://10.0.0.1:6379" } or { socket: { host, port } }'
    for (const [index, node] of (rootNodes as unknown[]).entries()) {
      const path = ['rootNodes', index]
      const { url, socket } = (isRecord(node) ? node : {}) as { url?: unknown; socket?: unknown }
      if (url !== undefined) {
        const message = urlProblem(url)
        if (message) problems.push({ path: [...path, 'url'], message })
      } else if (socket !== undefined) {
        problems.push(
          ...addressProblems(socket, [...path, 'socket'], 'an object { host, port }', false),
        )
      } else {
        problems.push({ path, message: `must be ${what}` })
      }
    }
  }
  if (defaults !== undefined && !isRecord(defaults)) {
    problems.push({ path: ['defaults'], message: 'must be an object of node-redis client options' })
  }
  return problems
}

function sentinelProblems(value: unknown): Problem[] {
  const example =
    'such as { name: "mymaster", sentinelRootNodes: [{ host: "10.0.0.1", port: 26379 }] }'
  if (!isRecord(value))
    return [{ path: [], message: `must be node-redis Sentinel options ${example}` }]
  const { name, sentinelRootNodes, nodeClientOptions } = value as {
    name?: unknown
    sentinelRootNodes?: unknown
    nodeClientOptions?: unknown
  }
  const problems: Problem[] = []
  if (typeof name !== 'string' || name === '') {
    problems.push({
      path: ['name'],
      message: 'must be the name the sentinels monitor the primary under (e.g. "mymaster")',
    })
  }
  if (!Array.isArray(sentinelRootNodes) || sentinelRootNodes.length === 0) {
    problems.push({
      path: ['sentinelRootNodes'],
      message: 'must list at least one sentinel, e.g. [{ host: "10.0.0.1", port: 26379 }]',
    })
  } else {
    for (const [index, node] of (sentinelRootNodes as unknown[]).entries()) {
      const path = ['sentinelRootNodes', index]
      problems.push(...addressProblems(node, path, 'a sentinel such as { host, port }', true))
    }
  }
  if (nodeClientOptions !== undefined && !isRecord(nodeClientOptions)) {
    problems.push({
      path: ['nodeClientOptions'],
      message: 'must be an object of node-redis client options',
    })
  }
  return problems
}

/** A field checked by `problems`, each listed (none aborts the others). */
const checked = <T>(problems: (value: unknown) => Problem[]) =>
  z.custom<T>().superRefine((value, context) => {
    for (const { path, message } of problems(value)) {
      context.addIssue({ code: 'custom', message, path })
    }
  })

/** The ways to reach Redis; exactly one is given. */
const CONNECTIONS = ['client', 'url', 'cluster', 'sentinel'] as const

const NO_CONNECTION =
  'give one of "client" (a connected node-redis client), "url" (e.g. redis://host:6379), ' +
  '"cluster" (e.g. { rootNodes: [{ url }] }) or "sentinel" (e.g. { name, sentinelRootNodes })'

// `z.custom` aborts by default, which would skip the checks of how options combine; none of
// these does, so every problem is listed at once.
const optionsSchema = z
  .strictObject(
    {
      client: z
        .custom<AnyRedisCommandClient>((value) => clientKind(value) !== undefined, {
          abort: false,
          message:
            'must be a node-redis client from createClient(), createCluster() or createSentinel()',
        })
        .optional(),
      url: redisUrl.optional(),
      clientOptions: z
        .custom<Omit<RedisClientOptions, 'url'>>(isObject, {
          abort: false,
          message: 'must be an object of node-redis client options',
        })
        .optional(),
      cluster: checked<RedisClusterOptions>(clusterProblems).optional(),
      sentinel: checked<RedisSentinelOptions>(sentinelProblems).optional(),
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
          return 'options must be an object with "encryptionKey" and one of "client", "url", "cluster" or "sentinel"'
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
    (options, context) => {
      const problem = (message: string) => context.addIssue({ code: 'custom', message })
      const given = CONNECTIONS.filter((name) => options[name] !== undefined)
      if (given.length === 0) problem(NO_CONNECTION)
      if (given.length > 1) {
        const names = given.map((name) => `"${name}"`)
        problem(
          `give only one of "client", "url", "cluster" and "sentinel" (got ${names.slice(0, -1).join(', ')} and ${names.at(-1)})`,
        )
      }
      if (options.clientOptions !== undefined && options.url === undefined) {
        problem(
          options.cluster !== undefined
            ? '"clientOptions" applies only together with "url"; for a cluster, give node options in "cluster.defaults"'
            : options.sentinel !== undefined
              ? '"clientOptions" applies only together with "url"; for Sentinel, give node options in "sentinel.nodeClientOptions"'
              : '"clientOptions" applies only together with "url"',
        )
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
  client: AnyRedisCommandClient | undefined
  url: string | undefined
  clientOptions: Omit<RedisClientOptions, 'url'>
  cluster: RedisClusterOptions | undefined
  sentinel: RedisSentinelOptions | undefined
} {
  const parsed = optionsSchema.safeParse(input)
  if (!parsed.success) {
    throw new StitchConfigError(
      describeIssues(parsed.error.issues),
      'Invalid @stitch-auth/redis options',
    )
  }
  const { encryptionKey, client, url, clientOptions, cluster, sentinel, ...options } = parsed.data
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
    cluster,
    sentinel,
  }
}

import type { CachedToken, TokenCache, TokenCacheLease } from '@stitch-auth/core'
import {
  connectionFor,
  createOwnedClient,
  type OwnedClient,
  type RedisConnection,
  type RedisMode,
  reconnectDelay,
} from './clients.js'
import { randomId, TokenCodec } from './codec.js'
import {
  REDIS_TOKEN_CACHE_ERROR_CODES,
  RedisTokenCacheError,
  type RedisTokenCacheOperation,
} from './errors.js'
import type { RedisTokenCacheEvent, RedisTokenCacheListener } from './events.js'
import {
  type RedisTokenCacheOptions,
  type ResolvedRedisTokenCacheOptions,
  resolveOptions,
} from './options.js'

/** Lease value left behind by a holder that wrote its token (see `leaseHoldAfterWriteMs`). */
const WRITTEN = 'written'

/**
 * KEYS[1] token, KEYS[2] lease; ARGV[1] expected value prefix ('' = any value), ARGV[2] the
 * "written" marker. Deletes the token if it still is the expected one, and with it the marker a
 * lease holder left, so the next miss can mint at once.
 */
const DELETE_SCRIPT = `
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
if ARGV[1] ~= '' and string.sub(value, 1, #ARGV[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1
`

/**
 * KEYS[1] lease; ARGV[1] our lease id, ARGV[2] how long to keep it after a write (0 = delete),
 * ARGV[3] the "written" marker. A lease that expired and was taken by another holder is theirs.
 */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
else
  redis.call('DEL', KEYS[1])
end
return 1
`

/**
 * KEYS[1] lease; ARGV[1] our lease id, ARGV[2] the new time to live. Extends the lease only while
 * it is still ours: not once it ran out, was released, or was taken by another holder.
 */
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom')

/** Sends one command of an operation to the node holding `key`; see `#send`. */
type SendCommand = (
  key: string,
  args: string[],
  onLateReply?: (reply: string | undefined) => void,
) => Promise<string | undefined>

interface KeyNames {
  readonly token: string
  readonly lease: string
}

interface HeldLease {
  readonly id: string
  wrote: boolean
}

/**
 * A token cache in Redis, shared by every instance of an app: tokens are encrypted with
 * AES-256-GCM, key names are HMACs, and `acquireLease` lets one instance of the fleet mint while
 * the others wait for its token. Every operation is bounded by `operationTimeoutMs`; a failing
 * Redis makes operations throw {@link RedisTokenCacheError} quickly, which core treats as a miss.
 *
 * @example
 * const cache = createRedisTokenCache({ url: process.env.REDIS_URL, encryptionKey })
 * const stitch = createStitchAuth({ clientId, clientSecret, scopes, cache })
 */
export class RedisTokenCache implements TokenCache, AsyncDisposable {
  readonly #options: ResolvedRedisTokenCacheOptions
  readonly #codec: TokenCodec
  readonly #connection: RedisConnection
  readonly #owned: OwnedClient | undefined
  readonly #listeners = new Set<RedisTokenCacheListener>()
  readonly #names = new Map<string, Promise<KeyNames>>()
  readonly #leases = new Map<string, HeldLease>()
  /** The listeners we added to the client, removed again by `close()`. */
  readonly #clientListeners: [event: string, listener: (...args: unknown[]) => void][] = []
  /** Settles when a client that was still connecting first connects or fails; then cleared. */
  #connecting: Promise<void> | undefined
  #stopWaiting: (() => void) | undefined
  /** The next attempt to connect a cluster or Sentinel client of ours whose last attempt failed. */
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #available = true
  #unavailableSince = 0
  #closed = false
  readonly #onReady = () => this.#markAvailable()
  // Some events carry an error, others node details; only an error is worth reporting.
  readonly #onDisconnect = (error?: unknown) =>
    this.#markUnavailable('connection', error instanceof Error ? error : undefined)

  constructor(options: RedisTokenCacheOptions) {
    const resolved = resolveOptions(options)
    this.#options = resolved.options
    this.#codec = new TokenCodec(resolved.secret)
    if (this.#options.onEvent) this.#listeners.add(this.#options.onEvent)

    let firstAttempt: Promise<unknown> | undefined
    if (resolved.client) {
      this.#connection = connectionFor(resolved.client)
      this.#owned = undefined
    } else {
      const owned = createOwnedClient(resolved, this.#options.maxReconnectDelayMs)
      this.#connection = connectionFor(owned.client)
      this.#owned = owned
      // Without an 'error' listener node-redis would crash the process on a lost connection.
      // A standalone client's errors are its lost connections; a cluster or Sentinel client's
      // are about finding nodes (one root node down, a topology refresh that failed), and their
      // lost connections come as the events in `downEvents`.
      owned.client.on(
        'error',
        this.#connection.mode === 'standalone' ? this.#onDisconnect : () => {},
      )
      firstAttempt = this.#connectOwned(owned, 0)
    }
    const client = this.#connection.client
    // These are informational; an 'error' listener on a client that is not ours would hide
    // errors its owner wants to see, so none is added.
    const listen = (event: string, listener: (...args: unknown[]) => void) => {
      client.on(event, listener)
      this.#clientListeners.push([event, listener])
    }
    for (const event of this.#connection.upEvents) listen(event, this.#onReady)
    // Our standalone client reports a lost connection as an 'error' (above).
    if (!(this.#owned && this.#connection.mode === 'standalone')) {
      for (const event of this.#connection.downEvents) listen(event, this.#onDisconnect)
    }
    if (client.isOpen && !client.isReady) {
      // Operations wait for a first connection (within their time limit) instead of failing
      // during start-up. A failed attempt ends the wait: 'error' for our standalone client, the
      // first connection attempt for our cluster or Sentinel client, and for a client we don't
      // own (we add no 'error' listener to those) the events that say it gave up.
      const settleOn = this.#owned
        ? this.#connection.mode === 'standalone'
          ? ['ready', 'error']
          : []
        : this.#connection.firstConnectionEvents
      this.#connecting = new Promise<void>((resolve) => {
        const settle = () => {
          for (const event of settleOn) client.off(event, settle)
          this.#connecting = undefined
          this.#stopWaiting = undefined
          resolve()
        }
        this.#stopWaiting = settle
        for (const event of settleOn) client.on(event, settle)
        firstAttempt?.then(settle, settle)
      })
    }
  }

  /**
   * Connects a client of ours. A standalone client keeps reconnecting by itself; a cluster or
   * Sentinel client gives up once it tried every root node, so it is tried again after a backoff
   * until it connects or the cache is closed. Returns the first attempt.
   */
  #connectOwned(owned: OwnedClient, attempt: number): Promise<unknown> {
    const connecting = owned.connect()
    connecting.catch((error: unknown) => {
      this.#markUnavailable('connection', error)
      if (this.#closed || !owned.connectGivesUp) return
      const delay = reconnectDelay(this.#options.maxReconnectDelayMs)(attempt)
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined
        if (!this.#closed) void this.#connectOwned(owned, attempt + 1)
      }, delay)
      // A cache waiting to reconnect never keeps the process alive by itself.
      this.#retryTimer.unref?.()
    })
    return connecting
  }

  /** The resolved options (without the encryption key). */
  get options(): ResolvedRedisTokenCacheOptions {
    return this.#options
  }

  /** How the cache reaches Redis: one server, a Redis Cluster, or through Sentinel. */
  get mode(): RedisMode {
    return this.#connection.mode
  }

  /** Whether the last operation or connection event found Redis answering. */
  get available(): boolean {
    return this.#available
  }

  async get(key: string): Promise<CachedToken | undefined> {
    return this.#run('get', async (send) => {
      const names = await this.#keyNames(key)
      const value = await send(names.token, ['GET', names.token])
      if (value === undefined) return undefined
      const token = await this.#codec.open(names.token, value)
      if (token === undefined) {
        this.#emit({ type: 'entryRejected' })
        return undefined
      }
      return token.expiresAt > Date.now() ? token : undefined
    })
  }

  async set(key: string, token: CachedToken): Promise<void> {
    // Nothing outlives its token: an expired one is not written at all.
    if (token.expiresAt <= Date.now()) return
    await this.#run('set', async (send) => {
      const names = await this.#keyNames(key)
      const value = await this.#codec.seal(names.token, token)
      const ttlMs = Math.floor(token.expiresAt - Date.now())
      if (ttlMs <= 0) return
      await send(names.token, ['SET', names.token, value, 'PX', String(ttlMs)])
      const lease = this.#leases.get(key)
      if (lease) lease.wrote = true
    })
  }

  async delete(key: string, accessToken?: string): Promise<void> {
    await this.#run('delete', async (send) => {
      const names = await this.#keyNames(key)
      // Lua cannot decrypt, so "still this token" is checked on the value's fingerprint prefix.
      const expected = accessToken === undefined ? '' : await this.#codec.valuePrefix(accessToken)
      await send(names.token, [
        'EVAL',
        DELETE_SCRIPT,
        '2',
        names.token,
        names.lease,
        expected,
        WRITTEN,
      ])
    })
  }

  async acquireLease(key: string, ttlMs: number): Promise<TokenCacheLease | undefined> {
    return this.#run('lease', async (send) => {
      const names = await this.#keyNames(key)
      const id = randomId()
      const ttl = String(Math.max(1, Math.ceil(ttlMs)))
      const reply = await send(
        names.lease,
        ['SET', names.lease, id, 'NX', 'PX', ttl],
        (lateReply) => {
          if (lateReply === undefined) return
          // Granted after the caller gave up: hand it back rather than block the fleet until it
          // expires.
          this.#connection
            .send(names.lease, ['EVAL', RELEASE_SCRIPT, '1', names.lease, id, '0', WRITTEN])
            .catch(() => {})
        },
      )
      if (reply === undefined) return undefined
      const held: HeldLease = { id, wrote: false }
      this.#leases.set(key, held)
      let released = false
      return {
        renew: async (nextTtlMs) => {
          if (released) return false
          const reply = await this.#run('lease', (send) =>
            send(names.lease, [
              'EVAL',
              RENEW_SCRIPT,
              '1',
              names.lease,
              id,
              String(Math.max(1, Math.ceil(nextTtlMs))),
            ]),
          )
          return reply === '1'
        },
        release: async () => {
          if (released) return
          released = true
          if (this.#leases.get(key) === held) this.#leases.delete(key)
          const holdMs = held.wrote ? this.#options.leaseHoldAfterWriteMs : 0
          await this.#run('release', (send) =>
            send(names.lease, [
              'EVAL',
              RELEASE_SCRIPT,
              '1',
              names.lease,
              id,
              String(holdMs),
              WRITTEN,
            ]),
          )
        },
      }
    })
  }

  /** Listens to the cache's events; returns the function that stops listening. */
  subscribe(listener: RedisTokenCacheListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /**
   * Stops the cache: later operations fail with `redisCode: STITCH_AUTH_REDIS_CLOSED`. A client the
   * cache created (from `url`, `cluster` or `sentinel`) is closed, waiting briefly for commands in
   * flight; a client you passed stays open.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#retryTimer)
    for (const [event, listener] of this.#clientListeners) {
      this.#connection.client.off(event, listener)
    }
    this.#stopWaiting?.()
    this.#listeners.clear()
    const owned = this.#owned
    if (!owned) return
    const bounded = async (step: () => unknown) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        Promise.resolve()
          .then(step)
          .catch(() => {}),
        new Promise((resolve) => {
          timer = setTimeout(resolve, Math.max(1_000, this.#options.operationTimeoutMs))
        }),
      ])
      clearTimeout(timer)
    }
    if (owned.client.isReady) await bounded(() => owned.close())
    // Our 'error' listener stays: a dying socket may still report, and it is a no-op now.
    await bounded(() => owned.destroy())
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  toJSON(): Record<string, unknown> {
    const { keyPrefix, operationTimeoutMs, leaseHoldAfterWriteMs } = this.#options
    return {
      mode: this.#connection.mode,
      keyPrefix,
      operationTimeoutMs,
      leaseHoldAfterWriteMs,
      ownsClient: this.#owned !== undefined,
      available: this.#available,
    }
  }

  toString(): string {
    return `RedisTokenCache(${this.#options.keyPrefix})`
  }

  [inspectSymbol](): string {
    return `RedisTokenCache ${JSON.stringify(this.toJSON(), null, 2)}`
  }

  /**
   * Runs one operation: whatever goes wrong becomes a RedisTokenCacheError, and the outcome
   * updates the available/unavailable state. Each command it sends is bounded by
   * `operationTimeoutMs`; our own hashing and encryption are not, they are not Redis's time.
   */
  async #run<T>(
    operation: RedisTokenCacheOperation,
    work: (send: SendCommand) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) {
      throw new RedisTokenCacheError('The Redis token cache is closed', {
        redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.CLOSED,
        operation,
      })
    }
    try {
      const result = await work((key, args, onLateReply) =>
        this.#send(operation, key, args, onLateReply),
      )
      this.#markAvailable()
      return result
    } catch (error) {
      const failure =
        error instanceof RedisTokenCacheError ? error : unavailableError(operation, error)
      this.#markUnavailable(operation, failure)
      throw failure
    }
  }

  /**
   * Sends one command under the time limit. A reply that comes after we gave up goes to
   * `onLateReply`, for commands whose effect must be undone.
   */
  async #send(
    operation: RedisTokenCacheOperation,
    key: string,
    args: string[],
    onLateReply?: (reply: string | undefined) => void,
  ): Promise<string | undefined> {
    const limitMs = this.#options.operationTimeoutMs
    const controller = new AbortController()
    let answered = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<never>((_, reject) => {
      const giveUp = () => {
        if (answered) return
        controller.abort()
        reject(
          new RedisTokenCacheError(`Redis did not answer the ${operation} within ${limitMs} ms`, {
            redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.TIMEOUT,
            operation,
          }),
        )
      }
      // Node runs due timers before it reads sockets: after a stall of our own process (a busy
      // event loop, a loaded machine) the reply may be waiting unread. Read it first, then decide.
      timer = setTimeout(() => setImmediate(giveUp), limitMs)
    })
    const roundTrip = this.#roundTrip(key, args, controller.signal).finally(() => {
      answered = true
    })
    // The losing side of the race must not become an unhandled rejection.
    roundTrip.then(
      (reply) => {
        if (controller.signal.aborted) onLateReply?.(reply)
      },
      () => {},
    )
    try {
      return await Promise.race([roundTrip, deadline])
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * One command and its reply, as text, from the node holding `key`; fails at once when the
   * client is disconnected.
   */
  async #roundTrip(key: string, args: string[], signal: AbortSignal): Promise<string | undefined> {
    const client = this.#connection.client
    // A client whose first connection failed for good (a cluster's `connect()` closes it) is
    // not waited for.
    if (!client.isReady && this.#connecting && client.isOpen) await this.#connecting
    if (!client.isReady) {
      // Checked here too for clients we don't own, whose offline queue may be enabled.
      throw new Error('Redis is not connected')
    }
    const reply = await this.#connection.send(key, args, signal)
    if (reply === null || reply === undefined) return undefined
    if (typeof reply === 'string') return reply
    // A client with a Buffer type mapping answers bulk strings as bytes.
    if (reply instanceof Uint8Array) return new TextDecoder().decode(reply)
    return String(reply)
  }

  #keyNames(key: string): Promise<KeyNames> {
    let names = this.#names.get(key)
    if (names === undefined) {
      // Core uses a handful of keys (one per scope set); the bound only guards against misuse.
      if (this.#names.size >= 1_000) this.#names.clear()
      names = this.#codec.hashKey(key).then((hash) => {
        // The hash tag ({…}) puts a token and its lease in one cluster slot, for the Lua scripts.
        const tag = `{${hash}}`
        return {
          token: `${this.#options.keyPrefix}token:${tag}`,
          lease: `${this.#options.keyPrefix}lease:${tag}`,
        }
      })
      names.catch(() => this.#names.delete(key))
      this.#names.set(key, names)
    }
    return names
  }

  #markAvailable(): void {
    if (this.#available || this.#closed) return
    this.#available = true
    this.#emit({ type: 'redisRecovered', downForMs: Date.now() - this.#unavailableSince })
  }

  #markUnavailable(operation: RedisTokenCacheOperation, error: unknown): void {
    if (!this.#available || this.#closed) return
    this.#available = false
    this.#unavailableSince = Date.now()
    this.#emit({
      type: 'redisUnavailable',
      operation,
      error:
        error instanceof RedisTokenCacheError
          ? error
          : unavailableError(operation, error ?? new Error('connection lost')),
    })
  }

  #emit(event: RedisTokenCacheEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch {
        // A listener's failure is its own; the cache goes on.
      }
    }
  }
}

function unavailableError(
  operation: RedisTokenCacheOperation,
  cause: unknown,
): RedisTokenCacheError {
  const reason = cause instanceof Error && cause.message ? `: ${cause.message.slice(0, 200)}` : ''
  return new RedisTokenCacheError(`Redis failed the ${operation}${reason}`, {
    redisCode: REDIS_TOKEN_CACHE_ERROR_CODES.UNAVAILABLE,
    operation,
    cause,
  })
}

/**
 * Creates a Redis token cache to pass as `cache` to `createStitchAuth`. Options are validated
 * here; every problem is listed in one `StitchConfigError`.
 *
 * @example
 * import { createClient } from 'redis'
 * const redis = await createClient({ url: process.env.REDIS_URL }).on('error', console.error).connect()
 * const cache = createRedisTokenCache({ client: redis, encryptionKey: process.env.STITCH_CACHE_KEY! })
 */
export function createRedisTokenCache(options: RedisTokenCacheOptions): RedisTokenCache {
  return new RedisTokenCache(options)
}

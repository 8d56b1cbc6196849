import type { CachedToken } from './token.js'

/** A value or a promise of it: caches may be synchronous (memory) or asynchronous (Redis). */
export type Promisable<T> = T | PromiseLike<T>

/** A fleet-wide claim on minting the token for one key; release it when done. */
export interface TokenCacheLease {
  release(): Promisable<void>
  /**
   * Optional: extends the lease to `ttlMs` from now. Its holder renews it while it is still
   * requesting the token (a slow Stitch, `Retry-After`), so the others keep waiting for that
   * token; once the holder stops (it crashed), the lease runs out. Returns `false` when the lease
   * is no longer the holder's (it ran out). Without `renew`, a lease lasts the `ttlMs` it was
   * acquired with, and the others take over after that even if the holder is still retrying.
   */
  renew?(ttlMs: number): Promisable<boolean>
}

/**
 * Where tokens are kept between requests. Keys are opaque strings built by stitch-auth;
 * implementations must treat them as such (a shared cache should hash them).
 */
export interface TokenCache {
  get(key: string): Promisable<CachedToken | undefined>
  set(key: string, token: CachedToken): Promisable<void>
  /** Removes the entry; when `accessToken` is given, only if the entry still holds that token. */
  delete(key: string, accessToken?: string): Promisable<void>
  /**
   * Optional: claims the right to mint the token for `key` for `ttlMs` (core's `leaseWaitMs`).
   * Returns `undefined` while another holder has it: the caller then waits for that holder's
   * token instead of minting a second one, and tries again when the lease is released or has
   * run out.
   */
  acquireLease?(key: string, ttlMs: number): Promisable<TokenCacheLease | undefined>
}

export interface MemoryTokenCacheOptions {
  /**
   * Clock used to drop expired entries.
   * @default Date.now
   */
  now?: () => number
}

/**
 * An in-process token cache with O(1) lookups. Share one instance between clients (for
 * example an Express and a NestJS app in one process) and they mint one token between them.
 *
 * @example
 * const cache = new MemoryTokenCache()
 * const a = createStitchAuth({ clientId, clientSecret, cache })
 * const b = createStitchAuth({ clientId, clientSecret, cache })
 */
export class MemoryTokenCache implements TokenCache {
  readonly #entries = new Map<string, CachedToken>()
  readonly #leases = new Map<string, { until: number }>()
  readonly #now: () => number

  constructor(options: MemoryTokenCacheOptions = {}) {
    this.#now = options.now ?? (() => Date.now())
  }

  get size(): number {
    return this.#entries.size
  }

  get(key: string): CachedToken | undefined {
    const entry = this.#entries.get(key)
    if (entry && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry
  }

  set(key: string, token: CachedToken): void {
    this.#entries.set(key, token)
  }

  delete(key: string, accessToken?: string): void {
    if (accessToken === undefined || this.#entries.get(key)?.accessToken === accessToken) {
      this.#entries.delete(key)
    }
  }

  acquireLease(key: string, ttlMs: number): TokenCacheLease | undefined {
    const now = this.#now()
    const held = this.#leases.get(key)
    if (held !== undefined && held.until > now) return undefined
    const lease = { until: now + ttlMs }
    this.#leases.set(key, lease)
    // A lease that expired may be taken by someone else: from then on it is theirs.
    const ours = () => this.#leases.get(key) === lease && lease.until > this.#now()
    return {
      renew: (nextTtlMs) => {
        if (!ours()) return false
        lease.until = this.#now() + nextTtlMs
        return true
      },
      release: () => {
        if (this.#leases.get(key) === lease) this.#leases.delete(key)
      },
    }
  }

  clear(): void {
    this.#entries.clear()
    this.#leases.clear()
  }
}

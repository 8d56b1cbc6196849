import type { CachedToken } from './token.js'

/** A value or a promise of it: caches may be synchronous (memory) or asynchronous (Redis). */
export type Promisable<T> = T | PromiseLike<T>

/** A fleet-wide claim on minting the token for one key; release it when done. */
export interface TokenCacheLease {
  release(): Promisable<void>
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
   * Optional: claims the right to mint the token for `key` for `ttlMs`. Returns `undefined`
   * when another holder has it, so the caller waits for the token to appear instead of
   * minting a second one.
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
  readonly #leases = new Map<string, number>()
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
    const heldUntil = this.#leases.get(key)
    if (heldUntil !== undefined && heldUntil > now) return undefined
    const until = now + ttlMs
    this.#leases.set(key, until)
    return {
      release: () => {
        // A lease that expired and was taken by someone else is theirs now.
        if (this.#leases.get(key) === until) this.#leases.delete(key)
      },
    }
  }

  clear(): void {
    this.#entries.clear()
    this.#leases.clear()
  }
}

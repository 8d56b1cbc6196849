import { inspectSymbol, redactToken } from './redact.js'

/** What a token cache stores: plain data, easy to serialise, with times in epoch milliseconds. */
export interface CachedToken {
  readonly accessToken: string
  readonly tokenType: 'Bearer'
  /** Granted scopes, normalised (sorted, deduplicated). */
  readonly scopes: readonly string[]
  /** When the request that minted the token was sent (epoch ms). */
  readonly issuedAt: number
  /** `issuedAt` plus the token's `expires_in` (epoch ms). */
  readonly expiresAt: number
}

/**
 * A client token. `accessToken` and `authorizationHeader` are readable, but logging it,
 * `JSON.stringify`, `String()` or `util.inspect` show only a redacted preview.
 *
 * One token is shared by every caller of a client, so nothing a caller can reach changes it:
 * the token and its `scopes` are frozen, and `expiresAt` / `issuedAt` are a new `Date` on
 * each read (compare them by `getTime()`, not by identity).
 */
export class StitchToken {
  readonly #entry: CachedToken
  readonly tokenType = 'Bearer' as const
  /** Granted scopes, normalised (sorted, deduplicated); frozen. */
  readonly scopes: readonly string[]
  /** `Bearer <token>`, ready for an `Authorization` header. */
  readonly #authorizationHeader: string

  constructor(entry: CachedToken) {
    // Our own frozen copy: neither whoever handed us the entry (a cache backend) nor whoever
    // reads `toCacheEntry()` can change the token the other sees.
    this.#entry = Object.freeze({
      accessToken: entry.accessToken,
      tokenType: 'Bearer',
      scopes: Object.freeze([...entry.scopes]),
      issuedAt: entry.issuedAt,
      expiresAt: entry.expiresAt,
    })
    this.scopes = this.#entry.scopes
    this.#authorizationHeader = `Bearer ${entry.accessToken}`
    Object.freeze(this)
  }

  /** When the token expires: a new `Date` on each read, so no caller can move it for others. */
  get expiresAt(): Date {
    return new Date(this.#entry.expiresAt)
  }

  /** When the request that minted the token was sent: a new `Date` on each read. */
  get issuedAt(): Date {
    return new Date(this.#entry.issuedAt)
  }

  /** The raw access token. Send it; never log it. */
  get accessToken(): string {
    return this.#entry.accessToken
  }

  /** `Bearer <token>`, ready for an `Authorization` header. */
  get authorizationHeader(): string {
    return this.#authorizationHeader
  }

  /** The first few characters of the token and `…`: safe to log. */
  get preview(): string {
    return redactToken(this.#entry.accessToken)
  }

  /** Milliseconds left until expiry, measured by the given clock. */
  expiresInMs(now: number = Date.now()): number {
    return this.#entry.expiresAt - now
  }

  /** The cacheable form of this token; frozen, so it cannot be changed under the cache. */
  toCacheEntry(): CachedToken {
    return this.#entry
  }

  toJSON(): Record<string, unknown> {
    return {
      tokenType: this.tokenType,
      accessToken: this.preview,
      scopes: this.scopes,
      expiresAt: this.expiresAt.toISOString(),
    }
  }

  toString(): string {
    return `StitchToken(${this.preview}, scopes: ${this.scopes.join(' ')}, expires ${this.expiresAt.toISOString()})`
  }

  [inspectSymbol](): string {
    return this.toString()
  }
}

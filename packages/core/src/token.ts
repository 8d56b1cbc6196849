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
 */
export class StitchToken {
  readonly #entry: CachedToken
  readonly tokenType = 'Bearer' as const
  readonly scopes: readonly string[]
  readonly expiresAt: Date
  readonly issuedAt: Date
  /** `Bearer <token>`, ready for an `Authorization` header. */
  readonly #authorizationHeader: string

  constructor(entry: CachedToken) {
    this.#entry = entry
    this.scopes = entry.scopes
    this.expiresAt = new Date(entry.expiresAt)
    this.issuedAt = new Date(entry.issuedAt)
    this.#authorizationHeader = `Bearer ${entry.accessToken}`
    Object.freeze(this)
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

  /** The cacheable form of this token. */
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

import type { StitchAuthError } from './errors.js'

/**
 * What a client reports as it works: enough to feed logs and metrics. No event carries a
 * secret or a full token; tokens appear as a short `tokenPreview`.
 */
export type StitchAuthEvent =
  | {
      type: 'tokenMinted'
      scopes: readonly string[]
      tokenPreview: string
      /** The token's lifetime as the server granted it. */
      lifetimeMs: number
      expiresAt: Date
      attempts: number
      durationMs: number
      /** True when minted by a refresh-ahead while the previous token was still served. */
      background: boolean
    }
  | { type: 'cacheHit'; scopes: readonly string[]; source: 'memory' | 'cache' }
  | { type: 'cacheMiss'; scopes: readonly string[] }
  | { type: 'refreshStarted'; scopes: readonly string[]; expiresInMs: number }
  | {
      type: 'refreshFailed'
      scopes: readonly string[]
      error: StitchAuthError
      /** The current token is still served; the next refresh is tried after this delay. */
      nextAttemptInMs: number
      expiresInMs: number
    }
  | {
      type: 'retryScheduled'
      scopes: readonly string[]
      /** The attempt that failed (1 = the first). */
      attempt: number
      delayMs: number
      status: number | undefined
      error: StitchAuthError
    }
  | { type: 'requestFailed'; scopes: readonly string[]; error: StitchAuthError }
  | {
      type: 'tokenInvalidated'
      scopes: readonly string[]
      tokenPreview: string
      reason: 'manual' | 'unauthenticated'
    }
  | {
      type: 'cacheError'
      operation: 'get' | 'set' | 'delete' | 'lease'
      error: unknown
    }

export type StitchAuthEventType = StitchAuthEvent['type']
export type StitchAuthListener = (event: StitchAuthEvent) => void

/** A set of listeners; a throwing listener never breaks the client. */
export class EventHub {
  readonly #listeners = new Set<StitchAuthListener>()

  /** Cheap check so the hot path builds no event object when nobody listens. */
  get active(): boolean {
    return this.#listeners.size > 0
  }

  subscribe(listener: StitchAuthListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  emit(event: StitchAuthEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch {
        // A listener's failure is its own; the token flow must go on.
      }
    }
  }

  clear(): void {
    this.#listeners.clear()
  }
}

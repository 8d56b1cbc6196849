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
      /**
       * A refresh-ahead failed while the current token was still valid: it is still served,
       * and the next refresh is tried after this delay. (Past expiry minus skew, a failed
       * refresh is a `requestFailed` instead: its callers got the error.)
       */
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
  | {
      /**
       * A token request failed with no valid token to fall back on: every caller awaiting it
       * got `error`, and the next call makes a new request.
       */
      type: 'requestFailed'
      scopes: readonly string[]
      error: StitchAuthError
    }
  | {
      type: 'tokenInvalidated'
      scopes: readonly string[]
      tokenPreview: string
      reason: 'manual' | 'unauthenticated'
    }
  | {
      /**
       * Stitch answered `invalid_client`, and the credential function then returned another
       * secret or key than the one refused: the request is retried once with it.
       */
      type: 'credentialsRotated'
      scopes: readonly string[]
      method: 'client_secret_post' | 'private_key_jwt'
    }
  | {
      type: 'cacheError'
      operation: 'get' | 'set' | 'delete' | 'lease'
      error: unknown
    }
  | {
      /**
       * Another listener threw `error` while handling an event of `eventType`. Sent to the
       * other listeners; with no other listener, the error is written to `console.error`.
       */
      type: 'listenerFailed'
      eventType: Exclude<StitchAuthEvent['type'], 'listenerFailed'>
      error: unknown
    }

export type StitchAuthEventType = StitchAuthEvent['type']
export type StitchAuthListener = (event: StitchAuthEvent) => void

/**
 * A set of listeners. A throwing listener never breaks the client or the other listeners:
 * they all run, and the failure is reported as a `listenerFailed` event to the others, or to
 * `console.error` when there is nobody else to tell. It never crashes the process: a metrics
 * or log listener must not take a payments server down.
 */
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
    let failures: Array<[StitchAuthListener, unknown]> | undefined
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch (error) {
        failures ??= []
        failures.push([listener, error])
      }
    }
    // Reported once every listener has had the event, so the others see it in order.
    if (failures) for (const [listener, error] of failures) this.#report(listener, event, error)
  }

  clear(): void {
    this.#listeners.clear()
  }

  #report(failed: StitchAuthListener, event: StitchAuthEvent, error: unknown): void {
    const others = [...this.#listeners].filter((listener) => listener !== failed)
    // A failure while reporting a failure goes to the console: a report never loops.
    if (event.type === 'listenerFailed' || others.length === 0) {
      console.error(`stitch-auth: a listener threw while handling a "${event.type}" event`, error)
      return
    }
    const report: StitchAuthEvent = { type: 'listenerFailed', eventType: event.type, error }
    for (const listener of others) {
      try {
        listener(report)
      } catch (reportError) {
        console.error(
          'stitch-auth: a listener threw while handling a "listenerFailed" event',
          reportError,
        )
      }
    }
  }
}

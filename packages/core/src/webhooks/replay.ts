// Replay protection: each delivery id (`svix-id`) runs the handler once. Svix keeps the id on
// every retry of a message, so a retry of a delivery that was handled but whose 2xx got lost
// (Svix waits 15 s) is answered without running the handler again.
import type { Promisable } from '../cache.js'
import { StitchConfigError } from '../errors.js'

/**
 * Where the handler records the delivery ids it has run. The memory store suits one process;
 * several instances behind a load balancer need a shared one (e.g. Redis `SET id 1 NX PX ttl`
 * for `claim`, `DEL id` for `release`).
 */
export interface WebhookReplayStore {
  /**
   * Records `id` for `ttlMs`: true if it was not recorded (the handler may run), false if it
   * was (a replay). Must be atomic across everything sharing the store.
   */
  claim(id: string, ttlMs: number): Promisable<boolean>
  /** Forgets `id`: the handler failed, so the sender's retry must run it. */
  release(id: string): Promisable<void>
}

/**
 * How long a delivery id is remembered by default: 48 hours. Svix retries a message for about
 * 27.6 hours after its first attempt (immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and
 * 10 h), so a retry of a delivery whose answer was lost still finds its id, with a day to spare.
 */
export const DEFAULT_WEBHOOK_REPLAY_TTL_MS = 48 * 60 * 60 * 1000

/** Options of {@link MemoryWebhookReplayStore}. */
export interface MemoryWebhookReplayStoreOptions {
  /**
   * How many ids it holds at most; past that the oldest are forgotten first, which weakens the
   * protection, so size it for `ttlMs` worth of deliveries (an id costs about 100 bytes).
   * @default 50000
   * @example 200_000
   */
  maxEntries?: number
  /**
   * The clock, in milliseconds since the epoch; read at every call.
   * @default Date.now
   */
  now?: () => number
}

/**
 * An in-process {@link WebhookReplayStore}: ids expire after their `ttlMs` and the store never
 * holds more than `maxEntries`. Lost on restart, and not shared between instances.
 */
export class MemoryWebhookReplayStore implements WebhookReplayStore {
  readonly #entries = new Map<string, number>()
  readonly #maxEntries: number
  readonly #now: (() => number) | undefined

  constructor(options: MemoryWebhookReplayStoreOptions = {}) {
    const { maxEntries = 50_000, now } = options
    const problems: string[] = []
    if (!(Number.isInteger(maxEntries) && maxEntries > 0)) {
      problems.push('"maxEntries" must be a positive whole number')
    }
    if (now !== undefined && typeof now !== 'function') {
      problems.push('"now" must be a function returning milliseconds since the epoch')
    }
    if (problems.length > 0) {
      throw new StitchConfigError(problems, 'Invalid stitch-auth webhook replay store options')
    }
    this.#maxEntries = maxEntries
    this.#now = now
  }

  /** How many ids it holds now, expired ones not yet swept included. */
  get size(): number {
    return this.#entries.size
  }

  /** True the first time `id` is seen within `ttlMs`; records it. */
  claim(id: string, ttlMs: number): boolean {
    const now = this.#now ? this.#now() : Date.now()
    this.#sweep(now)
    const expiresAt = this.#entries.get(id)
    if (expiresAt !== undefined && expiresAt > now) return false
    // Re-inserted, so the Map's order stays the order of expiry for one ttl.
    this.#entries.delete(id)
    this.#entries.set(id, now + ttlMs)
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break
      this.#entries.delete(oldest)
    }
    return true
  }

  /** Forgets `id`, so its next delivery runs. */
  release(id: string): void {
    this.#entries.delete(id)
  }

  /** Drops expired ids from the oldest end: amortised O(1) a claim. */
  #sweep(now: number): void {
    for (const [id, expiresAt] of this.#entries) {
      if (expiresAt > now) return
      this.#entries.delete(id)
    }
  }
}

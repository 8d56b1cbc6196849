import { untilAborted } from './abort.js'
import type { TokenCache, TokenCacheLease } from './cache.js'
import { type ClientAuthentication, clientSecretPost, privateKeyJwt } from './client-auth.js'
import {
  abortError,
  STITCH_AUTH_ERROR_CODES,
  StitchAuthError,
  StitchConfigError,
} from './errors.js'
import type { EventHub } from './events.js'
import { clientClosedError, Flight, mintToken } from './mint.js'
import type { ResolvedStitchAuthOptions } from './options.js'
import { findScopeProblems, type NormalizedScopes, normalizeScopes } from './scopes.js'
import { type CachedToken, StitchToken } from './token.js'

/** Per scope set: the token in use, when to refresh it, and the request in flight. */
interface KeyState {
  readonly key: string
  readonly scopes: NormalizedScopes
  token: StitchToken | undefined
  /** `Promise.resolve(token)`, made once per token so a warm call allocates nothing. */
  settled: Promise<StitchToken> | undefined
  /** From here the token counts as expired (expiry minus skew). */
  staleAt: number
  /** From here a background refresh may start. */
  refreshAt: number
  inflight: Promise<StitchToken> | undefined
  flight: Flight | undefined
  /** After a failed background refresh, the next one waits until this time. */
  nextRefreshAt: number
  refreshFailures: number
}

/** A scope array seen before, remembered by identity with a copy to detect mutation. */
interface ScopeLookup {
  readonly copy: readonly string[]
  readonly state: KeyState
}

/**
 * Keeps one token per scope set: served from memory while fresh, refreshed ahead of expiry
 * in the background, and requested once for all concurrent callers when missing or expired.
 */
export class TokenManager {
  readonly #options: ResolvedStitchAuthOptions
  readonly #auth: ClientAuthentication
  readonly #events: EventHub
  readonly #cache: TokenCache | undefined
  readonly #keyPrefix: string
  readonly #states = new Map<string, KeyState>()
  readonly #byArray = new WeakMap<readonly string[], ScopeLookup>()
  readonly #byText = new Map<string, KeyState>()
  #lastArray: readonly string[] | undefined
  #lastCopy: readonly string[] = []
  #lastState: KeyState | undefined
  #isClosed = false
  #defaultState: KeyState | undefined
  readonly #closing = new AbortController()

  constructor(options: ResolvedStitchAuthOptions, events: EventHub) {
    this.#options = options
    this.#events = events
    this.#cache = options.cache
    this.#auth =
      options.credentials.kind === 'clientSecret'
        ? clientSecretPost(options.credentials.secret)
        : privateKeyJwt(options.credentials.key, options.credentials.keyId)
    this.#keyPrefix = `${options.tokenUrl}|${options.clientId}|${options.audience}|`
  }

  get closed(): boolean {
    return this.#isClosed
  }

  /** The cache key of a scope set: token URL, client, audience and the normalised scopes. */
  cacheKey(scopes: NormalizedScopes): string {
    return this.#keyPrefix + scopes.scope
  }

  /**
   * The token for `scopes` if it can be served now, synchronously: no I/O, no allocation.
   * Inside the refresh window it also starts the background refresh. `undefined` means a
   * request is needed (use `getToken`).
   */
  peek(scopes?: readonly string[]): StitchToken | undefined {
    if (this.#isClosed) throw clientClosedError()
    const state = this.#stateFor(scopes)
    return this.#servable(state) ? state.token : undefined
  }

  getToken(scopes?: readonly string[], signal?: AbortSignal): Promise<StitchToken> {
    if (this.#isClosed) return Promise.reject(clientClosedError())
    let state: KeyState
    try {
      state = this.#stateFor(scopes)
    } catch (error) {
      return Promise.reject(error)
    }
    if (this.#servable(state)) return state.settled as Promise<StitchToken>
    return this.#waitForToken(state, signal)
  }

  /** Whether the state's token can be served now; starts a refresh-ahead inside the window. */
  #servable(state: KeyState): boolean {
    if (state.token === undefined) return false
    const now = this.#options.now()
    if (now >= state.staleAt) return false
    if (now >= state.refreshAt && state.inflight === undefined && now >= state.nextRefreshAt) {
      this.#refreshInBackground(state, now)
    }
    if (this.#events.active) {
      this.#events.emit({ type: 'cacheHit', scopes: state.scopes.scopes, source: 'memory' })
    }
    return true
  }

  /**
   * Drops `token` if it is still the one in use for its scopes (a newer token is kept), or
   * every token when called without one.
   */
  async invalidate(
    token?: StitchToken,
    reason: 'manual' | 'unauthenticated' = 'manual',
  ): Promise<void> {
    for (const state of this.#states.values()) {
      const current = state.token
      if (!current || (token && current.accessToken !== token.accessToken)) continue
      state.token = undefined
      state.settled = undefined
      this.#events.emit({
        type: 'tokenInvalidated',
        scopes: state.scopes.scopes,
        tokenPreview: current.preview,
        reason,
      })
      await this.#cacheCall('delete', () => this.#cache?.delete(state.key, current.accessToken))
    }
  }

  close(): void {
    if (this.#isClosed) return
    this.#isClosed = true
    this.#closing.abort(clientClosedError())
    this.#states.clear()
    this.#byText.clear()
    this.#lastArray = undefined
    this.#lastState = undefined
    this.#defaultState = undefined
  }

  #stateFor(scopes: readonly string[] | undefined): KeyState {
    if (scopes === undefined) return this.#defaultState ?? this.#resolveDefaultState()
    // The hot path: the same array as last time (a route's or a service's fixed scopes).
    if (scopes === this.#lastArray && sameItems(this.#lastCopy, scopes)) return this.#lastState!
    const seen = this.#byArray.get(scopes)
    if (seen !== undefined && sameItems(seen.copy, scopes)) {
      this.#lastArray = scopes
      this.#lastCopy = seen.copy
      this.#lastState = seen.state
      return seen.state
    }
    // A list seen as text before (e.g. a new array literal per call): no validation, no sort,
    // and nothing remembered per array, so throwaway arrays cost one join and one lookup.
    const text = scopes.length === 1 ? (scopes[0] as string) : scopes.join(' ')
    const known = this.#byText.get(text)
    if (known !== undefined) return known
    const problems = findScopeProblems(scopes, this.#options.allowUnknownScopes)
    if (problems.length > 0) throw new StitchConfigError(problems, 'Cannot get a token')
    const state = this.#stateForNormalized(normalizeScopes(scopes))
    // Bounded: a caller inventing scope lists cannot grow it without limit.
    if (this.#byText.size >= 16_384) this.#byText.clear()
    this.#byText.set(text, state)
    this.#byArray.set(scopes, { copy: [...scopes], state })
    return state
  }

  #resolveDefaultState(): KeyState {
    const defaults = this.#options.defaultScopes
    if (!defaults) {
      throw new StitchConfigError(
        ['no scopes given: pass them to getToken(scopes) or set "scopes" in the options'],
        'Cannot get a token',
      )
    }
    this.#defaultState = this.#stateForNormalized(defaults)
    return this.#defaultState
  }

  #stateForNormalized(scopes: NormalizedScopes): KeyState {
    const key = this.cacheKey(scopes)
    let state = this.#states.get(key)
    if (state === undefined) {
      state = {
        key,
        scopes,
        token: undefined,
        settled: undefined,
        staleAt: 0,
        refreshAt: 0,
        inflight: undefined,
        flight: undefined,
        nextRefreshAt: 0,
        refreshFailures: 0,
      }
      this.#states.set(key, state)
    }
    return state
  }

  #waitForToken(state: KeyState, signal: AbortSignal | undefined): Promise<StitchToken> {
    if (signal?.aborted) return Promise.reject(abortError(signal))
    let inflight = state.inflight
    if (inflight === undefined) {
      inflight = this.#startFlight(state, false)
    } else {
      state.flight?.keepAlive()
    }
    return signal ? untilAborted(inflight, signal, () => abortError(signal)) : inflight
  }

  #refreshInBackground(state: KeyState, now: number): void {
    this.#events.emit({
      type: 'refreshStarted',
      scopes: state.scopes.scopes,
      expiresInMs: (state.token?.expiresAt.getTime() ?? now) - now,
    })
    this.#startFlight(state, true)
  }

  #startFlight(state: KeyState, background: boolean): Promise<StitchToken> {
    const flight = new Flight(!background)
    const started = Date.now()
    const inflight = this.#load(state, flight, background).then(
      ({ entry, attempts, minted }) => {
        this.#adopt(state, entry)
        state.refreshFailures = 0
        state.nextRefreshAt = 0
        if (minted) {
          this.#events.emit({
            type: 'tokenMinted',
            scopes: state.scopes.scopes,
            tokenPreview: state.token!.preview,
            lifetimeMs: entry.expiresAt - entry.issuedAt,
            expiresAt: state.token!.expiresAt,
            attempts,
            durationMs: Date.now() - started,
            background,
          })
        }
        return state.token!
      },
      (error: unknown) => {
        const failure = toStitchError(error)
        const token = state.token
        if (background && token && !this.closed) {
          // Keep serving the valid token; try again later with growing pauses.
          state.refreshFailures++
          const pause = Math.min(60_000, 1_000 * 2 ** (state.refreshFailures - 1))
          const now = this.#options.now()
          state.nextRefreshAt = now + Math.random() * pause
          this.#events.emit({
            type: 'refreshFailed',
            scopes: state.scopes.scopes,
            error: failure,
            nextAttemptInMs: state.nextRefreshAt - now,
            expiresInMs: token.expiresAt.getTime() - now,
          })
        } else {
          this.#events.emit({ type: 'requestFailed', scopes: state.scopes.scopes, error: failure })
        }
        throw failure
      },
    )
    // A rejected flight is never reused: the next caller starts a new one.
    const cleared = inflight.finally(() => {
      if (state.inflight === cleared) {
        state.inflight = undefined
        state.flight = undefined
      }
    })
    // Background refreshes may have nobody awaiting them; their failure is reported as an event.
    cleared.catch(() => {})
    state.inflight = cleared
    state.flight = flight
    return cleared
  }

  /** Takes the token from the shared cache, or mints one (under the cache's lease, if any). */
  async #load(
    state: KeyState,
    flight: Flight,
    background: boolean,
  ): Promise<{ entry: CachedToken; attempts: number; minted: boolean }> {
    const shared = await this.#readShared(state, background)
    if (shared) return { entry: shared, attempts: 0, minted: false }
    if (this.#events.active) this.#events.emit({ type: 'cacheMiss', scopes: state.scopes.scopes })

    let lease: TokenCacheLease | undefined
    let leaseHeldElsewhere = false
    if (this.#cache?.acquireLease) {
      try {
        lease = await this.#cache.acquireLease(state.key, this.#options.deadlineMs)
        leaseHeldElsewhere = lease === undefined
      } catch (error) {
        // Without a working lease we mint ourselves rather than wait on a broken cache.
        this.#events.emit({ type: 'cacheError', operation: 'lease', error })
      }
    }
    if (leaseHeldElsewhere) {
      // Someone else in the fleet is minting: wait for their token, then mint ourselves.
      const theirs = await this.#waitForShared(state, flight, background)
      if (theirs) return { entry: theirs, attempts: 0, minted: false }
    } else if (lease) {
      // The previous holder may have written its token between our miss and our lease.
      const written = await this.#readShared(state, background)
      if (written) {
        this.#release(lease)
        return { entry: written, attempts: 0, minted: false }
      }
    }
    try {
      const { token, attempts } = await mintToken({
        options: this.#options,
        auth: this.#auth,
        events: this.#events,
        scopes: state.scopes,
        flight,
        signal: this.#closing.signal,
      })
      await this.#cacheCall('set', () => this.#cache?.set(state.key, token))
      return { entry: token, attempts, minted: true }
    } finally {
      if (lease) this.#release(lease)
    }
  }

  /** Releases a lease without making the caller wait for the round trip. */
  #release(lease: TokenCacheLease): void {
    void this.#cacheCall('lease', () => lease.release())
  }

  async #readShared(state: KeyState, background: boolean): Promise<CachedToken | undefined> {
    const entry = await this.#cacheCall('get', () => this.#cache?.get(state.key))
    if (!entry || !this.#isUsable(entry)) return undefined
    // A refresh only takes a shared token newer than the one it is replacing.
    if (background && entry.accessToken === state.token?.accessToken) return undefined
    if (this.#events.active) {
      this.#events.emit({ type: 'cacheHit', scopes: state.scopes.scopes, source: 'cache' })
    }
    return entry
  }

  async #waitForShared(
    state: KeyState,
    flight: Flight,
    background: boolean,
  ): Promise<CachedToken | undefined> {
    const giveUpAt = Date.now() + this.#options.leaseWaitMs
    while (Date.now() < giveUpAt) {
      await flight.sleep(50, this.#closing.signal)
      const entry = await this.#readShared(state, background)
      if (entry) return entry
    }
    return undefined
  }

  #isUsable(entry: CachedToken): boolean {
    return this.#options.now() < entry.expiresAt - this.#skew(entry)
  }

  #skew(entry: CachedToken): number {
    return Math.min(this.#options.expirySkewMs, (entry.expiresAt - entry.issuedAt) / 10)
  }

  #adopt(state: KeyState, entry: CachedToken): void {
    const lifetime = entry.expiresAt - entry.issuedAt
    const window = Math.min(this.#options.refreshWindowMs, lifetime / 4)
    state.token = new StitchToken(entry)
    state.settled = Promise.resolve(state.token)
    state.staleAt = entry.expiresAt - this.#skew(entry)
    state.refreshAt = state.staleAt - window + Math.random() * window * this.#options.refreshJitter
  }

  /** Runs a cache operation; a failing cache is reported and treated as empty, never fatal. */
  async #cacheCall<T>(
    operation: 'get' | 'set' | 'delete' | 'lease',
    call: () => T | PromiseLike<T>,
  ): Promise<Awaited<T> | null> {
    try {
      return (await call()) ?? null
    } catch (error) {
      this.#events.emit({ type: 'cacheError', operation, error })
      return null
    }
  }
}

function sameItems(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

function toStitchError(error: unknown): StitchAuthError {
  if (error instanceof StitchAuthError) return error
  return new StitchAuthError('Unexpected failure while getting a Stitch token', {
    code: STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE,
    retryable: true,
    cause: error,
  })
}

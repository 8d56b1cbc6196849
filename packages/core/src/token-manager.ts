import { untilAborted } from './abort.js'
import type { TokenCache, TokenCacheLease } from './cache.js'
import { type ClientAuthentication, clientSecretPost, privateKeyJwt } from './client-auth.js'
import {
  abortError,
  STITCH_AUTH_ERROR_CODES,
  StitchAuthError,
  StitchConfigError,
  StitchEndpointUnavailableError,
} from './errors.js'
import type { EventHub } from './events.js'
import { clientClosedError, Flight, mintToken } from './mint.js'
import type { InternalStitchAuthOptions } from './options.js'
import { findScopeProblems, type NormalizedScopes, normalizeScopes } from './scopes.js'
import { type StitchTelemetryHooks, type StitchTelemetryToken, traced } from './telemetry.js'
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

/** A scope list that passed validation: the items as validated, and their state. */
interface ScopeLookup {
  /** A shortcut serves a list only when its items are these, one by one (`===`). */
  readonly items: readonly string[]
  readonly state: KeyState
}

/**
 * Keeps one token per scope set: served from memory while fresh, refreshed ahead of expiry
 * in the background, and requested once for all concurrent callers when missing or expired.
 */
export class TokenManager {
  readonly #options: InternalStitchAuthOptions
  readonly #auth: ClientAuthentication
  readonly #events: EventHub
  readonly #telemetry: StitchTelemetryHooks | undefined
  readonly #cache: TokenCache | undefined
  readonly #keyParts: readonly [tokenUrl: string, clientId: string, audience: string]
  readonly #states = new Map<string, KeyState>()
  readonly #byArray = new WeakMap<readonly string[], ScopeLookup>()
  /**
   * Valid lists by item count, then by their items joined by a space. Valid items are
   * non-empty and hold no whitespace, so a valid list of n items has exactly n − 1 spaces in
   * its text; n strings joining to that text must be the very same items. The pair (count,
   * text) therefore names one list, and ['a b'] can never find ['a', 'b'].
   */
  readonly #byText: Array<Map<string, KeyState> | undefined> = []
  #textEntries = 0
  #lastArray: readonly string[] | undefined
  #lastCopy: readonly string[] = []
  #lastState: KeyState | undefined
  #isClosed = false
  #defaultState: KeyState | undefined
  readonly #closing = new AbortController()

  constructor(
    options: InternalStitchAuthOptions,
    events: EventHub,
    telemetry?: StitchTelemetryHooks,
  ) {
    this.#options = options
    this.#events = events
    this.#telemetry = telemetry
    this.#cache = options.cache
    this.#auth =
      options.credentials.kind === 'clientSecret'
        ? clientSecretPost(options.credentials.secret)
        : privateKeyJwt(options.credentials.key, options.credentials.keyId)
    this.#keyParts = [options.tokenUrl, options.clientId, options.audience]
  }

  get closed(): boolean {
    return this.#isClosed
  }

  /**
   * The cache key of a scope set: token URL, client, audience and the normalised scopes, as a
   * JSON array, so no character inside a part (a `|`, a quote) can pass for a boundary and two
   * clients never share an entry. Built once per scope set, never on the warm path.
   */
  cacheKey(scopes: NormalizedScopes): string {
    return JSON.stringify([...this.#keyParts, scopes.scope])
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

  /** `parent`: the telemetry context of the API call asking, for the token request it starts. */
  getToken(
    scopes?: readonly string[],
    signal?: AbortSignal,
    parent?: unknown,
  ): Promise<StitchToken> {
    if (this.#isClosed) return Promise.reject(clientClosedError())
    let state: KeyState
    try {
      state = this.#stateFor(scopes)
    } catch (error) {
      return Promise.reject(error)
    }
    if (this.#servable(state, parent)) return state.settled as Promise<StitchToken>
    return this.#waitForToken(state, signal, parent)
  }

  /** The tokens held now and how long each has left, for telemetry: never the token itself. */
  liveTokens(): StitchTelemetryToken[] {
    const now = this.#options.now()
    const tokens: StitchTelemetryToken[] = []
    for (const state of this.#states.values()) {
      if (state.token)
        tokens.push({ scopes: state.scopes.scopes, expiresInMs: state.token.expiresInMs(now) })
    }
    return tokens
  }

  /** Whether the state's token can be served now; starts a refresh-ahead inside the window. */
  #servable(state: KeyState, parent?: unknown): boolean {
    if (state.token === undefined) return false
    const now = this.#options.now()
    if (now >= state.staleAt) return false
    if (now >= state.refreshAt && state.inflight === undefined && now >= state.nextRefreshAt) {
      this.#refreshInBackground(state, now, parent)
    }
    if (this.#events.active) {
      this.#events.emit({ type: 'cacheHit', scopes: state.scopes.scopes, source: 'memory' })
    }
    this.#telemetry?.cacheHit?.('memory', state.scopes.scopes)
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
    this.#byText.length = 0
    this.#lastArray = undefined
    this.#lastCopy = []
    this.#lastState = undefined
    this.#defaultState = undefined
  }

  /**
   * The state for a caller's scopes. Validity depends on the items alone, so every shortcut
   * serves a list only when its items are, one by one, those of a list that passed validation;
   * anything else is validated afresh. What was asked before can only make a call faster,
   * never let through what a fresh client would refuse.
   */
  #stateFor(scopes: readonly string[] | undefined): KeyState {
    if (scopes === undefined) return this.#defaultState ?? this.#resolveDefaultState()
    // The hot path: the same array as last time (a route's or a service's fixed scopes).
    if (scopes === this.#lastArray && sameItems(this.#lastCopy, scopes)) return this.#lastState!
    const seen = this.#byArray.get(scopes)
    if (seen !== undefined && sameItems(seen.items, scopes)) {
      this.#lastArray = scopes
      this.#lastCopy = seen.items
      this.#lastState = seen.state
      return seen.state
    }
    // A new array with the items of a list seen before (e.g. an array literal per call): no
    // sort and nothing remembered per array, so throwaway arrays cost one join and one lookup.
    const text = textOf(scopes)
    const known = text === undefined ? undefined : this.#byText[scopes.length]?.get(text)
    return known ?? this.#validate(scopes)
  }

  /** Validates the caller's scopes and remembers them for the shortcuts of `#stateFor`. */
  #validate(scopes: readonly string[]): KeyState {
    // One read of each item: what is checked is what is normalised and compared against later.
    const items = Array.isArray(scopes) ? snapshot(scopes) : scopes
    const problems = findScopeProblems(items, this.#options.allowUnknownScopes)
    if (problems.length > 0) throw new StitchConfigError(problems, 'Cannot get a token')
    // Kept private and unfrozen: the warm path compares against it, and a frozen array's
    // items are slower to read.
    const valid = items as string[]
    const state = this.#stateForNormalized(normalizeScopes(valid))
    this.#byArray.set(scopes, { items: valid, state })
    // Bounded: a caller inventing scope lists cannot grow it without limit.
    if (this.#textEntries >= 16_384) {
      this.#byText.length = 0
      this.#textEntries = 0
    }
    let texts = this.#byText[valid.length]
    if (texts === undefined) {
      texts = new Map()
      this.#byText[valid.length] = texts
    }
    const text = valid.join(' ')
    if (!texts.has(text)) this.#textEntries++
    texts.set(text, state)
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

  #waitForToken(
    state: KeyState,
    signal: AbortSignal | undefined,
    parent: unknown,
  ): Promise<StitchToken> {
    if (signal?.aborted) return Promise.reject(abortError(signal))
    const stopWaiting = this.#telemetry?.waiting?.(state.scopes.scopes)
    let inflight = state.inflight
    if (inflight === undefined) {
      inflight = this.#startFlight(state, false, parent)
    } else {
      state.flight?.keepAlive()
    }
    const waited = signal ? untilAborted(inflight, signal, () => abortError(signal)) : inflight
    if (stopWaiting) waited.then(stopWaiting, stopWaiting)
    return waited
  }

  #refreshInBackground(state: KeyState, now: number, parent: unknown): void {
    this.#events.emit({
      type: 'refreshStarted',
      scopes: state.scopes.scopes,
      expiresInMs: state.token ? state.token.expiresInMs(now) : 0,
    })
    this.#startFlight(state, true, parent)
  }

  #startFlight(state: KeyState, background: boolean, parent?: unknown): Promise<StitchToken> {
    const flight = new Flight(!background)
    const started = Date.now()
    const inflight = this.#load(state, flight, background, parent).then(
      ({ entry, attempts, minted }) => {
        this.#adopt(state, entry)
        state.refreshFailures = 0
        state.nextRefreshAt = 0
        if (background)
          this.#telemetry?.refreshEnded?.({ scopes: state.scopes.scopes, error: undefined })
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
        if (background)
          this.#telemetry?.refreshEnded?.({ scopes: state.scopes.scopes, error: failure })
        const token = state.token
        const now = this.#options.now()
        // `refreshFailed` says the current token is still served, so only while it is. Once it
        // is stale, callers join this request and get its error: that is a `requestFailed`.
        if (background && token && now < state.staleAt && !this.closed) {
          // Keep serving the valid token; try again later with growing pauses.
          state.refreshFailures++
          const pause = Math.min(60_000, 1_000 * 2 ** (state.refreshFailures - 1))
          state.nextRefreshAt = now + Math.random() * pause
          this.#events.emit({
            type: 'refreshFailed',
            scopes: state.scopes.scopes,
            error: failure,
            nextAttemptInMs: state.nextRefreshAt - now,
            expiresInMs: token.expiresInMs(now),
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
    parent: unknown,
  ): Promise<{ entry: CachedToken; attempts: number; minted: boolean }> {
    const shared = await this.#readShared(state, background)
    if (shared) return { entry: shared, attempts: 0, minted: false }
    if (this.#events.active) this.#events.emit({ type: 'cacheMiss', scopes: state.scopes.scopes })
    if (this.#cache) this.#telemetry?.sharedCacheMiss?.(state.scopes.scopes)

    const claim = await this.#claim(state, flight, background)
    if (claim.written) return { entry: claim.written, attempts: 0, minted: false }
    const { lease } = claim
    const stopRenewing = lease ? this.#keepAlive(lease) : undefined
    const trace = this.#telemetry?.tokenRequest?.({
      scopes: state.scopes.scopes,
      background,
      parent,
    })
    try {
      const { token, attempts } = await traced(
        trace,
        () =>
          mintToken({
            options: this.#options,
            auth: this.#auth,
            events: this.#events,
            scopes: state.scopes,
            flight,
            signal: this.#closing.signal,
            trace,
          }),
        (minted) => minted.attempts,
      )
      await this.#cacheCall('set', () => this.#cache?.set(state.key, token))
      return { entry: token, attempts, minted: true }
    } finally {
      stopRenewing?.()
      if (lease) this.#release(lease)
    }
  }

  /**
   * The right to mint (the cache's lease, or none when the cache has no working lease), or the
   * token that the lease's holder elsewhere in the fleet wrote meanwhile. A holder renews its lease
   * while it retries, so we wait as long as it may still succeed; one that stops renewing (it
   * crashed) loses the lease within `leaseWaitMs`, and we take over.
   */
  async #claim(
    state: KeyState,
    flight: Flight,
    background: boolean,
  ): Promise<
    { written: CachedToken } | { written?: undefined; lease: TokenCacheLease | undefined }
  > {
    const cache = this.#cache
    const ttlMs = this.#options.leaseWaitMs
    if (!cache?.acquireLease || ttlMs === 0) return { lease: undefined }
    let giveUpAt: number | undefined
    for (let pause = 50; ; pause = Math.min(pause * 2, 250)) {
      let lease: TokenCacheLease | undefined
      try {
        lease = (await cache.acquireLease(state.key, ttlMs)) ?? undefined
      } catch (error) {
        // Without a working lease we mint ourselves rather than wait on a broken cache.
        this.#events.emit({ type: 'cacheError', operation: 'lease', error })
        return { lease: undefined }
      }
      if (lease) {
        // The previous holder may have written its token between our last read and our lease.
        const written = await this.#readShared(state, background)
        if (written) {
          this.#release(lease)
          return { written }
        }
        return { lease }
      }
      // A live holder ends within its own deadline; waiting longer than ours would break ours.
      giveUpAt ??= Date.now() + this.#options.deadlineMs
      if (Date.now() >= giveUpAt) throw this.#gaveUpWaiting()
      await flight.sleep(pause, this.#closing.signal)
      const written = await this.#readShared(state, background)
      if (written) return { written }
    }
  }

  /**
   * Renews `lease` every third of `leaseWaitMs` until stopped, so the fleet waits for our token
   * however long Stitch makes us retry. Returns the function that stops renewing.
   */
  #keepAlive(lease: TokenCacheLease): () => void {
    if (!lease.renew) return () => {}
    const ttlMs = this.#options.leaseWaitMs
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    const schedule = () => {
      timer = setTimeout(
        async () => {
          const kept = await this.#cacheCall('lease', () => lease.renew?.(ttlMs))
          // `false`: the lease ran out and may be someone else's; we finish our request anyway.
          if (!stopped && kept !== false) schedule()
        },
        Math.max(1, Math.floor(ttlMs / 3)),
      )
      // The token request keeps the process alive when it should; renewals never do.
      timer.unref?.()
    }
    schedule()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }

  #gaveUpWaiting(): StitchEndpointUnavailableError {
    return new StitchEndpointUnavailableError(
      `Waited ${this.#options.deadlineMs} ms (deadlineMs) for the token that another client ` +
        "holding the shared cache's lease is requesting from Stitch, and it has not written it.",
      { attempts: 0 },
    )
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
    this.#telemetry?.cacheHit?.('shared', state.scopes.scopes)
    return entry
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

const arrayJoin = Array.prototype.join

/** The items read once each, by index, into a plain array (holes read as `undefined`). */
function snapshot(scopes: readonly unknown[]): unknown[] {
  const items: unknown[] = []
  for (let index = 0; index < scopes.length; index++) items.push(scopes[index])
  return items
}

/**
 * The items joined by a space, or `undefined` unless every item is a string (then there is
 * nothing to look up). Joined by `Array.prototype.join` itself, so an array with a `join` of
 * its own cannot show the lookup another text than its items.
 */
function textOf(scopes: readonly unknown[]): string | undefined {
  if (!Array.isArray(scopes)) return undefined
  for (let index = 0; index < scopes.length; index++) {
    if (typeof scopes[index] !== 'string') return undefined
  }
  return scopes.length === 1 ? (scopes[0] as string) : arrayJoin.call(scopes, ' ')
}

function sameItems(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

/**
 * What a flight failed with, as a `StitchAuthError`. Stitch's failures already are one; anything
 * else is a bug or a failure of code we called (an injected clock, a signing library), not an
 * outage of Stitch: `STITCH_AUTH_INTERNAL`, not retryable, the original in `cause`. Its
 * message names only the error's class, since its own message may quote anything.
 */
function toStitchError(error: unknown): StitchAuthError {
  if (error instanceof StitchAuthError) return error
  const kind = error instanceof Error ? error.name : typeof error
  return new StitchAuthError(
    `Unexpected ${kind} while getting a Stitch token: a bug in stitch-auth or in code it called (see cause)`,
    { code: STITCH_AUTH_ERROR_CODES.INTERNAL, retryable: false, cause: error },
  )
}

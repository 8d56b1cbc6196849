// Turns core's events from both apps into the live panel's state, the event log and console
// lines. Events carry token previews only, so nothing here can leak a token.
import type { StitchAuthEvent, StitchAuthListener } from '@stitch-auth/core'
import type { AppName, DemoEvent, TokenPanelState } from './api-types.js'
import { clock, dim, green, red, say, yellow } from './terminal.js'

const LOG_SIZE = 40
// The scopes of the payments token the shop and the back office share through the cache.
const SHARED_SCOPES = 'client_paymentrequest'

type Level = DemoEvent['level']
type Source = DemoEvent['source']

export class TokenMonitor {
  readonly #now: () => number
  readonly #events: DemoEvent[] = []
  #nextId = 1
  #token: NonNullable<TokenPanelState['token']> | null = null
  #lastFetch: TokenPanelState['lastFetch'] = null
  #refreshing = new Set<AppName>()
  #minted: Record<AppName, number> = { express: 0, nestjs: 0 }
  #cacheHits = 0
  #sharedCacheReads = 0
  #refreshFailures = 0

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
  }

  /** Listens to one app's client; returns the unsubscribe function. */
  watch(app: AppName, client: { subscribe(listener: StitchAuthListener): () => void }): () => void {
    return client.subscribe((event) => this.#onEvent(app, event))
  }

  /** Adds a line to the event log and the console; `detail` goes to the console only. */
  note(source: Source, level: Level, text: string, detail?: string): void {
    const at = this.#now()
    this.#events.unshift({ id: this.#nextId++, at, source, level, text })
    if (this.#events.length > LOG_SIZE) this.#events.length = LOG_SIZE
    const paint =
      level === 'error' ? red : level === 'warn' ? yellow : level === 'success' ? green : dim
    say(`${dim(clock(at))} ${dim(source.padEnd(9))} ${paint(text)}${detail ? `: ${detail}` : ''}`)
  }

  get tokensMinted(): number {
    return this.#minted.express + this.#minted.nestjs
  }

  get cacheHits(): number {
    return this.#cacheHits
  }

  snapshot(
    simulator: TokenPanelState['simulator'],
    webhooks: TokenPanelState['webhooks'],
  ): TokenPanelState {
    const now = this.#now()
    const token = this.#token
    return {
      serverNow: now,
      token:
        token && token.status === 'valid' && now >= token.expiresAt
          ? { ...token, status: 'expired' }
          : token,
      counters: {
        tokensMinted: this.tokensMinted,
        mintedBy: { ...this.#minted },
        cacheHits: this.#cacheHits,
        sharedCacheReads: this.#sharedCacheReads,
        refreshFailures: this.#refreshFailures,
      },
      lastFetch: this.#lastFetch,
      refreshing: this.#refreshing.size > 0,
      simulator,
      webhooks,
      events: [...this.#events],
    }
  }

  #onEvent(app: AppName, event: StitchAuthEvent): void {
    switch (event.type) {
      case 'tokenMinted': {
        this.#minted[app]++
        this.#refreshing.delete(app)
        const how = event.background
          ? 'in the background (refresh-ahead: no caller waited)'
          : `while a caller waited ${event.durationMs} ms`
        const tries = event.attempts > 1 ? ` after ${event.attempts} attempts` : ''
        const lives = `lives ${Math.round(event.lifetimeMs / 1000)} s`
        // The panel follows the token both apps share; the back office's refund token (other
        // scopes, so another token) is only logged.
        if (event.scopes.join(' ') !== SHARED_SCOPES) {
          const scopes = event.scopes.join(' ')
          this.note(
            app,
            'success',
            `Minted token ${event.tokenPreview} for ${scopes} (${lives}) ${how}${tries}`,
          )
          return
        }
        const at = this.#now()
        this.#token = {
          preview: event.tokenPreview,
          scopes: [...event.scopes],
          issuedAt: event.expiresAt.getTime() - event.lifetimeMs,
          expiresAt: event.expiresAt.getTime(),
          status: 'valid',
        }
        this.#lastFetch = {
          at,
          app,
          background: event.background,
          durationMs: event.durationMs,
          attempts: event.attempts,
        }
        this.note(app, 'success', `Minted token ${event.tokenPreview} (${lives}) ${how}${tries}`)
        return
      }
      case 'cacheHit':
        this.#cacheHits++
        if (event.source === 'cache') {
          this.#sharedCacheReads++
          this.#refreshing.delete(app)
          this.note(app, 'info', 'Took the token from the shared cache: no request to Stitch')
        }
        return
      case 'refreshStarted':
        this.#refreshing.add(app)
        this.note(
          app,
          'info',
          `Refresh-ahead started; the cached token is still served (expires in ${seconds(event.expiresInMs)} s)`,
        )
        return
      case 'refreshFailed':
        this.#refreshing.delete(app)
        this.#refreshFailures++
        this.note(
          app,
          'warn',
          `Background refresh failed (${event.error.code}); still serving the cached token, next try in ${seconds(event.nextAttemptInMs)} s`,
        )
        return
      case 'retryScheduled':
        this.note(
          app,
          'warn',
          `Token request failed${event.status ? ` with HTTP ${event.status}` : ''}; retry in ${event.delayMs} ms`,
        )
        return
      case 'requestFailed':
        this.#refreshing.delete(app)
        this.note(app, 'error', `Could not get a token: ${event.error.code}`)
        return
      case 'tokenInvalidated':
        if (this.#token?.preview === event.tokenPreview) {
          this.#token = { ...this.#token, status: 'rejected' }
        }
        this.note(
          app,
          'warn',
          event.reason === 'unauthenticated'
            ? `Stitch rejected token ${event.tokenPreview} (UNAUTHENTICATED): dropped it, retrying once with a new one`
            : `Dropped token ${event.tokenPreview}`,
        )
        return
      case 'credentialsRotated':
        this.note(
          app,
          'warn',
          'Stitch refused the client secret; read it again, found a rotated one, and retried with it',
        )
        return
      case 'cacheError':
        this.note(app, 'error', `The token cache failed (${event.operation})`)
        return
      case 'cacheMiss':
        return
    }
  }
}

const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000))

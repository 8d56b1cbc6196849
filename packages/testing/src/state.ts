import type { RegisteredClient } from './clients.js'
import { FIXTURE_BUSINESSES, type SimulatedBusiness } from './stitch/business-lookup.js'
import type { SimulatedPaymentConsentRequest } from './stitch/consents.js'
import type { SimulatedDisbursement } from './stitch/disbursements.js'
import type { SimulatedUpload } from './stitch/images.js'
import type { SimulatedPaymentAuthorizationRequest } from './stitch/payment-authorization.js'
import type { SimulatedPaymentRequest } from './stitch/payment-requests.js'
import type { SimulatedRefund } from './stitch/refunds.js'
import { FIXTURE_BANK_ACCOUNTS, type SimulatedBankAccount } from './stitch/verification.js'
import type { SimulatedWebhookEndpoint } from './stitch/webhook-endpoints.js'
import type {
  ApiRequestLogEntry,
  SimulatorStats,
  TokenRequestLogEntry,
  TokenRequestOutcome,
} from './types.js'

export interface IssuedToken {
  readonly clientId: string
  readonly scopes: ReadonlySet<string>
  /** Epoch ms on the simulator's clock. */
  expiresAt: number
}

/**
 * A change of state that Stitch tells subscribers about (a webhook): a payment request paid,
 * cancelled or expired, a refund's, disbursement's or consent request's new status. The
 * object is the live one, read at once by listeners (which copy what they keep).
 */
export type StateChange =
  | { kind: 'payment-request'; paymentRequest: SimulatedPaymentRequest }
  | { kind: 'refund'; refund: SimulatedRefund }
  | { kind: 'disbursement'; disbursement: SimulatedDisbursement }
  | { kind: 'payment-consent-request'; paymentConsentRequest: SimulatedPaymentConsentRequest }

export interface StateSettings {
  tokenLifetimeSeconds: number
  clockOffsetMs: number
  assertionLeewaySeconds: number
  unauthenticatedStatus: 200 | 401
  requestLogLimit: number
}

const OUTCOMES: readonly TokenRequestOutcome[] = [
  'issued',
  'invalid_client',
  'invalid_request',
  'invalid_scope',
  'unsupported_grant_type',
  'unauthorized_client',
  'fault',
]

// Expired tokens and used jtis are dropped only when a map has doubled since the last sweep,
// which keeps issuing O(1) amortized even in long benchmarks.
const MIN_SWEEP_SIZE = 1024

const MAX_TIMER_MS = 2 ** 31 - 1

/** Everything the endpoints share; one instance per simulator, no module-level state. */
export class SimulatorState {
  readonly settings: StateSettings
  readonly clients = new Map<string, RegisteredClient>()
  readonly tokens = new Map<string, IssuedToken>()
  readonly paymentRequests = new Map<string, SimulatedPaymentRequest>()
  readonly refunds = new Map<string, SimulatedRefund>()
  readonly disbursements = new Map<string, SimulatedDisbursement>()
  /** Nonces used so far, per client and mutation: Stitch refuses a reused one. */
  readonly usedNonces = new Set<string>()
  /** Accounts the simulated banks know, keyed by bank and account number, to verify against. */
  readonly bankAccounts = new Map<string, SimulatedBankAccount>(FIXTURE_BANK_ACCOUNTS)
  /** The simulated business registry, keyed by registration country and number. */
  readonly businesses = new Map<string, SimulatedBusiness>(FIXTURE_BUSINESSES)
  readonly paymentAuthorizationRequests = new Map<string, SimulatedPaymentAuthorizationRequest>()
  readonly paymentConsentRequests = new Map<string, SimulatedPaymentConsentRequest>()
  /** Uploaded images by id; served without authorization, as Stitch serves them. */
  readonly uploads = new Map<string, SimulatedUpload>()
  readonly webhookEndpoints = new Map<string, SimulatedWebhookEndpoint>()
  baseUrl = ''
  readonly #changeListeners = new Set<(change: StateChange) => void>()
  readonly #timers = new Set<NodeJS.Timeout>()
  #timersStopped = false
  #usedJtis = new Map<string, number>()
  #tokenSweepAt = MIN_SWEEP_SIZE
  #jtiSweepAt = MIN_SWEEP_SIZE
  #log: TokenRequestLogEntry[] = []
  #apiLog: ApiRequestLogEntry[] = []
  #stats = emptyCounters()

  constructor(settings: StateSettings) {
    this.settings = settings
  }

  get tokenUrl(): string {
    return `${this.baseUrl}/connect/token`
  }

  /** The simulator's clock, read at call time so offset changes apply at once. */
  now(): number {
    return Date.now() + this.settings.clockOffsetMs
  }

  /** Calls `listener` on every {@link StateChange}; returns the function that stops it. */
  onChange(listener: (change: StateChange) => void): () => void {
    this.#changeListeners.add(listener)
    return () => this.#changeListeners.delete(listener)
  }

  /** Tells the listeners; called by the domains' state transitions. */
  changed(change: StateChange): void {
    for (const listener of this.#changeListeners) listener(change)
  }

  /**
   * Runs `run` after `ms` on an unref'd timer (it never keeps the process alive), unless
   * `stopTimers()` (the simulator's close) comes first. Returns the function that cancels it.
   */
  later(ms: number, run: () => void): () => void {
    if (this.#timersStopped) return () => {}
    // setTimeout fires at once for delays past 2^31 - 1 ms; callers re-check and wait again.
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer)
        run()
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    )
    timer.unref()
    this.#timers.add(timer)
    return () => {
      clearTimeout(timer)
      this.#timers.delete(timer)
    }
  }

  /** Cancels every timer `later` set, and refuses new ones. */
  stopTimers(): void {
    this.#timersStopped = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  findLiveToken(accessToken: string): IssuedToken | undefined {
    const token = this.tokens.get(accessToken)
    return token !== undefined && token.expiresAt > this.now() ? token : undefined
  }

  addToken(accessToken: string, token: IssuedToken): void {
    if (this.tokens.size >= this.#tokenSweepAt) {
      const now = this.now()
      for (const [key, value] of this.tokens) if (value.expiresAt <= now) this.tokens.delete(key)
      this.#tokenSweepAt = Math.max(MIN_SWEEP_SIZE, this.tokens.size * 2)
    }
    this.tokens.set(accessToken, token)
  }

  /** Records a jti; false when this client already used it (a replay). */
  useJti(clientId: string, jti: string, keepUntil: number): boolean {
    const key = `${clientId}\u0000${jti}`
    if (this.#usedJtis.has(key)) return false
    if (this.#usedJtis.size >= this.#jtiSweepAt) {
      const now = this.now()
      for (const [k, until] of this.#usedJtis) if (until <= now) this.#usedJtis.delete(k)
      this.#jtiSweepAt = Math.max(MIN_SWEEP_SIZE, this.#usedJtis.size * 2)
    }
    this.#usedJtis.set(key, keepUntil)
    return true
  }

  recordTokenRequest(entry: TokenRequestLogEntry): void {
    const counters = this.#stats.tokenRequests
    counters.total++
    counters.byOutcome[entry.outcome]++
    if (entry.clientId !== undefined) {
      counters.byClient[entry.clientId] = (counters.byClient[entry.clientId] ?? 0) + 1
    }
    appendBounded(this.#log, entry, this.settings.requestLogLimit)
  }

  recordApiRequest(entry: ApiRequestLogEntry): void {
    appendBounded(this.#apiLog, entry, this.settings.requestLogLimit)
  }

  get apiLog(): readonly ApiRequestLogEntry[] {
    return [...this.#apiLog]
  }

  countApiCall(kind: 'ok' | 'unauthenticated' | 'forbidden' | 'faulted'): void {
    const api = this.#stats.apiCalls
    api.total++
    if (kind !== 'ok') api[kind]++
  }

  get log(): readonly TokenRequestLogEntry[] {
    return [...this.#log]
  }

  snapshot(): SimulatorStats {
    const now = this.now()
    let liveTokens = 0
    for (const token of this.tokens.values()) if (token.expiresAt > now) liveTokens++
    const { tokenRequests, apiCalls } = this.#stats
    return {
      tokenRequests: {
        total: tokenRequests.total,
        byClient: { ...tokenRequests.byClient },
        byOutcome: { ...tokenRequests.byOutcome },
      },
      apiCalls: { ...apiCalls },
      liveTokens,
    }
  }

  resetStats(): void {
    this.#stats = emptyCounters()
    this.#log = []
    this.#apiLog = []
  }
}

/** Keeps a log to its newest `limit` entries, so long benchmarks don't grow it without bound. */
function appendBounded<T>(log: T[], entry: T, limit: number): void {
  log.push(Object.freeze(entry))
  if (log.length > limit) log.splice(0, log.length - limit)
}

function emptyCounters(): Omit<SimulatorStats, 'liveTokens'> {
  return {
    tokenRequests: {
      total: 0,
      // No prototype: a client id such as "__proto__" must be counted, not change the object.
      byClient: Object.create(null) as Record<string, number>,
      byOutcome: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<
        TokenRequestOutcome,
        number
      >,
    },
    apiCalls: { total: 0, unauthenticated: 0, forbidden: 0, faulted: 0 },
  }
}

// The page's "break Stitch" buttons, acting on the local simulator, and what it saw.
import type { FaultHandle, StitchSimulator } from '@stitch-auth/testing'
import type { SimulatorActivity, TokenPanelState } from './api-types.js'
import type { TokenMonitor } from './token-monitor.js'

export const OUTAGE_SECONDS = 30
const OUTAGE_STATUS = 503
// Short enough that core retries within its deadline, so the log shows retries and backoff.
const OUTAGE_RETRY_AFTER_SECONDS = 2

export class SimulatorControls {
  readonly #sim: StitchSimulator
  readonly #monitor: TokenMonitor
  #outage: { handle: FaultHandle; endsAt: number; timer: NodeJS.Timeout } | undefined

  constructor(sim: StitchSimulator, monitor: TokenMonitor) {
    this.#sim = sim
    this.#monitor = monitor
  }

  /** The token endpoint answers 503 + Retry-After for the next `seconds`. */
  startOutage(seconds = OUTAGE_SECONDS): string {
    this.#clearOutage()
    const durationMs = seconds * 1000
    const handle = this.#sim.fault({
      endpoint: 'token',
      status: OUTAGE_STATUS,
      retryAfter: OUTAGE_RETRY_AFTER_SECONDS,
      durationMs,
    })
    const timer = setTimeout(() => {
      this.#outage = undefined
      this.#monitor.note('simulator', 'info', 'Token endpoint is back up')
    }, durationMs)
    timer.unref()
    this.#outage = { handle, endsAt: Date.now() + durationMs, timer }
    const message = `Token endpoint down for ${seconds} s: it answers ${OUTAGE_STATUS} with Retry-After: ${OUTAGE_RETRY_AFTER_SECONDS}`
    this.#monitor.note('simulator', 'warn', message)
    return message
  }

  endOutage(): string {
    const had = this.#clearOutage()
    const message = had ? 'Outage ended early: token endpoint is back up' : 'No outage to end'
    if (had) this.#monitor.note('simulator', 'info', message)
    return message
  }

  /** Stitch treats every token issued so far as expired; clients learn it on their next API call. */
  expireTokens(): string {
    this.#sim.expireAllTokens()
    const message =
      'Stitch now treats the cached token as expired; the next API call gets UNAUTHENTICATED'
    this.#monitor.note('simulator', 'warn', message)
    return message
  }

  info(): NonNullable<TokenPanelState['simulator']> {
    const stats = this.#sim.stats
    const outage = this.#outage
    return {
      tokenRequests: stats.tokenRequests.total,
      tokenRequestsRefused: stats.tokenRequests.byOutcome.fault,
      apiCalls: stats.apiCalls.total,
      outage:
        outage?.handle.active && outage.endsAt > Date.now()
          ? { endsAt: outage.endsAt, status: OUTAGE_STATUS }
          : null,
    }
  }

  /** The simulator's records, to check what reached "Stitch" (the demo's test reads them). */
  activity(): SimulatorActivity {
    const sim = this.#sim
    return {
      paymentRequests: sim.paymentRequests.map(({ id, state }) => ({ id, status: state.type })),
      refunds: sim.refunds.map(({ id, paymentRequestId, nonce, amount, status }) => ({
        id,
        paymentRequestId,
        nonce,
        amount: `${amount.quantity} ${amount.currency}`,
        status: status.type,
      })),
      apiCalls: sim.apiRequests.map(({ operationName, scopes, outcome }) => ({
        operationName: operationName ?? null,
        scopes: scopes ?? [],
        outcome,
      })),
    }
  }

  dispose(): void {
    this.#clearOutage()
  }

  #clearOutage(): boolean {
    const outage = this.#outage
    if (!outage) return false
    clearTimeout(outage.timer)
    outage.handle.clear()
    this.#outage = undefined
    return true
  }
}

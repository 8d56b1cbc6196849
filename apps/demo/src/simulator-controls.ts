// The page's "break Stitch" buttons, acting on the local simulator, and what it saw.
import type { FaultHandle, StitchSimulator } from '@stitch-auth/testing'
import type { SimulatorActivity, TokenPanelState } from './api-types.js'
import type { TokenMonitor } from './token-monitor.js'

export const OUTAGE_SECONDS = 30
const OUTAGE_STATUS = 503
// Short enough that core retries within its deadline, so the log shows retries and backoff.
const OUTAGE_RETRY_AFTER_SECONDS = 2
// How long the simulated Stitch takes to submit a refund to the bank, then to complete it.
const REFUND_SUBMITTED_AFTER_MS = 1500
const REFUND_COMPLETED_AFTER_MS = 3000

export class SimulatorControls {
  readonly #sim: StitchSimulator
  readonly #monitor: TokenMonitor
  #outage: { handle: FaultHandle; endsAt: number; timer: NodeJS.Timeout } | undefined
  readonly #timers = new Set<NodeJS.Timeout>()

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

  /**
   * Plays Stitch's processing of a new refund: submitted, then completed a moment later. Each
   * move sends a `refund` webhook to the shop's endpoint.
   */
  processRefund(id: string): void {
    const move = (after: number, type: 'submitted' | 'completed') => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        try {
          this.#sim.setRefundStatus(id, { type })
        } catch (error) {
          // Moved on by someone else meanwhile: nothing to play.
          this.#monitor.note('simulator', 'warn', `Refund ${id} not ${type}: ${String(error)}`)
        }
      }, after)
      timer.unref()
      this.#timers.add(timer)
    }
    move(REFUND_SUBMITTED_AFTER_MS, 'submitted')
    move(REFUND_COMPLETED_AFTER_MS, 'completed')
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
      webhookDeliveries: sim.webhookDeliveries.map(({ id, type, body, status, attempts }) => ({
        id,
        type,
        ...aboutObject(body),
        status,
        attempts: attempts.map((attempt) => ({ status: attempt.status ?? null, ok: attempt.ok })),
      })),
    }
  }

  dispose(): void {
    this.#clearOutage()
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
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

/** The object a webhook body is about: `{ data: { client: { <edge>: { node } } } }`. */
function aboutObject(body: string): { objectId: string | null; state: string | null } {
  try {
    const client = (JSON.parse(body) as { data?: { client?: Record<string, unknown> } }).data
      ?.client
    const edge = Object.values(client ?? {})[0] as
      | {
          node?: {
            id?: unknown
            state?: { __typename?: unknown }
            status?: { __typename?: unknown }
          }
        }
      | undefined
    const node = edge?.node
    const state = node?.state?.__typename ?? node?.status?.__typename
    return {
      objectId: typeof node?.id === 'string' ? node.id : null,
      state: typeof state === 'string' ? state : null,
    }
  } catch {
    return { objectId: null, state: null }
  }
}

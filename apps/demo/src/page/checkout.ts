// The checkout page's script. `@stitch-auth/browser/browser.js` is the package's self-contained
// ESM build; the shop serves it at /vendor/stitch-proxy-client.browser.js and the build points
// this import there rather than bundling it.
import { createStitchProxyClient, isStitchProxyError } from '@stitch-auth/browser/browser.js'
import type {
  BackOfficeRefund,
  ControlAnswer,
  DemoEvent,
  DemoPageConfig,
  ShopOrder,
  TokenPanelState,
  WhoamiAnswer,
} from '../api-types.js'
import type { ShopOperations } from '../shop.js'
import { FALLBACK_AFTER_MS, type StatusSource, watchPayment } from './order-watch.js'

// Typed from the server's operations: input and output of each call are checked at build time.
const api = createStitchProxyClient<ShopOperations>({ baseUrl: '/stitch' })

const STATE_EVERY_MS = 1000
const WHOAMI_EVERY_MS = 5000
const SOURCE_NAMES: Record<DemoEvent['source'], string> = {
  express: 'Express',
  nestjs: 'NestJS',
  shop: 'Shop',
  simulator: 'Simulator',
  webhook: 'Webhook',
}

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id)
  if (!found) throw new Error(`#${id} is missing from the page`)
  return found as T
}

const rand = (amount: number) => `R ${amount.toFixed(2)}`
const time = (at: number) => new Date(at).toLocaleTimeString('en-GB', { hour12: false })

let config: DemoPageConfig | undefined
let price = 0
let orderNumber = 1000 + Math.floor(Math.random() * 9000)
let currentPayment: string | undefined
/** The payment whose outcome the page waits for; cleared once the page settled it itself. */
let watching: string | undefined
let lastEventId = -1
let tokenKnown = false

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { cache: 'no-store', ...init })
  const body = (await response.json()) as T & { error?: { message?: string } }
  if (!response.ok) throw new Error(body.error?.message ?? `${url} answered ${response.status}`)
  return body
}

// --- Checkout -----------------------------------------------------------------------------

function showConfig(loaded: DemoPageConfig): void {
  config = loaded
  const { product } = loaded.shop
  price = product.price * product.quantity
  el('shop-name').textContent = loaded.shop.name
  el('product-name').textContent = product.name
  el('product-description').textContent = product.description
  el('product-quantity').textContent = String(product.quantity)
  el('product-price').textContent = rand(price)
  el('subtotal').textContent = rand(price)
  el('total').textContent = rand(price)
  el('pay-label').textContent = `Pay ${rand(price)} with Stitch`

  const badge = el('mode-badge')
  if (loaded.stitch === 'simulator') {
    badge.textContent = `Local Stitch simulator · ${loaded.tokenLifetimeSeconds} s tokens`
  } else {
    badge.textContent = `Real Stitch · client ${loaded.clientId}`
    badge.classList.add('real')
  }
  if (!loaded.webhooks) {
    el<HTMLButtonElement>('webhook-outage').disabled = true
  }
  if (!loaded.controls) {
    el<HTMLButtonElement>('outage').disabled = true
    el<HTMLButtonElement>('expire').disabled = true
    el('controls-note').textContent =
      'The demo is talking to real Stitch, so it cannot take Stitch down or expire tokens: those two buttons work with the local simulator (run without STITCH_CLIENT_ID).'
  }
}

function nextReference(): void {
  orderNumber++
  el<HTMLInputElement>('order-reference').value = `KT-${orderNumber}`
}

async function pay(): Promise<void> {
  const button = el<HTMLButtonElement>('pay')
  const input = el<HTMLInputElement>('order-reference')
  button.disabled = true
  button.setAttribute('aria-busy', 'true')
  el('pay-label').textContent = 'Creating the payment request…'
  input.removeAttribute('aria-invalid')
  try {
    const reference = input.value
    const payment = await api.createPaymentRequest({ amount: price, reference })
    showPayment(payment.id, payment.url, reference.trim())
    nextReference()
    void refreshWhoami()
  } catch (error) {
    showError(error)
  } finally {
    button.disabled = false
    button.removeAttribute('aria-busy')
    el('pay-label').textContent = `Pay ${rand(price)} with Stitch`
  }
}

function showPayment(id: string, url: string, reference: string): void {
  showNote('')
  const result = el('result')
  result.hidden = false
  result.classList.remove('error')
  el('result-ok').hidden = false
  el('result-error').hidden = true
  el('result-reference').textContent = reference
  const link = el<HTMLAnchorElement>('payment-link')
  link.href = url
  link.textContent = url
  el<HTMLAnchorElement>('open-pay-page').href = url
  showStatus('pending')
  currentPayment = id
  watching = id
  void watchPayment({
    webhooks: config?.webhooks === true,
    order: () =>
      getJson<ShopOrder>(`/api/orders/${encodeURIComponent(id)}`).then((order) => order.status),
    stitch: () => api.paymentStatus({ id }).then((answer) => answer.status),
    current: () => watching === id,
    show: (status, source) => showStatus(status, source),
  })
}

/** The payment's line; `source` says who told the page: a webhook, or a poll of Stitch. */
function showStatus(status: string, source?: StatusSource): void {
  const line = el('payment-status')
  const text: Record<string, string> = {
    pending: 'Waiting for the payer…',
    completed: 'Paid ✓',
    cancelled: 'Cancelled by the payer',
    expired: 'Expired',
  }
  line.textContent = `${text[status] ?? `Status: ${status}`}${source ? ` (${source})` : ''}`
  line.dataset.source = source ?? ''
  line.title =
    source === 'webhook'
      ? "Stitch's webhook told the shop; the page read it from the shop's order store"
      : source === 'polled'
        ? `No webhook settled it within ${FALLBACK_AFTER_MS / 1000} s, so the page asked Stitch`
        : ''
  line.className = `status ${status === 'pending' ? 'pending' : status === 'completed' ? 'completed' : 'failed'}`
  el('cancel-payment').hidden = status !== 'pending'
  const refund = el<HTMLButtonElement>('refund')
  refund.hidden = status !== 'completed'
  if (status === 'completed' && !config?.refunds) {
    refund.disabled = true
    showNote(
      "Refunds are off: the back office's Stitch client has no client_refund scope here (set STITCH_REFUNDS=1 if it has).",
      'warn',
    )
  }
}

/** A line under the payment: what cancel or refund did. */
function showNote(text: string, tone: 'ok' | 'warn' | 'bad' = 'ok'): void {
  const note = el('payment-note')
  note.hidden = text === ''
  note.textContent = text
  note.className = `payment-note ${tone}`
}

/** The payer changes their mind: the shop's proxy cancels the request (its own only). */
async function cancelPayment(): Promise<void> {
  const id = currentPayment
  if (!id) return
  const button = el<HTMLButtonElement>('cancel-payment')
  button.disabled = true
  try {
    await api.cancelPayment({ id })
    if (currentPayment === id) {
      // The page knows: it need not wait for the webhook (which the log still shows).
      if (watching === id) watching = undefined
      showStatus('cancelled')
    }
  } catch (error) {
    showNote(`Could not cancel: ${error instanceof Error ? error.message : String(error)}`, 'bad')
  } finally {
    button.disabled = false
  }
  void refreshState()
}

// A repeat is refused, not made twice: Stitch refuses the same nonce again (409 from
// StitchAuthExceptionFilter).
const ALREADY_REFUNDED = new Set(['STITCH_AUTH_API_NONCE_REUSED'])

/** Staff refund a paid order: the back office (NestJS) does it on the server, never this proxy. */
async function refundPayment(): Promise<void> {
  const id = currentPayment
  if (!config || !id) return
  const button = el<HTMLButtonElement>('refund')
  button.disabled = true
  button.setAttribute('aria-busy', 'true')
  try {
    const response = await fetch(`${config.nestPaymentsUrl}/${encodeURIComponent(id)}/refund`, {
      method: 'POST',
      cache: 'no-store',
      // A custom header: the back office refuses cross-site forms, which cannot send one.
      headers: { 'x-demo-control': '1' },
    })
    const body = (await response.json()) as BackOfficeRefund & {
      error?: { code?: string; message?: string }
    }
    if (response.ok) {
      showNote(`Refunded R ${body.amount.quantity}: refund ${body.id} is ${body.status}.`)
    } else if (ALREADY_REFUNDED.has(body.error?.code ?? '')) {
      showNote('Already refunded: the back office did not refund it twice.', 'warn')
    } else {
      showNote(`Refund failed: ${body.error?.message ?? `HTTP ${response.status}`}`, 'bad')
    }
  } catch {
    showNote('The back office did not answer. Is the demo still running?', 'bad')
  } finally {
    button.disabled = false
    button.removeAttribute('aria-busy')
  }
  void refreshState()
}

function showError(error: unknown): void {
  currentPayment = undefined
  watching = undefined
  const result = el('result')
  result.hidden = false
  result.classList.add('error')
  el('result-ok').hidden = true
  el('result-error').hidden = false
  let text = error instanceof Error ? error.message : String(error)
  if (isStitchProxyError(error)) {
    if (error.kind === 'rejected' && error.code === 'invalid_input') {
      el<HTMLInputElement>('order-reference').setAttribute('aria-invalid', 'true')
      text = `Check the order: ${error.issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}.`
    } else if (error.kind === 'server') {
      const wait =
        error.retryAfterMs === undefined ? '' : ` Try again in ${error.retryAfterMs / 1000} s.`
      text = `Stitch is unavailable right now (HTTP ${error.status}, ${error.code}): the cached token had expired and a new one could not be minted.${wait}`
    } else if (error.kind === 'network' || error.kind === 'timeout') {
      text = "The shop's server did not answer. Is the demo still running?"
    }
  }
  el('error-text').textContent = text
}

// --- Live token panel ---------------------------------------------------------------------

function renderState(state: TokenPanelState): void {
  const { token, counters, lastFetch, simulator } = state
  tokenKnown = token !== null

  const preview = el('token-preview')
  const pill = el('token-status')
  const bar = el('lifetime-bar')
  if (token) {
    const left = Math.max(0, Math.round((token.expiresAt - state.serverNow) / 1000))
    const lifetime = Math.max(1, (token.expiresAt - token.issuedAt) / 1000)
    preview.textContent = token.preview
    const status = token.status === 'valid' && state.refreshing ? 'refreshing' : token.status
    pill.className = `pill ${status}`
    pill.textContent = {
      valid: 'valid',
      refreshing: 'refreshing ahead…',
      expired: 'expired',
      rejected: 'rejected by Stitch',
    }[status]
    el('expires-in').textContent =
      token.status === 'rejected' ? 'rejected: the next call mints a new one' : `${left} s`
    el('scopes').textContent = token.scopes.join(' ')
    bar.style.width = token.status === 'valid' ? `${Math.min(100, (left / lifetime) * 100)}%` : '0'
    bar.classList.toggle('low', left / lifetime < 0.35)
  } else {
    preview.textContent = 'no token yet'
    pill.className = 'pill none'
    pill.textContent = 'pay to mint one'
    el('expires-in').textContent = '—'
    el('scopes').textContent = '—'
    bar.style.width = '0'
  }

  el('last-fetch').textContent = lastFetch
    ? `${time(lastFetch.at)} · ${lastFetch.background ? 'background refresh-ahead, nobody waited' : `a request waited ${lastFetch.durationMs} ms`}${lastFetch.attempts > 1 ? ` · ${lastFetch.attempts} attempts` : ''} (${lastFetch.app === 'nestjs' ? 'NestJS' : 'Express'})`
    : '—'

  el('minted').textContent = String(counters.tokensMinted)
  el('minted-by').textContent =
    `Express ${counters.mintedBy.express} · Nest ${counters.mintedBy.nestjs}`
  el('cache-hits').textContent = String(counters.cacheHits)
  el('shared-reads').textContent = `${counters.sharedCacheReads} via shared cache`
  el('sim-token-requests').textContent = simulator ? String(simulator.tokenRequests) : 'n/a'
  el('sim-refused').textContent = !simulator
    ? 'not counted'
    : simulator.tokenRequestsRefused > 0
      ? `${simulator.tokenRequestsRefused} refused (503)`
      : 'seen by Stitch'
  el('sim-api-calls').textContent = simulator ? String(simulator.apiCalls) : 'n/a'

  const banner = el('outage-banner')
  const outage = simulator?.outage
  banner.hidden = !outage
  el<HTMLButtonElement>('outage').disabled = !config?.controls || Boolean(outage)
  if (outage) {
    const left = Math.max(0, Math.ceil((outage.endsAt - state.serverNow) / 1000))
    el('outage-text').textContent =
      `Stitch's token endpoint is down (HTTP ${outage.status}) for ${left} s more.`
    el('outage-effect').textContent =
      token?.status === 'valid'
        ? 'Payments keep working on the cached token.'
        : 'No valid token is cached, so payments fail until it is back.'
  }

  renderWebhooks(state.webhooks, state.serverNow)
  renderEvents(state.events)
}

function renderWebhooks(hooks: TokenPanelState['webhooks'], serverNow: number): void {
  const line = el('webhook-state')
  el<HTMLButtonElement>('webhook-outage').disabled = hooks.mode === 'off' || hooks.outage !== null
  line.classList.toggle('warn', hooks.outage !== null)
  if (hooks.mode === 'off') {
    line.textContent =
      'Webhooks are off (real Stitch without STITCH_WEBHOOK_SECRET): the page asks Stitch for the status instead.'
  } else if (hooks.outage) {
    const left = Math.max(0, Math.ceil((hooks.outage.endsAt - serverNow) / 1000))
    line.textContent = `The shop's webhook endpoint answers ${hooks.outage.status} for ${left} s more: Stitch retries, and the page asks Stitch once ${FALLBACK_AFTER_MS / 1000} s pass without a webhook.`
  } else {
    line.textContent = `Webhooks at /webhooks/stitch: ${hooks.received} received, ${hooks.refused} refused.`
  }
}

function renderEvents(events: readonly DemoEvent[]): void {
  const newest = events[0]?.id ?? 0
  if (newest === lastEventId) return
  lastEventId = newest
  const list = el('events')
  if (events.length === 0) {
    const empty = document.createElement('li')
    empty.className = 'empty'
    empty.textContent = 'Nothing yet: pay, then try to break Stitch.'
    list.replaceChildren(empty)
    return
  }
  list.replaceChildren(
    ...events.map((event) => {
      const item = document.createElement('li')
      const at = document.createElement('time')
      at.dateTime = new Date(event.at).toISOString()
      at.textContent = time(event.at)
      const source = document.createElement('span')
      source.className = `source ${event.source}`
      source.textContent = SOURCE_NAMES[event.source]
      const text = document.createElement('span')
      text.className = event.level
      text.textContent = event.text
      item.append(at, source, text)
      return item
    }),
  )
}

async function refreshState(): Promise<void> {
  try {
    renderState(await getJson<TokenPanelState>('/api/token-state'))
  } catch {
    el('token-status').className = 'pill expired'
    el('token-status').textContent = 'demo server not answering'
  }
}

async function pollState(): Promise<void> {
  await refreshState()
  setTimeout(pollState, STATE_EVERY_MS)
}

/** Asks both apps which token they hold: the same one, from the shared cache. */
async function refreshWhoami(): Promise<void> {
  if (!config || !tokenKnown) return
  const ask = (url: string) =>
    getJson<WhoamiAnswer>(url).then(
      (answer) => answer.tokenPreview,
      () => 'unavailable',
    )
  const [express, nest] = await Promise.all([ask('/api/whoami'), ask(config.nestWhoamiUrl)])
  el('express-preview').textContent = express
  el('nest-preview').textContent = nest
  const verdict = el('shared-verdict')
  const same = express === nest && express !== 'unavailable'
  verdict.classList.toggle('same', same)
  verdict.textContent = same
    ? '✓ Same token in both apps: one mint, one shared cache'
    : express === 'unavailable' || nest === 'unavailable'
      ? 'An app could not get a token (is Stitch down and the token expired?)'
      : 'Different for a moment: NestJS picks up the new token from the shared cache at its next refresh.'
}

async function pollWhoami(): Promise<void> {
  await refreshWhoami()
  setTimeout(pollWhoami, WHOAMI_EVERY_MS)
}

// --- Simulator controls -------------------------------------------------------------------

async function control(method: 'POST' | 'DELETE', path: string): Promise<void> {
  try {
    await getJson<ControlAnswer>(path, { method, headers: { 'x-demo-control': '1' } })
  } catch (error) {
    el('controls-note').textContent = error instanceof Error ? error.message : String(error)
  }
  await refreshState()
}

async function start(): Promise<void> {
  el<HTMLInputElement>('order-reference').value = `KT-${orderNumber}`
  el('pay').addEventListener('click', () => void pay())
  el('cancel-payment').addEventListener('click', () => void cancelPayment())
  el('refund').addEventListener('click', () => void refundPayment())
  el('outage').addEventListener('click', () => void control('POST', '/api/simulator/outage'))
  el('end-outage').addEventListener('click', () => void control('DELETE', '/api/simulator/outage'))
  el('expire').addEventListener('click', () => void control('POST', '/api/simulator/expire-token'))
  el('webhook-outage').addEventListener('click', () => void control('POST', '/api/webhooks/outage'))
  el('order-reference').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') void pay()
  })
  showConfig(await getJson<DemoPageConfig>('/api/config'))
  await pollState()
  setTimeout(pollWhoami, WHOAMI_EVERY_MS)
  document.body.dataset.ready = 'true'
}

void start()

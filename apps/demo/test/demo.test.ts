// Runs the demo as a person would: `node` on the built entry, the URLs read from its output,
// the checkout page driven in real headless Chromium, then Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, expect, it } from 'vitest'
import type {
  ShopOrder,
  SimulatorActivity,
  TokenPanelState,
  WhoamiAnswer,
} from '../src/api-types.js'
import { SIMULATOR_CLIENT_SECRET } from '../src/config.js'
import { colourDistance, decodePng } from './png.js'

const DEMO_ROOT = fileURLToPath(new URL('..', import.meta.url))
const REPO_ROOT = join(DEMO_ROOT, '../..')
const ENTRY = join(DEMO_ROOT, 'dist/server/main.js')
const SCREENSHOT = join(REPO_ROOT, '.artifacts/demo/checkout.png')
const CHROMIUM = '/usr/bin/chromium'
const VIEWPORT = { width: 1280, height: 1080 }
// The pay button's --accent and the outage banner's --warn-bg in styles.css.
const PAY_BLUE = [0x1d, 0x4e, 0xd8]
const BANNER_AMBER = [0xfd, 0xe6, 0x8a]

let demo: RunningDemo | undefined
let browser: Browser | undefined

afterAll(async () => {
  await browser?.close()
  if (demo && demo.child.exitCode === null) demo.child.kill('SIGKILL')
})

it('serves a checkout that keeps taking payments through a Stitch outage on one shared token, learns of payments from webhooks (polling when they fail), cancels and refunds, and stops on Ctrl-C', async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install chromium`)
  }
  if (!existsSync(ENTRY)) {
    throw new Error(
      `${ENTRY} is missing: build first with pnpm turbo run build --filter=@stitch-auth/demo...`,
    )
  }

  // --- Start it as ./scripts/demo.sh does, on free ports ---
  demo = startDemo()
  await demo.waitFor(/Press Ctrl-C to stop/)
  const shopUrl = demo.find(/Open the shop\s+(http:\/\/127\.0\.0\.1:\d+)\//)
  const nestUrl = demo.find(/NestJS API\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/whoami/)
  const simUrl = demo.find(/Stitch\s+(http:\/\/127\.0\.0\.1:\d+)\s+local simulator/)
  const webhookUrl = demo.find(/Webhooks\s+(http:\/\/127\.0\.0\.1:\d+\/webhooks\/stitch)\s/)
  expect(webhookUrl).toBe(`${shopUrl}/webhooks/stitch`)
  // The page's URL is the first one printed.
  expect(demo.stdout.match(/http:\/\/\S+/)?.[0]).toBe(`${shopUrl}/`)

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
  const context = await browser.newContext({ viewport: VIEWPORT })
  const seen: Promise<string>[] = []
  context.on('response', (response) => {
    seen.push(
      response.text().then(
        (body) => `${response.url()}\n${body}`,
        () => '',
      ),
    )
  })
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text())
  })

  await page.goto(`${shopUrl}/`)
  await page.locator('body[data-ready="true"]').waitFor()
  // Subscribing the webhook endpoint at start was the first Stitch call: it minted the token.
  await expect.poll(() => page.locator('#minted').textContent()).toBe('1')
  const events = page.locator('#events')
  await expect
    .poll(() => events.textContent())
    .toMatch(/Subscribed \/webhooks\/stitch to payment and refund events/)
  const payButton = page.getByRole('button', { name: 'Pay R 150.00 with Stitch' })
  await expect.poll(() => page.getByLabel('Order reference').inputValue()).toMatch(/^KT-\d{4}$/)

  // --- Pay: a payment request, its link to the simulator's pay page ---
  await payButton.click()
  const link = page.locator('#payment-link')
  await expect.poll(() => link.getAttribute('href')).toMatch(new RegExp(`^${simUrl}/pay/[\\w-]+$`))
  const firstLink = await link.getAttribute('href')
  await expect.poll(() => page.locator('#minted').textContent()).toBe('1')
  const activity = () => getJson<SimulatorActivity>(`${shopUrl}/api/simulator/activity`)
  const deliveriesFor = async (objectId: string) =>
    (await activity()).webhookDeliveries.filter((delivery) => delivery.objectId === objectId)
  const order = (id: string) => getJson<ShopOrder>(`${shopUrl}/api/orders/${id}`)
  const paymentStatus = page.locator('#payment-status')

  // --- The payer cancels it from the checkout: the shop's cancelPayment operation ---
  const firstId = new URL(firstLink!).pathname.split('/').pop()!
  const cancelButton = page.getByRole('button', { name: 'Cancel payment' })
  await cancelButton.click()
  await expect.poll(() => paymentStatus.textContent()).toBe('Cancelled by the payer')
  await expect.poll(() => cancelButton.isHidden()).toBe(true)
  expect((await activity()).paymentRequests).toEqual([{ id: firstId, status: 'cancelled' }])
  // Stitch's `payment` webhook for the cancellation reached the shop, and the log shows it.
  await expect
    .poll(() => deliveriesFor(firstId))
    .toEqual([
      {
        id: expect.stringMatching(/^msg_/),
        type: 'payment',
        objectId: firstId,
        state: 'PaymentInitiationRequestCancelled',
        status: 'delivered',
        attempts: [{ status: 204, ok: true }],
      },
    ])
  expect(await order(firstId)).toMatchObject({ status: 'cancelled', source: 'webhook' })
  await expect
    .poll(() => events.textContent())
    .toMatch(/payment PaymentInitiationRequestCancelled: order KT-\d+ is cancelled \(msg_\w{6}…\)/)
  // The page settled it itself: the webhook does not rewrite its line.
  expect(await paymentStatus.textContent()).toBe('Cancelled by the payer')
  expect(await getJson(`${nestUrl}/api/payments/${firstId}`)).toEqual({
    id: firstId,
    status: 'cancelled',
    found: true,
  })
  // Only payment requests this shop created: any other id is refused before Stitch is called.
  const callsBefore = (await activity()).apiCalls.length
  expect(await post(`${shopUrl}/stitch/cancelPayment`, { id: 'someone-elses' })).toMatchObject({
    status: 403,
    body: { error: { code: 'forbidden' } },
  })
  expect((await activity()).apiCalls).toHaveLength(callsBefore)

  // --- Take Stitch's token endpoint down, pay again: the cached token carries it ---
  await page.getByRole('button', { name: 'Stitch token endpoint down for 30 s' }).click()
  const banner = page.locator('#outage-banner')
  await banner.waitFor({ state: 'visible' })
  await expect.poll(() => banner.textContent()).toMatch(/token endpoint is down \(HTTP 503\)/)
  await payButton.click()
  // Off the button, so its hover colour has faded by the screenshot.
  await page.mouse.move(VIEWPORT.width - 5, VIEWPORT.height - 5)
  await expect.poll(() => link.getAttribute('href')).not.toBe(firstLink)
  const secondLink = (await link.getAttribute('href'))!
  expect(secondLink).toMatch(new RegExp(`^${simUrl}/pay/[\\w-]+$`))
  await expect.poll(() => page.locator('#result-error').isHidden()).toBe(true)

  // One token for everything: minted once, then served from the cache.
  await expect.poll(() => page.locator('#minted').textContent()).toBe('1')
  await expect
    .poll(async () => Number(await page.locator('#cache-hits').textContent()))
    .toBeGreaterThan(0)
  await expect.poll(() => page.locator('#sim-token-requests').textContent()).toBe('1')

  // --- Express and NestJS hold the same token, through the shared MemoryTokenCache ---
  const fromExpress = await getJson<WhoamiAnswer>(`${shopUrl}/api/whoami`)
  const fromNest = await getJson<WhoamiAnswer>(`${nestUrl}/api/whoami`)
  expect(fromExpress.app).toBe('express')
  expect(fromNest.app).toBe('nestjs')
  expect(fromExpress.tokenPreview).toMatch(/^[\w-]{1,6}…$/)
  expect(fromNest.tokenPreview).toBe(fromExpress.tokenPreview)
  expect(fromNest.scopes).toEqual(['client_paymentrequest'])
  await expect
    .poll(() => page.locator('#token-preview').textContent())
    .toBe(fromExpress.tokenPreview)
  await expect
    .poll(() => page.locator('#nest-preview').textContent())
    .toBe(fromExpress.tokenPreview)
  await expect.poll(() => page.locator('#shared-verdict').textContent()).toMatch(/Same token/)

  // The NestJS service asks Stitch about the payment with that same token.
  const paymentId = new URL(secondLink).pathname.split('/').pop()!
  expect(await getJson(`${nestUrl}/api/payments/${paymentId}`)).toEqual({
    id: paymentId,
    status: 'pending',
    found: true,
  })

  // --- A forged webhook (no signature, a wrong one) is refused and changes nothing ---
  expect(await order(paymentId)).toMatchObject({ status: 'pending', source: null })
  const forgedBody = JSON.stringify({
    data: {
      client: {
        paymentInitiationRequests: {
          node: {
            id: paymentId,
            state: { __typename: 'PaymentInitiationRequestCompleted' },
          },
        },
      },
    },
  })
  const forge = (headers: Record<string, string>) =>
    fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: forgedBody,
    }).then(async (response) => ({ status: response.status, body: await response.json() }))
  expect(await forge({})).toMatchObject({
    status: 400,
    body: { error: { code: 'STITCH_AUTH_WEBHOOK_HEADERS_INVALID' } },
  })
  expect(
    await forge({
      'svix-id': 'msg_forged',
      'svix-timestamp': String(Math.floor(Date.now() / 1000)),
      'svix-signature': `v1,${Buffer.alloc(32, 7).toString('base64')}`,
    }),
  ).toMatchObject({
    status: 401,
    body: { error: { code: 'STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID' } },
  })
  expect(await order(paymentId)).toMatchObject({ status: 'pending', source: null })
  await expect
    .poll(() => events.textContent())
    .toMatch(/Refused a delivery: STITCH_AUTH_WEBHOOK_SIGNATURE_INVALID; nothing changed/)
  expect(await paymentStatus.textContent()).toBe('Waiting for the payer…')
  expect((await activity()).paymentRequests[1]).toEqual({ id: paymentId, status: 'pending' })

  // --- The payer pays on the simulator's page; Stitch's webhook tells the shop, the page ---
  const payPage = await context.newPage()
  await payPage.goto(secondLink)
  await payPage.getByRole('button', { name: 'Simulate payment' }).click()
  await payPage.getByText('Status: completed').waitFor()
  await payPage.close()
  // The page reads the shop's order store every second.
  await expect.poll(() => paymentStatus.textContent(), { timeout: 5000 }).toBe('Paid ✓ (webhook)')
  expect(await paymentStatus.getAttribute('data-source')).toBe('webhook')
  expect(await deliveriesFor(paymentId)).toEqual([
    {
      id: expect.stringMatching(/^msg_/),
      type: 'payment',
      objectId: paymentId,
      state: 'PaymentInitiationRequestCompleted',
      status: 'delivered',
      attempts: [{ status: 204, ok: true }],
    },
  ])
  expect(await order(paymentId)).toMatchObject({ status: 'completed', source: 'webhook' })
  await expect
    .poll(() => events.textContent())
    .toMatch(/payment PaymentInitiationRequestCompleted: order KT-\d+ is paid \(msg_\w{6}…\)/)
  const refundButton = page.getByRole('button', { name: 'Refund (back office)' })
  await expect.poll(() => refundButton.isVisible()).toBe(true)
  expect(await cancelButton.isHidden()).toBe(true)

  // --- Screenshot, and what was on the page when it was taken ---
  const state = await getJson<TokenPanelState>(`${shopUrl}/api/token-state`)
  expect(state.simulator?.outage).not.toBeNull() // still inside the 30 s outage
  await mkdir(join(SCREENSHOT, '..'), { recursive: true })
  const shown = await page.evaluate(() => {
    const text = (id: string) => document.getElementById(id)?.textContent ?? ''
    return {
      link: document.getElementById('payment-link')?.getAttribute('href'),
      status: text('payment-status'),
      minted: text('minted'),
      cacheHits: Number(text('cache-hits')),
      tokenRequests: text('sim-token-requests'),
      preview: text('token-preview'),
      expiresIn: text('expires-in'),
      bannerVisible: !document.getElementById('outage-banner')?.hidden,
      banner: text('outage-text'),
      events: text('events'),
    }
  })
  await page.screenshot({ path: SCREENSHOT })
  const payBox = (await payButton.boundingBox())!
  const bannerBox = (await banner.boundingBox())!

  expect(shown).toMatchObject({
    link: secondLink,
    status: 'Paid ✓ (webhook)',
    minted: '1',
    tokenRequests: '1',
    preview: fromExpress.tokenPreview,
    bannerVisible: true,
  })
  expect(shown.cacheHits).toBeGreaterThan(0)
  expect(shown.expiresIn).toMatch(/^\d+ s$/)
  expect(shown.banner).toMatch(/down \(HTTP 503\) for \d+ s more/)
  expect(shown.events).toMatch(/Minted token/)
  expect(shown.events).toMatch(/Token endpoint down for 30 s/)

  const png = decodePng(await readFile(SCREENSHOT))
  expect({ width: png.width, height: png.height }).toEqual(VIEWPORT)
  // The pay button is the brand blue (left of its label), the banner amber.
  const payPixel = png.rgb(Math.round(payBox.x + 10), Math.round(payBox.y + payBox.height / 2))
  expect(colourDistance(payPixel, PAY_BLUE), `pay button pixel ${payPixel}`).toBeLessThan(12)
  const bannerPixel = png.rgb(
    Math.round(bannerBox.x + bannerBox.width - 4),
    Math.round(bannerBox.y + 4),
  )
  expect(colourDistance(bannerPixel, BANNER_AMBER), `banner pixel ${bannerPixel}`).toBeLessThan(12)
  if (process.env.UPDATE_DEMO_SCREENSHOT) {
    await copyFile(SCREENSHOT, join(REPO_ROOT, 'docs/demo.png'))
  }

  // --- The back office refunds the paid order, once (NestJS: run(initiateRefund)) ---
  // The refund needs a token of its own (client_refund), so Stitch's token endpoint comes back.
  await page.getByRole('button', { name: 'End outage now' }).click()
  await banner.waitFor({ state: 'hidden' })
  const reference = await page.locator('#result-reference').textContent()
  expect(reference).toMatch(/^KT-\d{4}$/)
  await refundButton.click()
  const note = page.locator('#payment-note')
  await expect
    .poll(() => note.textContent())
    .toMatch(/^Refunded R 150\.00: refund \S+ is pending\.$/)
  await expect
    .poll(() => events.textContent())
    .toMatch(new RegExp(`Refund \\S+ made for order ${reference}: R 150\\.00, pending`))
  // The simulator moves it on as Stitch would: submitted, then completed.
  const refund = {
    id: expect.any(String),
    paymentRequestId: paymentId,
    nonce: `refund-${paymentId}`,
    amount: '150.00 ZAR',
    status: expect.stringMatching(/^(pending|submitted|completed)$/),
  }
  expect((await activity()).refunds).toEqual([refund])

  // A second click is refused, not refunded twice.
  await refundButton.click()
  await expect
    .poll(() => note.textContent())
    .toBe('Already refunded: the back office did not refund it twice.')
  await expect
    .poll(() => events.textContent())
    .toMatch(new RegExp(`Order ${reference} is already refunded: Stitch refused the nonce refund-`))

  // Each of the refund's moves came as a `refund` webhook, and the order store has it.
  await expect
    .poll(async () => (await activity()).refunds[0]?.status, { timeout: 8000 })
    .toBe('completed')
  const refundId = (await activity()).refunds[0]!.id
  const refundDelivery = (state: string) => ({
    id: expect.stringMatching(/^msg_/),
    type: 'refund',
    objectId: refundId,
    state,
    status: 'delivered',
    attempts: [{ status: 204, ok: true }],
  })
  await expect
    .poll(() => deliveriesFor(refundId))
    .toEqual([refundDelivery('RefundSubmitted'), refundDelivery('RefundCompleted')])
  expect((await order(paymentId)).refund).toEqual({ id: refundId, status: 'completed' })
  await expect
    .poll(() => events.textContent())
    .toMatch(
      new RegExp(
        `refund RefundCompleted: refund ${refundId} of order ${reference} \\(msg_\\w{6}…\\)`,
      ),
    )
  const records = await activity()
  expect(records.refunds).toEqual([{ ...refund, status: 'completed' }])
  // The refund ran with a token for client_refund alone, and its repeat reached Stitch with
  // the same nonce and was refused; everything else ran on the shared token.
  expect(records.apiCalls.filter((call) => call.operationName === 'InitiateRefund')).toEqual([
    { operationName: 'InitiateRefund', scopes: ['client_refund'], outcome: 'ok' },
    { operationName: 'InitiateRefund', scopes: ['client_refund'], outcome: 'error' },
  ])
  for (const call of records.apiCalls.filter((call) => call.operationName !== 'InitiateRefund')) {
    expect(call.scopes, call.operationName ?? '').toEqual(['client_paymentrequest'])
  }
  // A second token, the back office's, for the refund; the panel keeps showing the shared one.
  await expect.poll(() => page.locator('#minted').textContent()).toBe('2')
  expect(await page.locator('#minted-by').textContent()).toBe('Express 1 · Nest 1')
  expect(await page.locator('#token-preview').textContent()).toBe(fromExpress.tokenPreview)
  expect(await page.locator('#scopes').textContent()).toBe('client_paymentrequest')

  // The shop's browser proxy has no refund operation, whatever it is called.
  for (const name of ['refund', 'initiateRefund', 'InitiateRefund']) {
    expect(await post(`${shopUrl}/stitch/${name}`, { id: paymentId })).toMatchObject({
      status: 404,
      body: { error: { code: 'unknown_operation' } },
    })
  }
  // The refund route wants the custom header, and CORS lets only the shop's page send it.
  expect(await post(`${nestUrl}/api/payments/${paymentId}/refund`, undefined, {})).toMatchObject({
    status: 403,
    body: { error: { code: 'control_header_missing' } },
  })
  const preflight = (origin: string) =>
    fetch(`${nestUrl}/api/payments/${paymentId}/refund`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-demo-control',
      },
    })
  const fromShop = await preflight(shopUrl)
  expect(fromShop.headers.get('access-control-allow-origin')).toBe(shopUrl)
  expect(fromShop.headers.get('access-control-allow-headers')).toBe('x-demo-control')
  expect(
    (await preflight('http://attacker.example')).headers.has('access-control-allow-origin'),
  ).toBe(false)
  expect((await activity()).refunds).toEqual([{ ...refund, status: 'completed' }])

  // --- The shop's webhook endpoint down: no webhook comes, so the page falls back to Stitch ---
  await page.getByRole('button', { name: "Shop's webhook endpoint down for 30 s" }).click()
  await expect
    .poll(() => page.locator('#webhook-state').textContent())
    .toMatch(/answers 503 for \d+ s more/)
  await payButton.click()
  await expect.poll(() => link.getAttribute('href')).not.toBe(secondLink)
  const thirdLink = (await link.getAttribute('href'))!
  const thirdId = new URL(thirdLink).pathname.split('/').pop()!
  await expect.poll(() => paymentStatus.textContent()).toBe('Waiting for the payer…')
  const thirdPayPage = await context.newPage()
  await thirdPayPage.goto(thirdLink)
  await thirdPayPage.getByRole('button', { name: 'Simulate payment' }).click()
  await thirdPayPage.getByText('Status: completed').waitFor()
  await thirdPayPage.close()
  // The simulator retries the delivery (every answer 503) and gives up; the page asks Stitch
  // once 6 s pass without a webhook.
  await expect.poll(() => paymentStatus.textContent(), { timeout: 12_000 }).toBe('Paid ✓ (polled)')
  const [lost, ...others] = await deliveriesFor(thirdId)
  expect(others).toEqual([])
  expect(lost).toMatchObject({ type: 'payment', status: 'failed' })
  expect(lost!.attempts.length).toBeGreaterThan(1)
  expect(lost!.attempts.every((attempt) => attempt.status === 503)).toBe(true)
  expect(await order(thirdId)).toMatchObject({ status: 'pending', source: null })
  await expect
    .poll(() => events.textContent())
    .toMatch(/Endpoint down: answered 503 to msg_\w{6}… \(Stitch retries it\)/)
  expect(
    await fetch(`${shopUrl}/api/webhooks/outage`, {
      method: 'DELETE',
      headers: { 'x-demo-control': '1' },
    }).then((response) => response.json()),
  ).toEqual({ ok: true, message: 'Webhook endpoint is back up' })

  // --- Nothing a browser or a log sees holds the secret or a token ---
  const bodies = [
    ...(await Promise.all(seen)),
    await page.content(),
    JSON.stringify([fromExpress, fromNest, state, records]),
  ]
  // No script error; Chromium logs the one refused response, the repeated refund's 409.
  expect(pageErrors).toEqual([
    'Failed to load resource: the server responded with a status of 409 (Conflict)',
  ])
  const tokenStart = fromExpress.tokenPreview.slice(0, -1)
  const fullToken = new RegExp(`${escapeRegExp(tokenStart)}[\\w-]{6,}`)
  for (const text of [...bodies, demo.stdout, demo.stderr]) {
    expect(text).not.toContain(SIMULATOR_CLIENT_SECRET)
    // Nor the webhook endpoint's signing secret: it stays in the shop's memory.
    expect(text).not.toMatch(/whsec_/)
    expect(text).not.toMatch(fullToken)
    expect(text).not.toMatch(/Bearer\s+[\w-]{16,}/)
    expect(text).not.toMatch(/"access_?token"\s*:/i)
  }

  // --- Ctrl-C, with the page still open and polling: everything closes, exit code 0 ---
  const started = Date.now()
  demo.child.kill('SIGINT')
  expect(await demo.exited).toBe(0)
  expect(Date.now() - started).toBeLessThan(5000)
  await browser.close()
  browser = undefined
  // The console told the story.
  expect(demo.stdout).toMatch(/Minted token \S+ \(lives 60 s\) while a caller waited/)
  expect(demo.stdout).toMatch(
    /Payment request created for order KT-\d+: http:\/\/127\.0\.0\.1:\d+\/pay\//,
  )
  expect(demo.stdout).toMatch(/Token endpoint down for 30 s/)
  expect(demo.stdout).toMatch(/Payment request for order KT-\d+ cancelled by the payer/)
  expect(demo.stdout).toMatch(/Minted token \S+ for client_refund \(lives 60 s\)/)
  expect(demo.stdout).toMatch(/Refund \S+ made for order KT-\d+: R 150\.00, pending/)
  expect(demo.stdout).toMatch(/Order KT-\d+ is already refunded/)
  expect(demo.stdout).toMatch(
    /webhook\s+payment PaymentInitiationRequestCompleted: order KT-\d+ is paid/,
  )
  expect(demo.stdout).toMatch(/webhook\s+refund RefundCompleted: refund \S+ of order KT-\d+/)
  expect(demo.stdout).toMatch(
    /Stopped\. 2 tokens minted, \d+ cache hits, 3 payment requests; the simulator saw 2 token requests and \d+ API calls\./,
  )
}, 90_000)

interface RunningDemo {
  child: ChildProcess
  readonly stdout: string
  readonly stderr: string
  exited: Promise<number | null>
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  find(pattern: RegExp): string
}

function startDemo(): RunningDemo {
  const child = spawn(process.execPath, [ENTRY], {
    cwd: DEMO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      NEST_PORT: '0',
      STITCH_CLIENT_ID: '',
      STITCH_CLIENT_SECRET: '',
      STITCH_PRIVATE_KEY: '',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return {
    child,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    exited,
    async waitFor(pattern, timeoutMs = 20_000) {
      const giveUp = Date.now() + timeoutMs
      while (!pattern.test(stdout)) {
        if (child.exitCode !== null || Date.now() > giveUp) {
          throw new Error(
            `The demo did not print ${pattern}.\nstdout:\n${stdout}\nstderr:\n${stderr}`,
          )
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    find(pattern) {
      const found = pattern.exec(stdout)?.[1]
      if (!found) throw new Error(`The demo's output has no ${pattern}:\n${stdout}`)
      return found
    },
  }
}

/** A POST as the page's scripts send it: JSON, with the proxy's anti-CSRF header by default. */
async function post(
  url: string,
  body?: unknown,
  headers: Record<string, string> = { 'x-stitch-proxy': '1' },
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

async function getJson<T = unknown>(url: string): Promise<T> {
  const response = await fetch(url)
  expect(response.status, url).toBe(200)
  return (await response.json()) as T
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

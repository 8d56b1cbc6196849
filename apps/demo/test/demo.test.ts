// Runs the demo as a person would: `node` on the built entry, the URLs read from its output,
// the checkout page driven in real headless Chromium, then Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, expect, it } from 'vitest'
import type { TokenPanelState, WhoamiAnswer } from '../src/api-types.js'
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

it('serves a checkout that keeps taking payments through a Stitch outage on one shared token, and stops on Ctrl-C', async () => {
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
  await expect.poll(() => page.locator('#minted').textContent()).toBe('0')
  const payButton = page.getByRole('button', { name: 'Pay R 150.00 with Stitch' })
  await expect.poll(() => page.getByLabel('Order reference').inputValue()).toMatch(/^KT-\d{4}$/)

  // --- Pay: a payment request, its link to the simulator's pay page ---
  await payButton.click()
  const link = page.locator('#payment-link')
  await expect.poll(() => link.getAttribute('href')).toMatch(new RegExp(`^${simUrl}/pay/[\\w-]+$`))
  const firstLink = await link.getAttribute('href')
  await expect.poll(() => page.locator('#minted').textContent()).toBe('1')

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

  // --- The payer pays on the simulator's page; the checkout sees it (paymentStatus) ---
  const payPage = await context.newPage()
  await payPage.goto(secondLink)
  await payPage.getByRole('button', { name: 'Simulate payment' }).click()
  await payPage.getByText('Status: completed').waitFor()
  await payPage.close()
  await expect.poll(() => page.locator('#payment-status').textContent()).toBe('Paid ✓')

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
    status: 'Paid ✓',
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

  // --- Nothing a browser or a log sees holds the secret or a token ---
  const bodies = [
    ...(await Promise.all(seen)),
    await page.content(),
    JSON.stringify([fromExpress, fromNest, state]),
  ]
  expect(pageErrors).toEqual([])
  const tokenStart = fromExpress.tokenPreview.slice(0, -1)
  const fullToken = new RegExp(`${escapeRegExp(tokenStart)}[\\w-]{6,}`)
  for (const text of [...bodies, demo.stdout, demo.stderr]) {
    expect(text).not.toContain(SIMULATOR_CLIENT_SECRET)
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
  expect(demo.stdout).toMatch(
    /Stopped\. 1 token minted, \d+ cache hits, 2 payment requests; the simulator saw 1 token request and \d+ API calls\./,
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

async function getJson<T = unknown>(url: string): Promise<T> {
  const response = await fetch(url)
  expect(response.status, url).toBe(200)
  return (await response.json()) as T
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createStitchAuth, type StitchAuth, stitchProxy } from '@stitch-auth/express'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { build } from 'esbuild'
import express from 'express'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { BENEFICIARY, operations } from './fixtures/operations.js'

const CHROMIUM = '/usr/bin/chromium'
const CLIENT_ID = 'browser-test-client'
const CLIENT_SECRET = 'browser-test-secret-8d1e4b27'
const VALID = { amount: 150, reference: 'order-42' }

/** What the page shows for a failure: the client's typed error, as plain data. */
interface ShownError {
  isStitchProxyError: boolean
  instanceOfError: boolean
  name: string
  kind?: string
  code?: string
  status?: number
  issues?: { path: string; message: string }[]
  retryAfterMs?: number
  message: string
}

declare global {
  interface Window {
    ready?: boolean
    tryCall(
      clientOptions: Record<string, unknown>,
      operation: string,
      input?: unknown,
    ): Promise<{ output?: unknown; error?: ShownError }>
  }
}

// The shop's page: the self-contained browser build from a plain <script type="module">.
const PAGE = /* html */ `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Pay with Stitch</title></head>
<body>
  <button id="pay">Pay R150</button>
  <p>Pay here: <a id="pay-url"></a></p>
  <pre id="error"></pre>
  <script type="module">
    import { createStitchProxyClient, isStitchProxyError } from '/stitch-proxy-client.browser.js'

    const api = createStitchProxyClient({ baseUrl: '/stitch' })
    const errorBox = document.querySelector('#error')

    function describe(error) {
      if (!isStitchProxyError(error)) {
        return { isStitchProxyError: false, instanceOfError: error instanceof Error, name: error?.name, message: String(error?.message ?? error) }
      }
      const { name, kind, code, status, issues, retryAfterMs, message } = error
      return { isStitchProxyError: true, instanceOfError: error instanceof Error, name, kind, code, status, issues, retryAfterMs, message }
    }
    function show(error) {
      errorBox.textContent = JSON.stringify(describe(error))
    }

    document.querySelector('#pay').addEventListener('click', async () => {
      try {
        const { url } = await api.createPaymentRequest({ amount: 150, reference: 'order-42' })
        const link = document.querySelector('#pay-url')
        link.href = url
        link.textContent = url
      } catch (error) {
        show(error)
      }
    })

    // The tests drive other calls through here; failures show in the page as for a shopper.
    window.tryCall = async (clientOptions, operation, input) => {
      errorBox.textContent = ''
      try {
        const client = createStitchProxyClient(clientOptions)
        return { output: await client[operation](input) }
      } catch (error) {
        show(error)
        return { error: describe(error) }
      }
    }
    window.ready = true
  </script>
</body>
</html>`

let sim: StitchSimulator
let stitch: StitchAuth
let cold: StitchAuth
let server: Server
let origin: string
let browser: Browser
let page: Page
const pageErrors: string[] = []
const proxyAnswers: string[] = []
const issuedTokens = new Set<string>()

/** Notes every access token the simulator hands out, to prove none reaches the page. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init)
  const url = input instanceof Request ? input.url : String(input)
  if (url.endsWith('/connect/token') && response.ok) {
    const body = (await response.clone().json()) as { access_token?: string }
    if (body.access_token) issuedTokens.add(body.access_token)
  }
  return response
}

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const created = createServer(handler)
  return new Promise((resolve) => created.listen(0, '127.0.0.1', () => resolve(created)))
}

async function closeServer(target: Server | undefined): Promise<void> {
  if (!target?.listening) return
  target.closeAllConnections()
  await new Promise((resolve) => target.close(resolve))
}

/** Runs one call in the page and reads the failure the page shows. */
async function failureShown(
  clientOptions: Record<string, unknown>,
  operation: string,
  input?: unknown,
): Promise<ShownError> {
  const result = await page.evaluate(
    ([options, name, value]) => window.tryCall(options, name, value),
    [clientOptions, operation, input] as const,
  )
  expect(result.output, 'the call should have failed').toBeUndefined()
  const shown = JSON.parse((await page.locator('#error').textContent()) ?? '') as ShownError
  expect(shown).toEqual(result.error)
  expect(shown.isStitchProxyError).toBe(true)
  expect(shown.instanceOfError).toBe(true)
  return shown
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}; the browser tests need it: apt-get install chromium`,
    )
  }

  // The browser file, built from source the way tsup builds dist/stitch-proxy-client.browser.js.
  const bundled = await build({
    entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  const script = bundled.outputFiles[0]!.text

  sim = await startStitchSimulator({
    clients: [
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['client_paymentrequest'] },
    ],
  })
  const clientOptions = {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes: ['client_paymentrequest'] as const,
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
    fetch: recordingFetch,
  }
  stitch = createStitchAuth(clientOptions)
  // Never warmed up, and no retries: the first call meets whatever the token endpoint does.
  cold = createStitchAuth({ ...clientOptions, retry: { maxAttempts: 1 } })

  const app = express()
  app.get('/', (_req, res) => {
    res.type('html').send(PAGE)
  })
  app.get('/stitch-proxy-client.browser.js', (_req, res) => {
    res.type('text/javascript').send(script)
  })
  app.use('/stitch', stitchProxy({ client: stitch, operations }))
  app.use('/cold', stitchProxy({ client: cold, operations }))
  server = await listen(app)
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

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
  page = await browser.newPage()
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('response', async (response) => {
    if (/\/(stitch|cold)\//.test(new URL(response.url()).pathname)) {
      proxyAnswers.push(await response.text().catch(() => ''))
    }
  })
  await page.goto(origin)
  await page.waitForFunction(() => window.ready === true)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await closeServer(server)
  await stitch?.close()
  await cold?.close()
  await sim?.close()
})

beforeEach(() => {
  sim.clearFaults()
})

describe('in headless Chromium', () => {
  it('creates a payment request from the page and shows its URL', async () => {
    await page.click('#pay')
    const link = page.locator('#pay-url')
    await link.filter({ hasText: /^http/ }).waitFor()
    const url = (await link.textContent()) ?? ''

    const created = sim.paymentRequests.find((request) => request.url === url)
    expect(created, `the simulator has no payment request with URL ${url}`).toBeDefined()
    // The browser sent amount and reference; the beneficiary came from the server.
    expect(created).toMatchObject({
      clientId: CLIENT_ID,
      amount: { quantity: '150.00', currency: 'ZAR' },
      payerReference: 'order-42',
      externalReference: 'order-42',
      beneficiaryReference: 'TestShop',
      beneficiary: BENEFICIARY,
    })
    expect(await link.getAttribute('href')).toBe(url)
    expect(await page.locator('#error').textContent()).toBe('')
  })

  it('runs the other ready-made operation and a custom one without input', async () => {
    const id = sim.paymentRequests.at(-1)?.id
    expect(id).toBeDefined()
    await expect(
      page.evaluate(
        (paymentId) =>
          window.tryCall({ baseUrl: '/stitch' }, 'paymentRequestStatus', { id: paymentId }),
        id,
      ),
    ).resolves.toEqual({ output: { id, status: 'pending', found: true } })
    await expect(
      page.evaluate(() => window.tryCall({ baseUrl: '/stitch' }, 'clientInfo')),
    ).resolves.toEqual({ output: { clientId: CLIENT_ID, nodeId: expect.any(String) } })
    // The custom operation ran with a token carrying exactly the scopes it declares.
    expect(sim.apiRequests.at(-1)).toMatchObject({
      clientId: CLIENT_ID,
      operationName: 'ClientInfo',
      scopes: ['client_paymentrequest'],
      outcome: 'ok',
    })
  })

  it('invalid input: 400 invalid_input with the issues, and Stitch is not called', async () => {
    const before = sim.stats.apiCalls.total
    const shown = await failureShown({ baseUrl: '/stitch' }, 'createPaymentRequest', {
      amount: -5,
      reference: '',
    })
    expect(shown).toMatchObject({
      name: 'StitchProxyRejectedError',
      kind: 'rejected',
      code: 'invalid_input',
      status: 400,
    })
    expect(new Set(shown.issues?.map((issue) => issue.path))).toEqual(
      new Set(['amount', 'reference']),
    )
    expect(shown.message).toContain('amount: must be more than 0')
    expect(sim.stats.apiCalls.total).toBe(before)
  })

  it('unknown operation: 404 unknown_operation', async () => {
    const shown = await failureShown({ baseUrl: '/stitch' }, 'refundEverything', {})
    expect(shown).toMatchObject({ kind: 'rejected', code: 'unknown_operation', status: 404 })
    expect(shown.message).toContain('Is "refundEverything" one of the server\'s operations')
  })

  it('missing anti-CSRF header: 403 csrf_header_missing', async () => {
    const shown = await failureShown(
      { baseUrl: '/stitch', csrfHeader: 'x-not-the-proxy-header' },
      'createPaymentRequest',
      VALID,
    )
    expect(shown).toMatchObject({ kind: 'rejected', code: 'csrf_header_missing', status: 403 })

    // A page without the client, as a cross-site form would post: refused the same way.
    const raw = await page.evaluate(async () => {
      const response = await fetch('/stitch/createPaymentRequest', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 150, reference: 'order-42' }),
      })
      return { status: response.status, body: await response.json() }
    })
    expect(raw).toMatchObject({ status: 403, body: { error: { code: 'csrf_header_missing' } } })
  })

  it('Stitch unavailable: 503 STITCH_AUTH_ENDPOINT_UNAVAILABLE with retryAfterMs', async () => {
    sim.fault({ endpoint: 'token', status: 503, retryAfter: 7 })
    const shown = await failureShown({ baseUrl: '/cold' }, 'createPaymentRequest', VALID)
    expect(shown).toMatchObject({
      name: 'StitchProxyServerError',
      kind: 'server',
      code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
      status: 503,
      retryAfterMs: 7000,
    })
    expect(shown.message).toContain('Retry after 7 s.')
  })

  it('network failure: nothing listens at baseUrl', async () => {
    const gone = await listen(() => {})
    const port = (gone.address() as AddressInfo).port
    await closeServer(gone)

    const shown = await failureShown(
      { baseUrl: `http://127.0.0.1:${port}/stitch` },
      'createPaymentRequest',
      VALID,
    )
    expect(shown).toMatchObject({
      name: 'StitchProxyNetworkError',
      kind: 'network',
      code: 'network_error',
    })
    expect(shown.status).toBeUndefined()
    expect(shown.message).toContain(
      `could not reach http://127.0.0.1:${port}/stitch/createPaymentRequest`,
    )
  })

  it('timeout: Stitch hangs and the client gives up after timeoutMs', async () => {
    sim.fault({ endpoint: 'graphql', hang: true, times: 1 })
    const started = Date.now()
    const shown = await failureShown(
      { baseUrl: '/stitch', timeoutMs: 400 },
      'createPaymentRequest',
      VALID,
    )
    expect(shown).toMatchObject({
      name: 'StitchProxyTimeoutError',
      kind: 'timeout',
      code: 'timeout',
    })
    expect(shown.message).toContain('within 400 ms')
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('refuses credentials in the page, at creation', async () => {
    const shown = await failureShown(
      { baseUrl: '/stitch', headers: { authorization: `Bearer ${CLIENT_SECRET}` } },
      'createPaymentRequest',
      VALID,
    )
    expect(shown).toMatchObject({ name: 'StitchProxyConfigError', kind: 'config' })
    expect(shown.message).toContain('The browser must never hold credentials')
    expect(shown.message).not.toContain(CLIENT_SECRET)
  })

  it('never let a token reach the page, and the page raised no errors', () => {
    expect(issuedTokens.size).toBeGreaterThan(0)
    expect(proxyAnswers.length).toBeGreaterThan(5)
    for (const answer of proxyAnswers) {
      for (const token of issuedTokens) expect(answer).not.toContain(token)
      expect(answer).not.toMatch(/access_token|bearer/i)
    }
    expect(pageErrors).toEqual([])
  })
})

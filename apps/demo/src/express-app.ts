// The shop: the checkout page, its browser-safe Stitch proxy, Stitch's webhooks and the orders
// they move on, a token route and the live panel's JSON, all on one Express app.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  getStitchToken,
  type StitchAuth,
  stitchAuth,
  stitchErrorHandler,
  stitchProxy,
} from '@stitch-auth/express'
import express, { type RequestHandler } from 'express'
import type { DemoPageConfig } from './api-types.js'
import type { OrderStore } from './orders.js'
import type { ShopOperations } from './shop.js'
import type { SimulatorControls } from './simulator-controls.js'
import type { TokenMonitor } from './token-monitor.js'
import { type ShopWebhooks, WEBHOOK_PATH } from './webhooks.js'
import { describeToken } from './whoami.js'

export interface ShopAppOptions {
  stitch: StitchAuth
  operations: ShopOperations
  monitor: TokenMonitor
  /** The orders, by payment request id; the webhooks move them on. */
  orders: OrderStore
  /** POST /webhooks/stitch: stitchWebhooks() once enabled with the endpoint's secret. */
  webhooks: ShopWebhooks
  /** Undefined with real Stitch: the outage and expiry routes then answer 409. */
  controls: SimulatorControls | undefined
  /** Read per request: the NestJS app starts after this one. */
  pageConfig: () => DemoPageConfig
}

// Built by tsup next to this file's directory: dist/server/main.js → dist/public/.
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url))
// The self-contained ESM build of @stitch-auth/browser, served as the package built it.
const BROWSER_BUNDLE = fileURLToPath(import.meta.resolve('@stitch-auth/browser/browser.js'))

/** Fails at start, with the fix, when a build step is missing. */
export function checkAssets(): void {
  for (const file of [join(PUBLIC_DIR, 'index.html'), BROWSER_BUNDLE]) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing. Build first: pnpm turbo run build --filter=@stitch-auth/demo...`,
      )
    }
  }
}

const REAL_STITCH = {
  error: {
    code: 'real_stitch',
    message:
      'The demo is talking to real Stitch: outages, expiry and its records need the simulator.',
  },
}

const WEBHOOKS_OFF = {
  error: {
    code: 'webhooks_off',
    message: 'Webhooks are off: with real Stitch, set STITCH_WEBHOOK_SECRET for your endpoint.',
  },
}

export function createShopApp(options: ShopAppOptions): express.Express {
  const { stitch, operations, monitor, orders, webhooks, controls, pageConfig } = options
  const app = express()
  app.disable('x-powered-by')

  app.use((_req, res, next) => {
    const nestOrigin = new URL(pageConfig().nestWhoamiUrl).origin
    res.set({
      // The page runs only its own scripts and talks only to this origin and the NestJS app.
      'Content-Security-Policy': `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' ${nestOrigin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    })
    next()
  })

  // Stitch's webhooks, before any body parser: the signature covers the raw bytes, which
  // stitchWebhooks() reads itself. 204 once handled, 401/400 for a delivery it refuses.
  app.post(WEBHOOK_PATH, webhooks.route)

  app.use(express.static(PUBLIC_DIR, { index: 'index.html' }))
  const bundleDir = dirname(BROWSER_BUNDLE)
  app.get('/vendor/stitch-proxy-client.browser.js', (_req, res) => {
    res.sendFile(BROWSER_BUNDLE)
  })
  app.get('/vendor/stitch-proxy-client.browser.js.map', (_req, res) => {
    res.sendFile(join(bundleDir, 'stitch-proxy-client.browser.js.map'))
  })

  // The browser-safe proxy: POST /stitch/createPaymentRequest, /stitch/paymentStatus and
  // /stitch/cancelPayment only; anything else (a refund, say) is 404 unknown_operation.
  app.use(
    '/stitch',
    stitchProxy({
      client: stitch,
      operations,
      onError: (error, operation) => {
        const code = (error as { code?: string }).code ?? 'unknown error'
        monitor.note('shop', 'error', `${operation} failed: ${code}`)
      },
    }),
  )

  // A server-side route that needs a token: getStitchToken(req), from the shared cache.
  app.get('/api/whoami', stitchAuth({ client: stitch }), (req, res) => {
    res.set('Cache-Control', 'no-store').json(describeToken('express', getStitchToken(req)))
  })

  app.get('/api/config', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(pageConfig())
  })

  app.get('/api/token-state', (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .json(monitor.snapshot(controls?.info() ?? null, webhooks.info()))
  })

  // The order as the webhooks left it: the page watches this, not Stitch.
  app.get('/api/orders/:id', (req, res) => {
    const order = orders.get(req.params.id)
    res.set('Cache-Control', 'no-store')
    if (order) res.json(order)
    else res.status(404).json({ error: { code: 'order_not_found', message: 'No such order.' } })
  })

  // A custom header: a cross-site form cannot send it, so other sites cannot press the buttons.
  const controlHeader: RequestHandler = (req, res, next) => {
    if (req.get('x-demo-control')) next()
    else {
      res.status(403).json({
        error: { code: 'control_header_missing', message: 'Send the x-demo-control header.' },
      })
    }
  }
  const control = (action: (controls: SimulatorControls) => string): RequestHandler[] => [
    controlHeader,
    (_req, res) => {
      if (!controls) res.status(409).json(REAL_STITCH)
      else res.json({ ok: true, message: action(controls) })
    },
  ]
  // The shop's own webhook endpoint down (it answers 503): the page falls back to Stitch.
  const webhookControl = (action: (webhooks: ShopWebhooks) => string): RequestHandler[] => [
    controlHeader,
    (_req, res) => {
      if (webhooks.mode === 'off') res.status(409).json(WEBHOOKS_OFF)
      else res.json({ ok: true, message: action(webhooks) })
    },
  ]
  app.post(
    '/api/webhooks/outage',
    webhookControl((hooks) => hooks.startOutage()),
  )
  app.delete(
    '/api/webhooks/outage',
    webhookControl((hooks) => hooks.endOutage()),
  )
  app.post(
    '/api/simulator/outage',
    control((sim) => sim.startOutage()),
  )
  app.delete(
    '/api/simulator/outage',
    control((sim) => sim.endOutage()),
  )
  app.post(
    '/api/simulator/expire-token',
    control((sim) => sim.expireTokens()),
  )

  // Read-only, and without CORS headers only this origin's pages can read it.
  app.get('/api/simulator/activity', (_req, res) => {
    if (!controls) res.status(409).json(REAL_STITCH)
    else res.set('Cache-Control', 'no-store').json(controls.activity())
  })

  // Stitch failures of /api/whoami as JSON (503 + Retry-After while Stitch is down).
  app.use(stitchErrorHandler())
  return app
}

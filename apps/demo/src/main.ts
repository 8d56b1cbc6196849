// The stitch-auth demo: a shop (Express) and its back office (NestJS) taking payments with
// Stitch through one shared token cache, a checkout page in the browser, and a local Stitch
// simulator you can break. With STITCH_CLIENT_ID and a secret or key set, it uses real Stitch.
import 'reflect-metadata'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createStitchAuth, MemoryTokenCache, type StitchAuthOptions } from '@stitch-auth/core'
import { addWebhookEndpoint } from '@stitch-auth/core/operations'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import type { DemoPageConfig } from './api-types.js'
import { type DemoConfig, loadConfig } from './config.js'
import { checkAssets, createShopApp } from './express-app.js'
import { type RunningBackOffice, startBackOffice } from './nest-app.js'
import { OrderStore } from './orders.js'
import { SHOP, shopOperations } from './shop.js'
import { SimulatorControls } from './simulator-controls.js'
import { bold, cyan, dim, red, say, yellow } from './terminal.js'
import { TokenMonitor } from './token-monitor.js'
import { ShopWebhooks, WEBHOOK_EVENT_TYPES, WEBHOOK_PATH } from './webhooks.js'

const SHUTDOWN_LIMIT_MS = 5000

async function main(): Promise<void> {
  const config = await loadConfig()
  checkAssets()
  const { target, host } = config

  say(bold(`stitch-auth demo · ${SHOP.name} checkout`))
  for (const note of config.notes) say(yellow(note))

  const monitor = new TokenMonitor()
  const orders = new OrderStore()
  // With the simulator the demo subscribes its endpoint; with real Stitch, only the user can
  // (a public HTTPS URL), and gives its secret in STITCH_WEBHOOK_SECRET; else they are off.
  const webhooks = new ShopWebhooks(
    target.kind === 'simulator' ? 'subscribed' : config.webhookSecret ? 'secret' : 'off',
    orders,
    monitor,
  )
  if (config.webhookSecret) webhooks.enable(config.webhookSecret)
  const running: { sim?: StitchSimulator; server?: Server; backOffice?: RunningBackOffice } = {}
  let payments = 0
  let closeClient = async () => {}
  let controls: SimulatorControls | undefined

  let stopping = false
  const stop = async (reason: string, exitCode: number) => {
    if (stopping) {
      say(red('Stopping at once.'))
      process.exit(exitCode || 130)
    }
    stopping = true
    say(`\n${reason}: stopping…`)
    const limit = setTimeout(() => {
      say(red(`Still not stopped after ${SHUTDOWN_LIMIT_MS / 1000} s; exiting anyway.`))
      process.exit(1)
    }, SHUTDOWN_LIMIT_MS)
    limit.unref()
    controls?.dispose()
    webhooks.dispose()
    // Stop taking requests first, then the Stitch clients, then Stitch itself.
    await Promise.all([
      running.server ? closeServer(running.server) : undefined,
      running.backOffice?.app.close(), // closes the NestJS app's Stitch client too
    ])
    await closeClient()
    const stats = running.sim?.stats
    await running.sim?.close()
    say(
      `Stopped. ${plural(monitor.tokensMinted, 'token')} minted, ${plural(monitor.cacheHits, 'cache hit')}, ` +
        `${plural(payments, 'payment request')}` +
        (stats
          ? `; the simulator saw ${plural(stats.tokenRequests.total, 'token request')} and ${plural(stats.apiCalls.total, 'API call')}.`
          : '.'),
    )
    process.exitCode = exitCode
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void stop(signal, 0))
  }

  try {
    if (target.kind === 'simulator') {
      running.sim = await startStitchSimulator({
        host,
        clients: [
          {
            clientId: target.clientId,
            clientSecret: target.clientSecret,
            // What a shop with refunds enabled at Stitch has.
            scopes: ['client_paymentrequest', 'client_refund'],
          },
        ],
        tokenLifetimeSeconds: target.tokenLifetimeSeconds,
      })
      controls = new SimulatorControls(running.sim, monitor)
    }
    const sim = running.sim

    // One cache for both apps' clients: whichever asks first mints, the other reads it. The
    // shop may only take payments; the back office may refund too (its refund token is its own).
    const cache = new MemoryTokenCache()
    const shopStitch: StitchAuthOptions = {
      clientId: target.clientId,
      ...('privateKey' in target
        ? { privateKey: target.privateKey }
        : { clientSecret: target.clientSecret }),
      scopes: ['client_paymentrequest'],
      ...(sim ? { tokenUrl: sim.tokenUrl, apiUrl: sim.graphqlUrl } : {}),
      cache,
    }

    // The shop's page origin is known once it listens; the back office's CORS asks for it then.
    let shopUrl = ''
    const backOffice = await startBackOffice({
      stitch: {
        ...shopStitch,
        scopes: config.refunds
          ? ['client_paymentrequest', 'client_refund']
          : ['client_paymentrequest'],
      },
      host,
      port: config.nestPort,
      corsOrigin: () => shopUrl,
      note: (level, text) => monitor.note('nestjs', level, text),
      // The simulator moves the refund on as Stitch would, each step a `refund` webhook.
      onRefunded: (id) => controls?.processRefund(id),
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') throw error
      throw new Error(
        `Port ${config.nestPort} is in use: set NEST_PORT to another port, or 0 for a free one.`,
      )
    })
    running.backOffice = backOffice
    monitor.watch('nestjs', backOffice.stitch)

    const stitch = createStitchAuth(shopStitch)
    closeClient = () => stitch.close()
    monitor.watch('express', stitch)
    const pageConfig: DemoPageConfig = {
      shop: SHOP,
      stitch: sim ? 'simulator' : 'stitch',
      clientId: target.clientId,
      nestWhoamiUrl: `${backOffice.url}/api/whoami`,
      nestPaymentsUrl: `${backOffice.url}/api/payments`,
      refunds: config.refunds,
      controls: controls !== undefined,
      webhooks: webhooks.mode !== 'off',
      tokenLifetimeSeconds: target.kind === 'simulator' ? target.tokenLifetimeSeconds : null,
    }
    const app = createShopApp({
      stitch,
      operations: shopOperations({
        onCreated: (payment) => {
          payments++
          orders.add(payment.id, payment.reference)
          monitor.note(
            'shop',
            'success',
            `Payment request created for order ${payment.reference}`,
            payment.url,
          )
        },
        onCancelled: ({ reference }) =>
          monitor.note(
            'shop',
            'info',
            `Payment request for order ${reference} cancelled by the payer`,
          ),
      }),
      monitor,
      orders,
      webhooks,
      controls,
      pageConfig: () => pageConfig,
    })
    running.server = await listen(createServer(app), config.port, host, 'PORT')
    shopUrl = `http://${host}:${(running.server.address() as AddressInfo).port}`

    if (sim) {
      // Subscribe the shop's endpoint (plain HTTP passes for 127.0.0.1, the simulator's only).
      // The answer's signing secret stays in memory, in `webhooks`: never printed or logged.
      const endpoint = await stitch.run(addWebhookEndpoint, {
        input: { url: `${shopUrl}${WEBHOOK_PATH}`, filterTypes: [...WEBHOOK_EVENT_TYPES] },
      })
      if (!endpoint.secret) throw new Error('Stitch returned no signing secret for the webhook')
      webhooks.enable(endpoint.secret)
      monitor.note(
        'shop',
        'success',
        `Subscribed ${WEBHOOK_PATH} to ${WEBHOOK_EVENT_TYPES.join(' and ')} events; its signing secret stays in memory`,
      )
    }

    printUrls(config, shopUrl, backOffice.url, sim)
  } catch (error) {
    say(red(`\n${error instanceof Error ? error.message : String(error)}`))
    await stop('Start-up failed', 1)
  }
}

function printUrls(
  config: DemoConfig,
  shopUrl: string,
  nestUrl: string,
  sim: StitchSimulator | undefined,
): void {
  const row = (label: string, url: string, what = '') =>
    say(`  ${label.padEnd(16)}${cyan(url)}${what ? dim(`  ${what}`) : ''}`)
  say()
  row('Open the shop', `${shopUrl}/`, '← the checkout page and the live token panel')
  row('Express API', `${shopUrl}/api/whoami`, 'stitchAuth() → req.stitchToken')
  row('', `${shopUrl}/stitch/createPaymentRequest`, 'stitchProxy(), POST from the page')
  row(
    '',
    `${shopUrl}/stitch/cancelPayment`,
    "exposeOperation(cancelPaymentRequest), this shop's payments only",
  )
  row(
    'Webhooks',
    `${shopUrl}${WEBHOOK_PATH}`,
    sim
      ? 'stitchWebhooks(), subscribed at start with run(addWebhookEndpoint): payment, refund'
      : config.webhookSecret
        ? 'stitchWebhooks(), for the endpoint you registered (STITCH_WEBHOOK_SECRET)'
        : 'off: the page polls Stitch (set STITCH_WEBHOOK_SECRET for an endpoint you registered)',
  )
  row('', `${shopUrl}/api/orders/:id`, 'the order as the webhooks left it: the page reads this')
  row('NestJS API', `${nestUrl}/api/whoami`, '@UseStitchToken() + @CurrentStitchToken()')
  row(
    '',
    `${nestUrl}/api/payments/:id`,
    'PaymentsService → StitchAuthService.run(getPaymentRequest)',
  )
  row(
    '',
    `${nestUrl}/api/payments/:id/refund`,
    config.refunds
      ? 'POST + x-demo-control → run(initiateRefund), nonce refund-<id>'
      : 'off: set STITCH_REFUNDS=1 if the client has client_refund',
  )
  if (sim) {
    row(
      'Stitch',
      sim.url,
      `local simulator: client ${config.target.clientId}, ${config.target.kind === 'simulator' ? config.target.tokenLifetimeSeconds : 3600} s tokens`,
    )
    row(
      '',
      `${shopUrl}/api/simulator/activity`,
      'what it holds and saw: payments, refunds, API calls, webhook deliveries',
    )
  } else {
    row('Stitch', 'https://secure.stitch.money', `real Stitch, client ${config.target.clientId}`)
  }
  say()
  say(
    `Both apps share one MemoryTokenCache, so they use one token. Press ${bold('Ctrl-C')} to stop.`,
  )
  say()
}

function listen(server: Server, port: number, host: string, variable: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} is in use: set ${variable} to another port, or 0 for a free one.`,
            )
          : error,
      )
    })
    server.listen(port, host, () => resolve(server))
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    // Browsers hold keep-alive connections (and the page polls); don't wait for them.
    server.closeAllConnections()
  })
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`

main().catch((error: unknown) => {
  // Bad settings or a missing build: say what to fix, without a stack trace.
  say(red(error instanceof Error ? error.message : String(error)))
  process.exitCode = 1
})

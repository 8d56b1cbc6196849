// The Worker in edge/worker/, bundled with esbuild as a user's build would (resolving
// @stitch-auth/core's built dist, never its sources), run in workerd, Cloudflare's own runtime,
// against the simulator on 127.0.0.1. Proves core runs on Workers: minting and caching a token
// inside the isolate, an API call, and the browser-safe proxy end to end.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PROXY_CSRF_HEADER } from '@stitch-auth/core'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const EDGE = fileURLToPath(new URL('..', import.meta.url))
const CLIENT = { clientId: 'edge-client', clientSecret: 'edge-secret-0123456789' }
// workerd refuses a date past its own build; this one is recent for 1.2026xxxx releases.
const COMPATIBILITY_DATE = '2026-10-01'
const INSTALL_HINT =
  'workerd could not run. Install it with `pnpm install` at the repository root (edge/ ' +
  'depends on `workerd`, which brings its binary as `@cloudflare/workerd-linux-64` and ' +
  'friends through optionalDependencies: do not install with --no-optional).'

function workerdBinary(): string {
  let binary: string
  try {
    binary = createRequire(join(EDGE, 'package.json')).resolve('workerd/bin/workerd')
  } catch (error) {
    throw new Error(`${INSTALL_HINT}\n${String(error)}`)
  }
  if (!existsSync(binary)) throw new Error(`${INSTALL_HINT}\n${binary} is missing`)
  return binary
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

const text = (value: string) => JSON.stringify(value)

const SECOND_CLIENT = { clientId: 'edge-client-b', clientSecret: 'edge-secret-b-0123456789' }

function workerConfig(name: string, client: typeof CLIENT, sim: StitchSimulator): string {
  return `const ${name} :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  compatibilityFlags = [],
  globalOutbound = "loopback",
  bindings = [
    (name = "STITCH_CLIENT_ID", text = ${text(client.clientId)}),
    (name = "STITCH_CLIENT_SECRET", text = ${text(client.clientSecret)}),
    (name = "STITCH_TOKEN_URL", text = ${text(sim.tokenUrl)}),
    (name = "STITCH_API_URL", text = ${text(sim.graphqlUrl)}),
  ],
);
`
}

/** Two copies of the Worker, each its own isolate with its own client, on two ports. */
function capnpConfig(ports: [number, number], sim: StitchSimulator): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .edgeWorker),
    (name = "second", worker = .secondWorker),
    # The Workers' fetch() goes out through this: the simulator is on loopback, which the
    # default "internet" service (public addresses only) would refuse.
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:${ports[0]}", http = (), service = "main"),
    (name = "second", address = "127.0.0.1:${ports[1]}", http = (), service = "second"),
  ],
);

${workerConfig('edgeWorker', CLIENT, sim)}
${workerConfig('secondWorker', SECOND_CLIENT, sim)}`
}

async function waitForListening(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`workerd exited with ${child.exitCode}:\n${output()}\n${INSTALL_HINT}`)
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  throw new Error(`workerd did not listen on ${url} within 20 s:\n${output()}`)
}

describe('@stitch-auth/core in workerd', () => {
  let sim: StitchSimulator
  let workerd: ChildProcess | undefined
  let base = ''
  let second = ''
  let dir = ''
  let output = ''

  beforeAll(async () => {
    const binary = workerdBinary()
    try {
      execFileSync(binary, ['--version'], { timeout: 10_000 })
    } catch (error) {
      throw new Error(`${INSTALL_HINT}\n${String(error)}`)
    }
    sim = await startStitchSimulator({
      host: '127.0.0.1',
      clients: [
        { ...CLIENT, scopes: ['client_paymentrequest'] },
        { ...SECOND_CLIENT, scopes: ['client_paymentrequest'] },
      ],
    })
    dir = mkdtempSync(join(tmpdir(), 'stitch-edge-'))
    // As a user's build would: the Worker's conditions, no Node built-ins, core's dist.
    const bundled = await build({
      entryPoints: [join(EDGE, 'worker/index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      target: 'es2022',
      outfile: join(dir, 'worker.js'),
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(bundled.metafile.inputs)
    expect(inputs.some((input) => input.includes('packages/core/dist/'))).toBe(true)
    expect(inputs.filter((input) => input.includes('packages/core/src/'))).toEqual([])

    const ports: [number, number] = [await freePort(), await freePort()]
    base = `http://127.0.0.1:${ports[0]}`
    second = `http://127.0.0.1:${ports[1]}`
    writeFileSync(join(dir, 'config.capnp'), capnpConfig(ports, sim))
    const started = performance.now()
    workerd = spawn(binary, ['serve', join(dir, 'config.capnp'), '--verbose'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    workerd.stdout?.on('data', (chunk) => {
      output += chunk
    })
    workerd.stderr?.on('data', (chunk) => {
      output += chunk
    })
    await waitForListening(`${base}/`, workerd, () => output)
    await waitForListening(`${second}/`, workerd, () => output)
    console.info(`workerd listening after ${Math.round(performance.now() - started)} ms`)
  })

  afterAll(async () => {
    if (workerd && workerd.exitCode === null && workerd.signalCode === null) {
      const child = workerd
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
    await sim?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const call = (path: string, init?: RequestInit) =>
    fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) })
  const proxy = (operation: string, body: unknown, headers: Record<string, string> = {}) =>
    call(`/stitch/${operation}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PROXY_CSRF_HEADER]: '1', ...headers },
      body: JSON.stringify(body),
    })

  it('mints a token inside the isolate and serves the second request from its cache', async () => {
    const first = await call('/token')
    const firstText = await first.text()
    expect(first.status, `${firstText}\n${output}`).toBe(200)
    const token = JSON.parse(firstText) as { scopes: string[]; preview: string; expiresAt: string }
    expect(token.scopes).toEqual(['client_paymentrequest'])
    expect(Object.keys(token).sort()).toEqual(['expiresAt', 'preview', 'scopes'])
    expect(sim.stats.tokenRequests.total).toBe(1)
    expect(sim.stats.tokenRequests.byOutcome.issued).toBe(1)

    const second = await call('/token')
    expect(second.status).toBe(200)
    expect(await second.json()).toEqual(token)
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  it('calls the GraphQL API with the cached token', async () => {
    const response = await call('/graphql-check', { method: 'POST' })
    const body = await response.text()
    expect(response.status, `${body}\n${output}`).toBe(200)
    const created = JSON.parse(body) as { id: string; url: string }
    expect(created.url).toMatch(/^http/)
    expect(sim.paymentRequests.map((request) => request.id)).toContain(created.id)
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  it('serves the payment operations through core’s proxy handler, end to end', async () => {
    const response = await proxy('createPaymentRequest', { amount: 1, reference: 'order-7' })
    const body = await response.text()
    expect(response.status, `${body}\n${output}`).toBe(200)
    const { data: created } = JSON.parse(body) as { data: { id: string; url: string } }
    expect(Object.keys(created).sort()).toEqual(['id', 'url'])
    const stored = sim.paymentRequests.find((request) => request.id === created.id)
    // The server's resolveAmount decided the amount, not the browser's 1.
    expect(stored?.amount).toEqual({ quantity: '150.00', currency: 'ZAR' })

    const status = await proxy('paymentStatus', { id: created.id })
    expect(status.status).toBe(200)
    expect(await status.json()).toMatchObject({ data: { id: created.id, found: true } })
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  it('refuses a proxy request without the anti-CSRF header, before Stitch is called', async () => {
    const calls = sim.stats.apiCalls.total
    const response = await call('/stitch/createPaymentRequest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1, reference: 'order-8' }),
    })
    expect(response.status).toBe(403)
    const body = (await response.json()) as { error: { code: string } }
    expect(body.error.code).toBe('csrf_header_missing')
    expect(sim.stats.apiCalls.total).toBe(calls)
  })

  it('shares one token request between concurrent requests to a fresh isolate', async () => {
    // Each request runs in its own I/O context; the waiting ones share the first one's mint.
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        fetch(`${second}/token`, { signal: AbortSignal.timeout(10_000) }),
      ),
    )
    const bodies = await Promise.all(answers.map((answer) => answer.text()))
    expect(
      answers.map((answer) => answer.status),
      `${bodies.join('\n')}\n${output}`,
    ).toEqual(Array(8).fill(200))
    expect(new Set(bodies).size).toBe(1)
    expect(sim.stats.tokenRequests.byClient[SECOND_CLIENT.clientId]).toBe(1)
  })
})

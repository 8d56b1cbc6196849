// What the workerd tests share: a Worker from edge/worker/ bundled with esbuild as a user's
// build would (the Worker's conditions, no Node built-ins, the packages' built dist), and the
// real workerd binary serving Workers, each its own service on its own port of 127.0.0.1, their
// fetch() going out to the simulator on loopback.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PROXY_CSRF_HEADER } from '@stitch-auth/core'
import type { StitchSimulator } from '@stitch-auth/testing'
import { build } from 'esbuild'
import { expect, it } from 'vitest'

const EDGE = fileURLToPath(new URL('..', import.meta.url))
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
  try {
    execFileSync(binary, ['--version'], { timeout: 10_000 })
  } catch (error) {
    throw new Error(`${INSTALL_HINT}\n${String(error)}`)
  }
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

/** Bundles `edge/worker/<entry>` into `outfile`; returns its input files, for the test to check. */
export async function bundleWorker(entry: string, outfile: string): Promise<string[]> {
  // As a user's build would: the Worker's conditions, no Node built-ins, the packages' dist.
  const bundled = await build({
    entryPoints: [join(EDGE, 'worker', entry)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    target: 'es2022',
    outfile,
    metafile: true,
    logLevel: 'silent',
  })
  return Object.keys(bundled.metafile.inputs)
}

export interface StitchClientCredentials {
  clientId: string
  clientSecret: string
}

/** The bindings both Workers read: their client's credentials and the simulator's URLs. */
export function stitchBindings(
  client: StitchClientCredentials,
  sim: StitchSimulator,
): Record<string, string> {
  return {
    STITCH_CLIENT_ID: client.clientId,
    STITCH_CLIENT_SECRET: client.clientSecret,
    STITCH_TOKEN_URL: sim.tokenUrl,
    STITCH_API_URL: sim.graphqlUrl,
  }
}

/** One Worker: its own service, isolate and socket. */
export interface WorkerService<TName extends string = string> {
  /** The service's name, a Cap'n Proto identifier (`main`, `hono`). */
  name: TName
  /** The bundled module, relative to the config's directory. */
  module: string
  /** Text bindings: the Worker's `env`. */
  bindings: Record<string, string>
}

export interface RunningWorkerd<TName extends string = string> {
  /** `http://127.0.0.1:<port>` of each service, by name. */
  urls: Record<TName, string>
  /** Everything workerd printed so far, for failure messages. */
  output(): string
  stop(): Promise<void>
}

const text = (value: string) => JSON.stringify(value)

function workerConfig(service: WorkerService): string {
  const bindings = Object.entries(service.bindings)
    .map(([name, value]) => `    (name = ${text(name)}, text = ${text(value)}),\n`)
    .join('')
  return `const ${service.name}Worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed ${text(service.module)})],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  compatibilityFlags = [],
  globalOutbound = "loopback",
  bindings = [
${bindings}  ],
);
`
}

function capnpConfig(services: readonly WorkerService[], ports: readonly number[]): string {
  const serviceLines = services
    .map((service) => `    (name = "${service.name}", worker = .${service.name}Worker),\n`)
    .join('')
  const socketLines = services
    .map(
      (service, index) =>
        `    (name = "${service.name}", address = "127.0.0.1:${ports[index]}", http = (), service = "${service.name}"),\n`,
    )
    .join('')
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
${serviceLines}    # The Workers' fetch() goes out through this: the simulator is on loopback, which the
    # default "internet" service (public addresses only) would refuse.
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [
${socketLines}  ],
);

${services.map(workerConfig).join('\n')}`
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

/** Writes `dir`/config.capnp for `services` and serves them in one workerd, until `stop()`. */
export async function startWorkerd<const TName extends string>(
  dir: string,
  services: readonly WorkerService<TName>[],
): Promise<RunningWorkerd<TName>> {
  const binary = workerdBinary()
  const ports: number[] = []
  for (const _ of services) ports.push(await freePort())
  const urls = Object.fromEntries(
    services.map((service, index) => [service.name, `http://127.0.0.1:${ports[index]}`]),
  ) as Record<TName, string>
  writeFileSync(join(dir, 'config.capnp'), capnpConfig(services, ports))
  let output = ''
  const started = performance.now()
  const child = spawn(binary, ['serve', join(dir, 'config.capnp'), '--verbose'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  try {
    for (const url of Object.values<string>(urls))
      await waitForListening(`${url}/`, child, () => output)
  } catch (error) {
    await stop()
    throw error
  }
  console.info(`workerd listening after ${Math.round(performance.now() - started)} ms`)
  return { urls, output: () => output, stop }
}

/** Requests to one Worker: `call` any path, `proxy` a browser's call to a proxy operation. */
export function workerClient(base: () => string) {
  const call = (path: string, init?: RequestInit) =>
    fetch(`${base()}${path}`, { ...init, signal: AbortSignal.timeout(10_000) })
  const proxy = (operation: string, body: unknown, headers: Record<string, string> = {}) =>
    call(`/stitch/${operation}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PROXY_CSRF_HEADER]: '1', ...headers },
      body: JSON.stringify(body),
    })
  return { call, proxy }
}

/**
 * What every Worker that serves the proxy on /stitch/ must do, whichever way it mounts it: create
 * a payment request for the amount the server decides (150.00, whatever the browser sends), read
 * its status through `statusOperation`, and refuse a request without the anti-CSRF header.
 */
export function itServesTheProxy(context: {
  sim: () => StitchSimulator
  output: () => string
  base: () => string
  statusOperation: string
}): void {
  const { call, proxy } = workerClient(context.base)

  it('creates a payment request through the proxy, for the amount the server decides', async () => {
    const sim = context.sim()
    const response = await proxy('createPaymentRequest', { amount: 1, reference: 'order-7' })
    const body = await response.text()
    expect(response.status, `${body}\n${context.output()}`).toBe(200)
    const { data: created } = JSON.parse(body) as { data: { id: string; url: string } }
    expect(Object.keys(created).sort()).toEqual(['id', 'url'])
    const stored = sim.paymentRequests.find((request) => request.id === created.id)
    // The server decided the amount, not the browser's 1.
    expect(stored?.amount).toEqual({ quantity: '150.00', currency: 'ZAR' })

    const status = await proxy(context.statusOperation, { id: created.id })
    expect(status.status).toBe(200)
    expect(await status.json()).toMatchObject({ data: { id: created.id, found: true } })
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  it('refuses a proxy request without the anti-CSRF header, before Stitch is called', async () => {
    const sim = context.sim()
    const calls = sim.stats.apiCalls.total
    const response = await call('/stitch/createPaymentRequest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1, reference: 'order-8' }),
    })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({
      error: { code: 'csrf_header_missing', message: `Missing the ${PROXY_CSRF_HEADER} header.` },
    })
    expect(sim.stats.apiCalls.total).toBe(calls)
  })
}

import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { JWK } from 'jose'
import { startStitchSimulator } from './server.js'
import type { SimulatorClient, StitchSimulator } from './types.js'

/** Every client scope Stitch documents; clients given without scopes get all of them. */
export const DOCUMENTED_SCOPES = [
  'client_paymentrequest',
  'client_bankaccountverification',
  'client_imageupload',
  'client_businesslookup',
  'client_paymentauthorizationrequest',
  'client_refund',
  'client_disbursement',
  'client_recurringpaymentconsentrequest',
] as const

export const USAGE = `Usage: stitch-simulator [options]

Runs a local Stitch: the client-credentials token endpoint and a GraphQL API.

Options:
  --port <n>                    port to listen on (default 8787; 0 picks a free one)
  --host <host>                 interface to listen on (default 127.0.0.1)
  --client <id:secret[:scopes]> a secret-based client; scopes comma-separated
                                (default: every documented client scope). Repeatable.
  --client-key <id:file[:scopes]>
                                a certificate-based client (private_key_jwt) whose public
                                key is in file: SPKI PEM, X.509 certificate PEM or JWK JSON
  --token-lifetime <seconds>    lifetime of issued tokens (default 3600)
  --clock-offset <ms>           run the simulator's clock ahead (or, negative, behind)
  --unauthenticated-status <n>  200 (like Stitch, default) or 401
  -h, --help                    show this help

Without --client or --client-key a demo client with a random secret is registered.

Example:
  stitch-simulator --port 8787 --client my-id:my-secret:client_paymentrequest,client_refund
`

interface Writer {
  write(chunk: string): unknown
}

export interface SimulatorCliIo {
  /** @default process.stdout */
  stdout?: Writer
  /** @default process.stderr */
  stderr?: Writer
  /** Stops the simulator when aborted. @default stops on SIGINT or SIGTERM */
  signal?: AbortSignal
  /** Called once the simulator listens, before the banner is printed. */
  onReady?: (simulator: StitchSimulator) => void
}

class UsageError extends Error {
  override name = 'UsageError' as const
}

/**
 * The `stitch-simulator` command, callable in-process: resolves with the exit code once the
 * simulator has been stopped (0), or at once on bad arguments (2) or a failure to start (1).
 */
export async function runSimulatorCli(
  argv: readonly string[],
  io: SimulatorCliIo = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout
  const stderr = io.stderr ?? process.stderr

  let parsed: ReturnType<typeof parseCliArgs>
  try {
    parsed = parseCliArgs(argv)
  } catch (error) {
    stderr.write(
      `stitch-simulator: ${(error as Error).message}\nRun stitch-simulator --help for usage.\n`,
    )
    return 2
  }
  if (parsed === 'help') {
    stdout.write(USAGE)
    return 0
  }

  let simulator: StitchSimulator
  try {
    simulator = await startStitchSimulator(parsed.options)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    stderr.write(`stitch-simulator: ${(error as Error).message}\n`)
    return error instanceof TypeError && code === undefined ? 2 : 1
  }
  io.onReady?.(simulator)
  stdout.write(banner(simulator, parsed.options.clients, parsed.demo))

  await waitForStop(io.signal)
  await simulator.close()
  stdout.write('Stitch simulator stopped.\n')
  return 0
}

function parseCliArgs(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      client: { type: 'string', multiple: true },
      'client-key': { type: 'string', multiple: true },
      'token-lifetime': { type: 'string' },
      'clock-offset': { type: 'string', default: '0' },
      'unauthenticated-status': { type: 'string', default: '200' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return 'help' as const

  const clients: SimulatorClient[] = [
    ...(values.client ?? []).map((spec) => {
      const [clientId, clientSecret, scopes] = splitClientSpec(
        spec,
        '--client',
        'id:secret[:scopes]',
      )
      return { clientId, clientSecret, scopes }
    }),
    ...(values['client-key'] ?? []).map((spec) => {
      const [clientId, file, scopes] = splitClientSpec(spec, '--client-key', 'id:file[:scopes]')
      return { clientId, publicKey: readPublicKey(file), scopes }
    }),
  ]
  const demo = clients.length === 0
  if (demo) {
    clients.push({
      clientId: 'demo-client',
      // Random per run: a fixed secret would be a working credential for anyone who can reach
      // the port when --host exposes it.
      clientSecret: randomBytes(24).toString('base64url'),
      scopes: [...DOCUMENTED_SCOPES],
    })
  }
  const status = integer(values['unauthenticated-status'], '--unauthenticated-status')
  if (status !== 200 && status !== 401)
    throw new UsageError('--unauthenticated-status must be 200 or 401')
  return {
    demo,
    options: {
      port: integer(values.port ?? '8787', '--port'),
      host: values.host ?? '127.0.0.1',
      clients,
      tokenLifetimeSeconds: integer(values['token-lifetime'] ?? '3600', '--token-lifetime'),
      clockOffsetMs: integer(values['clock-offset'], '--clock-offset'),
      unauthenticatedStatus: status as 200 | 401,
    },
  }
}

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag} must be an integer (got "${text}")`)
  return Number(text)
}

/** `id:value[:scopes]`; the value may contain ':' only when scopes follow. */
function splitClientSpec(spec: string, flag: string, shape: string): [string, string, string[]] {
  const first = spec.indexOf(':')
  if (first <= 0) throw new UsageError(`${flag} must look like ${shape} (got "${spec}")`)
  const id = spec.slice(0, first)
  let rest = spec.slice(first + 1)
  let scopes: string[] = [...DOCUMENTED_SCOPES]
  const last = rest.lastIndexOf(':')
  if (last >= 0) {
    scopes = rest
      .slice(last + 1)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
    rest = rest.slice(0, last)
    if (scopes.length === 0)
      throw new UsageError(`${flag} "${id}": list at least one scope after the last ':'`)
  }
  if (rest === '') throw new UsageError(`${flag} must look like ${shape} (got "${spec}")`)
  return [id, rest, scopes]
}

function readPublicKey(file: string): string | JWK {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`--client-key: can't read ${file} (${(error as Error).message})`)
  }
  if (!text.trimStart().startsWith('{')) return text
  try {
    return JSON.parse(text) as JWK
  } catch {
    throw new UsageError(`--client-key: ${file} looks like JSON but is not valid JSON`)
  }
}

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`

function banner(
  simulator: StitchSimulator,
  clients: readonly SimulatorClient[],
  demo: boolean,
): string {
  const lines = [
    `Stitch simulator listening on ${simulator.url}`,
    `  Token URL:   ${simulator.tokenUrl}`,
    `  GraphQL URL: ${simulator.graphqlUrl}`,
    '',
    demo ? 'Demo client (a local fake; the secret changes every run):' : 'Clients:',
  ]
  for (const client of clients) {
    const auth =
      client.clientSecret !== undefined ? `secret ${client.clientSecret}` : 'private_key_jwt'
    lines.push(`  ${client.clientId}  ${auth}`, `    scopes: ${client.scopes.join(' ')}`)
  }
  const example = clients.find((c) => c.clientSecret !== undefined)
  if (example?.clientSecret !== undefined) {
    lines.push(
      '',
      'Get a token:',
      `  curl --location --request POST ${shellQuote(simulator.tokenUrl)} \\`,
      `    --header 'Content-Type: application/x-www-form-urlencoded' \\`,
      `    --data-urlencode 'grant_type=client_credentials' \\`,
      `    --data-urlencode ${shellQuote(`client_id=${example.clientId}`)} \\`,
      `    --data-urlencode ${shellQuote(`audience=${simulator.tokenUrl}`)} \\`,
      `    --data-urlencode ${shellQuote(`scope=${example.scopes.join(' ')}`)} \\`,
      `    --data-urlencode ${shellQuote(`client_secret=${example.clientSecret}`)}`,
    )
  }
  lines.push('', 'Press Ctrl+C to stop.', '')
  return lines.join('\n')
}

function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal !== undefined) {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
      return
    }
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

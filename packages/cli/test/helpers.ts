import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type SimulatorClient,
  type StitchSimulator,
  type StitchSimulatorOptions,
  startStitchSimulator,
} from '@stitch-auth/testing'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'

export const CLI_PATH = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const CORE_DIST = fileURLToPath(
  new URL('../node_modules/@stitch-auth/core/dist/index.js', import.meta.url),
)

export const CLIENT_ID = 'test-cli-4b1d'
export const CLIENT_SECRET = 'cli-secret-Zq7!x9&Pw=3 ü'
export const WRONG_SECRET = 'wrong-secret-K2m8vR5t'
export const CERT_CLIENT_ID = 'test-cli-cert-77aa'

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})
export const PRIVATE_KEY_PEM = keys.privateKey
export const PUBLIC_KEY_PEM = keys.publicKey

/** Values that must never appear in any output. */
export const SECRETS: readonly string[] = [
  CLIENT_SECRET,
  WRONG_SECRET,
  ...PRIVATE_KEY_PEM.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----')),
]

const TOKEN_RECORDER = fileURLToPath(new URL('./fixtures/record-tokens.mjs', import.meta.url))
const tokenLogDir = mkdtempSync(join(tmpdir(), 'stitch-auth-cli-tokens-'))
let runs = 0
afterAll(() => rmSync(tokenLogDir, { recursive: true, force: true }))
/** Every token any CLI run of this test file was issued. */
const issuedTokens = new Set<string>()

export const CLIENTS: SimulatorClient[] = [
  {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes: ['client_paymentrequest', 'client_refund'],
  },
  { clientId: CERT_CLIENT_ID, publicKey: PUBLIC_KEY_PEM, scopes: ['client_paymentrequest'] },
]

/** Stitch's payment request creation, as a user would send it with `stitch-auth graphql`. */
export const CREATE_PAYMENT_REQUEST = `mutation Create($input: ClientPaymentInitiationRequestCreateInput!) {
  clientPaymentInitiationRequestCreate(input: $input) {
    paymentInitiationRequest { id url }
  }
}`
export const PAYMENT_REQUEST_INPUT = {
  input: {
    amount: { quantity: '150.00', currency: 'ZAR' },
    payerReference: 'order-42',
    beneficiaryReference: 'shop',
    externalReference: 'order-42',
    beneficiary: { bankAccount: { name: 'Shop', bankId: 'fnb', accountNumber: '123456789' } },
  },
}

/** Fails the test unless the built CLI (and the core it imports) exist. */
export function assertBuilt(): void {
  if (!existsSync(CLI_PATH) || !existsSync(CORE_DIST)) {
    throw new Error(
      `${existsSync(CLI_PATH) ? CORE_DIST : CLI_PATH} is missing: these tests run the built CLI; run pnpm build first (from the repository root: pnpm turbo run build --filter=@stitch-auth/cli...)`,
    )
  }
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string>
  stdin?: string
  /** The run was asked to print the token (`--raw`, `--show-token`). */
  revealsToken?: boolean
}

/**
 * Runs `node dist/cli.js …` with only the given environment (never the test runner's own
 * STITCH_* variables) and checks that nothing it printed holds a secret or, unless asked for,
 * a full token.
 */
export async function runBuilt(
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  assertBuilt()
  const tokenLog = join(tokenLogDir, `run-${++runs}.log`)
  const child = spawn(process.execPath, ['--import', TOKEN_RECORDER, CLI_PATH, ...args], {
    env: { PATH: process.env.PATH ?? '', ...options.env, STITCH_CLI_TEST_TOKEN_LOG: tokenLog },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  child.stdin.end(options.stdin ?? '')
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  if (existsSync(tokenLog)) {
    for (const token of readFileSync(tokenLog, 'utf8').split('\n'))
      if (token) issuedTokens.add(token)
  }
  const result = { code, stdout, stderr }
  expectNoLeak(result, options.revealsToken === true)
  return result
}

/** How many tokens the CLI runs of this file were issued (so a leak check is not vacuous). */
export function issuedTokenCount(): number {
  return issuedTokens.size
}

/**
 * No secret anywhere; no token issued to any run so far, unless the command was asked to print
 * it (then on stdout only).
 */
export function expectNoLeak(
  output: { stdout: string; stderr: string },
  revealsToken = false,
): void {
  for (const text of [output.stdout, output.stderr]) {
    for (const secret of SECRETS) expect(text).not.toContain(secret)
    // The CLI masks known secrets as a last resort; a mask in the output means some code path
    // tried to print one.
    expect(text).not.toContain('[redacted]')
  }
  for (const token of issuedTokens) {
    expect(output.stderr).not.toContain(token)
    if (!revealsToken) expect(output.stdout).not.toContain(token)
  }
}

/** Starts one simulator for the test file with the standard clients. */
export function useSimulator(options: StitchSimulatorOptions = {}) {
  let sim: StitchSimulator | undefined
  beforeAll(async () => {
    assertBuilt()
    sim = await startStitchSimulator({ clients: CLIENTS, ...options })
  })
  afterEach(() => {
    sim?.clearFaults()
    sim?.setClockOffset(options.clockOffsetMs ?? 0)
  })
  afterAll(async () => {
    await sim?.close()
  })
  return {
    get sim(): StitchSimulator {
      if (!sim) throw new Error('simulator not started')
      return sim
    },
  }
}

/** The environment of a secret-based client pointed at `sim`. */
export function envFor(sim: StitchSimulator, overrides: Record<string, string> = {}) {
  return {
    STITCH_CLIENT_ID: CLIENT_ID,
    STITCH_CLIENT_SECRET: CLIENT_SECRET,
    STITCH_TOKEN_URL: sim.tokenUrl,
    STITCH_API_URL: sim.graphqlUrl,
    ...overrides,
  }
}

/** The endpoints of `sim`, without any credentials. */
export function urlsOf(sim: StitchSimulator) {
  return { STITCH_TOKEN_URL: sim.tokenUrl, STITCH_API_URL: sim.graphqlUrl }
}

/** A port on 127.0.0.1 nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A temporary directory with the given files, removed after the file's tests. */
export function useFiles(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'stitch-auth-cli-'))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return (name: string) => join(dir, name)
}

/** Doctor's plain output as `{ title: 'PASS' | 'FAIL' | 'WARN' | 'SKIP' }`. */
export function checkStatuses(stdout: string): Record<string, string> {
  const statuses: Record<string, string> = {}
  for (const line of stdout.split('\n')) {
    const match = /^(PASS|FAIL|WARN|SKIP)\s{2}(.+?)\s{2,}/.exec(line)
    if (match?.[1] && match[2]) statuses[match[2].trim()] = match[1]
  }
  return statuses
}

/** The lines of one doctor check: its status line and the indented lines under it. */
export function checkBlock(stdout: string, title: string): string {
  const lines = stdout.split('\n')
  const start = lines.findIndex(
    (line) => /^(PASS|FAIL|WARN|SKIP)/.test(line) && line.includes(title),
  )
  if (start < 0) return ''
  const block = [lines[start]]
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(' ')) break
    block.push(line)
  }
  return block.join('\n')
}

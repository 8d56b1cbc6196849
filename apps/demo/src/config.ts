import { readFile } from 'node:fs/promises'

/** Where the demo gets its Stitch tokens from. */
export type StitchTarget =
  | { kind: 'simulator'; clientId: string; clientSecret: string; tokenLifetimeSeconds: number }
  | { kind: 'stitch'; clientId: string; clientSecret: string }
  | { kind: 'stitch'; clientId: string; privateKey: string }

export interface DemoConfig {
  host: string
  /** The shop (Express); 0 picks a free port. */
  port: number
  /** The back office (NestJS); 0 picks a free port. */
  nestPort: number
  target: StitchTarget
  /**
   * Whether the back office may refund: its client then asks for `client_refund` too. Always
   * with the simulator; with real Stitch only when STITCH_REFUNDS=1 says the client has it.
   */
  refunds: boolean
  /**
   * The signing secret of a webhook endpoint the user registered at real Stitch for the shop's
   * `/webhooks/stitch` (a public HTTPS URL: a tunnel, say), from STITCH_WEBHOOK_SECRET. Without
   * it webhooks are off with real Stitch. The simulator ignores it: the demo subscribes there.
   */
  webhookSecret: string | undefined
  /** Said once at start, e.g. why the simulator is used although a client id is set. */
  notes: string[]
}

export const SIMULATOR_CLIENT_ID = 'demo-client'
// Only the in-process simulator knows it; it still must never reach a page or a log.
export const SIMULATOR_CLIENT_SECRET = 'demo-secret-do-not-use'
// Short-lived tokens, so a person watching the page sees refresh-ahead within a minute.
export const SIMULATOR_TOKEN_LIFETIME_SECONDS = 60

/** Reads the demo's settings from the environment; every problem is listed at once. */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<DemoConfig> {
  const problems: string[] = []
  const notes: string[] = []
  const port = parsePort(env.PORT, 'PORT', problems)
  const nestPort = parsePort(env.NEST_PORT, 'NEST_PORT', problems)

  const clientId = env.STITCH_CLIENT_ID?.trim() || undefined
  const clientSecret = env.STITCH_CLIENT_SECRET || undefined
  const privateKeySetting = env.STITCH_PRIVATE_KEY?.trim() || undefined
  let target: StitchTarget = {
    kind: 'simulator',
    clientId: SIMULATOR_CLIENT_ID,
    clientSecret: SIMULATOR_CLIENT_SECRET,
    tokenLifetimeSeconds: SIMULATOR_TOKEN_LIFETIME_SECONDS,
  }
  if (clientId && clientSecret && privateKeySetting) {
    problems.push('set STITCH_CLIENT_SECRET or STITCH_PRIVATE_KEY, not both')
  } else if (clientId && clientSecret) {
    target = { kind: 'stitch', clientId, clientSecret }
  } else if (clientId && privateKeySetting) {
    const privateKey = await readPrivateKey(privateKeySetting, problems)
    if (privateKey) target = { kind: 'stitch', clientId, privateKey }
  } else if (clientId) {
    notes.push(
      'STITCH_CLIENT_ID is set without STITCH_CLIENT_SECRET or STITCH_PRIVATE_KEY: using the local simulator.',
    )
  } else if (clientSecret || privateKeySetting) {
    notes.push('A Stitch secret or key is set without STITCH_CLIENT_ID: using the local simulator.')
  }

  // A real client may lack client_refund (Stitch would then refuse the refund's token), so
  // there refunds are opt-in; without them the refund route says they are off.
  const refundsSetting = env.STITCH_REFUNDS?.trim() ?? ''
  if (!['', '0', '1'].includes(refundsSetting)) {
    problems.push(
      `STITCH_REFUNDS must be 1 (the client has client_refund) or 0 (got "${refundsSetting}")`,
    )
  }
  const refunds = target.kind === 'simulator' || refundsSetting === '1'

  // Never repeated in a message: only whether it is set and well formed.
  let webhookSecret = env.STITCH_WEBHOOK_SECRET?.trim() || undefined
  if (webhookSecret && target.kind === 'simulator') {
    notes.push(
      'STITCH_WEBHOOK_SECRET is set, but the simulator is used: the demo subscribes its own webhook endpoint there.',
    )
    webhookSecret = undefined
  } else if (webhookSecret && !webhookSecret.startsWith('whsec_')) {
    problems.push(
      "STITCH_WEBHOOK_SECRET must be the endpoint's signing secret as Stitch returned it (whsec_…)",
    )
  }

  if (problems.length > 0) {
    throw new Error(`The demo cannot start:\n  - ${problems.join('\n  - ')}`)
  }
  return { host: '127.0.0.1', port, nestPort, target, refunds, webhookSecret, notes }
}

function parsePort(value: string | undefined, name: string, problems: string[]): number {
  if (value === undefined || value.trim() === '') return 0
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`${name} must be a port number 0-65535, 0 for a free port (got "${value}")`)
    return 0
  }
  return port
}

/** STITCH_PRIVATE_KEY holds the PEM itself or the path of a PEM file. */
async function readPrivateKey(setting: string, problems: string[]): Promise<string | undefined> {
  if (setting.includes('-----BEGIN')) return setting
  try {
    return await readFile(setting, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    // The setting is a path here, not key material, so naming it is safe.
    problems.push(`STITCH_PRIVATE_KEY: cannot read the PEM file "${setting}" (${reason})`)
    return undefined
  }
}

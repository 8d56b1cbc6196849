import {
  StitchApiError,
  StitchResponseError,
  type StitchToken,
  StitchTokenRequestError,
} from '@stitch-auth/core'
import { CONNECTION_OPTIONS, connectionFlags, parseCommandArgs } from '../args.js'
import { type Connection, connect, ENV } from '../config.js'
import {
  describeFailure,
  describeNetworkError,
  EXIT_CODES,
  type ExitCode,
  graphQLErrorLines,
  tokenErrorFix,
} from '../exit.js'
import type { CliContext } from '../io.js'
import { type CheckStatus, formatDuration, plural, type Style, styleFor } from '../style.js'

export const DOCTOR_OPTIONS = {
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
  query: { type: 'string' },
} as const

/** The API call of the last check: valid in any GraphQL schema, and it needs a valid token. */
export const DEFAULT_DOCTOR_QUERY = 'query StitchAuthDoctor { __typename }'

/** Clock skew up to this is fine. */
export const CLOCK_WARN_MS = 5_000
/** Clock skew beyond this fails the check. */
export const CLOCK_FAIL_MS = 60_000

type CheckId = 'config' | 'reach' | 'credentials' | 'scopes' | 'clock' | 'api'

const TITLES: Record<CheckId, string> = {
  config: 'Configuration',
  reach: 'Token endpoint reachable',
  credentials: 'Credentials accepted',
  scopes: 'Scopes granted',
  clock: 'Clock in sync',
  api: 'API call',
}

/** Which checks must pass before a check can run. */
const NEEDS: Record<CheckId, readonly CheckId[]> = {
  config: [],
  reach: ['config'],
  credentials: ['config', 'reach'],
  scopes: ['credentials'],
  clock: ['reach'],
  api: ['credentials', 'scopes'],
}

export interface CheckResult {
  id: CheckId
  title: string
  status: CheckStatus
  summary: string
  details: string[]
  fix?: string
  /** The failure means Stitch or the network was unavailable, not that Stitch said no. */
  unavailable?: boolean
}

type Outcome = Omit<CheckResult, 'id' | 'title' | 'details'> & { details?: string[] }

/** What the token request of check 3 learned, for check 4. */
type ScopeEvidence =
  | { kind: 'granted'; token: StitchToken }
  | { kind: 'refused'; error: StitchTokenRequestError }
  | { kind: 'fewer'; message: string }

interface Probe {
  status: number
  oauthError: string | undefined
  location: string | null
  date: string | null
  sentAt: number
  receivedAt: number
}

/**
 * `stitch-auth doctor`: checks, in order, everything between this machine and a working Stitch
 * call, and says how to fix the first thing that is wrong. A check whose prerequisite failed is
 * reported as skipped, so one cause is not reported six times.
 */
export async function doctorCommand(argv: readonly string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs('doctor', argv, DOCTOR_OPTIONS, { min: 0, max: 0 })
  const json = values.json === true
  const query = (values.query as string | undefined) ?? DEFAULT_DOCTOR_QUERY
  const flags = connectionFlags(values)
  const style = styleFor(context.stdout, context.env)
  const results = new Map<CheckId, CheckResult>()

  const record = (id: CheckId, outcome: Outcome): CheckResult => {
    const result: CheckResult = {
      id,
      title: TITLES[id],
      status: outcome.status,
      summary: outcome.summary,
      details: outcome.details ?? [],
      ...(outcome.fix ? { fix: outcome.fix } : {}),
      ...(outcome.unavailable ? { unavailable: true } : {}),
    }
    results.set(id, result)
    if (!json) context.stdout.write(formatCheck(result, style))
    return result
  }
  /** Runs a check unless something it needs did not pass. */
  const check = async (
    id: CheckId,
    run: () => Promise<Outcome> | Outcome,
  ): Promise<CheckResult> => {
    const blocker = NEEDS[id].find((need) => {
      const status = results.get(need)?.status
      return status !== 'pass' && status !== 'warn'
    })
    if (blocker) {
      return record(id, { status: 'skip', summary: `skipped: needs "${TITLES[blocker]}"` })
    }
    return record(id, await run())
  }

  if (!json) context.stdout.write(`${style.bold('stitch-auth doctor')}\n`)

  let connection: Connection | undefined
  await check('config', async () => {
    const result = await connect(flags, context)
    if (!result.ok) {
      return {
        status: 'fail',
        summary: `${plural(result.problems.length, 'problem')} in the configuration`,
        details: [...result.problems],
        fix: 'Set the environment variables or flags named above; `stitch-auth doctor --help` lists them all.',
      }
    }
    connection = result.connection
    return {
      status: 'pass',
      summary: `client ${connection.clientId}, ${connection.method === 'private_key_jwt' ? 'private key' : 'client secret'} from ${connection.credentialSource}`,
      details: [
        `scopes:         ${connection.scopes.join(' ')}`,
        `token endpoint: ${connection.tokenUrl}`,
        `API:            ${connection.apiUrl}`,
      ],
    }
  })

  let probe: Probe | undefined
  let evidence: ScopeEvidence | undefined
  try {
    await check('reach', async () => {
      const result = await probeTokenEndpoint(connection!)
      if ('failure' in result) return result.failure
      probe = result.probe
      return judgeProbe(probe, connection!)
    })

    await check('credentials', async () => {
      const outcome = await checkCredentials(connection!)
      evidence = outcome.evidence
      return outcome
    })

    await check('scopes', () => checkScopes(connection!, evidence!))

    await check('clock', () => checkClock(probe!, connection!))

    await check('api', () => checkApi(connection!, query))
  } finally {
    await connection?.client.close()
  }

  const all = [...results.values()]
  const exitCode = doctorExitCode(all)
  if (json) {
    const report = { ok: exitCode === EXIT_CODES.OK, exitCode, checks: all }
    context.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  } else {
    context.stdout.write(`\n${summarize(all, exitCode)}\n`)
  }
  return exitCode
}

function doctorExitCode(results: readonly CheckResult[]): ExitCode {
  const failed = results.filter((result) => result.status === 'fail')
  if (failed.some((result) => result.id === 'config')) return EXIT_CODES.USAGE
  if (failed.some((result) => result.unavailable)) return EXIT_CODES.UNAVAILABLE
  return failed.length > 0 ? EXIT_CODES.FAILED : EXIT_CODES.OK
}

function summarize(results: readonly CheckResult[], exitCode: ExitCode): string {
  const count = (status: CheckStatus) => results.filter((result) => result.status === status).length
  const parts = [
    count('fail') && `${count('fail')} failed`,
    count('warn') && plural(count('warn'), 'warning'),
    count('pass') && `${count('pass')} passed`,
    count('skip') && `${count('skip')} skipped`,
  ].filter(Boolean)
  const verdict =
    exitCode === EXIT_CODES.OK
      ? 'Stitch accepts these credentials.'
      : exitCode === EXIT_CODES.UNAVAILABLE
        ? 'Stitch or the network was unavailable; fix that and run doctor again.'
        : 'Fix the first failed check and run doctor again.'
  return `${parts.join(', ')}. ${verdict}`
}

function formatCheck(result: CheckResult, style: Style): string {
  const lines = [`${style.mark(result.status)}  ${result.title.padEnd(25)} ${result.summary}`]
  const indent = ' '.repeat(style.fancy ? 3 : 6)
  for (const detail of result.details) lines.push(`${indent}${style.dim(detail)}`)
  if (result.fix) lines.push(`${indent}fix: ${result.fix}`)
  return `${lines.join('\n')}\n`
}

/**
 * A POST without credentials: any HTTP answer proves DNS, TCP and TLS work, and its `Date`
 * header tells the server's time.
 */
async function probeTokenEndpoint(
  connection: Connection,
): Promise<{ probe: Probe } | { failure: Outcome }> {
  const sentAt = Date.now()
  try {
    const response = await fetch(connection.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: '',
      redirect: 'manual',
      signal: AbortSignal.timeout(Math.min(10_000, connection.timeoutMs)),
    })
    const receivedAt = Date.now()
    const text = await response.text().catch(() => '')
    let oauthError: string | undefined
    try {
      const body = JSON.parse(text) as { error?: unknown }
      if (typeof body.error === 'string') oauthError = body.error
    } catch {
      // Not JSON: judged by the status alone.
    }
    return {
      probe: {
        status: response.status,
        oauthError,
        location: response.headers.get('location'),
        date: response.headers.get('date'),
        sentAt,
        receivedAt,
      },
    }
  } catch (error) {
    const network = describeNetworkError(error) ?? {
      reason: error instanceof Error ? error.message : String(error),
      fix: 'Check the URL and your network connection.',
    }
    return {
      failure: {
        status: 'fail',
        summary: `could not reach ${connection.tokenUrl} (${network.reason})`,
        fix: `${network.fix} The URL comes from --token-url or ${ENV.tokenUrl} (default: Stitch's).`,
        unavailable: true,
      },
    }
  }
}

function judgeProbe(probe: Probe, connection: Connection): Outcome {
  const took = formatDuration(probe.receivedAt - probe.sentAt)
  const { status } = probe
  if (status === 408 || status === 429 || status >= 500) {
    return {
      status: 'fail',
      summary: `the token endpoint answered HTTP ${status} in ${took}: Stitch is unavailable or rate limiting`,
      fix: 'Try again in a few minutes; if it persists, contact Stitch support.',
      unavailable: true,
    }
  }
  if (status >= 300 && status < 400) {
    return {
      status: 'fail',
      summary: `the token endpoint answered a redirect (HTTP ${status}${probe.location ? ` to ${probe.location}` : ''})`,
      fix: `Use the final URL as --token-url (${ENV.tokenUrl}); a token request must not be redirected.`,
    }
  }
  if (status < 300 || status === 404 || status === 405) {
    return {
      status: 'fail',
      summary: `${connection.tokenUrl} answered HTTP ${status}: this is not an OAuth token endpoint`,
      fix: `Check --token-url (${ENV.tokenUrl}); Stitch's is https://secure.stitch.money/connect/token.`,
    }
  }
  return {
    status: 'pass',
    summary: `HTTP ${status}${probe.oauthError ? ` (${probe.oauthError}, as expected without credentials)` : ''} in ${took}`,
  }
}

async function checkCredentials(
  connection: Connection,
): Promise<Outcome & { evidence?: ScopeEvidence }> {
  const started = Date.now()
  try {
    const token = await connection.client.getToken(connection.scopes)
    return {
      status: 'pass',
      summary: `token issued in ${formatDuration(Date.now() - started)} (${token.preview})`,
      evidence: { kind: 'granted', token },
    }
  } catch (error) {
    // Stitch authenticates the client before it looks at scopes: a scope refusal means the
    // credentials themselves were accepted.
    if (error instanceof StitchTokenRequestError && error.error === 'invalid_scope') {
      return {
        status: 'pass',
        summary: 'the client authenticated (but a scope was refused; see below)',
        evidence: { kind: 'refused', error },
      }
    }
    if (error instanceof StitchResponseError && /fewer scopes/.test(error.message)) {
      return {
        status: 'pass',
        summary: 'token issued (with fewer scopes than requested; see below)',
        evidence: { kind: 'fewer', message: error.message },
      }
    }
    if (error instanceof StitchTokenRequestError) {
      const fix = tokenErrorFix(error)
      return {
        status: 'fail',
        summary: `Stitch refused the token request: ${error.error} (HTTP ${error.upstreamStatus})`,
        details: error.errorDescription ? [error.errorDescription] : [],
        ...(fix ? { fix } : {}),
      }
    }
    const failure = describeFailure(error)
    return {
      status: 'fail',
      summary: failure.message,
      ...(failure.fix ? { fix: failure.fix } : {}),
      unavailable: failure.exitCode === EXIT_CODES.UNAVAILABLE,
    }
  }
}

async function checkScopes(connection: Connection, evidence: ScopeEvidence): Promise<Outcome> {
  const requested = connection.scopes
  if (evidence.kind === 'granted') {
    const extra = evidence.token.scopes.filter((scope) => !requested.includes(scope))
    return {
      status: 'pass',
      summary: `granted: ${requested.join(', ')}`,
      details: extra.length > 0 ? [`also granted: ${extra.join(', ')}`] : [],
    }
  }
  if (evidence.kind === 'fewer') {
    return {
      status: 'fail',
      summary: 'Stitch issued a token without every requested scope',
      details: [evidence.message],
      fix: `Ask Stitch support to enable the missing scopes for client ${connection.clientId}, or stop requesting them.`,
    }
  }
  // Asking for each scope alone tells exactly which ones this client may not have.
  const refused: string[] = []
  const details: string[] = []
  let unavailable = false
  for (const scope of requested) {
    try {
      await connection.client.getToken([scope])
      details.push(`${scope}: granted`)
    } catch (error) {
      if (error instanceof StitchTokenRequestError && error.error === 'invalid_scope') {
        refused.push(scope)
        details.push(`${scope}: refused (invalid_scope)`)
      } else {
        const failure = describeFailure(error)
        unavailable ||= failure.exitCode === EXIT_CODES.UNAVAILABLE
        details.push(`${scope}: could not check (${failure.message})`)
      }
    }
  }
  if (evidence.error.errorDescription)
    details.push(`Stitch said: ${evidence.error.errorDescription}`)
  const which = refused.length > 0 ? refused.join(', ') : 'this combination of scopes'
  return {
    status: 'fail',
    summary: `Stitch refused ${which} for client ${connection.clientId}`,
    details,
    fix: `Ask Stitch support to enable ${which} for this client, or stop requesting ${refused.length === 1 ? 'it' : 'them'} (--scope / ${ENV.scopes}).`,
    ...(unavailable ? { unavailable } : {}),
  }
}

function checkClock(probe: Probe, connection: Connection): Outcome {
  const serverDate = probe.date ? Date.parse(probe.date) : Number.NaN
  if (Number.isNaN(serverDate)) {
    return {
      status: 'warn',
      summary:
        'the token endpoint sent no readable Date header, so the clocks could not be compared',
    }
  }
  // `Date` has whole seconds: the server's time was somewhere in the following second.
  const localMidpoint = (probe.sentAt + probe.receivedAt) / 2
  const skewMs = serverDate + 500 - localMidpoint
  const precision = formatDuration(500 + (probe.receivedAt - probe.sentAt) / 2)
  const abs = Math.abs(skewMs)
  const direction = skewMs > 0 ? 'behind' : 'ahead of'
  const summary =
    abs <= CLOCK_WARN_MS
      ? `within ${formatDuration(abs)} of the server's clock (±${precision})`
      : `this machine's clock is ${formatDuration(abs)} ${direction} the server's (±${precision})`
  if (abs <= CLOCK_WARN_MS) return { status: 'pass', summary }
  const certificate = connection.method === 'private_key_jwt'
  const why = certificate
    ? 'This client signs its assertions (private_key_jwt) with the local time; Stitch rejects them as not yet valid or expired when the clocks disagree.'
    : 'Secret-based token requests still work, but a certificate client (private_key_jwt) would be refused, and expiry times shown here are off by as much.'
  return {
    status: abs > CLOCK_FAIL_MS ? 'fail' : 'warn',
    summary,
    details: [why],
    fix: 'Sync this machine\'s clock with NTP (e.g. `sudo timedatectl set-ntp true` on Linux with systemd, "Set time automatically" on macOS and Windows); containers take the host\'s clock.',
  }
}

async function checkApi(connection: Connection, query: string): Promise<Outcome> {
  const started = Date.now()
  try {
    await connection.client.graphql(query, undefined, {
      scopes: connection.scopes,
      timeoutMs: connection.timeoutMs,
    })
    return {
      status: 'pass',
      summary: `${connection.apiUrl} accepted the token and answered in ${formatDuration(Date.now() - started)}`,
    }
  } catch (error) {
    const failure = describeFailure(error, { apiUrl: connection.apiUrl })
    return {
      status: 'fail',
      summary: error instanceof StitchApiError ? error.message : failure.message,
      details: error instanceof StitchApiError ? graphQLErrorLines(error) : [],
      fix: failure.fix ?? 'See the message above.',
      unavailable: failure.exitCode === EXIT_CODES.UNAVAILABLE,
    }
  }
}

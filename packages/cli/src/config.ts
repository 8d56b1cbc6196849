import { readFile } from 'node:fs/promises'
import {
  DEFAULT_API_URL,
  DEFAULT_TOKEN_URL,
  StitchAuth,
  type StitchAuthOptions,
  StitchConfigError,
} from '@stitch-auth/core'
import { type ConnectionFlags, splitScopes } from './args.js'
import { type CliContext, PromptInterruptedError, promptHidden, readAll } from './io.js'

/** A client ready to talk to Stitch, and how it was configured (nothing secret). */
export interface Connection {
  client: StitchAuth<string>
  clientId: string
  scopes: readonly string[]
  tokenUrl: string
  apiUrl: string
  method: 'client_secret_post' | 'private_key_jwt'
  /** Where the secret or key came from, e.g. `STITCH_CLIENT_SECRET` or `--client-secret-file`. */
  credentialSource: string
  timeoutMs: number
}

export type ConnectionResult =
  | { ok: true; connection: Connection }
  | { ok: false; problems: readonly string[] }

/** How long one command may wait for a token, retries included, unless `--timeout` says. */
export const DEFAULT_TIMEOUT_MS = 30_000

/** The environment variables the CLI reads, documented in `--help` and the README. */
export const ENV = {
  clientId: 'STITCH_CLIENT_ID',
  clientSecret: 'STITCH_CLIENT_SECRET',
  privateKey: 'STITCH_PRIVATE_KEY',
  keyId: 'STITCH_KEY_ID',
  tokenUrl: 'STITCH_TOKEN_URL',
  apiUrl: 'STITCH_API_URL',
  scopes: 'STITCH_SCOPES',
} as const

const PLAIN_FLAG_WARNING =
  'warning: --client-secret puts the secret in your shell history and in the process list ' +
  '(visible to `ps`). Prefer --client-secret-stdin, --client-secret-file <path> or the ' +
  'STITCH_CLIENT_SECRET environment variable.\n'

interface Credentials {
  secret?: string
  privateKey?: string
  source: string
}

/**
 * Builds a core client from flags and the environment (flags win). Problems the CLI can see
 * (nothing given, unreadable files) and those core's validation finds are returned together.
 */
export async function connect(
  flags: ConnectionFlags,
  context: CliContext,
): Promise<ConnectionResult> {
  const { env } = context
  const problems: string[] = []

  const clientId = (flags.clientId ?? env[ENV.clientId])?.trim()
  if (!clientId) {
    problems.push(`no client id: set ${ENV.clientId} or pass --client-id <id>`)
  }

  let credentials: Credentials | undefined
  let unreadable = false
  try {
    credentials = await readCredentials(flags, context)
  } catch (error) {
    if (error instanceof PromptInterruptedError) throw error
    unreadable = true
    problems.push(error instanceof Error ? error.message : String(error))
  }
  if (credentials === undefined && !unreadable) {
    problems.push(
      `no credentials: set ${ENV.clientSecret} (or ${ENV.privateKey} for a certificate client), or pass --client-secret-stdin, --client-secret-file <path> or --private-key <path>`,
    )
  }

  const scopes = flags.scopes.length > 0 ? flags.scopes : splitScopes([env[ENV.scopes] ?? ''])
  if (scopes.length === 0) {
    problems.push(
      `no scope: pass --scope <scope> (repeat it for more) or set ${ENV.scopes}, e.g. --scope client_paymentrequest`,
    )
  }

  const tokenUrl = flags.tokenUrl ?? env[ENV.tokenUrl] ?? DEFAULT_TOKEN_URL
  const apiUrl = flags.apiUrl ?? env[ENV.apiUrl] ?? DEFAULT_API_URL
  const timeoutMs = flags.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const keyId = flags.keyId ?? env[ENV.keyId]

  const options: StitchAuthOptions<string> = {
    clientId: clientId ?? '',
    ...(credentials?.secret !== undefined ? { clientSecret: credentials.secret } : {}),
    ...(credentials?.privateKey !== undefined ? { privateKey: credentials.privateKey } : {}),
    ...(keyId && credentials?.privateKey !== undefined ? { keyId } : {}),
    ...(scopes.length > 0 ? { scopes } : {}),
    allowUnknownScopes: flags.allowUnknownScopes,
    tokenUrl,
    apiUrl,
    deadlineMs: timeoutMs,
    attemptTimeoutMs: Math.min(10_000, timeoutMs),
  }

  let client: StitchAuth<string> | undefined
  try {
    client = new StitchAuth<string>(options)
  } catch (error) {
    if (!(error instanceof StitchConfigError)) throw error
    // Core validates everything; the problems the CLI already named are not repeated.
    const covered = [!clientId && /"clientId"/, !credentials && /clientSecret|privateKey/].filter(
      (pattern): pattern is RegExp => pattern instanceof RegExp,
    )
    problems.push(
      ...error.issues
        .filter((issue) => !covered.some((pattern) => pattern.test(issue)))
        .map(inCliTerms),
    )
  }

  if (problems.length > 0 || client === undefined || credentials === undefined || !clientId) {
    await client?.close()
    return { ok: false, problems }
  }
  return {
    ok: true,
    connection: {
      client,
      clientId,
      scopes: client.options.defaultScopes?.scopes ?? scopes,
      tokenUrl: client.options.tokenUrl,
      apiUrl: client.options.apiUrl,
      method: credentials.privateKey !== undefined ? 'private_key_jwt' : 'client_secret_post',
      credentialSource: credentials.source,
      timeoutMs,
    },
  }
}

/** Core names its options; a CLI user knows flags and environment variables. */
function inCliTerms(issue: string): string {
  return issue
    .replace(/^"tokenUrl"/, `"tokenUrl" (--token-url / ${ENV.tokenUrl})`)
    .replace(/^"apiUrl"/, `"apiUrl" (--api-url / ${ENV.apiUrl})`)
    .replace(/^"scopes":/, 'scope:')
    .replace('pass allowUnknownScopes: true', 'pass --allow-unknown-scopes')
    .replace(/^"privateKey"/, `the private key (--private-key / ${ENV.privateKey})`)
    .replace(/^"clientSecret"/, `the client secret`)
}

async function readCredentials(
  flags: ConnectionFlags,
  context: CliContext,
): Promise<Credentials | undefined> {
  const given = [
    flags.clientSecret !== undefined && '--client-secret',
    flags.clientSecretFile !== undefined && '--client-secret-file',
    flags.clientSecretStdin && '--client-secret-stdin',
    flags.privateKey !== undefined && '--private-key',
  ].filter((flag): flag is string => typeof flag === 'string')
  if (given.length > 1) {
    throw new Error(`give one of ${given.join(', ')}, not several`)
  }
  const { redactor, env } = context

  // A credential flag replaces whatever the environment holds, secret or key.
  if (flags.clientSecret !== undefined) {
    redactor.add(flags.clientSecret)
    context.stderr.write(PLAIN_FLAG_WARNING)
    return {
      secret: nonEmpty(flags.clientSecret.trim(), '--client-secret'),
      source: '--client-secret',
    }
  }
  if (flags.clientSecretFile !== undefined) {
    const secret = (await readText(flags.clientSecretFile, 'the client secret file')).trim()
    redactor.add(secret)
    return {
      secret: nonEmpty(secret, `the file ${flags.clientSecretFile}`),
      source: '--client-secret-file',
    }
  }
  if (flags.clientSecretStdin) {
    const stdin = context.stdin()
    const text = stdin.isTTY
      ? await promptHidden(stdin, context.stderr, 'Stitch client secret (input hidden): ')
      : await readAll(stdin)
    const secret = text.trim()
    redactor.add(secret)
    return { secret: nonEmpty(secret, 'stdin'), source: '--client-secret-stdin' }
  }
  if (flags.privateKey !== undefined) {
    if (flags.privateKey.includes('-----BEGIN')) {
      redactor.addPem(flags.privateKey)
      throw new Error(
        `--private-key takes a file path; put an inline PEM in ${ENV.privateKey} instead of the command line`,
      )
    }
    const pem = await readText(flags.privateKey, 'the private key file')
    redactor.addPem(pem)
    return { privateKey: pem, source: '--private-key' }
  }

  const secret = env[ENV.clientSecret]
  const key = env[ENV.privateKey]
  if (secret !== undefined && secret.trim() !== '' && key !== undefined && key.trim() !== '') {
    throw new Error(
      `both ${ENV.clientSecret} and ${ENV.privateKey} are set; unset the one this client does not use`,
    )
  }
  if (secret !== undefined && secret.trim() !== '') {
    redactor.add(secret)
    return { secret: secret.trim(), source: ENV.clientSecret }
  }
  if (key !== undefined && key.trim() !== '') {
    if (key.includes('-----BEGIN')) {
      redactor.addPem(key)
      return { privateKey: key, source: ENV.privateKey }
    }
    const pem = await readText(key.trim(), `the file named by ${ENV.privateKey}`)
    redactor.addPem(pem)
    return { privateKey: pem, source: `${ENV.privateKey} (file)` }
  }
  return undefined
}

function nonEmpty(secret: string, where: string): string {
  if (secret === '') throw new Error(`the client secret from ${where} is empty`)
  return secret
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new Error(`can't read ${what} ${path}: ${typeof code === 'string' ? code : 'unreadable'}`)
  }
}

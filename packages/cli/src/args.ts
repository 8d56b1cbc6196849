import { type ParseArgsConfig, parseArgs } from 'node:util'
import { UsageError } from './exit.js'

/** Options every command that talks to Stitch accepts. */
export const CONNECTION_OPTIONS = {
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-secret-file': { type: 'string' },
  'client-secret-stdin': { type: 'boolean' },
  'private-key': { type: 'string' },
  'key-id': { type: 'string' },
  'token-url': { type: 'string' },
  'api-url': { type: 'string' },
  scope: { type: 'string', multiple: true, short: 's' },
  'allow-unknown-scopes': { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

/** The connection options after parsing, as the commands use them. */
export interface ConnectionFlags {
  clientId?: string
  clientSecret?: string
  clientSecretFile?: string
  clientSecretStdin?: boolean
  privateKey?: string
  keyId?: string
  tokenUrl?: string
  apiUrl?: string
  scopes: string[]
  allowUnknownScopes: boolean
  timeoutMs?: number
}

type Options = NonNullable<ParseArgsConfig['options']>
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>

/** Parses one command's arguments; every mistake becomes a `UsageError` (exit code 2). */
export function parseCommandArgs(
  command: string,
  argv: readonly string[],
  options: Options,
  positionals: { min: number; max: number; name?: string },
): { values: Values; positionals: string[] } {
  let parsed: { values: Values; positionals: string[] }
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as {
      values: Values
      positionals: string[]
    }
  } catch (error) {
    // Node's messages name the option, never its value; keep the first sentence only.
    const message = error instanceof Error ? error.message.split(/\.\s/)[0] : String(error)
    throw new UsageError(`${message?.replace(/\.$/, '')}.`)
  }
  const count = parsed.positionals.length
  if (count < positionals.min) {
    throw new UsageError(`${command} needs ${positionals.name ?? 'an argument'}.`)
  }
  if (count > positionals.max) {
    // The extra words are not echoed: a secret pasted in the wrong place must not be printed.
    throw new UsageError(
      `${command} takes ${positionals.max === 0 ? 'no' : `at most ${positionals.max}`} positional argument${positionals.max === 1 ? '' : 's'} (got ${count}).`,
    )
  }
  return parsed
}

/** Reads the connection options from parsed values. */
export function connectionFlags(values: Values): ConnectionFlags {
  const text = (name: string) => {
    const value = values[name]
    return typeof value === 'string' ? value : undefined
  }
  const scopes = (values.scope as string[] | undefined) ?? []
  const flags: ConnectionFlags = {
    scopes: splitScopes(scopes),
    allowUnknownScopes: values['allow-unknown-scopes'] === true,
  }
  const set = <K extends keyof ConnectionFlags>(key: K, value: ConnectionFlags[K] | undefined) => {
    if (value !== undefined) flags[key] = value
  }
  set('clientId', text('client-id'))
  set('clientSecret', text('client-secret'))
  set('clientSecretFile', text('client-secret-file'))
  set('clientSecretStdin', values['client-secret-stdin'] === true ? true : undefined)
  set('privateKey', text('private-key'))
  set('keyId', text('key-id'))
  set('tokenUrl', text('token-url'))
  set('apiUrl', text('api-url'))
  const timeout = text('timeout')
  if (timeout !== undefined) set('timeoutMs', parseSeconds('--timeout', timeout))
  return flags
}

/** `--scope a --scope b`, `--scope a,b` and `STITCH_SCOPES="a b"` all mean the same. */
export function splitScopes(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(/[\s,]+/)).filter((scope) => scope !== '')
}

function parseSeconds(flag: string, value: string): number {
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) {
    throw new UsageError(`${flag} must be a number of seconds between 0 and 600 (got "${value}").`)
  }
  return Math.round(seconds * 1000)
}

/** Whether `--help`/`-h` appears before a `--` terminator. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false
    if (arg === '--help' || arg === '-h') return true
  }
  return false
}

import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { StitchApiError, StitchTokenRequestError } from '@stitch-auth/core'
import type { StitchApiOperation } from '@stitch-auth/core/operations'
import * as catalog from '@stitch-auth/core/operations'
import { CONNECTION_OPTIONS, connectionFlags, parseCommandArgs } from '../args.js'
import { connect } from '../config.js'
import { EXIT_CODES, FailureWithFix, UsageError } from '../exit.js'
import type { CliContext } from '../io.js'
import { parseVariables } from './graphql.js'
import { bullets } from './token.js'

export const RUN_OPTIONS = {
  ...CONNECTION_OPTIONS,
  variables: { type: 'string' },
  file: { type: 'string', multiple: true },
  list: { type: 'boolean' },
} as const

/** One operation of the catalog, under the name it is exported as. */
export interface CatalogEntry {
  /** The export name, e.g. `createPaymentRequest`. */
  name: string
  operation: StitchApiOperation
}

/**
 * The operations `@stitch-auth/core/operations` exports, by export name: whatever the catalog
 * gains shows up here without a change to the CLI.
 */
export function catalogOperations(
  module: Readonly<Record<string, unknown>> = catalog,
): CatalogEntry[] {
  return Object.entries(module)
    .filter((entry): entry is [string, StitchApiOperation] => isApiOperation(entry[1]))
    .map(([name, operation]) => ({ name, operation }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

function isApiOperation(value: unknown): value is StitchApiOperation {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Record<string, unknown>
  const variables = candidate.variables as { safeParseAsync?: unknown } | undefined
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.document === 'string' &&
    Array.isArray(candidate.scopes) &&
    typeof candidate.result === 'function' &&
    typeof variables?.safeParseAsync === 'function'
  )
}

/**
 * `stitch-auth run <operation>`: runs one catalog operation with a token for exactly its
 * scopes, its variables checked before anything is sent; prints the typed result as JSON.
 */
export async function runCommand(argv: readonly string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('run', argv, RUN_OPTIONS, { min: 0, max: 1 })
  const entries = catalogOperations()
  const requested = positionals[0]
  if (values.list === true || requested === undefined) {
    if (requested !== undefined) {
      throw new UsageError('--list takes no operation name: stitch-auth run --list')
    }
    const listing = formatCatalog(entries)
    if (values.list === true) {
      context.stdout.write(listing)
      return EXIT_CODES.OK
    }
    context.stderr.write(`stitch-auth run needs an operation name.\n\n${listing}`)
    return EXIT_CODES.USAGE
  }

  const flags = connectionFlags(values)
  if (flags.scopes.length > 0 || flags.allowUnknownScopes) {
    throw new UsageError(
      `run requests exactly the scopes the operation needs, so it takes no ${flags.scopes.length > 0 ? '--scope' : '--allow-unknown-scopes'}: drop it (\`stitch-auth run --list\` shows each operation's scopes).`,
    )
  }
  const entry = findOperation(entries, requested)
  const { name, operation } = entry

  const variablesArgument = values.variables as string | undefined
  const fileArguments = (values.file as string[] | undefined) ?? []
  if (variablesArgument === '-' && flags.clientSecretStdin) {
    throw new UsageError(
      'stdin can feed only one of --variables -, --client-secret-stdin: put the other in a file (@path, --client-secret-file) or the environment.',
    )
  }
  if (fileArguments.length > 0 && operation.files === undefined) {
    const uploaders = entries.filter((item) => item.operation.files !== undefined)
    throw new UsageError(
      `${name} sends no file, so --file does not apply${uploaders.length > 0 ? ` (it is for ${uploaders.map((item) => item.name).join(', ')})` : ''}.`,
    )
  }
  const variables = (await parseVariables(variablesArgument, context)) ?? {}
  for (const argument of fileArguments) {
    const { path, file } = await readFileArgument(argument)
    setPath(variables, path, file)
  }

  // Checked here, before the token request below (which the output guard needs), so that
  // invalid variables cost no request at all. `run()` checks them again, unchanged.
  const parsed = await operation.variables.safeParseAsync(variables)
  if (!parsed.success) {
    const problems = [
      `invalid variables for ${name}:`,
      ...bullets(
        parsed.error.issues.map(
          (issue) => `${issue.path.map(String).join('.') || '(variables)'}: ${issue.message}`,
        ),
      ),
    ]
    if (operation.files !== undefined && fileArguments.length === 0) {
      const variable = parsed.error.issues[0]?.path.map(String).join('.') || '<variable>'
      problems.push(`${name} uploads a file: pass it with --file ${variable}=@<path>.`)
    }
    throw new UsageError(problems)
  }
  // A nonce the schema generated is put into the variables, so `run()` sends that very one
  // and the user can send it again to retry safely.
  const nonces = findNonces(parsed.data)
  for (const [path, nonce] of nonces) {
    if (getPath(variables, path) === undefined) setPath(variables, path, nonce)
  }

  const result = await connect(
    { ...flags, scopes: [...operation.scopes], allowUnknownScopes: true },
    context,
  )
  if (!result.ok) throw new UsageError(['invalid configuration:', ...bullets(result.problems)])
  const { client, timeoutMs } = result.connection
  try {
    // Minting first (`run()` reuses the cached token) lets the output guard know it.
    context.redactor.add((await client.getToken(operation.scopes)).accessToken)
    for (const [path, nonce] of nonces) {
      context.stderr.write(
        `${path}: ${nonce} (to retry this very request after a lost answer, pass the same ${path}; Stitch runs a nonce once)\n`,
      )
    }
    const output = await client.run(operation, variables, { timeoutMs })
    context.stdout.write(`${JSON.stringify(output ?? null, null, 2)}\n`)
    return EXIT_CODES.OK
  } catch (error) {
    throw withScopeFix(error, entry)
  } finally {
    await client.close()
  }
}

/** The catalog as a table: name, scopes, and whether the call pays money out. */
export function formatCatalog(entries: readonly CatalogEntry[]): string {
  const width = Math.max(9, ...entries.map((entry) => entry.name.length))
  const scopesWidth = Math.max(
    6,
    ...entries.map((entry) => entry.operation.scopes.join(' ').length),
  )
  const rows = entries.map(({ name, operation }) =>
    [
      name.padEnd(width),
      operation.scopes.join(' ').padEnd(scopesWidth),
      [operation.movesMoney ? 'moves money' : '', operation.files ? 'uploads a file' : '']
        .filter(Boolean)
        .join(', '),
    ]
      .join('  ')
      .trimEnd(),
  )
  return [
    `${'operation'.padEnd(width)}  scopes`,
    ...rows,
    '',
    "Run one with: stitch-auth run <operation> --variables '{…}'",
    '',
  ].join('\n')
}

/**
 * The operation a user named: its export name (`createPaymentRequest`) or its GraphQL name
 * (`CreatePaymentRequest`), in any case.
 */
export function findOperation(entries: readonly CatalogEntry[], requested: string): CatalogEntry {
  const exact = entries.find((entry) => entry.name === requested)
  if (exact) return exact
  const wanted = requested.toLowerCase()
  const match = entries.find(
    (entry) => entry.name.toLowerCase() === wanted || entry.operation.name.toLowerCase() === wanted,
  )
  if (match) return match
  // The name is echoed only when it looks like one (a pasted secret must not be printed).
  const shown = /^[A-Za-z][A-Za-z0-9_-]{0,60}$/.test(requested) ? `"${requested}"` : 'given'
  const suggestions = suggest(
    wanted,
    entries.map((entry) => entry.name),
  )
  throw new UsageError(
    `unknown operation ${shown}.${suggestions.length > 0 ? ` Did you mean ${suggestions.join(' or ')}?` : ''} \`stitch-auth run --list\` lists the operations.`,
  )
}

/** Names close to `wanted` (a few typos), or else the names that contain it. */
function suggest(wanted: string, names: readonly string[]): string[] {
  const scored = names
    .map((name) => ({ name, distance: editDistance(wanted, name.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance)
  const best = scored[0]
  const limit = Math.max(2, Math.floor(wanted.length / 4))
  if (best && best.distance <= limit) {
    return scored.filter((item) => item.distance === best.distance).map((item) => item.name)
  }
  if (wanted.length < 3) return []
  return names.filter((name) => name.toLowerCase().includes(wanted)).slice(0, 3)
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      )
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
}

/** `--file image=@logo.png`: the variable's dot path, and the file as a typed `File`. */
export async function readFileArgument(argument: string): Promise<{ path: string; file: File }> {
  const equals = argument.indexOf('=')
  const path = equals > 0 ? argument.slice(0, equals) : ''
  const location = equals > 0 ? argument.slice(equals + 1).replace(/^@/, '') : ''
  if (!/^[A-Za-z_][\w]*(\.[\w]+)*$/.test(path) || location === '') {
    throw new UsageError(
      '--file takes <variable>=@<path>, e.g. --file image=@logo.png (the variable is a dot path, like input.image).',
    )
  }
  let bytes: Buffer
  try {
    bytes = await readFile(location)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new UsageError(
      `can't read --file ${path} from ${location}: ${typeof code === 'string' ? code : 'unreadable'}`,
    )
  }
  const type = MIME_TYPES[extname(location).toLowerCase()] ?? 'application/octet-stream'
  return { path, file: new File([new Uint8Array(bytes)], basename(location), { type }) }
}

/** Every string `nonce` in the parsed variables, by dot path. */
function findNonces(value: unknown, path: string[] = []): [string, string][] {
  if (value === null || typeof value !== 'object' || value instanceof Blob) return []
  const found: [string, string][] = []
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'nonce' && typeof inner === 'string') found.push([[...path, key].join('.'), inner])
    else found.push(...findNonces(inner, [...path, key]))
  }
  return found
}

function getPath(target: unknown, path: string): unknown {
  let node = target
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  const last = keys.pop() as string
  let node = target
  for (const key of keys) {
    const next = node[key]
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[last] = value
}

/** A scope problem is the operation's, not a flag the user could change: say so. */
function withScopeFix(error: unknown, { name, operation }: CatalogEntry): unknown {
  const scopes = operation.scopes.join(', ')
  if (error instanceof StitchTokenRequestError && error.error === 'invalid_scope') {
    return new FailureWithFix(
      error,
      `${name} needs a token for ${scopes}; ask Stitch support to enable ${operation.scopes.length === 1 ? 'it' : 'them'} for this client (\`stitch-auth doctor -s ${operation.scopes.join(' -s ')}\` shows which is missing).`,
    )
  }
  if (error instanceof StitchApiError && error.requiredScopes.length > 0) {
    return new FailureWithFix(
      error,
      `${name}'s token had ${scopes}, and Stitch wants ${error.requiredScopes.join(', ')} too: the catalog may be out of date; make the call with \`stitch-auth graphql\` and --scope meanwhile.`,
    )
  }
  return error
}

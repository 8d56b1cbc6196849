import { readFile } from 'node:fs/promises'
import { CONNECTION_OPTIONS, connectionFlags, parseCommandArgs } from '../args.js'
import { connect } from '../config.js'
import { EXIT_CODES, UsageError } from '../exit.js'
import { type CliContext, readAll } from '../io.js'
import { bullets } from './token.js'

export const GRAPHQL_OPTIONS = {
  ...CONNECTION_OPTIONS,
  variables: { type: 'string' },
  'operation-name': { type: 'string' },
} as const

/** `stitch-auth graphql '<query>'`: one authenticated call; prints `data` as JSON. */
export async function graphqlCommand(
  argv: readonly string[],
  context: CliContext,
): Promise<number> {
  const { values, positionals } = parseCommandArgs('graphql', argv, GRAPHQL_OPTIONS, {
    min: 1,
    max: 1,
    name: "a query: stitch-auth graphql 'query { … }' (or @file.graphql, or - for stdin)",
  })
  const flags = connectionFlags(values)
  const source = positionals[0] ?? ''
  const variablesArgument = values.variables as string | undefined
  const stdinReaders = [
    source === '-' && 'the query (-)',
    variablesArgument === '-' && '--variables -',
    flags.clientSecretStdin && '--client-secret-stdin',
  ].filter((reader): reader is string => typeof reader === 'string')
  if (stdinReaders.length > 1) {
    throw new UsageError(
      `stdin can feed only one of ${stdinReaders.join(', ')}: put the others in files (@path, --client-secret-file) or the environment.`,
    )
  }
  const query = (await readArgument(source, 'the query', context)).trim()
  if (query === '') throw new UsageError('the query is empty.')
  const variables = await parseVariables(variablesArgument, context)
  const operationName = values['operation-name'] as string | undefined

  const result = await connect(flags, context)
  if (!result.ok) throw new UsageError(['invalid configuration:', ...bullets(result.problems)])
  const { client, scopes, timeoutMs } = result.connection
  try {
    // Minting first (the call below reuses the cached token) lets the output guard know it.
    context.redactor.add((await client.getToken(scopes)).accessToken)
    const data = await client.graphql(query, variables, {
      scopes,
      timeoutMs,
      ...(operationName ? { operationName } : {}),
    })
    context.stdout.write(`${JSON.stringify(data, null, 2)}\n`)
    return EXIT_CODES.OK
  } finally {
    await client.close()
  }
}

/** `--variables`: a JSON object, inline, from `@file` or from stdin (`-`). */
export async function parseVariables(
  value: string | undefined,
  context: CliContext,
): Promise<Record<string, unknown> | undefined> {
  if (value === undefined) return undefined
  const text = await readArgument(value, '--variables', context)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'invalid JSON'
    throw new UsageError(`--variables must be a JSON object: ${reason}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError('--variables must be a JSON object, e.g. \'{"id":"…"}\'')
  }
  return parsed as Record<string, unknown>
}

/** `@path` reads a file and `-` reads stdin, as curl does; anything else is the value itself. */
async function readArgument(value: string, what: string, context: CliContext): Promise<string> {
  if (value === '-') return readAll(context.stdin())
  if (!value.startsWith('@')) return value
  const path = value.slice(1)
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new UsageError(
      `can't read ${what} from ${path}: ${typeof code === 'string' ? code : 'unreadable'}`,
    )
  }
}

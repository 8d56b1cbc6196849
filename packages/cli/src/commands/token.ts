import { CONNECTION_OPTIONS, connectionFlags, parseCommandArgs } from '../args.js'
import { connect } from '../config.js'
import { EXIT_CODES, UsageError } from '../exit.js'
import type { CliContext } from '../io.js'
import { formatDuration } from '../style.js'

export const TOKEN_OPTIONS = {
  ...CONNECTION_OPTIONS,
  raw: { type: 'boolean' },
  json: { type: 'boolean' },
  'show-token': { type: 'boolean' },
} as const

/** `stitch-auth token`: mints one token and shows what Stitch granted. */
export async function tokenCommand(argv: readonly string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs('token', argv, TOKEN_OPTIONS, { min: 0, max: 0 })
  const raw = values.raw === true
  const json = values.json === true
  const showToken = values['show-token'] === true
  if (raw && json) {
    throw new UsageError(
      '--raw and --json do not mix: --raw prints only the token; for JSON with the token use --json --show-token.',
    )
  }
  const result = await connect(connectionFlags(values), context)
  if (!result.ok) throw new UsageError(['invalid configuration:', ...bullets(result.problems)])
  const { client, clientId, scopes, tokenUrl } = result.connection
  try {
    const token = await client.getToken(scopes)
    if (raw) {
      context.stdout.write(`${token.accessToken}\n`)
      return EXIT_CODES.OK
    }
    if (!showToken) context.redactor.add(token.accessToken)
    const lifetimeMs = token.expiresAt.getTime() - token.issuedAt.getTime()
    if (json) {
      const output = {
        clientId,
        tokenUrl,
        tokenType: token.tokenType,
        scopes: token.scopes,
        expiresInSeconds: Math.round(lifetimeMs / 1000),
        issuedAt: token.issuedAt.toISOString(),
        expiresAt: token.expiresAt.toISOString(),
        tokenPreview: token.preview,
        ...(showToken ? { accessToken: token.accessToken } : {}),
      }
      context.stdout.write(`${JSON.stringify(output, null, 2)}\n`)
      return EXIT_CODES.OK
    }
    const rows: [string, string][] = [
      ['client', clientId],
      ['scopes', token.scopes.join(' ')],
      ['lifetime', `${Math.round(lifetimeMs / 1000)} s (${formatDuration(lifetimeMs)})`],
      [
        'expires',
        `${token.expiresAt.toISOString()} (in ${formatDuration(token.expiresInMs(Date.now()))})`,
      ],
      [
        'token',
        showToken ? token.accessToken : `${token.preview} (redacted; --raw prints the token alone)`,
      ],
    ]
    context.stdout.write(
      `${rows.map(([label, value]) => `${label.padEnd(9)} ${value}`).join('\n')}\n`,
    )
    return EXIT_CODES.OK
  } finally {
    await client.close()
  }
}

export function bullets(problems: readonly string[]): string[] {
  return problems.map((problem) => `  - ${problem}`)
}

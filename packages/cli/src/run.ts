import packageJson from '../package.json' with { type: 'json' }
import { wantsHelp } from './args.js'
import { doctorCommand } from './commands/doctor.js'
import { graphqlCommand } from './commands/graphql.js'
import { runCommand } from './commands/run.js'
import { tokenCommand } from './commands/token.js'
import { describeFailure, EXIT_CODES, UsageError } from './exit.js'
import { DOCTOR_HELP, GRAPHQL_HELP, MAIN_HELP, RUN_HELP, TOKEN_HELP } from './help.js'
import {
  type CliContext,
  type CliIO,
  PromptInterruptedError,
  Redactor,
  redactingWriter,
} from './io.js'

/** The version of this package, as `--version` prints it. */
export const VERSION: string = packageJson.version

type Command = (argv: readonly string[], context: CliContext) => Promise<number>

const COMMANDS: Record<string, { run: Command; help: string }> = {
  doctor: { run: doctorCommand, help: DOCTOR_HELP },
  token: { run: tokenCommand, help: TOKEN_HELP },
  graphql: { run: graphqlCommand, help: GRAPHQL_HELP },
  run: { run: runCommand, help: RUN_HELP },
}

/**
 * Runs the `stitch-auth` command line and resolves with its exit code (see `EXIT_CODES`);
 * it never calls `process.exit`, so tests can run it in-process.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2))
 */
export async function runCli(argv: readonly string[], io: CliIO = {}): Promise<number> {
  const redactor = new Redactor()
  const context: CliContext = {
    env: io.env ?? process.env,
    // process.stdin is only touched when a command reads it, so it never holds the process open.
    stdin: () => io.stdin ?? process.stdin,
    stdout: redactingWriter(io.stdout ?? process.stdout, redactor),
    stderr: redactingWriter(io.stderr ?? process.stderr, redactor),
    redactor,
  }

  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined
    const command = topic === undefined ? undefined : COMMANDS[topic]
    if (topic !== undefined && command === undefined) return unknownCommand(topic, context)
    context[name === undefined ? 'stderr' : 'stdout'].write(command?.help ?? MAIN_HELP)
    return name === undefined ? EXIT_CODES.USAGE : EXIT_CODES.OK
  }
  if (name === '--version' || name === '-v') {
    context.stdout.write(`${VERSION}\n`)
    return EXIT_CODES.OK
  }
  const command = COMMANDS[name]
  if (command === undefined) return unknownCommand(name, context)
  if (wantsHelp(rest)) {
    context.stdout.write(command.help)
    return EXIT_CODES.OK
  }

  try {
    return await command.run(rest, context)
  } catch (error) {
    if (error instanceof PromptInterruptedError) return 130
    const failure = describeFailure(error)
    const lines = [`stitch-auth ${name}: ${failure.message}`]
    if (failure.fix) lines.push(`fix: ${failure.fix}`)
    if (error instanceof UsageError) lines.push(`See \`stitch-auth ${name} --help\`.`)
    context.stderr.write(`${lines.join('\n')}\n`)
    return failure.exitCode
  }
}

function unknownCommand(name: string, context: CliContext): number {
  const known = Object.keys(COMMANDS).join(', ')
  const shown = name.startsWith('-') ? `option ${name}` : `command "${name.slice(0, 40)}"`
  context.stderr.write(
    `stitch-auth: unknown ${shown}. Commands: ${known}. See \`stitch-auth --help\`.\n`,
  )
  return EXIT_CODES.USAGE
}

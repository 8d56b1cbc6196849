export { EXIT_CODES, type ExitCode } from './exit.js'
export type { CliIO, CliReader, CliWriter } from './io.js'
export { runCli } from './run.js'

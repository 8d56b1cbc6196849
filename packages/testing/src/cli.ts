import { runSimulatorCli } from './cli-main.js'

process.exitCode = await runSimulatorCli(process.argv.slice(2))

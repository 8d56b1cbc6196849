import { type ChildProcess, spawn } from 'node:child_process'
import { dirname } from 'node:path'

export interface RunOptions {
  cwd: string
  /** Added to this process's environment. */
  env?: Record<string, string | undefined>
  /** Kills the command (SIGKILL) after this many milliseconds. */
  timeoutMs: number
}

export interface RunResult {
  stdout: string
  stderr: string
}

/**
 * The environment child processes get: `node` (and so `npm`, whose shebang asks for `node`)
 * is the Node running the tests, not whatever else is on PATH.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
    NPM_CONFIG_FUND: 'false',
    NPM_CONFIG_AUDIT: 'false',
    ...extra,
  }
  // A vitest worker's NODE_OPTIONS (loaders, inspector flags) and what `pnpm run` adds for
  // its own scripts must not leak into the consumers' npm, node, bun and deno.
  for (const key of Object.keys(env)) {
    if (
      key === 'NODE_OPTIONS' ||
      key.startsWith('VITEST') ||
      /^npm_(execpath|node_execpath|command|lifecycle_|package_|config_user_agent)/.test(key)
    ) {
      delete env[key]
    }
  }
  return env
}

/** Runs a command to completion; rejects with its exit code and output when it fails. */
export function run(command: string, args: readonly string[], options: RunOptions) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`could not start ${command}: ${error.message}`, { cause: error }))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) return resolve({ stdout, stderr })
      const why = signal === 'SIGKILL' ? `timed out after ${options.timeoutMs} ms` : `exit ${code}`
      reject(
        new Error(
          `${command} ${args.join(' ')} (in ${options.cwd}) failed: ${why}\n` +
            `--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`,
        ),
      )
    })
  })
}

/** Waits for a child process to end, killing it if it does not stop within `graceMs`. */
export async function stop(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/** The last part of a command's output: enough to see why it failed. */
export function tail(text: string, max = 6_000): string {
  return text.length > max ? `…${text.slice(-max)}` : text
}

/**
 * Undo steps run in reverse order, each even if an earlier one failed: temporary
 * directories, servers and child processes go away whatever the tests did.
 */
export class Cleanup {
  readonly #steps: Array<() => unknown> = []

  add(step: () => unknown): void {
    this.#steps.push(step)
  }

  async run(): Promise<void> {
    const errors: unknown[] = []
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step()
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed')
  }
}

export interface RunningApp {
  /** What the app printed as its first line of stdout (JSON), e.g. `{ "port": 41234 }`. */
  info: Record<string, unknown> & { port: number }
  url: string
  /** Everything printed so far, for failure messages. */
  output(): string
  stop(): Promise<void>
}

/**
 * Starts a server process that prints one JSON line with its `port` once it listens, and
 * waits for that line (or its failure).
 */
export function startApp(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunningApp> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const output = () => `--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  return new Promise<RunningApp>((resolve, reject) => {
    let settled = false
    const fail = (why: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void stop(child).finally(() =>
        reject(new Error(`${command} ${args.join(' ')} ${why}\n${output()}`)),
      )
    }
    const timer = setTimeout(
      () => fail(`did not start in ${options.timeoutMs} ms`),
      options.timeoutMs,
    )
    child.on('error', (error) => fail(`could not start: ${error.message}`))
    child.on('exit', (code, signal) => fail(`exited early (${code ?? signal})`))
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const newline = stdout.indexOf('\n')
      if (settled || newline === -1) return
      let info: RunningApp['info']
      try {
        info = JSON.parse(stdout.slice(0, newline)) as RunningApp['info']
      } catch {
        return fail('printed something other than a JSON line with its port')
      }
      settled = true
      clearTimeout(timer)
      resolve({ info, url: `http://127.0.0.1:${info.port}`, output, stop: () => stop(child) })
    })
  })
}

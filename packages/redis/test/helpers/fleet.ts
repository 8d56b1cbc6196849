import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const fixture = fileURLToPath(new URL('../fixtures/get-token.mjs', import.meta.url))
const builtEntries = [
  '../../dist/index.js',
  '../../node_modules/@stitch-auth/core/dist/index.js',
].map((path) => fileURLToPath(new URL(path, import.meta.url)))

/** The fleet tests run the built packages, as an app would: fails when they are not built. */
export function assertPackagesBuilt(): void {
  for (const entry of builtEntries) {
    if (!existsSync(entry)) {
      throw new Error(
        `${entry} is missing: the fleet tests run the built packages. Build them first: ` +
          'pnpm turbo run build --filter=@stitch-auth/redis...',
      )
    }
  }
}

/** One instance's account of its cold `getToken()`: `test/fixtures/get-token.mjs`. */
export interface FirstTokenResult {
  pid: number
  tokenHash: string
  durationMs: number
  events: string[]
  cacheErrors: string[]
}

/** What an instance under load (`LOOP_MS`) reports when it stops. */
export interface LoadResult {
  pid: number
  calls: number
  failures: number
  failureMessages: string[]
  /** Calls that returned a token that had expired by the time the instance looked at it. */
  expired: number
  /** The longest the instance's event loop stood still (its timers ran late), in ms. */
  longestStallMs: number
  cacheErrors: string[]
}

/** A line an instance under load prints as it goes, with when it arrived here (`Date.now()`). */
export type InstanceLine = (
  | ({ type: 'first' } & FirstTokenResult)
  | { type: 'cache'; event: 'redisUnavailable' | 'redisRecovered'; atMs: number }
  | ({ type: 'result' } & LoadResult)
) & { receivedAt: number }

export interface FleetInstance {
  readonly child: ChildProcess
  /** Resolves once the instance has connected and waits for "go". */
  readonly ready: Promise<void>
  /** The JSON lines it printed so far. */
  readonly lines: InstanceLine[]
  /** Its last JSON line, once it exited with 0. */
  readonly exited: Promise<unknown>
  go(): void
  /** Asks an instance under load to stop, and waits for its result. */
  stop(): Promise<LoadResult>
  /** Kills it if it is still running (cleanup after a failure). */
  kill(): void
}

/**
 * Starts `test/fixtures/get-token.mjs` with `env` (on top of this process's environment). An
 * instance that does not say "ready" within `readyTimeoutMs` fails `ready` with its stderr.
 */
export function launchInstance(
  env: Record<string, string>,
  options: { readyTimeoutMs?: number } = {},
): FleetInstance {
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const lines: InstanceLine[] = []
  let markReady: () => void
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve
    const timer = setTimeout(
      () => reject(new Error(`instance ${child.pid} was not ready in time:\n${stderr}`)),
      options.readyTimeoutMs ?? 30_000,
    )
    timer.unref()
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`instance ${child.pid} exited with ${code} before it was ready:\n${stderr}`))
    })
  })
  ready.catch(() => {})
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    let newline = stdout.indexOf('\n')
    while (newline !== -1) {
      const line = stdout.slice(0, newline)
      stdout = stdout.slice(newline + 1)
      if (line === 'ready') markReady()
      else if (line.startsWith('{')) lines.push({ ...JSON.parse(line), receivedAt: Date.now() })
      newline = stdout.indexOf('\n')
    }
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000)
  })
  const exited = new Promise<unknown>((resolve, reject) => {
    child.on('exit', (code) => {
      const last = lines.at(-1)
      if (code !== 0 || last === undefined) {
        reject(new Error(`instance ${child.pid} exited with ${code}:\n${stderr}`))
      } else {
        resolve(last)
      }
    })
  })
  exited.catch(() => {})
  return {
    child,
    ready,
    lines,
    exited,
    go: () => child.stdin!.write('go\n'),
    stop: async () => {
      child.stdin!.end('stop\n')
      const last = (await exited) as InstanceLine
      if (last.type !== 'result') throw new Error(`instance ${child.pid} ended without a result`)
      return last
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
}

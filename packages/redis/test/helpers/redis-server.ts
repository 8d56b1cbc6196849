import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from 'redis'

/** A real `redis-server` on 127.0.0.1, started for one test file. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Its working directory (where `SAVE` writes `dump.rdb`). */
  readonly dir: string
  /** Kills the server abruptly (SIGKILL), as a crash would. */
  kill(): Promise<void>
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>
  /** Stops it and removes its directory. */
  stop(): Promise<void>
}

/** One `redis-server` process (a server or a sentinel) that the tests started. */
export interface RedisProcess {
  readonly port: number
  /** Its stdout and stderr so far (the last part), for a failure message. */
  output(): string
  /** Whether it is still running. */
  readonly alive: boolean
  /** Kills it abruptly (SIGKILL), as a crash would, and waits until it is gone. */
  kill(): Promise<void>
}

const INSTALL_HINT =
  'install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS)'

/** Throws (never skips) when redis-server is missing, so a CI without it fails loudly. */
export function assertRedisServerInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `redis-server is not on PATH. The Redis tests run against a real server: ${INSTALL_HINT}.`,
    )
  }
}

/** Throws (never skips) when redis-cli, which builds the test cluster, is missing. */
export function assertRedisCliInstalled(): void {
  const probe = spawnSync('redis-cli', ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `redis-cli is not on PATH. The cluster tests create a real cluster with it: ${INSTALL_HINT}.`,
    )
  }
}

/** Every process the helpers started and have not seen exit, killed if the test process exits first. */
const running = new Set<ChildProcess>()
let exitHookInstalled = false

function track(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (!exitHookInstalled) {
    exitHookInstalled = true
    // A crashed or interrupted test run must not leave servers behind on the machine.
    process.once('exit', () => {
      for (const orphan of running) orphan.kill('SIGKILL')
    })
  }
}

/**
 * Starts `redis-server` with `args` and waits until it answers PING on `port` (within 10 s), or
 * fails with its output.
 */
export async function spawnRedisProcess(port: number, args: string[]): Promise<RedisProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  track(child)
  let output = ''
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const alive = () => child.exitCode === null && child.signalCode === null
  const kill = async () => {
    if (!alive()) return
    child.kill('SIGKILL')
    await exited
  }
  const giveUpAt = Date.now() + 10_000
  while (!(await answersPing(port))) {
    if (!alive() || Date.now() > giveUpAt) {
      await kill()
      throw new Error(`redis-server ${args.join(' ')} did not start on port ${port}:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {
    port,
    output: () => output,
    get alive() {
      return alive()
    },
    kill,
  }
}

/** The usual arguments of a throwaway server: loopback only, no persistence, in `dir`. */
export function serverArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--enable-debug-command',
    'local',
  ]
}

export async function startRedisServer(
  options: { extraArgs?: string[] } = {},
): Promise<RedisServer> {
  assertRedisServerInstalled()
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'stitch-redis-'))
  let server: RedisProcess | undefined

  const launch = async () => {
    server = await spawnRedisProcess(port, [...serverArgs(port, dir), ...(options.extraArgs ?? [])])
  }
  const kill = async () => {
    const current = server
    server = undefined
    await current?.kill()
  }

  try {
    await launch()
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill,
    restart: async () => {
      await kill()
      await launch()
    },
    stop: async () => {
      await kill()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A TCP port nobody listens on right now. `exclude` keeps ports already handed out for one
 * topology apart (the kernel may offer a just-closed port again).
 */
export async function freePort(exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (;;) {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    await new Promise((resolve) => server.close(resolve))
    if (typeof address !== 'object' || address === null) throw new Error('no free port')
    if (!exclude.has(address.port)) return address.port
  }
}

export function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
    })
  })
}

/** Runs one command on the server on `port`, on a connection of its own that gives up quickly. */
export async function askRedis(port: number, args: string[]): Promise<unknown> {
  const client = createClient({
    socket: { host: '127.0.0.1', port, connectTimeout: 1_000, reconnectStrategy: false },
  }).on('error', () => {})
  try {
    await client.connect()
    return await client.sendCommand(args, { abortSignal: AbortSignal.timeout(2_000) })
  } finally {
    client.destroy()
  }
}

/** Polls `condition` every 100 ms until it holds, or fails naming `what` after `timeoutMs`. */
export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > giveUpAt)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

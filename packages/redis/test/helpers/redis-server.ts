import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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

/** Throws (never skips) when redis-server is missing, so a CI without it fails loudly. */
export function assertRedisServerInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'redis-server is not on PATH. The Redis tests run against a real server: install it with ' +
        '`apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS).',
    )
  }
}

export async function startRedisServer(
  options: { extraArgs?: string[] } = {},
): Promise<RedisServer> {
  assertRedisServerInstalled()
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'stitch-redis-'))
  let child: ChildProcess | undefined

  const launch = async () => {
    const args = [
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
      ...(options.extraArgs ?? []),
    ]
    const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    server.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child = server
    const giveUpAt = Date.now() + 10_000
    while (!(await answersPing(port))) {
      if (server.exitCode !== null || Date.now() > giveUpAt) {
        server.kill('SIGKILL')
        throw new Error(`redis-server did not start on port ${port}:\n${output.slice(-2_000)}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  const kill = async () => {
    const server = child
    child = undefined
    if (!server || server.exitCode !== null || server.signalCode !== null) return
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGKILL')
    await exited
  }

  await launch()
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

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (typeof address !== 'object' || address === null) throw new Error('no free port')
  return address.port
}

function answersPing(port: number): Promise<boolean> {
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

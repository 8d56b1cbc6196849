import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { childEnv, run, stop, tail } from './run.js'
import { RELEASE_DIR } from './workspace.js'

const VERDACCIO = join(RELEASE_DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio')

export interface LocalRegistry {
  /** e.g. `http://127.0.0.1:41234/` */
  url: string
  /** npm's per-registry config key, e.g. `//127.0.0.1:41234/` */
  authKey: string
  /** A token for the registry's only user, from `PUT /-/user/org.couchdb.user:NAME`. */
  token: string
  /** `npm publish`es a tarball with the token. */
  publish(tarball: string): Promise<void>
  /** The registry's document for a package (its versions and their manifests). */
  packument(name: string): Promise<Packument>
  close(): Promise<void>
}

export interface Packument {
  name: string
  'dist-tags': Record<string, string>
  versions: Record<string, Record<string, unknown> & { dependencies?: Record<string, string> }>
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

/**
 * Starts verdaccio on 127.0.0.1 with everything (config, storage, users) under `dir`, and no
 * uplinks: it serves only what is published to it, nothing from the internet.
 */
export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  const storage = join(dir, 'storage')
  mkdirSync(storage, { recursive: true })
  const config = join(dir, 'config.yaml')
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(storage)}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
      '    max_users: 1',
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'web:',
      '  enable: false',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  )

  // The port is free when picked but could be taken before verdaccio binds it: try again.
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    try {
      return await launch(dir, config, port)
    } catch (error) {
      lastError = error
    }
  }
  throw lastError
}

async function launch(dir: string, config: string, port: number): Promise<LocalRegistry> {
  const url = `http://127.0.0.1:${port}/`
  const child = spawn(
    process.execPath,
    [VERDACCIO, '--config', config, '--listen', `127.0.0.1:${port}`],
    { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })

  try {
    await waitUntilUp(url, child, () => output)
    const token = await createUser(url)
    const authKey = `//127.0.0.1:${port}/`
    return {
      url,
      authKey,
      token,
      async publish(tarball) {
        await run(
          'npm',
          ['publish', tarball, '--registry', url, `--${authKey}:_authToken=${token}`],
          { cwd: dir, timeoutMs: 60_000 },
        )
      },
      async packument(name) {
        const response = await fetch(new URL(name.replace('/', '%2f'), url))
        if (!response.ok) throw new Error(`GET ${name}: ${response.status}`)
        return (await response.json()) as Packument
      },
      close: () => stop(child),
    }
  } catch (error) {
    await stop(child)
    throw error
  }
}

async function waitUntilUp(
  url: string,
  child: ReturnType<typeof spawn>,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`verdaccio exited (${child.exitCode}):\n${tail(output())}`)
    }
    try {
      const response = await fetch(new URL('-/ping', url), { signal: AbortSignal.timeout(1_000) })
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`verdaccio did not answer on ${url} within 30 s:\n${tail(output())}`)
}

async function createUser(url: string): Promise<string> {
  const name = 'rehearsal'
  const response = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: `rehearsal-${crypto.randomUUID()}` }),
  })
  const body = (await response.json()) as { token?: string }
  if (!response.ok || typeof body.token !== 'string') {
    throw new Error(`could not create a registry user: ${response.status} ${JSON.stringify(body)}`)
  }
  return body.token
}

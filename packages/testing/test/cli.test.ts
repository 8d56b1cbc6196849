import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runSimulatorCli, type StitchSimulator } from '../src/index.js'

function capture() {
  let text = ''
  return {
    writer: {
      write(chunk: string) {
        text += chunk
        return true
      },
    },
    get text() {
      return text
    },
  }
}

async function tokenFrom(tokenUrl: string, clientId: string, clientSecret: string, scope: string) {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope,
      audience: tokenUrl,
    }),
  })
  return { status: response.status, json: (await response.json()) as Record<string, unknown> }
}

/** Starts the CLI in-process and resolves once it listens. */
async function startCli(args: string[]) {
  const stdout = capture()
  const stderr = capture()
  const stop = new AbortController()
  let ready!: (sim: StitchSimulator) => void
  const readyPromise = new Promise<StitchSimulator>((resolve) => {
    ready = resolve
  })
  const exit = runSimulatorCli(args, {
    stdout: stdout.writer,
    stderr: stderr.writer,
    signal: stop.signal,
    onReady: ready,
  })
  const sim = await Promise.race([
    readyPromise,
    exit.then((code) => {
      throw new Error(`CLI exited early with ${code}: ${stderr.text}`)
    }),
  ])
  return { sim, stdout, stderr, exit, stop: () => stop.abort() }
}

describe('runSimulatorCli', () => {
  it('--help prints usage and exits 0', async () => {
    const out = capture()
    expect(await runSimulatorCli(['--help'], { stdout: out.writer })).toBe(0)
    expect(out.text).toMatch(/^Usage: stitch-simulator/)
    expect(out.text).toContain('--client <id:secret[:scopes]>')
  })

  it.each([
    [['--port', 'abc'], /--port must be an integer/],
    [['--port', '70000'], /"port" must be an integer 0-65535/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--client', 'no-colon'], /--client must look like id:secret/],
    [['--client', 'id:secret:'], /at least one scope/],
    [['--unauthenticated-status', '403'], /200 or 401/],
    [['--client-key', 'id:/does/not/exist.pem'], /can't read/],
    [['extra'], /positional/],
  ])('%j exits 2 with a message', async (args, message) => {
    const err = capture()
    expect(await runSimulatorCli(args, { stdout: capture().writer, stderr: err.writer })).toBe(2)
    expect(err.text).toMatch(message)
  })

  it('serves the given clients and prints URLs and a curl command', async () => {
    const cli = await startCli([
      '--port',
      '0',
      '--client',
      'my-id:my:secret:client_paymentrequest,client_refund',
      '--token-lifetime',
      '120',
    ])
    try {
      expect(cli.stdout.text).toContain(`Token URL:   ${cli.sim.tokenUrl}`)
      expect(cli.stdout.text).toContain(`GraphQL URL: ${cli.sim.graphqlUrl}`)
      expect(cli.stdout.text).toContain("--data-urlencode 'client_secret=my:secret'")
      const { status, json } = await tokenFrom(
        cli.sim.tokenUrl,
        'my-id',
        'my:secret',
        'client_refund',
      )
      expect(status).toBe(200)
      expect(json.expires_in).toBe(120)
    } finally {
      cli.stop()
    }
    expect(await cli.exit).toBe(0)
    expect(cli.stdout.text).toContain('Stitch simulator stopped.')
  })

  it('registers a demo client with every documented scope when none is given', async () => {
    const cli = await startCli(['--port', '0', '--clock-offset=-5000'])
    try {
      const secret = /demo-client {2}secret (\S+)/.exec(cli.stdout.text)?.[1]
      expect(secret).toBeDefined()
      const { status, json } = await tokenFrom(
        cli.sim.tokenUrl,
        'demo-client',
        secret ?? '',
        'client_paymentrequest client_recurringpaymentconsentrequest',
      )
      expect(status).toBe(200)
      expect(json.scope).toBe('client_paymentrequest client_recurringpaymentconsentrequest')
    } finally {
      cli.stop()
    }
    expect(await cli.exit).toBe(0)
  })

  it('a taken port exits 1', async () => {
    const cli = await startCli(['--port', '0'])
    try {
      const port = new URL(cli.sim.url).port
      const err = capture()
      expect(
        await runSimulatorCli(['--port', port], { stdout: capture().writer, stderr: err.writer }),
      ).toBe(1)
      expect(err.text).toMatch(/EADDRINUSE/)
    } finally {
      cli.stop()
    }
    await cli.exit
  })
})

describe('dist/cli.js', () => {
  it('runs as a process, serves tokens and exits 0 on SIGINT', async () => {
    const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
    if (!existsSync(cliPath)) {
      throw new Error(`${cliPath} is missing: run \`pnpm build\` in packages/testing first`)
    }
    const child = spawn(
      process.execPath,
      [cliPath, '--port', '0', '--client', 'a:b:client_paymentrequest'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )
    try {
      let output = ''
      const tokenUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no token URL printed; output:\n${output}`)),
          10_000,
        )
        child.stdout.setEncoding('utf8')
        child.stdout.on('data', (chunk: string) => {
          output += chunk
          const match = /Token URL:\s+(\S+)/.exec(output)
          if (match?.[1] !== undefined) {
            clearTimeout(timer)
            resolve(match[1])
          }
        })
        child.on('exit', (code) =>
          reject(new Error(`CLI exited with ${code} before listening:\n${output}`)),
        )
      })
      const { status, json } = await tokenFrom(tokenUrl, 'a', 'b', 'client_paymentrequest')
      expect(status).toBe(200)
      expect(json.token_type).toBe('Bearer')
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
  })
})

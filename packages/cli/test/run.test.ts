import { PassThrough } from 'node:stream'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliReader, EXIT_CODES, runCli } from '../src/index.js'
import { Redactor } from '../src/io.js'
import { CLIENT_ID, CLIENT_SECRET, CLIENTS, expectNoLeak } from './helpers.js'

// In-process: runCli with fake streams, for what a child process with pipes can't show
// (a terminal's symbols and colours, the hidden prompt).

function capture(isTTY = false) {
  let text = ''
  return {
    isTTY,
    write(chunk: string) {
      text += chunk
      return true
    },
    get text() {
      return text
    },
  }
}

/** A terminal-like stdin that records raw-mode switches. */
function fakeTerminal() {
  const stream = new PassThrough() as PassThrough & {
    isTTY: boolean
    setRawMode(on: boolean): void
  }
  const modes: boolean[] = []
  stream.isTTY = true
  stream.setRawMode = (on: boolean) => {
    modes.push(on)
  }
  return {
    stream: stream as unknown as CliReader,
    type: (text: string) => stream.write(text),
    modes,
  }
}

let sim: StitchSimulator
beforeAll(async () => {
  sim = await startStitchSimulator({ clients: CLIENTS })
})
afterAll(async () => {
  await sim.close()
})
const env = () => ({
  STITCH_CLIENT_ID: CLIENT_ID,
  STITCH_CLIENT_SECRET: CLIENT_SECRET,
  STITCH_TOKEN_URL: sim.tokenUrl,
  STITCH_API_URL: sim.graphqlUrl,
})

describe('runCli in-process', () => {
  it('doctor shows ✔ and colour on a terminal', async () => {
    const stdout = capture(true)
    const stderr = capture()
    const code = await runCli(['doctor', '-s', 'client_refund'], { env: env(), stdout, stderr })
    expect(code).toBe(EXIT_CODES.OK)
    expect(stdout.text.match(/✔/g)).toHaveLength(6)
    expect(stdout.text).toContain('\u001b[32m✔\u001b[0m')
    expect(stdout.text).not.toMatch(/\bPASS\b/)
    expectNoLeak({ stdout: stdout.text, stderr: stderr.text })
  })

  it('doctor shows ✘ and – for a failure and the checks it skipped', async () => {
    const stdout = capture(true)
    const code = await runCli(['doctor', '-s', 'client_refund'], {
      env: { ...env(), STITCH_CLIENT_SECRET: 'not-the-secret' },
      stdout,
      stderr: capture(),
    })
    expect(code).toBe(EXIT_CODES.FAILED)
    expect(stdout.text).toContain('✘')
    expect(stdout.text.match(/–/g)).toHaveLength(2)
  })

  it('NO_COLOR on a terminal gives plain PASS/FAIL', async () => {
    const stdout = capture(true)
    const code = await runCli(['doctor', '-s', 'client_refund'], {
      env: { ...env(), NO_COLOR: '1' },
      stdout,
      stderr: capture(),
    })
    expect(code).toBe(0)
    expect(stdout.text).not.toMatch(/[✔✘]/)
    expect(stdout.text).not.toContain('\u001b[')
    expect(stdout.text.match(/^PASS {2}/gm)).toHaveLength(6)
  })

  it('--client-secret-stdin on a terminal prompts on stderr without echo', async () => {
    const terminal = fakeTerminal()
    const stdout = capture()
    const stderr = capture()
    const { STITCH_CLIENT_SECRET: _, ...withoutSecret } = env()
    const running = runCli(['token', '--client-secret-stdin', '-s', 'client_refund'], {
      env: withoutSecret,
      stdin: terminal.stream,
      stdout,
      stderr,
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    // A typo corrected with backspace, then Enter.
    terminal.type(`${CLIENT_SECRET}x`)
    terminal.type('\u007f\r')
    expect(await running).toBe(0)
    expect(terminal.modes).toEqual([true, false])
    expect(stderr.text).toBe('Stitch client secret (input hidden): \n')
    expect(stdout.text).toMatch(/^scopes\s+client_refund$/m)
    expectNoLeak({ stdout: stdout.text, stderr: stderr.text })
  })

  it('Ctrl+C at the prompt exits 130', async () => {
    const terminal = fakeTerminal()
    const { STITCH_CLIENT_SECRET: _, ...withoutSecret } = env()
    const running = runCli(['token', '--client-secret-stdin', '-s', 'client_refund'], {
      env: withoutSecret,
      stdin: terminal.stream,
      stdout: capture(),
      stderr: capture(),
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    terminal.type('abc\u0003')
    expect(await running).toBe(130)
    expect(terminal.modes).toEqual([true, false])
  })

  it('masks a known secret even if some message were to quote it', () => {
    const redactor = new Redactor()
    redactor.add(` ${CLIENT_SECRET}\n`)
    redactor.add('abc')
    expect(redactor.apply(`bad secret "${CLIENT_SECRET}" abc`)).toBe('bad secret "[redacted]" abc')
  })
})

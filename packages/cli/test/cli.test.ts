import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { assertBuilt, CLI_PATH, runBuilt } from './helpers.js'

const packageJson = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string; bin: Record<string, string> }

describe('the built stitch-auth binary', () => {
  it('is the package bin, starts with a node shebang', () => {
    assertBuilt()
    expect(packageJson.bin['stitch-auth']).toBe('./dist/cli.js')
    expect(readFileSync(CLI_PATH, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
  })

  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-v']) {
      expect(await runBuilt([flag])).toEqual({
        code: 0,
        stdout: `${packageJson.version}\n`,
        stderr: '',
      })
    }
  })

  it('--help lists the commands, environment variables and exit codes', async () => {
    const result = await runBuilt(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Usage: stitch-auth <command> \[options\]/)
    for (const text of [
      'doctor',
      'token',
      'graphql',
      'STITCH_CLIENT_ID',
      'STITCH_CLIENT_SECRET',
      'STITCH_PRIVATE_KEY',
      'STITCH_TOKEN_URL',
      'STITCH_API_URL',
      'NO_COLOR',
      '2  usage or configuration error',
      '3  Stitch or the network unavailable',
    ]) {
      expect(result.stdout).toContain(text)
    }
  })

  it.each([
    ['token', /^Usage: stitch-auth token --scope/, ['--raw', '--json', '--show-token']],
    ['doctor', /^Usage: stitch-auth doctor --scope/, ['Clock in sync', '--json', '--query']],
    [
      'graphql',
      /^Usage: stitch-auth graphql '<query>'/,
      ['--variables', '--operation-name', '@file.graphql'],
    ],
  ])('%s --help describes the command and every shared flag', async (command, usage, own) => {
    const viaFlag = await runBuilt([command, '--help'])
    expect(viaFlag.code).toBe(0)
    expect(viaFlag.stdout).toMatch(usage)
    for (const text of [
      ...own,
      '--client-id',
      '--client-secret-stdin',
      '--client-secret-file',
      '--private-key',
      '--client-secret <secret>',
      '--token-url',
      '--api-url',
      '--scope',
      'Exit codes:',
    ]) {
      expect(viaFlag.stdout).toContain(text)
    }
    // `-h`, `help <command>`, and --help among other (even wrong) flags show the same text.
    expect((await runBuilt([command, '-h'])).stdout).toBe(viaFlag.stdout)
    expect((await runBuilt(['help', command])).stdout).toBe(viaFlag.stdout)
    expect((await runBuilt([command, '--bogus', '--help'])).stdout).toBe(viaFlag.stdout)
  })

  it('without a command prints usage to stderr and exits 2', async () => {
    const result = await runBuilt([])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^Usage: stitch-auth/)
  })

  it('an unknown command or option exits 2', async () => {
    const command = await runBuilt(['tokens'])
    expect(command.code).toBe(2)
    expect(command.stderr).toContain('unknown command "tokens". Commands: doctor, token, graphql')
    const option = await runBuilt(['token', '--raww'])
    expect(option.code).toBe(2)
    expect(option.stderr).toContain("stitch-auth token: Unknown option '--raww'.")
    expect(option.stderr).toContain('See `stitch-auth token --help`.')
  })

  it('bad flag values exit 2 without echoing stray words', async () => {
    const timeout = await runBuilt(['token', '--timeout', 'soon'])
    expect(timeout.code).toBe(2)
    expect(timeout.stderr).toContain('--timeout must be a number of seconds')
    const positional = await runBuilt(['token', 'pasted-secret-value'])
    expect(positional.code).toBe(2)
    expect(positional.stderr).toContain('token takes no positional arguments (got 1)')
    expect(positional.stderr).not.toContain('pasted-secret-value')
  })
})

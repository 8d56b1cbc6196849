import { describe, expect, it } from 'vitest'
import {
  CERT_CLIENT_ID,
  CLIENT_ID,
  CLIENT_SECRET,
  closedPort,
  envFor,
  expectNoLeak,
  issuedTokenCount,
  PRIVATE_KEY_PEM,
  runBuilt,
  urlsOf,
  useFiles,
  useSimulator,
  WRONG_SECRET,
} from './helpers.js'

const ctx = useSimulator()
const file = useFiles({
  'secret.txt': `${CLIENT_SECRET}\n`,
  'empty.txt': '\n',
  'key.pem': PRIVATE_KEY_PEM,
})

describe('stitch-auth token (built CLI)', () => {
  it('prints granted scopes, lifetime, expiry and a redacted token', async () => {
    const before = Date.now()
    const result = await runBuilt(
      ['token', '--scope', 'client_paymentrequest', '-s', 'client_refund'],
      {
        env: envFor(ctx.sim),
      },
    )
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(new RegExp(`^client\\s+${CLIENT_ID}$`, 'm'))
    expect(result.stdout).toMatch(/^scopes\s+client_paymentrequest client_refund$/m)
    expect(result.stdout).toMatch(/^lifetime\s+3600 s \(60 min\)$/m)
    const expires = /^expires\s+(\S+) \(in 60 min\)$/m.exec(result.stdout)?.[1]
    expect(Date.parse(expires ?? '') - before).toBeGreaterThanOrEqual(3_600_000 - 1000)
    expect(result.stdout).toMatch(/^token\s+[A-Za-z0-9_-]{1,6}… \(redacted/m)
    expect(ctx.sim.stats.tokenRequests.byOutcome.issued).toBeGreaterThanOrEqual(1)
  })

  it('--raw prints only the token, ready for an Authorization header', async () => {
    const result = await runBuilt(['token', '--raw', '-s', 'client_paymentrequest'], {
      env: envFor(ctx.sim),
      revealsToken: true,
    })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/)

    // The curl use case: the token works as a bearer token against the API.
    const response = await fetch(ctx.sim.graphqlUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${result.stdout.trim()}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ query: 'query { __typename }' }),
    })
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } })
    expect(ctx.sim.apiRequests.at(-1)).toMatchObject({
      clientId: CLIENT_ID,
      scopes: ['client_paymentrequest'],
      outcome: 'ok',
    })
  })

  it('the leak check knows the tokens of earlier runs and would catch one', async () => {
    const raw = await runBuilt(['token', '--raw', '-s', 'client_refund'], {
      env: envFor(ctx.sim),
      revealsToken: true,
    })
    expect(issuedTokenCount()).toBeGreaterThanOrEqual(2)
    expect(() => expectNoLeak({ stdout: `token ${raw.stdout}`, stderr: '' })).toThrow()
    expect(() => expectNoLeak({ stdout: '', stderr: raw.stdout })).toThrow()
    expect(() => expectNoLeak({ stdout: `x ${CLIENT_SECRET}`, stderr: '' })).toThrow()
  })

  it('--json prints an object with a redacted token', async () => {
    const result = await runBuilt(
      ['token', '--json', '-s', 'client_refund,client_paymentrequest'],
      {
        env: envFor(ctx.sim),
      },
    )
    expect(result.code).toBe(0)
    const output = JSON.parse(result.stdout) as Record<string, unknown>
    expect(output).toMatchObject({
      clientId: CLIENT_ID,
      tokenUrl: ctx.sim.tokenUrl,
      tokenType: 'Bearer',
      scopes: ['client_paymentrequest', 'client_refund'],
      expiresInSeconds: 3600,
    })
    expect(output.tokenPreview).toMatch(/^[A-Za-z0-9_-]{1,6}…$/)
    expect(output).not.toHaveProperty('accessToken')
    expect(Date.parse(output.expiresAt as string) - Date.parse(output.issuedAt as string)).toBe(
      3_600_000,
    )
  })

  it('--json --show-token adds the full token', async () => {
    const result = await runBuilt(['token', '--json', '--show-token', '-s', 'client_refund'], {
      env: envFor(ctx.sim),
      revealsToken: true,
    })
    expect(result.code).toBe(0)
    const output = JSON.parse(result.stdout) as { accessToken: string; tokenPreview: string }
    expect(output.accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(output.accessToken.startsWith(output.tokenPreview.slice(0, -1))).toBe(true)
  })

  it('--raw with --json is a usage error (exit 2)', async () => {
    const before = ctx.sim.stats.tokenRequests.total
    const result = await runBuilt(['token', '--raw', '--json', '-s', 'client_refund'], {
      env: envFor(ctx.sim),
    })
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('--raw and --json do not mix')
    expect(ctx.sim.stats.tokenRequests.total).toBe(before)
  })

  it('exits 1 with the OAuth error and a fix when Stitch refuses the secret', async () => {
    const result = await runBuilt(['token', '-s', 'client_paymentrequest'], {
      env: envFor(ctx.sim, { STITCH_CLIENT_SECRET: WRONG_SECRET }),
    })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('"invalid_client"')
    expect(result.stderr).toMatch(/fix: Check that STITCH_CLIENT_ID .* same client/)
  })

  it('exits 1 naming the scope when the client may not have it', async () => {
    const result = await runBuilt(['token', '-s', 'client_disbursement'], { env: envFor(ctx.sim) })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('"invalid_scope"')
    expect(result.stderr).toContain('client_disbursement')
  })

  it('exits 3 when the token endpoint is unreachable', async () => {
    const port = await closedPort()
    const result = await runBuilt(['token', '-s', 'client_refund', '--timeout', '5'], {
      env: envFor(ctx.sim, { STITCH_TOKEN_URL: `http://127.0.0.1:${port}/connect/token` }),
    })
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('ECONNREFUSED')
    expect(result.stderr).toContain('fix: Nothing listens at that address')
  })

  it('exits 3 when Stitch answers 503', async () => {
    ctx.sim.fault({ endpoint: 'token', status: 503 })
    const result = await runBuilt(['token', '-s', 'client_refund', '--timeout', '5'], {
      env: envFor(ctx.sim),
    })
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('HTTP 503')
  })

  it('exits 2 and lists every configuration problem before sending anything', async () => {
    const before = ctx.sim.stats.tokenRequests.total
    const result = await runBuilt(['token'], { env: urlsOf(ctx.sim) })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('no client id: set STITCH_CLIENT_ID or pass --client-id')
    expect(result.stderr).toContain('no credentials: set STITCH_CLIENT_SECRET')
    expect(result.stderr).toContain('no scope: pass --scope')
    expect(ctx.sim.stats.tokenRequests.total).toBe(before)
  })

  it('suggests the documented scope for a typo (exit 2)', async () => {
    const result = await runBuilt(['token', '-s', 'client_paymentreqest'], { env: envFor(ctx.sim) })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Did you mean "client_paymentrequest"?')
    expect(result.stderr).toContain('--allow-unknown-scopes')
  })

  it('reads STITCH_SCOPES when no --scope is given', async () => {
    const result = await runBuilt(['token', '--json'], {
      env: envFor(ctx.sim, { STITCH_SCOPES: 'client_refund client_paymentrequest' }),
    })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).scopes).toEqual(['client_paymentrequest', 'client_refund'])
  })
})

describe('where the secret comes from (built CLI)', () => {
  const noSecret = () => ({ STITCH_CLIENT_ID: CLIENT_ID, ...urlsOf(ctx.sim) })

  it('--client-secret-stdin reads it from stdin', async () => {
    const result = await runBuilt(['token', '--client-secret-stdin', '-s', 'client_refund'], {
      env: noSecret(),
      stdin: `${CLIENT_SECRET}\n`,
    })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/^scopes\s+client_refund$/m)
  })

  it('--client-secret-stdin with the wrong secret on stdin is refused', async () => {
    const result = await runBuilt(['token', '--client-secret-stdin', '-s', 'client_refund'], {
      env: noSecret(),
      stdin: WRONG_SECRET,
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('invalid_client')
  })

  it('--client-secret-stdin with nothing on stdin is a configuration error', async () => {
    const result = await runBuilt(['token', '--client-secret-stdin', '-s', 'client_refund'], {
      env: noSecret(),
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('the client secret from stdin is empty')
  })

  it('--client-secret-file reads it from a file (trailing newline ignored)', async () => {
    const result = await runBuilt(
      ['token', '--client-secret-file', file('secret.txt'), '-s', 'client_refund', '--json'],
      { env: noSecret() },
    )
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout).scopes).toEqual(['client_refund'])
  })

  it('--client-secret-file with a missing or empty file is a configuration error', async () => {
    const missing = await runBuilt(
      ['token', '--client-secret-file', file('nope.txt'), '-s', 'client_refund'],
      { env: noSecret() },
    )
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(
      `can't read the client secret file ${file('nope.txt')}: ENOENT`,
    )
    const empty = await runBuilt(
      ['token', '--client-secret-file', file('empty.txt'), '-s', 'client_refund'],
      { env: noSecret() },
    )
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('is empty')
  })

  it('--client-secret <value> works but warns about shell history and ps', async () => {
    const result = await runBuilt(
      ['token', '--client-secret', CLIENT_SECRET, '-s', 'client_refund'],
      { env: noSecret() },
    )
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/^warning: --client-secret puts the secret in your shell history/)
    expect(result.stderr).toContain('process list')
    expect(result.stderr).toContain('--client-secret-stdin')
  })

  it('a credential flag wins over the environment', async () => {
    const result = await runBuilt(
      ['token', '--client-secret-file', file('secret.txt'), '-s', 'client_refund'],
      { env: envFor(ctx.sim, { STITCH_CLIENT_SECRET: WRONG_SECRET }) },
    )
    expect(result.code).toBe(0)
  })

  it('two credential flags are a usage error', async () => {
    const result = await runBuilt(
      [
        'token',
        '--client-secret-stdin',
        '--client-secret-file',
        file('secret.txt'),
        '-s',
        'client_refund',
      ],
      { env: noSecret(), stdin: CLIENT_SECRET },
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('give one of --client-secret-file, --client-secret-stdin')
  })

  it('--private-key <path> authenticates a certificate client (private_key_jwt)', async () => {
    const result = await runBuilt(
      [
        'token',
        '--client-id',
        CERT_CLIENT_ID,
        '--private-key',
        file('key.pem'),
        '-s',
        'client_paymentrequest',
      ],
      { env: urlsOf(ctx.sim) },
    )
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(ctx.sim.tokenRequests.at(-1)).toMatchObject({
      clientId: CERT_CLIENT_ID,
      authMethod: 'private_key_jwt',
      outcome: 'issued',
    })
  })

  it('STITCH_PRIVATE_KEY takes an inline PEM or a path', async () => {
    const inline = await runBuilt(['token', '-s', 'client_paymentrequest'], {
      env: {
        STITCH_CLIENT_ID: CERT_CLIENT_ID,
        STITCH_PRIVATE_KEY: PRIVATE_KEY_PEM,
        ...urlsOf(ctx.sim),
      },
    })
    expect(inline.code).toBe(0)
    const path = await runBuilt(['token', '-s', 'client_paymentrequest'], {
      env: {
        STITCH_CLIENT_ID: CERT_CLIENT_ID,
        STITCH_PRIVATE_KEY: file('key.pem'),
        ...urlsOf(ctx.sim),
      },
    })
    expect(path.code).toBe(0)
  })

  it('a private key that will not import is a local problem, not Stitch being down', async () => {
    const result = await runBuilt(['token', '-s', 'client_paymentrequest'], {
      env: {
        STITCH_CLIENT_ID: CERT_CLIENT_ID,
        STITCH_PRIVATE_KEY:
          '-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8w\n-----END PRIVATE KEY-----\n',
        ...urlsOf(ctx.sim),
      },
    })
    // 1 while core reports it when signing; 2 if core learns to reject the key up front.
    expect([1, 2]).toContain(result.code)
    expect(result.stderr).not.toContain('try again later')
    expect(result.stderr).toMatch(/PKCS#8/)
  })

  it('--private-key refuses an inline PEM without echoing it', async () => {
    const result = await runBuilt(
      [
        'token',
        '--client-id',
        CERT_CLIENT_ID,
        `--private-key=${PRIVATE_KEY_PEM}`,
        '-s',
        'client_refund',
      ],
      { env: urlsOf(ctx.sim) },
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--private-key takes a file path')
  })
})

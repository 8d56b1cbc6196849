import { startStitchSimulator } from '@stitch-auth/testing'
import { describe, expect, it } from 'vitest'
import {
  CERT_CLIENT_ID,
  CLIENTS,
  CREATE_PAYMENT_REQUEST,
  checkBlock,
  checkStatuses,
  closedPort,
  envFor,
  PAYMENT_REQUEST_INPUT,
  PRIVATE_KEY_PEM,
  runBuilt,
  urlsOf,
  useSimulator,
  WRONG_SECRET,
} from './helpers.js'

const ctx = useSimulator()

const TITLES = [
  'Configuration',
  'Token endpoint reachable',
  'Credentials accepted',
  'Scopes granted',
  'Clock in sync',
  'API call',
]

describe('stitch-auth doctor (built CLI)', () => {
  it('passes every check in order for good credentials (exit 0)', async () => {
    const result = await runBuilt(
      ['doctor', '-s', 'client_paymentrequest', '-s', 'client_refund'],
      {
        env: envFor(ctx.sim),
      },
    )
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    const statuses = checkStatuses(result.stdout)
    expect(Object.keys(statuses)).toEqual(TITLES)
    expect(Object.values(statuses)).toEqual(Array(6).fill('PASS'))
    // Not a terminal: plain words, no symbols or colour codes.
    expect(result.stdout).not.toMatch(/[✔✘]/)
    expect(result.stdout).not.toContain('\u001b[')
    expect(checkBlock(result.stdout, 'Scopes granted')).toContain(
      'granted: client_paymentrequest, client_refund',
    )
    expect(result.stdout).toContain('6 passed. Stitch accepts these credentials.')
    expect(ctx.sim.stats.apiCalls.total).toBeGreaterThanOrEqual(1)
  })

  it('a wrong secret fails "Credentials accepted" with the fix, skips what needs a token (exit 1)', async () => {
    const result = await runBuilt(['doctor', '-s', 'client_paymentrequest'], {
      env: envFor(ctx.sim, { STITCH_CLIENT_SECRET: WRONG_SECRET }),
    })
    expect(result.code).toBe(1)
    expect(checkStatuses(result.stdout)).toEqual({
      Configuration: 'PASS',
      'Token endpoint reachable': 'PASS',
      'Credentials accepted': 'FAIL',
      'Scopes granted': 'SKIP',
      'Clock in sync': 'PASS',
      'API call': 'SKIP',
    })
    const block = checkBlock(result.stdout, 'Credentials accepted')
    expect(block).toContain('invalid_client (HTTP 401)')
    expect(block).toMatch(/fix: Check that STITCH_CLIENT_ID .* same client/)
    expect(block).toContain('sandbox')
    expect(checkBlock(result.stdout, 'API call')).toContain('skipped: needs "Credentials accepted"')
  })

  it('a scope the client may not have fails "Scopes granted" naming that scope (exit 1)', async () => {
    const result = await runBuilt(
      ['doctor', '-s', 'client_paymentrequest', '-s', 'client_disbursement'],
      { env: envFor(ctx.sim) },
    )
    expect(result.code).toBe(1)
    const statuses = checkStatuses(result.stdout)
    expect(statuses['Credentials accepted']).toBe('PASS')
    expect(statuses['Scopes granted']).toBe('FAIL')
    expect(statuses['API call']).toBe('SKIP')
    const block = checkBlock(result.stdout, 'Scopes granted')
    expect(block).toContain('Stitch refused client_disbursement for client test-cli-4b1d')
    expect(block).toContain('client_disbursement: refused (invalid_scope)')
    expect(block).toContain('client_paymentrequest: granted')
    expect(block).toContain('fix: Ask Stitch support to enable client_disbursement')
  })

  it('a token response with fewer scopes than requested fails "Scopes granted"', async () => {
    // The first request is doctor's reach probe; it gets a normal (if slightly late) answer.
    ctx.sim.fault({ endpoint: 'token', delayMs: 1, times: 1 })
    ctx.sim.fault({ endpoint: 'token', malformed: 'fewer-scopes', times: 1 })
    const result = await runBuilt(
      ['doctor', '-s', 'client_paymentrequest', '-s', 'client_refund'],
      { env: envFor(ctx.sim) },
    )
    expect(result.code).toBe(1)
    expect(checkStatuses(result.stdout)['Scopes granted']).toBe('FAIL')
    expect(checkBlock(result.stdout, 'Scopes granted')).toContain('missing')
  })

  it('an unreachable endpoint fails "Token endpoint reachable" and skips the rest (exit 3)', async () => {
    const port = await closedPort()
    const result = await runBuilt(['doctor', '-s', 'client_paymentrequest'], {
      env: envFor(ctx.sim, { STITCH_TOKEN_URL: `http://127.0.0.1:${port}/connect/token` }),
    })
    expect(result.code).toBe(3)
    expect(checkStatuses(result.stdout)).toEqual({
      Configuration: 'PASS',
      'Token endpoint reachable': 'FAIL',
      'Credentials accepted': 'SKIP',
      'Scopes granted': 'SKIP',
      'Clock in sync': 'SKIP',
      'API call': 'SKIP',
    })
    const block = checkBlock(result.stdout, 'Token endpoint reachable')
    expect(block).toContain(`could not reach http://127.0.0.1:${port}/connect/token`)
    expect(block).toContain('connection refused: ECONNREFUSED')
    expect(block).toContain('fix: Nothing listens at that address')
    expect(result.stdout).toContain('Stitch or the network was unavailable')
  })

  it('a token endpoint answering 503 is reported as unavailable (exit 3)', async () => {
    ctx.sim.fault({ endpoint: 'token', status: 503 })
    const result = await runBuilt(['doctor', '-s', 'client_paymentrequest'], {
      env: envFor(ctx.sim),
    })
    expect(result.code).toBe(3)
    expect(checkBlock(result.stdout, 'Token endpoint reachable')).toContain('HTTP 503')
  })

  it('a URL that is not a token endpoint fails with a fix (exit 1)', async () => {
    const result = await runBuilt(['doctor', '-s', 'client_paymentrequest'], {
      env: envFor(ctx.sim, { STITCH_TOKEN_URL: `${ctx.sim.url}/nothing-here` }),
    })
    expect(result.code).toBe(1)
    const block = checkBlock(result.stdout, 'Token endpoint reachable')
    expect(block).toContain('is not an OAuth token endpoint')
    expect(block).toContain('fix: Check --token-url')
  })

  it('a clock minutes off fails "Clock in sync" with the NTP fix (exit 1)', async () => {
    await using skewed = await startStitchSimulator({ clients: CLIENTS, clockOffsetMs: 120_000 })
    const result = await runBuilt(['doctor', '-s', 'client_paymentrequest'], {
      env: envFor(skewed),
    })
    expect(result.code).toBe(1)
    const statuses = checkStatuses(result.stdout)
    expect(statuses['Clock in sync']).toBe('FAIL')
    // A secret-based client still gets tokens and calls the API.
    expect(statuses['Credentials accepted']).toBe('PASS')
    expect(statuses['API call']).toBe('PASS')
    const block = checkBlock(result.stdout, 'Clock in sync')
    expect(block).toMatch(/this machine's clock is 2 min behind the server's/)
    expect(block).toContain('private_key_jwt')
    expect(block).toContain("fix: Sync this machine's clock with NTP")
  })

  it('a clock seconds off only warns (exit 0), and says which way', async () => {
    ctx.sim.setClockOffset(-20_000)
    const result = await runBuilt(['doctor', '-s', 'client_paymentrequest'], {
      env: envFor(ctx.sim),
    })
    expect(result.code).toBe(0)
    expect(checkStatuses(result.stdout)['Clock in sync']).toBe('WARN')
    expect(checkBlock(result.stdout, 'Clock in sync')).toMatch(
      /clock is (19|20|21)\.?\d? s ahead of the server's/,
    )
    expect(result.stdout).toContain('1 warning')
  })

  it('a certificate client with a skewed clock: refused, and the clock check says why', async () => {
    await using skewed = await startStitchSimulator({ clients: CLIENTS, clockOffsetMs: -300_000 })
    const result = await runBuilt(['doctor', '-s', 'client_paymentrequest'], {
      env: {
        STITCH_CLIENT_ID: CERT_CLIENT_ID,
        STITCH_PRIVATE_KEY: PRIVATE_KEY_PEM,
        ...urlsOf(skewed),
      },
    })
    expect(result.code).toBe(1)
    const statuses = checkStatuses(result.stdout)
    expect(statuses['Credentials accepted']).toBe('FAIL')
    expect(statuses['Clock in sync']).toBe('FAIL')
    expect(checkBlock(result.stdout, 'Credentials accepted')).toContain('invalid_client')
    expect(checkBlock(result.stdout, 'Clock in sync')).toContain(
      'This client signs its assertions (private_key_jwt) with the local time',
    )
  })

  it('an API failure fails "API call" (exit 3 for a 5xx)', async () => {
    ctx.sim.fault({ endpoint: 'graphql', status: 503 })
    const result = await runBuilt(['doctor', '-s', 'client_paymentrequest'], {
      env: envFor(ctx.sim),
    })
    expect(result.code).toBe(3)
    const statuses = checkStatuses(result.stdout)
    expect(statuses['Credentials accepted']).toBe('PASS')
    expect(statuses['API call']).toBe('FAIL')
    const block = checkBlock(result.stdout, 'API call')
    expect(block).toContain('HTTP 503')
    expect(block).toContain("fix: Stitch's API is failing")
  })

  it('an API that does not know the token (other environment) fails "API call" (exit 1)', async () => {
    await using other = await startStitchSimulator({ clients: CLIENTS })
    const result = await runBuilt(['doctor', '-s', 'client_paymentrequest'], {
      env: envFor(ctx.sim, { STITCH_API_URL: other.graphqlUrl }),
    })
    expect(result.code).toBe(1)
    const block = checkBlock(result.stdout, 'API call')
    expect(block).toContain('UNAUTHENTICATED')
    expect(block).toContain('point at the same environment')
  })

  it('an unknown scope fails "Configuration" with a suggestion and skips the rest (exit 2)', async () => {
    const before = ctx.sim.stats.tokenRequests.total
    const result = await runBuilt(['doctor', '-s', 'client_refnd'], { env: envFor(ctx.sim) })
    expect(result.code).toBe(2)
    const statuses = checkStatuses(result.stdout)
    expect(statuses.Configuration).toBe('FAIL')
    expect(Object.values(statuses).slice(1)).toEqual(Array(5).fill('SKIP'))
    expect(checkBlock(result.stdout, 'Configuration')).toContain('Did you mean "client_refund"?')
    expect(ctx.sim.stats.tokenRequests.total).toBe(before)
  })

  it('missing configuration lists each problem (exit 2)', async () => {
    const result = await runBuilt(['doctor'], { env: urlsOf(ctx.sim) })
    expect(result.code).toBe(2)
    const block = checkBlock(result.stdout, 'Configuration')
    expect(block).toContain('3 problems')
    expect(block).toContain('no client id')
    expect(block).toContain('no credentials')
    expect(block).toContain('no scope')
  })

  it('--json prints the report as one object', async () => {
    const result = await runBuilt(['doctor', '--json', '-s', 'client_disbursement'], {
      env: envFor(ctx.sim),
    })
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as {
      ok: boolean
      exitCode: number
      checks: { id: string; title: string; status: string; summary: string; fix?: string }[]
    }
    expect(report).toMatchObject({ ok: false, exitCode: 1 })
    expect(report.checks.map((check) => [check.id, check.status])).toEqual([
      ['config', 'pass'],
      ['reach', 'pass'],
      ['credentials', 'pass'],
      ['scopes', 'fail'],
      ['clock', 'pass'],
      ['api', 'skip'],
    ])
    expect(report.checks[3]?.fix).toContain('client_disbursement')
  })

  it('--query sets the API check query', async () => {
    // A payment request the check reads back: reading one needs client_paymentrequest.
    const created = await runBuilt(
      [
        'graphql',
        CREATE_PAYMENT_REQUEST,
        '--variables',
        JSON.stringify(PAYMENT_REQUEST_INPUT),
        '-s',
        'client_paymentrequest',
      ],
      { env: envFor(ctx.sim) },
    )
    expect(created.code).toBe(0)
    const { id } = JSON.parse(created.stdout).clientPaymentInitiationRequestCreate
      .paymentInitiationRequest as { id: string }

    const query = `query Read { node(id: "${id}") { id } }`
    const result = await runBuilt(['doctor', '-s', 'client_refund', '--query', query], {
      env: envFor(ctx.sim),
    })
    expect(result.code).toBe(1)
    expect(checkBlock(result.stdout, 'API call')).toContain(
      'fix: Add --scope client_paymentrequest',
    )
    expect(ctx.sim.apiRequests.at(-1)).toMatchObject({
      operationName: 'Read',
      scopes: ['client_refund'],
      outcome: 'forbidden',
    })
  })
})

// The README's examples, run as written: each block is read from the README by its section's
// heading, saved beside the package as a module and imported, with the requests it sends to
// Stitch's hosts answered by the simulator. What a block takes from an earlier section (the
// quick start's app, a client) is handed to it by name.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import type { Hono } from 'hono'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { readmeBlock, runReadmeBlock } from '../../../test-support/readme-examples.js'
import { createStitchAuth } from '../src/index.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const SCRATCH = join(ROOT, '.readme-examples')
const CLIENT_ID = 'readme-client'
const CLIENT_SECRET = 'readme-secret'

/** The blocks' client reads its credentials from the environment and calls Stitch's URLs. */
function routeStitchTo(sim: StitchSimulator): void {
  vi.stubGlobal('fetch', sim.fetch)
  vi.stubEnv('STITCH_CLIENT_ID', CLIENT_ID)
  vi.stubEnv('STITCH_CLIENT_SECRET', CLIENT_SECRET)
}

function startSim(): Promise<StitchSimulator> {
  return startStitchSimulator({
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        scopes: ['client_paymentrequest', 'client_bankaccountverification'],
      },
    ],
  })
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

afterEach(() => {
  vi.unstubAllGlobals()
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }))

describe('the README', () => {
  it('quick start: the proxy charges the order’s total, and the route gets a token', async () => {
    await using sim = await startSim()
    routeStitchTo(sim)

    const { default: app } = (await runReadmeBlock(
      SCRATCH,
      'quick-start',
      readmeBlock(README, '## Quick start', 'stitchProxy('),
    )) as { default: Hono }

    const created = await app.request(
      '/stitch/createPaymentRequest',
      json({ amount: 1, reference: 'order-42' }, { 'x-stitch-proxy': '1' }),
    )
    expect(created.status).toBe(200)
    const { data } = (await created.json()) as { data: { id: string; url: string } }
    expect(data.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pay\//)
    // The order's total is charged, not the amount the browser sent.
    expect(sim.paymentRequests[0]?.amount).toEqual({ quantity: '150.00', currency: 'ZAR' })
    const status = await app.request(
      '/stitch/paymentRequestStatus',
      json({ id: data.id }, { 'x-stitch-proxy': '1' }),
    )
    expect(((await status.json()) as { data: { status: string } }).data.status).toBe('pending')
    const expiry = await app.request('/token-expiry')
    expect(expiry.status).toBe(200)
    const { expiresAt } = (await expiry.json()) as { expiresAt: string }
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now())
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  it('typed operations: the route answers the verification, and 400 with the issues for bad input', async () => {
    await using sim = await startSim()
    routeStitchTo(sim)
    const { default: app } = (await runReadmeBlock(
      SCRATCH,
      'quick-start-app',
      readmeBlock(README, '## Quick start', 'stitchProxy('),
    )) as { default: Hono }
    const code = readmeBlock(README, '## Typed operations in your routes', 'verifyBankAccount')
    // The section's client: its `scopes` include client_bankaccountverification, as it says.
    expect(code).toContain('include client_bankaccountverification')
    const stitch = createStitchAuth({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scopes: ['client_paymentrequest', 'client_bankaccountverification'],
      tokenUrl: sim.tokenUrl,
      apiUrl: sim.graphqlUrl,
    })

    // The route goes on the quick start's app, whose onError answers the route's errors.
    await runReadmeBlock(SCRATCH, 'typed-operations', code, { app, stitch })

    const verified = await app.request(
      '/suppliers/verify-account',
      json({
        accountNumber: '62000000000',
        bankId: 'fnb',
        name: 'Supplier',
        registrationNumber: '2020/123456/07',
      }),
    )
    expect(verified.status).toBe(200)
    expect(typeof ((await verified.json()) as { verified: unknown }).verified).toBe('string')
    expect(
      sim.apiRequests.map(({ operationName, outcome }) => ({ operationName, outcome })),
    ).toEqual([{ operationName: 'VerifyBankAccount', outcome: 'ok' }])

    const invalid = await app.request(
      '/suppliers/verify-account',
      json({ accountNumber: '', bankId: 'fnb', name: 'Supplier', registrationNumber: 'x' }),
    )
    expect(invalid.status).toBe(400)
    expect(((await invalid.json()) as { error: unknown }).error).toMatchObject({
      code: 'STITCH_AUTH_INVALID_VARIABLES',
      issues: expect.arrayContaining([expect.objectContaining({ path: 'input.accountNumber' })]),
    })
    expect(sim.apiRequests).toHaveLength(1)
    await stitch.close()
  })
})

// The Hono Worker in edge/worker/hono.ts, bundled with esbuild as a user's build would
// (resolving @stitch-auth/hono's and @stitch-auth/core's built dist, never their sources), run
// in workerd, Cloudflare's own runtime, against the simulator on 127.0.0.1. Proves the Hono
// adapter runs on Workers: stitchAuth() minting and caching inside the isolate, an API call
// behind it, stitchProxy() end to end, and stitchErrorHandler()'s answer to an outage.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  bundleWorker,
  itServesTheProxy,
  type RunningWorkerd,
  startWorkerd,
  stitchBindings,
  workerClient,
} from './workerd-harness.js'

const CLIENT = { clientId: 'edge-hono-client', clientSecret: 'edge-hono-secret-0123456789' }
const TOKEN_LIFETIME_MS = 3_600_000

describe('@stitch-auth/hono in workerd', () => {
  let sim: StitchSimulator
  let workerd: RunningWorkerd<'hono'> | undefined
  let base = ''
  let dir = ''
  const output = () => workerd?.output() ?? ''

  beforeAll(async () => {
    sim = await startStitchSimulator({
      host: '127.0.0.1',
      clients: [{ ...CLIENT, scopes: ['client_paymentrequest'] }],
    })
    dir = mkdtempSync(join(tmpdir(), 'stitch-edge-hono-'))
    const inputs = await bundleWorker('hono.ts', join(dir, 'hono.js'))
    for (const name of ['hono', 'core']) {
      expect(inputs.some((input) => input.includes(`packages/${name}/dist/`))).toBe(true)
      expect(inputs.filter((input) => input.includes(`packages/${name}/src/`))).toEqual([])
    }
    workerd = await startWorkerd(dir, [
      { name: 'hono', module: 'hono.js', bindings: stitchBindings(CLIENT, sim) },
    ])
    base = workerd.urls.hono
  })

  afterAll(async () => {
    await workerd?.stop()
    await sim?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  beforeEach(() => {
    sim.clearFaults()
  })

  const { call } = workerClient(() => base)

  it('stitchAuth() mints a token inside the isolate and serves the next request from its cache', async () => {
    const first = await call('/token')
    const firstText = await first.text()
    expect(first.status, `${firstText}\n${output()}`).toBe(200)
    const token = JSON.parse(firstText) as {
      tokenType: string
      scopes: string[]
      preview: string
      expiresAt: string
    }
    // The StitchToken's typed fields, read in the route from c.get('stitchToken').
    expect(Object.keys(token).sort()).toEqual(['expiresAt', 'preview', 'scopes', 'tokenType'])
    expect(token.tokenType).toBe('Bearer')
    expect(token.scopes).toEqual(['client_paymentrequest'])
    expect(token.preview).toMatch(/^\S{1,6}…$/)
    const expiresInMs = Date.parse(token.expiresAt) - Date.now()
    expect(expiresInMs).toBeGreaterThan(TOKEN_LIFETIME_MS - 60_000)
    expect(expiresInMs).toBeLessThanOrEqual(TOKEN_LIFETIME_MS)
    expect(sim.stats.tokenRequests.total).toBe(1)
    expect(sim.stats.tokenRequests.byOutcome.issued).toBe(1)

    const second = await call('/token')
    expect(second.status).toBe(200)
    expect(await second.json()).toEqual(token)
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  it('calls the GraphQL API behind stitchAuth() with the cached token', async () => {
    const calls = sim.apiRequests.length
    const response = await call('/payment-requests', { method: 'POST' })
    const body = await response.text()
    expect(response.status, `${body}\n${output()}`).toBe(200)
    const created = JSON.parse(body) as { id: string; url: string }
    expect(created.url).toMatch(/^http/)
    const stored = sim.paymentRequests.find((request) => request.id === created.id)
    expect(stored?.amount).toEqual({ quantity: '99.00', currency: 'ZAR' })
    expect(sim.apiRequests.slice(calls)).toMatchObject([
      { clientId: CLIENT.clientId, scopes: ['client_paymentrequest'], outcome: 'ok' },
    ])
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  itServesTheProxy({
    sim: () => sim,
    output,
    base: () => base,
    statusOperation: 'paymentRequestStatus',
  })

  it('answers a Stitch outage with stitchErrorHandler()’s 503, Retry-After and JSON body', async () => {
    sim.fault({ endpoint: 'graphql', status: 503, retryAfter: 4, times: 1 })
    const response = await call('/payment-requests', { method: 'POST' })
    const body = await response.text()
    expect(response.status, `${body}\n${output()}`).toBe(503)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('retry-after')).toBe('4')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(JSON.parse(body)).toEqual({
      error: {
        code: 'STITCH_AUTH_API_UNAVAILABLE',
        message: 'Stitch is unavailable; try again shortly.',
      },
    })
    expect(sim.stats.apiCalls.faulted).toBe(1)
    // The isolate's client is fine afterwards: the next call goes through on the same token.
    const again = await call('/payment-requests', { method: 'POST' })
    expect(again.status).toBe(200)
    expect(sim.stats.tokenRequests.total).toBe(1)
  })
})

// The Worker in edge/worker/, bundled with esbuild as a user's build would (resolving
// @stitch-auth/core's built dist, never its sources), run in workerd, Cloudflare's own runtime,
// against the simulator on 127.0.0.1. Proves core runs on Workers: minting and caching a token
// inside the isolate, an API call, and the browser-safe proxy end to end.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bundleWorker,
  itServesTheProxy,
  type RunningWorkerd,
  startWorkerd,
  stitchBindings,
  workerClient,
} from './workerd-harness.js'

const CLIENT = { clientId: 'edge-client', clientSecret: 'edge-secret-0123456789' }
const SECOND_CLIENT = { clientId: 'edge-client-b', clientSecret: 'edge-secret-b-0123456789' }

describe('@stitch-auth/core in workerd', () => {
  let sim: StitchSimulator
  let workerd: RunningWorkerd<'main' | 'second'> | undefined
  let base = ''
  let second = ''
  let dir = ''
  const output = () => workerd?.output() ?? ''

  beforeAll(async () => {
    sim = await startStitchSimulator({
      host: '127.0.0.1',
      clients: [
        { ...CLIENT, scopes: ['client_paymentrequest'] },
        { ...SECOND_CLIENT, scopes: ['client_paymentrequest'] },
      ],
    })
    dir = mkdtempSync(join(tmpdir(), 'stitch-edge-'))
    const inputs = await bundleWorker('index.ts', join(dir, 'worker.js'))
    expect(inputs.some((input) => input.includes('packages/core/dist/'))).toBe(true)
    expect(inputs.filter((input) => input.includes('packages/core/src/'))).toEqual([])

    // Two copies of the Worker, each its own isolate with its own client, on two ports.
    workerd = await startWorkerd(dir, [
      { name: 'main', module: 'worker.js', bindings: stitchBindings(CLIENT, sim) },
      { name: 'second', module: 'worker.js', bindings: stitchBindings(SECOND_CLIENT, sim) },
    ])
    base = workerd.urls.main
    second = workerd.urls.second
  })

  afterAll(async () => {
    await workerd?.stop()
    await sim?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const { call } = workerClient(() => base)

  it('mints a token inside the isolate and serves the second request from its cache', async () => {
    const first = await call('/token')
    const firstText = await first.text()
    expect(first.status, `${firstText}\n${output()}`).toBe(200)
    const token = JSON.parse(firstText) as { scopes: string[]; preview: string; expiresAt: string }
    expect(token.scopes).toEqual(['client_paymentrequest'])
    expect(Object.keys(token).sort()).toEqual(['expiresAt', 'preview', 'scopes'])
    expect(sim.stats.tokenRequests.total).toBe(1)
    expect(sim.stats.tokenRequests.byOutcome.issued).toBe(1)

    const second = await call('/token')
    expect(second.status).toBe(200)
    expect(await second.json()).toEqual(token)
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  it('calls the GraphQL API with the cached token', async () => {
    const response = await call('/graphql-check', { method: 'POST' })
    const body = await response.text()
    expect(response.status, `${body}\n${output()}`).toBe(200)
    const created = JSON.parse(body) as { id: string; url: string }
    expect(created.url).toMatch(/^http/)
    expect(sim.paymentRequests.map((request) => request.id)).toContain(created.id)
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  itServesTheProxy({ sim: () => sim, output, base: () => base, statusOperation: 'paymentStatus' })

  it('shares one token request between concurrent requests to a fresh isolate', async () => {
    // Each request runs in its own I/O context; the waiting ones share the first one's mint.
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        fetch(`${second}/token`, { signal: AbortSignal.timeout(10_000) }),
      ),
    )
    const bodies = await Promise.all(answers.map((answer) => answer.text()))
    expect(
      answers.map((answer) => answer.status),
      `${bodies.join('\n')}\n${output()}`,
    ).toEqual(Array(8).fill(200))
    expect(new Set(bodies).size).toBe(1)
    expect(sim.stats.tokenRequests.byClient[SECOND_CLIENT.clientId]).toBe(1)
  })
})

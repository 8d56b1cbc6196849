// The README's examples, run as written against a real redis-server: each block is read from
// the README by its section's heading, saved beside the package as a module and imported, with
// the requests it sends to Stitch's hosts answered by the simulator. What a block takes from
// the reader's app (`markOrder`) is handed to it by name.
import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sendWebResponse, toWebRequest } from '@stitch-auth/core/node'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { createClient, type RedisClientType } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { readmeBlock, runReadmeBlock } from '../../../test-support/readme-examples.js'
import { type RedisServer, startRedisServer } from './helpers/redis-server.js'

// The clients the blocks create, to close the ones a block leaves open (it is the app's).
vi.mock('redis', async (importOriginal) => {
  const redis = await importOriginal<typeof import('redis')>()
  return { ...redis, createClient: vi.fn(redis.createClient) }
})

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const SCRATCH = join(ROOT, '.readme-examples')
const CLIENT_ID = 'readme-client'
const CLIENT_SECRET = 'readme-secret'

/**
 * The blocks' client reads its credentials from the environment and calls Stitch's URLs.
 * Returns the access tokens the simulator issued.
 */
function routeStitchTo(sim: StitchSimulator): Set<string> {
  const issued = new Set<string>()
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await sim.fetch(input, init)
    if (response.url === sim.tokenUrl && response.ok) {
      issued.add(((await response.clone().json()) as { access_token: string }).access_token)
    }
    return response
  })
  vi.stubEnv('STITCH_CLIENT_ID', CLIENT_ID)
  vi.stubEnv('STITCH_CLIENT_SECRET', CLIENT_SECRET)
  return issued
}

function startSim(): Promise<StitchSimulator> {
  return startStitchSimulator({
    clients: [
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['client_paymentrequest'] },
    ],
  })
}

/** The clients created so far, from the README's blocks and from the caches they made. */
const created = () =>
  vi.mocked(createClient).mock.results.map((result) => result.value as RedisClientType)

/** A webhook handler (Request in, Response out) on 127.0.0.1:0, closed with `await using`. */
async function serve(handle: (request: Request) => Promise<Response>) {
  const server = createServer((req, res) => {
    handle(toWebRequest(req)).then((response) => sendWebResponse(response, res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stitch`,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

let server: RedisServer
let redis: RedisClientType

beforeAll(async () => {
  server = await startRedisServer()
  redis = createClient({ url: server.url }).on('error', () => {}) as RedisClientType
  await redis.connect()
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})
afterAll(async () => {
  for (const client of created()) if (client.isOpen) client.destroy()
  await server?.stop()
  rmSync(SCRATCH, { recursive: true, force: true })
})

describe('the README', () => {
  it('quick start: two instances share one encrypted token in Redis, and close their connections', async () => {
    await using sim = await startSim()
    const issued = routeStitchTo(sim)
    vi.stubEnv('REDIS_URL', server.url)
    vi.stubEnv('STITCH_CACHE_KEY', randomBytes(32).toString('base64'))
    const before = created().length
    const code = readmeBlock(README, '## Quick start', 'stitch.getToken()')

    await runReadmeBlock(SCRATCH, 'quick-start-1', code)
    await runReadmeBlock(SCRATCH, 'quick-start-2', code)

    // One token for the whole fleet: the second instance found the first one's in Redis.
    expect(sim.stats.tokenRequests.total).toBe(1)
    const keys = await redis.keys('stitch-auth:token:*')
    expect(keys).toHaveLength(1)
    const stored = (await redis.get(keys[0]!)) ?? ''
    expect(stored).toMatch(/^v1\./)
    for (const token of issued) expect(stored).not.toContain(token)
    // On shutdown each cache closed the connection it created from `url`.
    const clients = created().slice(before)
    expect(clients).toHaveLength(2)
    expect(clients.map((client) => client.isOpen)).toEqual([false, false])
  })

  it('webhook deliveries: a delivery runs once across two instances, and again after its handler threw', async () => {
    await using sim = await startSim()
    const secret = `whsec_${randomBytes(24).toString('base64')}`
    vi.stubEnv('REDIS_URL', server.url)
    vi.stubEnv('STITCH_WEBHOOK_SECRET', secret)
    const markOrder = vi.fn(async (_event: unknown) => {})
    const code = readmeBlock(README, '## Webhook deliveries, once across a fleet', 'replayStore:')
    const instances = []
    for (const name of ['webhooks-1', 'webhooks-2']) {
      const { handleStitchWebhook } = (await runReadmeBlock(SCRATCH, name, code, {
        markOrder,
      })) as { handleStitchWebhook: (request: Request) => Promise<Response> }
      instances.push(await serve(handleStitchWebhook))
    }
    await using one = instances[0]!
    await using two = instances[1]!

    const first = await sim.sendWebhook({ url: one.url, secret, type: 'payment' })
    // Svix's retry of the same message reaches the other instance.
    const retry = await sim.sendWebhook({
      url: two.url,
      secret,
      type: 'payment',
      id: first.id,
      body: first.body,
    })

    expect(first.attempts[0]?.status).toBe(204)
    expect(retry.attempts[0]?.status).toBe(200)
    expect(JSON.parse(retry.attempts[0]?.response ?? '')).toEqual({ duplicate: true })
    expect(markOrder).toHaveBeenCalledTimes(1)
    expect(markOrder.mock.calls[0]?.[0]).toMatchObject({ type: 'payment', known: true })
    // Kept in Redis for the handler's replayTtlMs, 48 hours by default.
    expect(await redis.pTTL(`stitch-auth:webhook:${first.id}`)).toBeGreaterThan(47 * 3_600_000)

    // A handler that throws releases the id: the next retry, on either instance, runs it.
    markOrder.mockRejectedValueOnce(new Error('the order database is down'))
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const failing = await sim.sendWebhook({ url: one.url, secret, type: 'payment' })
    const again = { url: two.url, secret, type: 'payment', id: failing.id, body: failing.body }
    const retried = await sim.sendWebhook(again)

    expect(failing.attempts[0]?.status).toBe(500)
    expect(retried.attempts[0]?.status).toBe(204)
    expect(markOrder).toHaveBeenCalledTimes(3)
  })
})

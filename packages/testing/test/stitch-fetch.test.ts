import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  CREATE_PAYMENT_REQUEST,
  paymentInput,
  startSim,
  tokenForm,
} from './helpers.js'

const STITCH_TOKEN_URL = 'https://secure.stitch.money/connect/token'
const STITCH_API_URL = 'https://api.stitch.money/graphql'

/**
 * A client as an app writes one, with Stitch's production URLs built in and a `fetch` it is
 * given (as `@stitch-auth/core`'s `fetch` option is).
 */
function productionClient(fetch: typeof globalThis.fetch) {
  return {
    async token(scope: string): Promise<string> {
      const response = await fetch(STITCH_TOKEN_URL, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          scope,
          audience: STITCH_TOKEN_URL,
        }),
      })
      const body = (await response.json()) as { access_token?: string }
      if (!response.ok || body.access_token === undefined) {
        throw new Error(`no token: ${response.status} ${JSON.stringify(body)}`)
      }
      return body.access_token
    },
    async graphql(token: string, query: string, variables: Record<string, unknown>) {
      const response = await fetch(STITCH_API_URL, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    },
  }
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('sim.fetch', () => {
  it('gets a client with Stitch’s production URLs a token and answers its GraphQL call', async () => {
    await using sim = await startSim()
    const client = productionClient(sim.fetch)

    const token = await client.token('client_paymentrequest')
    const answer = await client.graphql(token, CREATE_PAYMENT_REQUEST, { input: paymentInput() })

    expect(answer.status).toBe(200)
    expect(answer.body.errors).toBeUndefined()
    expect(sim.tokenRequests).toEqual([
      expect.objectContaining({ clientId: CLIENT_ID, outcome: 'issued', status: 200 }),
    ])
    expect(sim.apiRequests).toEqual([
      expect.objectContaining({ operationName: 'CreatePaymentRequest', outcome: 'ok' }),
    ])
    expect(sim.paymentRequests).toHaveLength(1)
  })

  it('rewrites the audience in the form, URL-encoded or not', async () => {
    await using sim = await startSim()
    const stitchAudience = tokenForm(sim, { audience: STITCH_TOKEN_URL }).toString()
    const post = (fetch: typeof globalThis.fetch, url: string, body: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      })

    // The simulator itself accepts no audience but its own token URL.
    const straight = await post(globalThis.fetch, sim.tokenUrl, stitchAudience)
    expect(straight.status).toBe(400)
    expect(await straight.json()).toMatchObject({
      error_description: expect.stringContaining(`(got ${STITCH_TOKEN_URL})`),
    })
    const encoded = await post(sim.fetch, STITCH_TOKEN_URL, stitchAudience)
    expect(encoded.status).toBe(200)
    const plain = stitchAudience.replace(encodeURIComponent(STITCH_TOKEN_URL), STITCH_TOKEN_URL)
    expect(plain).toContain(`audience=${STITCH_TOKEN_URL}`)
    expect((await post(sim.fetch, STITCH_TOKEN_URL, plain)).status).toBe(200)
    expect(sim.tokenRequests.map((entry) => entry.outcome)).toEqual([
      'invalid_request',
      'issued',
      'issued',
    ])
  })

  it('throws for any other URL, naming it, and sends nothing', async () => {
    await using sim = await startSim()
    for (const url of [
      'https://example.com/connect/token',
      'https://secure.stitch.money/connect/authorize',
      'https://api.stitch.money/graphql/extra',
      'http://127.0.0.1:1/graphql',
    ]) {
      await expect(sim.fetch(url, { method: 'POST', body: 'x' })).rejects.toThrow(url)
    }
    expect(sim.stats.tokenRequests.total).toBe(0)
    expect(sim.apiRequests).toEqual([])
  })

  it('passes the simulator’s own URLs through', async () => {
    await using sim = await startSim()
    const response = await sim.fetch(`${sim.url}/`)
    expect(await response.json()).toEqual({
      name: 'Stitch simulator',
      tokenUrl: sim.tokenUrl,
      graphqlUrl: sim.graphqlUrl,
    })
  })

  it('keeps the method, the headers and the signal', async () => {
    await using sim = await startSim()
    // A GET to the token endpoint stays a GET: refused as not POST.
    expect((await sim.fetch(STITCH_TOKEN_URL)).status).toBe(405)
    // Without the form's content type the token endpoint refuses the form.
    const form = tokenForm(sim, { audience: STITCH_TOKEN_URL }).toString()
    const untyped = await sim.fetch(STITCH_TOKEN_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: form,
    })
    expect(untyped.status).toBe(400)
    await expect(
      sim.fetch(STITCH_TOKEN_URL, { method: 'POST', body: form, signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' })
    // The aborted request never arrived.
    expect(sim.tokenRequests.map((entry) => entry.status)).toEqual([405, 400])
  })

  it('works as the global fetch, for code that calls fetch itself', async () => {
    await using sim = await startSim()
    vi.stubGlobal('fetch', sim.fetch)

    const token = await productionClient(globalThis.fetch).token('client_paymentrequest')

    expect(token).toEqual(expect.any(String))
    expect(sim.stats.tokenRequests.byOutcome.issued).toBe(1)
  })
})

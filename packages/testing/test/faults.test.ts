import { describe, expect, it } from 'vitest'
import type { MalformedKind, StitchSimulator } from '../src/index.js'
import { getAccessToken, gql, postToken, sleep, startSim, tokenForm } from './helpers.js'

const tokenOnce = (sim: StitchSimulator, signal?: AbortSignal) =>
  postToken(sim, tokenForm(sim, { scope: 'client_paymentrequest client_refund' }), { signal })

/** The error fetch raises for a connection that died, e.g. "fetch failed" caused by ECONNRESET. */
async function connectionError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected the request to fail')
    },
    (e: unknown) => e as Error & { cause?: { code?: string } },
  )
  return `${error.name}: ${error.message} ${error.cause?.code ?? ''}`
}

describe('faults', () => {
  it('status with Retry-After in seconds, then normal again (times: 1)', async () => {
    await using sim = await startSim()
    const handle = sim.fault({ endpoint: 'token', status: 503, retryAfter: 2, times: 1 })
    const faulted = await tokenOnce(sim)
    expect(faulted.status).toBe(503)
    expect(faulted.headers.get('retry-after')).toBe('2')
    expect(faulted.headers.get('cache-control')).toBe('no-store')
    expect(JSON.parse(faulted.text)).toMatchObject({ error: 'temporarily_unavailable' })
    expect(handle).toMatchObject({ hits: 1, active: false })
    expect((await tokenOnce(sim)).status).toBe(200)
    expect(sim.stats.tokenRequests.byOutcome).toMatchObject({ fault: 1, issued: 1 })
    expect(sim.tokenRequests[0]).toMatchObject({
      outcome: 'fault',
      status: 503,
      clientId: 'test-client',
    })
  })

  it('Retry-After as an HTTP-date string or a Date', async () => {
    await using sim = await startSim()
    const date = new Date(Date.now() + 30_000)
    sim.fault({ endpoint: 'token', status: 429, retryAfter: date.toUTCString(), times: 1 })
    sim.fault({ endpoint: 'token', status: 429, retryAfter: date, times: 1 })
    for (let i = 0; i < 2; i++) {
      const answer = await tokenOnce(sim)
      expect(answer.status).toBe(429)
      expect(answer.headers.get('retry-after')).toBe(date.toUTCString())
    }
  })

  it('times: N faults the next N requests, then answers normally', async () => {
    await using sim = await startSim()
    sim.fault({ endpoint: 'token', status: 500, times: 3 })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await tokenOnce(sim)).status)
    expect(statuses).toEqual([500, 500, 500, 200])
  })

  it('durationMs faults a time window', async () => {
    await using sim = await startSim()
    sim.fault({ endpoint: 'token', status: 502, durationMs: 300 })
    expect((await tokenOnce(sim)).status).toBe(502)
    expect((await tokenOnce(sim)).status).toBe(502)
    await sleep(350)
    expect((await tokenOnce(sim)).status).toBe(200)
  })

  it('without times or durationMs a fault lasts until cleared', async () => {
    await using sim = await startSim()
    const handle = sim.fault({ endpoint: 'token', status: 503 })
    for (let i = 0; i < 3; i++) expect((await tokenOnce(sim)).status).toBe(503)
    handle.clear()
    expect((await tokenOnce(sim)).status).toBe(200)
    sim.fault({ endpoint: 'token', status: 503 })
    sim.clearFaults()
    expect((await tokenOnce(sim)).status).toBe(200)
  })

  it('faults queue up in order', async () => {
    await using sim = await startSim()
    sim.fault({ endpoint: 'token', status: 503, times: 1 })
    sim.fault({ endpoint: 'token', status: 429, retryAfter: 1, times: 1 })
    sim.fault({ endpoint: 'graphql', status: 500, times: 1 })
    expect((await tokenOnce(sim)).status).toBe(503)
    expect((await tokenOnce(sim)).status).toBe(429)
    expect((await tokenOnce(sim)).status).toBe(200)
  })

  it('custom body and content type', async () => {
    await using sim = await startSim()
    sim.fault({
      endpoint: 'token',
      status: 400,
      body: '{"error":"invalid_client"}',
      contentType: 'application/json',
      times: 1,
    })
    const answer = await tokenOnce(sim)
    expect(answer).toMatchObject({ status: 400, text: '{"error":"invalid_client"}' })
    expect(answer.headers.get('content-type')).toBe('application/json')
  })

  it('delayMs answers normally after the delay', async () => {
    await using sim = await startSim()
    sim.fault({ endpoint: 'token', delayMs: 250, times: 1 })
    const started = performance.now()
    const answer = await tokenOnce(sim)
    expect(performance.now() - started).toBeGreaterThanOrEqual(240)
    expect(answer.status).toBe(200)
    // A delayed but normal answer is counted by its real outcome.
    expect(sim.stats.tokenRequests.byOutcome).toMatchObject({ issued: 1, fault: 0 })
  })

  it('delayMs with a status delays the error', async () => {
    await using sim = await startSim()
    sim.fault({ endpoint: 'token', delayMs: 150, status: 504, times: 1 })
    const started = performance.now()
    expect((await tokenOnce(sim)).status).toBe(504)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('hang never answers; the client times out and close() still resolves promptly', async () => {
    const sim = await startSim()
    sim.fault({ endpoint: 'token', hang: true })
    const error = await connectionError(tokenOnce(sim, AbortSignal.timeout(200)))
    expect(error).toMatch(/TimeoutError/)
    expect(sim.tokenRequests[0]).toMatchObject({ outcome: 'fault', status: 0 })

    const pending = tokenOnce(sim) // a second hung request, still waiting when we close
    await sleep(50)
    const started = performance.now()
    await sim.close()
    expect(performance.now() - started).toBeLessThan(1000)
    expect(await connectionError(pending)).toMatch(
      /fetch failed|terminated|other side closed|socket/i,
    )
  })

  it('close() ends a pending delay at once', async () => {
    const sim = await startSim()
    sim.fault({ endpoint: 'token', delayMs: 60_000 })
    const pending = tokenOnce(sim).catch((e: unknown) => e)
    await sleep(50)
    const started = performance.now()
    await sim.close()
    expect(performance.now() - started).toBeLessThan(1000)
    expect(await pending).toBeInstanceOf(Error)
  })

  it('stallAfterHeaders sends the head and the first bytes, then never the rest', async () => {
    const sim = await startSim()
    sim.fault({ endpoint: 'token', stallAfterHeaders: true, bodyPrefix: '{"access_', times: 1 })
    const response = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: tokenForm(sim).toString(),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(sim.tokenRequests[0]).toMatchObject({ outcome: 'fault', status: 200 })

    const reader = response.body?.getReader()
    if (!reader) throw new Error('expected a body')
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toBe('{"access_')
    const rest = reader.read()
    const waited = await Promise.race([rest.then(() => 'read'), sleep(200).then(() => 'stalled')])
    expect(waited).toBe('stalled')

    // times: 1, so the next request is answered in full.
    expect((await tokenOnce(sim)).status).toBe(200)

    const started = performance.now()
    await sim.close()
    expect(performance.now() - started).toBeLessThan(1000)
    // close() destroyed the socket: the read that waited for the rest fails.
    await expect(rest).rejects.toThrow(/terminated|other side closed|socket/i)
  })

  it('stallAfterHeaders without a prefix: a body read never completes', async () => {
    await using sim = await startSim()
    sim.fault({ endpoint: 'token', stallAfterHeaders: true, status: 503, retryAfter: 1 })
    const response = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: tokenForm(sim).toString(),
      signal: AbortSignal.timeout(200),
    })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('1')
    // The request's own signal ends the read it could not finish.
    await expect(response.text()).rejects.toThrow(/aborted|timeout/i)
  })

  it('reset destroys the connection without a response', async () => {
    await using sim = await startSim()
    sim.fault({ endpoint: 'token', reset: true, times: 1 })
    expect(await connectionError(tokenOnce(sim))).toMatch(
      /fetch failed.*(ECONNRESET|UND_ERR_SOCKET)/,
    )
    expect((await tokenOnce(sim)).status).toBe(200)
  })

  describe('malformed token responses (all 200)', () => {
    const cases: [MalformedKind, (answer: { text: string; contentType: string }) => void][] = [
      ['truncated-json', ({ text }) => expect(() => JSON.parse(text)).toThrow()],
      [
        'not-json',
        ({ text, contentType }) => {
          expect(contentType).toMatch(/text\/plain/)
          expect(() => JSON.parse(text)).toThrow()
        },
      ],
      [
        'html',
        ({ text, contentType }) => {
          expect(contentType).toMatch(/text\/html/)
          expect(text).toMatch(/^<!DOCTYPE html>/)
        },
      ],
      ['empty', ({ text }) => expect(text).toBe('')],
      [
        'missing-access-token',
        ({ text }) => expect(JSON.parse(text)).not.toHaveProperty('access_token'),
      ],
      [
        'wrong-token-type',
        ({ text }) => expect(JSON.parse(text).token_type).not.toMatch(/^bearer$/i),
      ],
      [
        'non-positive-expires-in',
        ({ text }) => expect(JSON.parse(text).expires_in).toBeLessThanOrEqual(0),
      ],
      [
        'missing-expires-in',
        ({ text }) => expect(JSON.parse(text)).not.toHaveProperty('expires_in'),
      ],
      [
        'fewer-scopes',
        ({ text }) => {
          expect(JSON.parse(text).scope).toBe('client_paymentrequest')
          expect(JSON.parse(text)).toMatchObject({ token_type: 'Bearer', expires_in: 3600 })
        },
      ],
    ]
    it.each(cases)('%s', async (malformed, check) => {
      await using sim = await startSim()
      sim.fault({ endpoint: 'token', malformed, times: 1 })
      const answer = await tokenOnce(sim)
      expect(answer.status).toBe(200)
      check({ text: answer.text, contentType: answer.headers.get('content-type') ?? '' })
      expect(sim.stats.tokenRequests.byOutcome.fault).toBe(1)
      expect((await tokenOnce(sim)).status).toBe(200)
    })

    it('malformed with a status: an HTML 502 page from a proxy', async () => {
      await using sim = await startSim()
      sim.fault({ endpoint: 'token', malformed: 'html', status: 502, times: 1 })
      const answer = await tokenOnce(sim)
      expect(answer.status).toBe(502)
      expect(answer.text).toContain('502 Bad Gateway')
    })
  })

  describe('GraphQL endpoint', () => {
    it('status, malformed and reset; counted as faulted API calls', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      sim.fault({ endpoint: 'graphql', status: 503, retryAfter: 1, times: 1 })
      sim.fault({ endpoint: 'graphql', malformed: 'truncated-json', times: 1 })
      sim.fault({ endpoint: 'graphql', reset: true, times: 1 })

      const post = () =>
        fetch(sim.graphqlUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ __typename }' }),
        })
      const unavailable = await post()
      expect(unavailable.status).toBe(503)
      expect(unavailable.headers.get('retry-after')).toBe('1')
      const truncated = await post()
      expect(truncated.status).toBe(200)
      await expect(truncated.json()).rejects.toThrow()
      expect(await connectionError(post())).toMatch(/fetch failed/)
      expect((await gql(sim, token, '{ __typename }')).body.data).toEqual({ __typename: 'Query' })
      // Faulted calls never reached the API; only the last one is in its log.
      expect(sim.apiRequests).toMatchObject([
        { scopes: ['client_paymentrequest', 'client_refund'], outcome: 'ok' },
      ])
      expect(sim.stats.apiCalls).toMatchObject({ total: 4, faulted: 3 })
    })

    it('stallAfterHeaders on the API: headers, then a body that never ends', async () => {
      await using sim = await startSim()
      const token = await getAccessToken(sim)
      sim.fault({ endpoint: 'graphql', stallAfterHeaders: true, bodyPrefix: '{"data":' })
      const response = await fetch(sim.graphqlUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ __typename }' }),
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/json')
      const body = response.text()
      const waited = await Promise.race([body.then(() => 'read'), sleep(200).then(() => 'stalled')])
      expect(waited).toBe('stalled')
      expect(sim.stats.apiCalls).toMatchObject({ total: 1, faulted: 1 })
      body.catch(() => {}) // ends with an error when the simulator closes
    })

    it('hang on the API', async () => {
      const sim = await startSim()
      const token = await getAccessToken(sim)
      sim.fault({ endpoint: 'graphql', hang: true })
      const hung = fetch(sim.graphqlUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ __typename }' }),
        signal: AbortSignal.timeout(150),
      })
      expect(await connectionError(hung)).toMatch(/TimeoutError/)
      await sim.close()
    })
  })

  describe('validation', () => {
    it.each([
      [{ endpoint: 'token' }, /a fault needs an effect/],
      [{ endpoint: 'tokens', status: 500 }, /"endpoint" must be/],
      [{ endpoint: 'token', status: 500, time: 1 }, /unknown option "time"/],
      [{ endpoint: 'token', status: 99 }, /"status" must be/],
      [{ endpoint: 'token', status: 503, times: 0 }, /"times" must be a positive integer/],
      [{ endpoint: 'token', hang: true, status: 503 }, /"hang" never answers/],
      [{ endpoint: 'token', reset: true, malformed: 'html' }, /"reset" sends no response/],
      [{ endpoint: 'graphql', malformed: 'fewer-scopes' }, /use it with endpoint 'token'/],
      [{ endpoint: 'token', malformed: 'weird' }, /"malformed" must be one of/],
      [{ endpoint: 'token', status: 200 }, /status 200 is not an error/],
      [{ endpoint: 'token', status: 503, retryAfter: -1 }, /"retryAfter"/],
      [{ endpoint: 'token', stallAfterHeaders: 'yes' }, /"stallAfterHeaders" must be a boolean/],
      [{ endpoint: 'token', bodyPrefix: '{' }, /"bodyPrefix" only applies together with/],
      [
        { endpoint: 'token', stallAfterHeaders: false, bodyPrefix: '{' },
        /"bodyPrefix" only applies together with/,
      ],
      [
        { endpoint: 'token', stallAfterHeaders: true, bodyPrefix: 1 },
        /"bodyPrefix" must be a string/,
      ],
      [{ endpoint: 'token', stallAfterHeaders: true, hang: true }, /"hang" never answers/],
      [{ endpoint: 'token', stallAfterHeaders: true, reset: true }, /"reset" sends no response/],
      [
        { endpoint: 'token', stallAfterHeaders: true, body: '{}' },
        /"stallAfterHeaders" never sends a whole body/,
      ],
      [
        { endpoint: 'graphql', stallAfterHeaders: true, malformed: 'html' },
        /"stallAfterHeaders" never sends a whole body/,
      ],
      [
        { endpoint: 'token', stallAfterHeaders: true, status: 204 },
        /"stallAfterHeaders" needs a status that has a body/,
      ],
      [{ endpoint: 'token', delayMs: 10, contentType: 'text/html' }, /"contentType" only applies/],
    ])('%j is refused', async (spec, message) => {
      await using sim = await startSim()
      // Deliberately invalid specs, as a JavaScript caller could pass them.
      expect(() => sim.fault(spec as never)).toThrow(message)
    })
  })
})

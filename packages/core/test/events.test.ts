import { afterEach, describe, expect, it, vi } from 'vitest'
import { STITCH_AUTH_ERROR_CODES, type StitchAuthEvent } from '../src/index.js'
import { useSimulator } from './simulator.js'

const ctx = useSimulator()

afterEach(() => {
  vi.unstubAllGlobals()
})

/** A client on a hand-moved clock whose refresh window opens exactly one minute before stale. */
function clockedClient() {
  const clock = { now: Date.now() }
  const stitch = ctx.client({
    now: () => clock.now,
    refreshWindowMs: 60_000,
    refreshJitter: 0,
    expirySkewMs: 30_000,
    retry: { maxAttempts: 1 },
  })
  const events: StitchAuthEvent[] = []
  stitch.subscribe((event) => events.push(event))
  const failures = () =>
    events.filter((event) => event.type === 'refreshFailed' || event.type === 'requestFailed')
  return { clock, stitch, events, failures }
}

const unavailable = {
  code: STITCH_AUTH_ERROR_CODES.ENDPOINT_UNAVAILABLE,
  message: expect.stringMatching(/HTTP 503/),
}

describe('events tell the truth', () => {
  it('a refresh that fails after the token went stale is a requestFailed: its callers got the error', async () => {
    const { clock, stitch, failures } = clockedClient()
    const token = await stitch.getToken()
    const staleAt = token.expiresAt.getTime() - 30_000

    ctx.sim.fault({ endpoint: 'token', status: 503, delayMs: 50, times: 1 })
    clock.now = staleAt - 1_000 // inside the refresh window: served, and a refresh starts
    expect(await stitch.getToken()).toBe(token)
    clock.now = staleAt // stale before the refresh answers: this caller awaits it
    const error = await stitch.getToken().then(
      () => undefined,
      (thrown: unknown) => thrown,
    )

    expect(error).toMatchObject(unavailable)
    expect(failures()).toEqual([{ type: 'requestFailed', scopes: token.scopes, error }])
  })

  it('a refresh that fails while the token is still valid is a refreshFailed, and the token is served', async () => {
    const { clock, stitch, failures } = clockedClient()
    const token = await stitch.getToken()
    const staleAt = token.expiresAt.getTime() - 30_000

    ctx.sim.fault({ endpoint: 'token', status: 503, times: 1 })
    clock.now = staleAt - 1_000
    expect(await stitch.getToken()).toBe(token)
    await vi.waitFor(() => expect(failures()).toHaveLength(1))
    expect(failures()[0]).toMatchObject({
      type: 'refreshFailed',
      error: unavailable,
      expiresInMs: 31_000,
    })
    expect(await stitch.getToken()).toBe(token)
  })

  it('reports a throwing listener to the other listeners, after every listener ran', async () => {
    const stitch = ctx.client()
    await stitch.getToken()
    const broken = new Error('the metrics listener is broken')
    const seen: StitchAuthEvent[] = []
    stitch.subscribe(() => {
      throw broken
    })
    stitch.subscribe((event) => seen.push(event))
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})

    expect(stitch.peekToken()).toBeDefined() // emits cacheHit synchronously; the client goes on
    expect(seen.map((event) => event.type)).toEqual(['cacheHit', 'listenerFailed'])
    expect(seen[1]).toEqual({ type: 'listenerFailed', eventType: 'cacheHit', error: broken })
    expect(errors).not.toHaveBeenCalled()
    errors.mockRestore()
  })

  it('with no other listener, writes the failure to console.error instead of losing it or crashing', async () => {
    const stitch = ctx.client()
    await stitch.getToken()
    const broken = new Error('the logging listener is broken')
    stitch.subscribe(() => {
      throw broken
    })
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(stitch.peekToken()).toBeDefined()
    expect(errors).toHaveBeenCalledWith(
      'stitch-auth: a listener threw while handling a "cacheHit" event',
      broken,
    )
    errors.mockRestore()
  })

  it('never loops: a listener failing on listenerFailed goes to the console once', async () => {
    const stitch = ctx.client()
    await stitch.getToken()
    const first = new Error('first')
    const second = new Error('second')
    stitch.subscribe((event) => {
      if (event.type === 'cacheHit') throw first
    })
    stitch.subscribe((event) => {
      if (event.type === 'listenerFailed') throw second
    })
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    stitch.peekToken()
    expect(errors).toHaveBeenCalledTimes(1)
    expect(errors).toHaveBeenCalledWith(
      'stitch-auth: a listener threw while handling a "listenerFailed" event',
      second,
    )
    errors.mockRestore()
  })
})

/** A fetch that answers token requests in-process, for tests of pure client logic. */
export interface FakeTokenEndpoint {
  fetch: typeof globalThis.fetch
  /** Bodies of the requests received, in order. */
  readonly bodies: URLSearchParams[]
  readonly calls: number
  /** Replace the next answers; each entry is used once, then the default answers. */
  queue: Array<() => Response | Promise<Response>>
}

export function fakeTokenEndpoint(
  options: { expiresIn?: number; delayMs?: number; tokenPrefix?: string } = {},
): FakeTokenEndpoint {
  const bodies: URLSearchParams[] = []
  let issued = 0
  const endpoint: FakeTokenEndpoint = {
    bodies,
    get calls() {
      return bodies.length
    },
    queue: [],
    fetch: async (input, init) => {
      const request = new Request(input, init)
      const body = new URLSearchParams(await request.text())
      bodies.push(body)
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs))
      const next = endpoint.queue.shift()
      if (next) return next()
      issued++
      return Response.json({
        access_token: `${options.tokenPrefix ?? 'tok'}_${issued}_${'x'.repeat(32)}`,
        expires_in: options.expiresIn ?? 3600,
        token_type: 'Bearer',
        scope: body.get('scope'),
      })
    },
  }
  return endpoint
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.UTC(2026, 10, 23, 12)) {
  let now = start
  return {
    now: () => now,
    advance(ms: number) {
      now += ms
    },
  }
}

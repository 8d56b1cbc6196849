/** Stitch's production endpoints, the defaults of `@stitch-auth/core` and of Stitch's own examples. */
const STITCH_TOKEN_URL = 'https://secure.stitch.money/connect/token'
const STITCH_API_URL = 'https://api.stitch.money/graphql'

// Taken when the module loads: once `sim.fetch` is stubbed in as the global fetch, looking the
// global up per request would call `sim.fetch` itself.
const platformFetch = globalThis.fetch

/** Where the simulator listens, read per request: its port is known only once it listens. */
export interface SimulatorUrls {
  readonly url: string
  readonly tokenUrl: string
  readonly graphqlUrl: string
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * A fetch that sends requests for Stitch's production token and API URLs to the simulator,
 * rewriting those URLs in a text body too (plain or URL-encoded, as in a form's `audience`),
 * passes requests to the simulator's own URLs through, and throws for any other URL.
 */
export function simulatorFetch(simulator: SimulatorUrls): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    const routes: Array<readonly [string, string]> = [
      [STITCH_TOKEN_URL, simulator.tokenUrl],
      [STITCH_API_URL, simulator.graphqlUrl],
    ]
    const url = toSimulator(request.url, routes, simulator.url)
    if (url === undefined) {
      throw new Error(
        `sim.fetch sends only Stitch's token and API URLs (${STITCH_TOKEN_URL}, ${STITCH_API_URL}) and the simulator's own to the simulator; it refused ${request.url}`,
      )
    }
    const headers = new Headers(request.headers)
    let body: ArrayBuffer | string | undefined
    if (request.body !== null) {
      const bytes = await request.arrayBuffer()
      const text = decodeText(bytes)
      const rewritten = text === undefined ? undefined : rewriteText(text, routes)
      if (rewritten === undefined || rewritten === text) {
        body = bytes
      } else {
        body = rewritten
        // The body's length changed with the URLs in it: fetch measures the new one.
        headers.delete('content-length')
      }
    }
    return platformFetch(url, {
      method: request.method,
      headers,
      body,
      signal: request.signal,
      redirect: request.redirect,
    })
  }
}

/** The URL the simulator answers for `url`, or undefined when it is neither Stitch's nor its own. */
function toSimulator(
  url: string,
  routes: ReadonlyArray<readonly [string, string]>,
  simulatorUrl: string,
): string | undefined {
  for (const [from, to] of routes) {
    if (url === from || url.startsWith(`${from}?`) || url.startsWith(`${from}#`)) {
      return to + url.slice(from.length)
    }
  }
  return new URL(url).origin === new URL(simulatorUrl).origin ? url : undefined
}

/** The body as text, or undefined when it is not UTF-8 (an uploaded image's bytes, say). */
function decodeText(bytes: ArrayBuffer): string | undefined {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

function rewriteText(text: string, routes: ReadonlyArray<readonly [string, string]>): string {
  return routes.reduce(
    (result, [from, to]) =>
      result.replaceAll(from, to).replaceAll(encodeURIComponent(from), encodeURIComponent(to)),
    text,
  )
}

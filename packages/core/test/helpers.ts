import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

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

/**
 * The packages a fresh Node process loads to run `script` as an ES module in the built dist/.
 * The script finds `fetch` (an in-process token endpoint and API) and `options` (a secret
 * client using it) in scope.
 */
export function packagesLoadedBy(script: string): string[] {
  const output = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '--eval',
      [
        "import { registerHooks } from 'node:module'",
        'const loaded = new Set()',
        'registerHooks({ load(url, context, next) {',
        '  const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url.split("/.pnpm/").at(-1))',
        '  if (match) loaded.add(match[1])',
        '  return next(url, context)',
        '} })',
        // A token endpoint and an API in-process: the client goes through its whole path.
        'const fetch = async (input, init) => {',
        '  const request = new Request(input, init)',
        "  if (request.url.endsWith('/token')) return Response.json({ access_token: 'a'.repeat(40), token_type: 'Bearer', expires_in: 3600, scope: 'client_refund' })",
        "  return Response.json({ data: { __typename: 'Query' } })",
        '}',
        "const options = { clientId: 'id', clientSecret: 'secret', scopes: ['client_refund'], fetch }",
        script,
        'console.log(JSON.stringify([...loaded]))',
      ].join('\n'),
    ],
    { cwd: fileURLToPath(new URL('../dist/', import.meta.url)), encoding: 'utf8' },
  )
  return JSON.parse(output.trim().split('\n').at(-1)!) as string[]
}

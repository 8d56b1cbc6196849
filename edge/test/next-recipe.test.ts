// The README's "Next.js (App Router)" recipe, run as Next would run it but without Next: its
// TypeScript blocks become the files their first-line comments name, `@/` resolves to the app's
// root as in a create-next-app project, and the route modules' exports are called with real
// Web `Request`s and the context Next 15+ passes (`params` a Promise), against the simulator.
// Requests to Stitch's hosts are answered by the simulator, through `sim.fetch`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

const EDGE = fileURLToPath(new URL('..', import.meta.url))
const README = join(EDGE, '../packages/core/README.md')
const CLIENT = { clientId: 'next-client', clientSecret: 'next-secret-0123456789' }
const ORDER_TOTAL = 249.5

/** The TypeScript blocks of the README's section, keyed by the path on their first line. */
function recipeFiles(): Map<string, string> {
  const readme = readFileSync(README, 'utf8')
  const start = readme.indexOf('\n## Next.js (App Router)\n')
  expect(start, 'packages/core/README.md has a "Next.js (App Router)" section').toBeGreaterThan(0)
  const end = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, end === -1 ? undefined : end)
  const files = new Map<string, string>()
  for (const [, code = ''] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const path = /^\/\/ (\S+\.ts)\n/.exec(code)?.[1]
    expect(path, `every block starts with its file's path:\n${code}`).toBeDefined()
    files.set(path as string, code)
  }
  return files
}

type RouteContext = { params: Promise<{ operation: string }> }
interface ProxyRoute {
  POST: (request: Request, context: RouteContext) => Promise<Response>
}
interface StatusRoute {
  GET: () => Promise<Response>
  dynamic?: string
}

describe("the README's Next.js App Router recipe", () => {
  let sim: StitchSimulator
  let dir = ''
  let proxyRoute: ProxyRoute
  let statusRoute: StatusRoute

  beforeAll(async () => {
    sim = await startStitchSimulator({
      host: '127.0.0.1',
      clients: [{ ...CLIENT, scopes: ['client_paymentrequest'] }],
    })
    const files = recipeFiles()
    expect([...files.keys()].sort()).toEqual([
      'app/api/stitch-status/route.ts',
      'app/api/stitch/[operation]/route.ts',
      'lib/stitch.ts',
    ])
    dir = mkdtempSync(join(tmpdir(), 'stitch-next-recipe-'))
    for (const [path, code] of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), code)
    }
    // The app's own order store, which the recipe imports.
    writeFileSync(
      join(dir, 'lib/orders.ts'),
      `export const orders = { find: async (reference: string) => ({ reference, total: ${ORDER_TOTAL} }) }\n`,
    )
    // One module graph for both routes, as Next's server has: the client (and its token cache)
    // is one instance. Core resolves to its built dist, as in an app's node_modules.
    await build({
      entryPoints: {
        proxy: join(dir, 'app/api/stitch/[operation]/route.ts'),
        status: join(dir, 'app/api/stitch-status/route.ts'),
      },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      outdir: join(dir, 'out'),
      outExtension: { '.js': '.mjs' },
      nodePaths: [join(EDGE, 'node_modules')],
      logLevel: 'silent',
      plugins: [
        {
          name: 'next-root-alias',
          setup(esbuild) {
            esbuild.onResolve({ filter: /^@\// }, ({ path }) => ({
              path: join(dir, `${path.slice(2)}.ts`),
            }))
          },
        },
      ],
    })

    // The recipe's client calls Stitch's own URLs: sim.fetch sends them to the simulator.
    vi.stubGlobal('fetch', sim.fetch)
    vi.stubEnv('STITCH_CLIENT_ID', CLIENT.clientId)
    vi.stubEnv('STITCH_CLIENT_SECRET', CLIENT.clientSecret)
    proxyRoute = await import(/* @vite-ignore */ pathToFileURL(join(dir, 'out/proxy.mjs')).href)
    statusRoute = await import(/* @vite-ignore */ pathToFileURL(join(dir, 'out/status.mjs')).href)
  })

  afterAll(async () => {
    vi.unstubAllGlobals()
    vi.unstubAllEnvs()
    await sim?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const post = (operation: string, body: unknown, headers: Record<string, string> = {}) =>
    proxyRoute.POST(
      new Request(`http://localhost:3000/api/stitch/${operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1', ...headers },
        body: JSON.stringify(body),
      }),
      { params: Promise.resolve({ operation }) },
    )

  it('POST serves createPaymentRequest, charging what the server decides', async () => {
    const response = await post('createPaymentRequest', { amount: 1, reference: 'order-42' })
    const text = await response.text()
    expect(response.status, text).toBe(200)
    const { data } = JSON.parse(text) as { data: { id: string; url: string } }
    expect(data.url).toContain(`${sim.url}/pay/`)
    const created = sim.paymentRequests.find((request) => request.id === data.id)
    expect(created?.amount).toEqual({ quantity: '249.50', currency: 'ZAR' })

    const status = await post('paymentStatus', { id: data.id })
    expect(status.status).toBe(200)
    expect(await status.json()).toEqual({
      data: { id: data.id, status: 'pending', found: true },
    })
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  it('POST refuses a request without the anti-CSRF header, and unknown operations', async () => {
    const calls = sim.stats.apiCalls.total
    const noHeader = await proxyRoute.POST(
      new Request('http://localhost:3000/api/stitch/createPaymentRequest', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 1, reference: 'order-43' }),
      }),
      { params: Promise.resolve({ operation: 'createPaymentRequest' }) },
    )
    expect(noHeader.status).toBe(403)
    expect(await noHeader.json()).toMatchObject({ error: { code: 'csrf_header_missing' } })
    const unknown = await post('initiateRefund', { amount: 1 })
    expect(unknown.status).toBe(404)
    expect(sim.stats.apiCalls.total).toBe(calls)
  })

  it('the status route uses the cached token and never answers the token', async () => {
    expect(statusRoute.dynamic).toBe('force-dynamic')
    const response = await statusRoute.GET()
    const text = await response.text()
    expect(response.status, text).toBe(200)
    const body = JSON.parse(text) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'scopes'])
    expect(body.scopes).toEqual(['client_paymentrequest'])
    expect(Date.parse(String(body.expiresAt))).toBeGreaterThan(Date.now())
    // The proxy's calls already minted the token: the route reuses it.
    expect(sim.stats.tokenRequests.total).toBe(1)
  })
})

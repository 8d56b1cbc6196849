// 7. Bundle size: what an app that gets client-credentials tokens ships to a serverless or edge
// runtime, bundled with esbuild as a Worker's or a Lambda's build would, for stitch-auth and for
// the OAuth clients an app might pick instead. Deterministic, unlike the timings: a budget test
// in packages/core holds stitch-auth's secret client to it; this records it beside its peers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

export const BUNDLE_BUDGET_BYTES = 25 * 1024

export interface BundleRow {
  name: string
  /** What the app does, in a few words. */
  app: string
  /** Minified bytes of every chunk the app loads to get a token. */
  minifiedBytes: number
  /** The same chunks, each gzipped (level 9), added up. */
  gzipBytes: number
  /** Chunks the build split off that this app never loads (a private-key client's signer). */
  unloadedGzipBytes: number
  /** npm packages whose code is in the loaded chunks. */
  packages: string[]
}

const ISSUER = 'https://secure.stitch.money/connect'
const TOKEN_URL = `${ISSUER}/token`

const apps = [
  {
    name: '**stitch-auth** secret client',
    app: '`createStitchAuth({ clientSecret })`, `getToken()`',
    source: [
      "import { createStitchAuth } from '@stitch-auth/core'",
      "const stitch = createStitchAuth({ clientId: 'id', clientSecret: 'secret' })",
      'export const token = () => stitch.getToken()',
    ],
  },
  {
    name: '**stitch-auth** secret client + API call',
    app: 'the same, and `graphql()` (the README quick start)',
    source: [
      "import { createStitchAuth } from '@stitch-auth/core'",
      "const stitch = createStitchAuth({ clientId: 'id', clientSecret: 'secret' })",
      'export const token = () => stitch.getToken()',
      "export const query = () => stitch.graphql('query Viewer { viewer { id } }')",
    ],
  },
  {
    name: '**stitch-auth** private-key client',
    app: '`createStitchAuth({ privateKey })`, `getToken()` (signs a client assertion with jose)',
    source: [
      "import { createStitchAuth } from '@stitch-auth/core'",
      "const stitch = createStitchAuth({ clientId: 'id', privateKey: () => globalThis.PEM })",
      'export const token = () => stitch.getToken()',
    ],
  },
  {
    name: 'openid-client v6',
    app: '`clientCredentialsGrant()` with a client secret',
    source: [
      "import * as client from 'openid-client'",
      `const config = new client.Configuration({ issuer: '${ISSUER}', token_endpoint: '${TOKEN_URL}' }, 'id', 'secret')`,
      "export const token = () => client.clientCredentialsGrant(config, { scope: 'client_paymentrequest' })",
    ],
  },
  {
    name: 'oauth4webapi',
    app: '`clientCredentialsGrantRequest()` + `processClientCredentialsResponse()`',
    source: [
      "import * as oauth from 'oauth4webapi'",
      `const as = { issuer: '${ISSUER}', token_endpoint: '${TOKEN_URL}' }`,
      "const client = { client_id: 'id' }",
      "const auth = oauth.ClientSecretPost('secret')",
      'export async function token() {',
      "  const scope = new URLSearchParams({ scope: 'client_paymentrequest' })",
      '  const response = await oauth.clientCredentialsGrantRequest(as, client, auth, scope)',
      '  return oauth.processClientCredentialsResponse(as, client, response)',
      '}',
    ],
  },
] as const

// Packages resolve from bench/, whose dependencies these are; core resolves to its built dist.
const cwd = fileURLToPath(new URL('..', import.meta.url))

/** `name` for a file of an npm package, else undefined (the app's own entry). */
function packageOf(path: string): string | undefined {
  const file = path.split(sep).join('/')
  const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(file)
  if (match) return match[1]
  // A workspace package linked from bench/node_modules resolves to its real path.
  const workspace = /packages\/([^/]+)\//.exec(file)?.[1]
  return workspace === undefined ? undefined : `@stitch-auth/${workspace}`
}

async function bundleApp(directory: string, source: readonly string[]): Promise<BundleRow> {
  const entry = join(directory, `app-${Math.random().toString(36).slice(2)}.js`)
  await writeFile(entry, `${source.join('\n')}\n`)
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    // What Cloudflare's and Vercel's edge builds ask for: Web APIs, no Node built-ins.
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    splitting: true,
    outdir: join(directory, 'out'),
    nodePaths: [join(cwd, 'node_modules')],
    absWorkingDir: cwd,
    metafile: true,
    write: false,
    logLevel: 'silent',
  })
  const outputs = result.metafile.outputs
  let minifiedBytes = 0
  let gzipBytes = 0
  let unloadedGzipBytes = 0
  const packages = new Set<string>()
  for (const file of result.outputFiles) {
    const output = outputs[relative(cwd, file.path).split(sep).join('/')]!
    const inputs = Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => packageOf(path))
    const gzipped = gzipSync(file.contents, { level: 9 }).length
    // The one chunk a secret client never loads: the assertion signer, split off at `import()`.
    const signer = inputs.includes('jose') && !source.some((line) => line.includes('privateKey'))
    if (signer) {
      unloadedGzipBytes += gzipped
      continue
    }
    minifiedBytes += file.contents.length
    gzipBytes += gzipped
    for (const name of inputs) if (name !== undefined) packages.add(name)
  }
  return { name: '', app: '', minifiedBytes, gzipBytes, unloadedGzipBytes, packages: [...packages] }
}

export async function runBundle(): Promise<BundleRow[]> {
  const directory = await mkdtemp(join(tmpdir(), 'stitch-auth-bench-bundle-'))
  try {
    const rows: BundleRow[] = []
    for (const { name, app, source } of apps) {
      rows.push({ ...(await bundleApp(directory, source)), name, app })
    }
    return rows
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
}

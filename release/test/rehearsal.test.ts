// Publish rehearsal: every package is packed as `pnpm publish` would pack it, published to a
// real registry (verdaccio, offline, on 127.0.0.1), installed from there by fresh projects with
// npm, and used the way users use it: ESM, CommonJS, TypeScript, an Express app, a Nest app,
// a Fastify app (its ESM and CommonJS builds), a Hono app (on Node, Bun and Deno), and core on
// Node 22, Node 24, Bun and Deno. External dependencies (zod, express, Nest…) come from the
// machine's npm registry, as they would for a user.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StitchSimulator } from '@stitch-auth/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConsumerProject, createConsumer } from './support/consumer.js'
import { type LocalRegistry, startLocalRegistry } from './support/registry.js'
import { Cleanup, run, startApp } from './support/run.js'
import { BUN, DENO, ensureNode22 } from './support/runtimes.js'
import {
  pack,
  publishablePackages,
  ROOT,
  readJson,
  TSC,
  type WorkspacePackage,
} from './support/workspace.js'

const CLIENT = {
  clientId: 'rehearsal-client',
  clientSecret: 'rehearsal-secret',
  scopes: ['client_paymentrequest'],
}

const cleanup = new Cleanup()
afterAll(() => cleanup.run(), 60_000)

const packages = publishablePackages()
const version = (name: string) => {
  const pkg = packages.find((p) => p.name === name)
  if (pkg === undefined) throw new Error(`no package ${name}`)
  return pkg.manifest.version
}
// Third-party versions the workspace tests with, so consumers install what we tested.
const devVersion = (pkgName: string, dependency: string) => {
  const manifest = packages.find((p) => p.name === pkgName)?.manifest
  const range = manifest?.devDependencies?.[dependency]
  if (range === undefined) throw new Error(`${pkgName} has no devDependency ${dependency}`)
  return range
}
const rootDevVersion = (dependency: string) => {
  const range = readJson(join(ROOT, 'package.json')).devDependencies?.[dependency]
  if (range === undefined) throw new Error(`the root has no devDependency ${dependency}`)
  return range
}

let work: string
let registry: LocalRegistry
let sim: StitchSimulator
let projects: Record<
  'sim' | 'core' | 'express5' | 'express4' | 'nest' | 'hono' | 'fastify' | 'types',
  ConsumerProject
>
const timings: Record<string, number> = {}
const fileStarted = performance.now()

/** A consumer's one GraphQL call reached Stitch, made with a token for the default scope. */
function expectOneApiCallSince(before: number, operationName: string) {
  expect(sim.apiRequests.slice(before)).toEqual([
    expect.objectContaining({
      clientId: CLIENT.clientId,
      operationName,
      scopes: ['client_paymentrequest'],
      outcome: 'ok',
    }),
  ])
}

function simEnv() {
  return {
    STITCH_CLIENT_ID: CLIENT.clientId,
    STITCH_CLIENT_SECRET: CLIENT.clientSecret,
    STITCH_TOKEN_URL: sim.tokenUrl,
    STITCH_API_URL: sim.graphqlUrl,
  }
}

beforeAll(async () => {
  const started = performance.now()
  work = mkdtempSync(join(tmpdir(), 'stitch-auth-release-'))
  cleanup.add(() => rmSync(work, { recursive: true, force: true }))

  registry = await startLocalRegistry(join(work, 'registry'))
  cleanup.add(() => registry.close())

  const tarballs = join(work, 'tarballs')
  mkdirSync(tarballs)
  // Any order: dependencies are resolved only when the consumers install.
  await Promise.all(
    packages.map(async (pkg: WorkspacePackage) => registry.publish(await pack(pkg, tarballs))),
  )
  timings.publish = performance.now() - started

  const registryUrl = registry.url
  const consumer = (name: string, options: Omit<Parameters<typeof createConsumer>[0], 'dir'>) =>
    createConsumer({ dir: join(work, name), ...options })
  const stitch = (name: string) => ({ [`@stitch-auth/${name}`]: version(`@stitch-auth/${name}`) })
  const nest = {
    '@nestjs/common': devVersion('@stitch-auth/nestjs', '@nestjs/common'),
    '@nestjs/core': devVersion('@stitch-auth/nestjs', '@nestjs/core'),
    'reflect-metadata': devVersion('@stitch-auth/nestjs', 'reflect-metadata'),
    rxjs: devVersion('@stitch-auth/nestjs', 'rxjs'),
  }
  const installs = performance.now()
  // Installed with the others (the last entry below); its result is read after them.
  const fastifyInstall = consumer('fastify', {
    registryUrl,
    fixture: 'fastify',
    dependencies: {
      ...stitch('core'),
      ...stitch('fastify'),
      fastify: devVersion('@stitch-auth/fastify', 'fastify'),
    },
  })
  const [simProject, core, express5, express4, nestProject, hono, types] = await Promise.all([
    consumer('sim', { registryUrl, dependencies: stitch('testing') }),
    consumer('core', { registryUrl, fixture: 'core', dependencies: stitch('core') }),
    consumer('express5', {
      registryUrl,
      fixture: 'express',
      dependencies: {
        ...stitch('core'),
        ...stitch('express'),
        express: devVersion('@stitch-auth/express', 'express'),
      },
    }),
    // The peer range says Express 4.21+ works too: the newest 4.x, checked the same way.
    consumer('express4', {
      registryUrl,
      fixture: 'express',
      dependencies: { ...stitch('core'), ...stitch('express'), express: '4.22.3' },
    }),
    consumer('nest', {
      registryUrl,
      fixture: 'nest',
      dependencies: {
        ...stitch('core'),
        ...stitch('nestjs'),
        ...nest,
        '@nestjs/platform-express': devVersion('@stitch-auth/nestjs', '@nestjs/platform-express'),
      },
      devDependencies: { '@types/node': rootDevVersion('@types/node') },
    }),
    consumer('hono', {
      registryUrl,
      fixture: 'hono',
      dependencies: {
        ...stitch('core'),
        ...stitch('hono'),
        hono: devVersion('@stitch-auth/hono', 'hono'),
        '@hono/node-server': devVersion('@stitch-auth/hono', '@hono/node-server'),
      },
    }),
    consumer('types', {
      registryUrl,
      fixture: 'types',
      dependencies: {
        ...stitch('core'),
        ...stitch('express'),
        ...stitch('fastify'),
        ...stitch('hono'),
        ...stitch('nestjs'),
        ...stitch('redis'),
        ...stitch('testing'),
        ...nest,
        express: devVersion('@stitch-auth/express', 'express'),
        fastify: devVersion('@stitch-auth/fastify', 'fastify'),
        hono: devVersion('@stitch-auth/hono', 'hono'),
        redis: devVersion('@stitch-auth/redis', 'redis'),
      },
      devDependencies: {
        '@types/express': devVersion('@stitch-auth/express', '@types/express'),
        '@types/node': rootDevVersion('@types/node'),
      },
    }),
    fastifyInstall,
  ])
  const fastify = await fastifyInstall
  projects = { sim: simProject, core, express5, express4, nest: nestProject, hono, fastify, types }
  timings.install = performance.now() - installs

  // The simulator from the published @stitch-auth/testing, loaded with Node's own require()
  // (its CommonJS build), not through vitest's resolver, which knows the source condition.
  const testing = createRequire(join(simProject.dir, 'package.json'))(
    '@stitch-auth/testing',
  ) as typeof import('@stitch-auth/testing')
  sim = await testing.startStitchSimulator({ clients: [CLIENT] })
  cleanup.add(() => sim.close())
  timings.setup = performance.now() - started
}, 600_000)

afterAll(() => {
  const seconds = (ms = 0) => `${(ms / 1000).toFixed(1)} s`
  console.info(
    `publish rehearsal: pack + publish ${seconds(timings.publish)}, installs ${seconds(
      timings.install,
    )}, setup ${seconds(timings.setup)}, total ${seconds(performance.now() - fileStarted)}`,
  )
})

describe('publishing', () => {
  it('publishes every package, with workspace:* replaced by the released version', async () => {
    for (const pkg of packages) {
      const packument = await registry.packument(pkg.name)
      const published = packument.versions[pkg.manifest.version]
      expect(published, `${pkg.name}@${pkg.manifest.version} on the registry`).toBeDefined()
      for (const [name, range] of Object.entries(published?.dependencies ?? {})) {
        expect(range, `${pkg.name} → ${name}`).not.toMatch(/^workspace:/)
        if (name.startsWith('@stitch-auth/')) expect(range).toBe(version(name))
      }
      // publishConfig.exports replaced the workspace-only source condition.
      expect(JSON.stringify(published?.exports), pkg.name).not.toContain('@stitch-auth/source')
    }
  })

  it('installs the versions just published', () => {
    expect(projects.core.installedVersion('@stitch-auth/core')).toBe(version('@stitch-auth/core'))
    expect(projects.express5.installedVersion('@stitch-auth/express')).toBe(
      version('@stitch-auth/express'),
    )
    expect(projects.express5.installedVersion('express')).toMatch(/^5\./)
    expect(projects.express4.installedVersion('express')).toMatch(/^4\./)
    expect(projects.hono.installedVersion('@stitch-auth/hono')).toBe(version('@stitch-auth/hono'))
    expect(projects.hono.installedVersion('hono')).toMatch(/^4\./)
    expect(projects.fastify.installedVersion('@stitch-auth/fastify')).toBe(
      version('@stitch-auth/fastify'),
    )
    expect(projects.fastify.installedVersion('fastify')).toMatch(/^5\./)
  })

  it('installs the stitch-simulator command, which runs', async () => {
    const { stdout } = await run(
      join(projects.sim.dir, 'node_modules', '.bin', 'stitch-simulator'),
      ['--help'],
      { cwd: projects.sim.dir, timeoutMs: 30_000 },
    )
    expect(stdout).toContain('Usage: stitch-simulator')
  })
})

describe('consumers', () => {
  it('an ESM consumer gets a token, calls the API and serves the proxy handler', async () => {
    const before = { api: sim.apiRequests.length, payments: sim.paymentRequests.length }
    const { stdout } = await run(process.execPath, ['smoke.mjs'], {
      cwd: projects.core.dir,
      env: simEnv(),
      timeoutMs: 60_000,
    })
    const result = expectCoreSmoke(before, stdout)
    expect(result.entry).toMatch(/node_modules\/@stitch-auth\/core\/dist\/index\.js$/)
  })

  it('a CommonJS consumer require()s the CJS build (ky bundled) and gets a token', async () => {
    const before = sim.apiRequests.length
    const { stdout } = await run(process.execPath, ['consumer.cjs'], {
      cwd: projects.core.dir,
      env: simEnv(),
      timeoutMs: 60_000,
    })
    expect(JSON.parse(stdout)).toEqual({
      configErrorCode: 'STITCH_AUTH_CONFIG_INVALID',
      tokenType: 'Bearer',
      scopes: ['client_paymentrequest'],
      api: { __typename: 'Query' },
    })
    expectOneApiCallSince(before, 'Consumer')
  })

  // One program per module kind, as a project is one or the other. (A program holding both
  // would see express's global `Request.stitchToken` declared twice, once per declaration file.)
  it.each([
    ['ESM', 'tsconfig.esm.json', '.d.ts'],
    ['CommonJS', 'tsconfig.cjs.json', '.d.cts'],
  ])(
    'a strict TypeScript %s consumer (NodeNext, no DOM lib, skipLibCheck off) type-checks (%s)',
    async (_kind, tsconfig, extension) => {
      const dir = projects.types.dir
      const { stdout } = await run(process.execPath, [TSC, '-p', tsconfig, '--listFilesOnly'], {
        cwd: dir,
        timeoutMs: 120_000,
      })
      for (const name of ['core', 'express', 'fastify', 'hono', 'nestjs', 'redis', 'testing']) {
        expect(stdout).toContain(`node_modules/@stitch-auth/${name}/dist/index${extension}\n`)
      }
      await run(process.execPath, [TSC, '-p', tsconfig], { cwd: dir, timeoutMs: 120_000 })
    },
  )

  describe.each(['express5', 'express4'] as const)('an Express app (%s)', (project) => {
    it('serves a token route and creates a payment request through the proxy', async () => {
      const app = await startApp(process.execPath, ['app.mjs'], {
        cwd: projects[project].dir,
        env: simEnv(),
        timeoutMs: 60_000,
      })
      cleanup.add(() => app.stop())
      try {
        const token = await fetch(`${app.url}/token`)
        expect(token.status, app.output()).toBe(200)
        expect(await token.json()).toEqual({
          tokenType: 'Bearer',
          scopes: ['client_paymentrequest'],
        })

        const before = sim.paymentRequests.length
        const created = await fetch(`${app.url}/stitch/createPaymentRequest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
          body: JSON.stringify({ amount: 150, reference: 'order-42' }),
        })
        expect(created.status, app.output()).toBe(200)
        const body = (await created.json()) as { data: { id: string; url: string } }
        expect(body.data.url).toMatch(/^https?:\/\//)
        expect(sim.paymentRequests.slice(before)).toEqual([
          expect.objectContaining({
            id: body.data.id,
            amount: { quantity: '150.00', currency: 'ZAR' },
          }),
        ])

        // Deny by default, from the published build too: no CSRF header, no Stitch call.
        const refused = await fetch(`${app.url}/stitch/createPaymentRequest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ amount: 150, reference: 'order-43' }),
        })
        expect(refused.status).toBe(403)
        expect(sim.paymentRequests.length).toBe(before + 1)
      } finally {
        await app.stop()
      }
    })
  })

  it('a Hono app on @hono/node-server serves a token route and creates a payment request through the proxy', async () => {
    const app = await startApp(process.execPath, ['app.mjs'], {
      cwd: projects.hono.dir,
      env: simEnv(),
      timeoutMs: 60_000,
    })
    cleanup.add(() => app.stop())
    try {
      const token = await fetch(`${app.url}/token`)
      expect(token.status, app.output()).toBe(200)
      expect(await token.json()).toEqual({ tokenType: 'Bearer', scopes: ['client_paymentrequest'] })

      const before = sim.paymentRequests.length
      const created = await fetch(`${app.url}/stitch/createPaymentRequest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
        body: JSON.stringify({ amount: 150, reference: 'order-42' }),
      })
      expect(created.status, app.output()).toBe(200)
      const body = (await created.json()) as { data: { id: string; url: string } }
      expect(sim.paymentRequests.slice(before)).toEqual([
        expect.objectContaining({
          id: body.data.id,
          amount: { quantity: '150.00', currency: 'ZAR' },
        }),
      ])

      // Deny by default, from the published build too: no CSRF header, no Stitch call.
      const refused = await fetch(`${app.url}/stitch/createPaymentRequest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 150, reference: 'order-43' }),
      })
      expect(refused.status).toBe(403)
      expect(sim.paymentRequests.length).toBe(before + 1)
    } finally {
      await app.stop()
    }
  })

  describe.each(['app.mjs', 'app.cjs'])('a Fastify app (%s)', (entry) => {
    it('serves a token route only where asked and creates a payment request through the proxy', async () => {
      const app = await startApp(process.execPath, [entry], {
        cwd: projects.fastify.dir,
        env: simEnv(),
        timeoutMs: 60_000,
      })
      cleanup.add(() => app.stop())
      try {
        expect(app.info.fastify).toMatch(/^5\./)
        const token = await fetch(`${app.url}/token`)
        expect(token.status, app.output()).toBe(200)
        expect(await token.json()).toEqual({
          tokenType: 'Bearer',
          scopes: ['client_paymentrequest'],
        })
        expect(await (await fetch(`${app.url}/no-token`)).json()).toEqual({ token: null })

        const before = sim.paymentRequests.length
        const created = await fetch(`${app.url}/stitch/createPaymentRequest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
          body: JSON.stringify({ amount: 150, reference: 'order-42' }),
        })
        expect(created.status, app.output()).toBe(200)
        const body = (await created.json()) as { data: { id: string; url: string } }
        expect(sim.paymentRequests.slice(before)).toEqual([
          expect.objectContaining({
            id: body.data.id,
            amount: { quantity: '150.00', currency: 'ZAR' },
          }),
        ])

        // Deny by default, in core's format (no Fastify parser in the proxy's context).
        const refused = await fetch(`${app.url}/stitch/createPaymentRequest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
          body: '{"__proto__":{"polluted":true},"amount":150,"reference":"order-43"}',
        })
        expect(refused.status).toBe(400)
        expect(await refused.json()).toMatchObject({ error: { code: 'invalid_json' } })
        expect(sim.paymentRequests.length).toBe(before + 1)
      } finally {
        await app.stop()
      }
    })
  })

  it('a Nest app (compiled by tsc) injects StitchAuthService and returns a token', async () => {
    const dir = projects.nest.dir
    await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: dir, timeoutMs: 120_000 })
    const app = await startApp(process.execPath, ['dist/app.js'], {
      cwd: dir,
      env: simEnv(),
      timeoutMs: 60_000,
    })
    cleanup.add(() => app.stop())
    try {
      const before = sim.apiRequests.length
      const service = await fetch(`${app.url}/service-token`)
      expect(service.status, app.output()).toBe(200)
      expect(await service.json()).toEqual({
        tokenType: 'Bearer',
        scopes: ['client_paymentrequest'],
        api: { __typename: 'Query' },
      })
      expectOneApiCallSince(before, 'NestService')
      const route = await fetch(`${app.url}/route-token`)
      expect(route.status, app.output()).toBe(200)
      expect(await route.json()).toEqual({ tokenType: 'Bearer', scopes: ['client_paymentrequest'] })
    } finally {
      await app.stop()
    }
  })
})

describe('Hono runtime matrix: the same app through app.request()', () => {
  const smoke = async (command: string, args: string[], env: Record<string, string> = {}) => {
    const before = sim.paymentRequests.length
    const { stdout } = await run(command, args, {
      cwd: projects.hono.dir,
      env: { ...simEnv(), ...env },
      timeoutMs: 90_000,
    })
    const result = JSON.parse(stdout) as {
      runtime: string
      entry: string
      created: { body: { data: { id: string } } }
    }
    expect(result).toMatchObject({
      entry: expect.stringMatching(/node_modules\/@stitch-auth\/hono\/dist\/index\.js$/),
      token: { status: 200, body: { tokenType: 'Bearer', scopes: ['client_paymentrequest'] } },
      created: { status: 200, body: { data: { id: expect.any(String), url: expect.any(String) } } },
      refused: { status: 403, body: { error: { code: 'csrf_header_missing' } } },
    })
    expect(sim.paymentRequests.slice(before)).toEqual([
      expect.objectContaining({ id: result.created.body.data.id }),
    ])
    return result
  }

  it('Node', async () => {
    expect((await smoke(process.execPath, ['smoke.mjs'])).runtime).toMatch(/^node /)
  })

  it('Bun', async () => {
    expect((await smoke(BUN, ['--no-install', 'smoke.mjs'])).runtime).toMatch(/^bun /)
  })

  it('Deno', async () => {
    const result = await smoke(
      DENO,
      ['run', '--allow-env', '--allow-net=127.0.0.1', '--allow-read', 'smoke.mjs'],
      { DENO_DIR: join(work, 'deno-cache'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
    )
    expect(result.runtime).toMatch(/^deno /)
  })
})

/** One token, the GraphQL call, then a payment request through core's proxy handler. */
function expectCoreSmoke(before: { api: number; payments: number }, stdout: string) {
  const result = JSON.parse(stdout) as {
    runtime: string
    entry: string
    proxy: { body: { data: { id: string } } }
  }
  expect(result).toMatchObject({
    tokenType: 'Bearer',
    scopes: ['client_paymentrequest'],
    cached: true,
    api: { __typename: 'Query' },
    proxy: { status: 200, body: { data: { id: expect.any(String), url: expect.any(String) } } },
  })
  expect(sim.apiRequests.slice(before.api)).toEqual(
    ['Smoke', 'CreatePaymentRequest'].map((operationName) =>
      expect.objectContaining({ clientId: CLIENT.clientId, operationName, outcome: 'ok' }),
    ),
  )
  // The amount is the server's (resolveAmount), not the 1 the browser sent.
  expect(sim.paymentRequests.slice(before.payments)).toEqual([
    expect.objectContaining({
      id: result.proxy.body.data.id,
      amount: { quantity: '150.00', currency: 'ZAR' },
      payerReference: 'order-42',
    }),
  ])
  return result
}

describe('core runtime matrix', () => {
  const smoke = async (command: string, args: string[], env: Record<string, string> = {}) => {
    const before = { api: sim.apiRequests.length, payments: sim.paymentRequests.length }
    const { stdout } = await run(command, args, {
      cwd: projects.core.dir,
      env: { ...simEnv(), ...env },
      timeoutMs: 90_000,
    })
    return expectCoreSmoke(before, stdout)
  }

  it(`Node ${process.versions.node.split('.')[0]} (the Node running the tests)`, async () => {
    const result = await smoke(process.execPath, ['smoke.mjs'])
    expect(result.runtime).toBe(`node ${process.versions.node}`)
  })

  it('Node 22 (installed into .tools/node22 on first use)', async () => {
    const node22 = await ensureNode22()
    const result = await smoke(node22, ['smoke.mjs'])
    expect(result.runtime).toMatch(/^node 22\./)
    expect(result.entry).toMatch(/\/dist\/index\.js$/)
  }, 360_000)

  it('Bun, resolving from node_modules', async () => {
    const result = await smoke(BUN, ['--no-install', 'smoke.mjs'])
    expect(result.runtime).toMatch(/^bun /)
    expect(result.entry).toMatch(/node_modules\/@stitch-auth\/core\/dist\/index\.js$/)
  })

  const denoEnv = () => ({
    DENO_DIR: join(work, 'deno-cache'),
    DENO_NO_UPDATE_CHECK: '1',
    DENO_NO_PROMPT: '1',
  })

  it('Deno, resolving the bare import from the npm-installed node_modules', async () => {
    // Deno sees package.json and uses the existing node_modules ("manual" mode): no network.
    const result = await smoke(
      DENO,
      ['run', '--allow-env', '--allow-net=127.0.0.1', '--allow-read', 'smoke.mjs'],
      denoEnv(),
    )
    expect(result.runtime).toMatch(/^deno /)
    expect(result.entry).toMatch(/node_modules\/@stitch-auth\/core\/dist\/index\.js$/)
  })

  it('Deno, installing npm:@stitch-auth/core itself (its own npm client, global cache)', async () => {
    const dir = join(work, 'deno-npm')
    mkdirSync(dir)
    cpSync(join(projects.core.dir, 'smoke.mjs'), join(dir, 'smoke.mjs'))
    // Deno reads the scoped registry from the .npmrc beside deno.json; the import map turns
    // the script's bare import into an npm: specifier.
    cpSync(join(projects.core.dir, '.npmrc'), join(dir, '.npmrc'))
    const core = `npm:@stitch-auth/core@${version('@stitch-auth/core')}`
    writeFileSync(
      join(dir, 'deno.json'),
      JSON.stringify({
        imports: { '@stitch-auth/core': core, '@stitch-auth/core/proxy': `${core}/proxy` },
      }),
    )
    const before = { api: sim.apiRequests.length, payments: sim.paymentRequests.length }
    const { stdout } = await run(
      DENO,
      // --min-dep-age=0: Deno 2.9 skips versions published less than a day ago by default.
      ['run', '--min-dep-age=0', '--allow-env', '--allow-net', '--allow-read', 'smoke.mjs'],
      { cwd: dir, env: { ...simEnv(), ...denoEnv() }, timeoutMs: 180_000 },
    )
    const result = expectCoreSmoke(before, stdout)
    expect(result.entry).toMatch(/\/npm\/.+\/@stitch-auth\/core\/[^/]+\/dist\/index\.js$/)
    expect(result.entry).not.toContain('node_modules')
  }, 240_000)
})

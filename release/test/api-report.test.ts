// The API report check itself (scripts/api-report.mjs, each package's `api:check`), on a small
// package of its own: a change to the declarations that nobody reviewed fails with the message
// that says what to do, the check never rewrites a report, and `--update` (`pnpm api:update`)
// settles it.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { childEnv } from './support/run.js'
import { publishablePackages, ROOT } from './support/workspace.js'

const SCRIPT = join(ROOT, 'scripts', 'api-report.mjs')
const NAME = '@stitch-auth/api-fixture'
const CHANGED = `the public API of ${NAME} changed: review and run \`pnpm api:update\``

let dir: string

function apiReport(...args: string[]) {
  const result = spawnSync(process.execPath, [SCRIPT, ...args, dir], {
    cwd: ROOT,
    env: childEnv({ CI: 'true' }),
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

function declare(file: string, text: string) {
  writeFileSync(join(dir, 'dist', file), text)
}

const report = (name: string) => readFileSync(join(dir, 'api', `${name}.api.md`), 'utf8')

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stitch-auth-api-'))
  mkdirSync(join(dir, 'dist'))
  const entry = (name: string) => ({
    import: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
    require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` },
  })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: NAME,
      version: '0.0.0',
      type: 'module',
      exports: { '.': entry('index'), './node': entry('node'), './package.json': './package.json' },
    }),
  )
  declare('index.d.ts', 'export declare function greet(name: string): string;\n')
  declare('node.d.ts', 'export declare const NODE_ONLY = true;\n')
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the API report check', () => {
  it('fails on an entry point without a report', () => {
    const { status, output } = apiReport()
    expect(status).toBe(1)
    expect(output).toContain(CHANGED)
    expect(output).toContain('api/index.api.md is missing')
  })

  it('writes one report per entry point with --update, and then passes', () => {
    expect(apiReport('--update').status).toBe(0)
    expect(report('index')).toContain('export function greet(name: string): string;')
    expect(report('node')).toContain('export const NODE_ONLY = true;')
    const { status, output } = apiReport()
    expect(output).toContain('up to date')
    expect(status).toBe(0)
  })

  it('fails on an unreviewed change with the diff, and leaves the report alone', () => {
    const before = report('index')
    declare(
      'index.d.ts',
      'export declare function greet(name: string): string;\nexport declare function leaked(): void;\n',
    )
    const { status, output } = apiReport()
    expect(status).toBe(1)
    expect(output).toContain(CHANGED)
    expect(output).toContain('+export function leaked(): void;')
    expect(report('index')).toBe(before)
  })

  it('passes again once the change is reviewed (--update)', () => {
    expect(apiReport('--update').status).toBe(0)
    expect(report('index')).toContain('export function leaked(): void;')
    expect(apiReport().status).toBe(0)
  })

  it("ignores the order TypeScript printed an inferred enum's members in, and nothing else", () => {
    // How a zod enum's inferred type comes out of a declaration build: member order follows
    // the compiler's creation of the literal types, and differs between builds.
    const enumOf = (...ids: string[]) =>
      `export declare const bank: Enum<{\n${ids.map((id) => `    ${id}: "${id}";\n`).join('')}}>;\n`
    const base =
      'export declare function greet(name: string): string;\nexport declare function leaked(): void;\ntype Enum<T> = { readonly options: T };\n'
    declare('index.d.ts', `${base}${enumOf('fnb', 'absa', 'capitec')}`)
    expect(apiReport('--update').status).toBe(0)
    declare('index.d.ts', `${base}${enumOf('capitec', 'fnb', 'absa')}`)
    expect(apiReport()).toMatchObject({ status: 0 })
    declare('index.d.ts', `${base}${enumOf('capitec', 'fnb', 'absa', 'nedbank')}`)
    const { status, output } = apiReport()
    expect(status).toBe(1)
    expect(output).toContain('nedbank: "nedbank";')
  })
})

describe.each(publishablePackages())('$name', (pkg) => {
  it('runs the API check in its test run (an api:check script)', () => {
    const scripts = pkg.manifest.scripts as Record<string, string> | undefined
    expect(scripts?.['api:check']).toBe('node ../../scripts/api-report.mjs')
  })
})

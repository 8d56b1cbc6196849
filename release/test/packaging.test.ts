// The package.json of every published package, and the tarball `pnpm pack` makes of it (what
// `changeset publish` uploads), checked with publint --strict and attw (arethetypeswrong).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cleanup, run } from './support/run.js'
import {
  BIN,
  type PackageJson,
  pack,
  publishablePackages,
  type WorkspacePackage,
} from './support/workspace.js'

const REPOSITORY = 'git+https://github.com/stitch-auth/stitch-auth.git'
const SOURCE_CONDITION = '@stitch-auth/source'

type Target = { types: string; default: string }
type Entry = { [SOURCE_CONDITION]: string; import: Target; require: Target }

const cleanup = new Cleanup()
afterAll(() => cleanup.run())

let tarballDir: string
beforeAll(() => {
  tarballDir = mkdtempSync(join(tmpdir(), 'stitch-auth-pack-'))
  cleanup.add(() => rmSync(tarballDir, { recursive: true, force: true }))
})

/** The exports map without the workspace-only source condition: what gets published. */
function withoutSourceCondition(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== SOURCE_CONDITION)
      .map(([key, inner]) => [key, withoutSourceCondition(inner)]),
  )
}

const packages = publishablePackages()

it('finds the published packages', () => {
  expect(packages.map((p) => p.name)).toEqual(
    expect.arrayContaining([
      '@stitch-auth/core',
      '@stitch-auth/express',
      '@stitch-auth/fastify',
      '@stitch-auth/hono',
      '@stitch-auth/nestjs',
      '@stitch-auth/redis',
      '@stitch-auth/testing',
    ]),
  )
})

describe.each(packages)('$name', (pkg: WorkspacePackage) => {
  const manifest: PackageJson = pkg.manifest
  const exportsMap = manifest.exports as Record<string, Entry | string>
  const entries = Object.entries(exportsMap).filter(([subpath]) => subpath !== './package.json')
  describe('package.json', () => {
    it('has the release metadata', () => {
      expect(manifest).toMatchObject({
        type: 'module',
        license: 'MIT',
        sideEffects: false,
        files: ['dist'],
        engines: { node: '>=22.12' },
        repository: { type: 'git', url: REPOSITORY, directory: pkg.path },
        homepage: `https://github.com/stitch-auth/stitch-auth/tree/main/${pkg.path}#readme`,
        bugs: { url: 'https://github.com/stitch-auth/stitch-auth/issues' },
        publishConfig: { access: 'public' },
      })
      expect(typeof manifest.description).toBe('string')
    })

    it('exports each entry with the source condition first, then import and require, each with types', () => {
      expect(exportsMap['./package.json']).toBe('./package.json')
      expect(entries.length).toBeGreaterThan(0)
      for (const [subpath, entry] of entries) {
        expect(typeof entry, subpath).toBe('object')
        expect(Object.keys(entry), subpath).toEqual([SOURCE_CONDITION, 'import', 'require'])
        const { import: esm, require: cjs } = entry as Entry
        expect((entry as Entry)[SOURCE_CONDITION], subpath).toMatch(/^\.\/src\/.+\.ts$/)
        // `types` first: TypeScript takes the first condition that matches.
        expect(Object.keys(esm), subpath).toEqual(['types', 'default'])
        expect(Object.keys(cjs), subpath).toEqual(['types', 'default'])
        expect(esm.types).toMatch(/^\.\/dist\/.+\.d\.ts$/)
        expect(esm.default).toMatch(/^\.\/dist\/.+\.js$/)
        expect(cjs.types).toMatch(/^\.\/dist\/.+\.d\.cts$/)
        expect(cjs.default).toMatch(/^\.\/dist\/.+\.cjs$/)
      }
    })

    it('publishes the same exports without the source condition (publishConfig.exports)', () => {
      // The condition points at src/, which is not published; pnpm pack/publish swap in
      // publishConfig.exports, so it must be the exports map minus that condition.
      const published = (manifest.publishConfig as { exports?: unknown }).exports
      expect(
        published,
        'publishConfig.exports must equal exports without "@stitch-auth/source"',
      ).toEqual(withoutSourceCondition(exportsMap))
    })

    it('keeps main, module, types and typesVersions for resolvers that ignore exports', () => {
      const root = exportsMap['.'] as Entry
      expect(manifest.main).toBe(root.require.default)
      expect(manifest.module).toBe(root.import.default)
      expect(manifest.types).toBe(root.require.types)
      // TypeScript's node10 resolution finds subpaths only through typesVersions.
      const subpaths = entries.filter(([subpath]) => subpath !== '.')
      const typesVersions = (manifest.typesVersions as Record<string, Record<string, string[]>>)?.[
        '*'
      ]
      for (const [subpath, entry] of subpaths) {
        expect(typesVersions?.[subpath.slice(2)], `typesVersions for ${subpath}`).toEqual([
          (entry as Entry).require.types,
        ])
      }
    })

    it('depends on sibling packages with workspace:* and tests the peers it declares', () => {
      for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
        if (name.startsWith('@stitch-auth/')) expect(range, name).toBe('workspace:*')
      }
      for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
        const tested = manifest.devDependencies?.[name]
        expect(tested, `peer ${name} is also a devDependency, so the tests use it`).toBeDefined()
        expect(manifest.dependencies?.[name], `${name} is a peer, not a dependency`).toBeUndefined()
        // A sibling as a peer (`workspace:^`) is versioned by changesets with the workspace.
        if (range.startsWith('workspace:')) continue
        const major = tested?.split('.')[0]
        expect(range, `peer ${name} covers the tested ${tested}`).toMatch(
          new RegExp(`(^|\\|\\|\\s*)\\^${major}\\.`),
        )
      }
    })
  })

  describe('packed tarball', () => {
    let tarball: string
    beforeAll(async () => {
      tarball = await pack(pkg, tarballDir)
    })

    it('holds dist, README and LICENSE, and no sources or tests', async () => {
      const { stdout } = await run('tar', ['-tzf', tarball], { cwd: tarballDir, timeoutMs: 30_000 })
      const files = stdout.trim().split('\n')
      expect(files).toEqual(
        expect.arrayContaining([
          'package/package.json',
          'package/README.md',
          'package/LICENSE',
          'package/dist/index.js',
          'package/dist/index.cjs',
          'package/dist/index.d.ts',
          'package/dist/index.d.cts',
        ]),
      )
      expect(
        files.filter(
          (file) => !/^package\/(dist\/|package\.json$|README\.md$|LICENSE$)/.test(file),
        ),
      ).toEqual([])
    })

    it('passes publint --strict', async () => {
      const { stdout } = await run(join(BIN, 'publint'), ['--strict', tarball], {
        cwd: tarballDir,
        timeoutMs: 60_000,
      })
      // Suggestions do not fail --strict; "All good!" means there were none either.
      expect(stdout).toContain('All good!')
    })

    it('passes attw (every entry resolves with types under node10, node16 CJS/ESM, bundler)', async () => {
      const { stdout } = await run(
        join(BIN, 'attw'),
        ['--format', 'table-flipped', '--no-color', '--no-emoji', tarball],
        { cwd: tarballDir, timeoutMs: 60_000 },
      )
      expect(stdout).toContain('No problems found')
    })
  })
})

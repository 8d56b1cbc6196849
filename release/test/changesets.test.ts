// Versioning with changesets: the config, and what `changeset version` does to the real
// manifests. It runs in a temporary, git-free copy of the workspace's package.json files and
// .changeset/, so the checkout is never touched.
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Cleanup, run } from './support/run.js'
import { type PackageJson, publishablePackages, ROOT, readJson } from './support/workspace.js'

const CHANGESET = join(ROOT, 'node_modules', '@changesets', 'cli', 'bin.js')

const cleanup = new Cleanup()
afterAll(() => cleanup.run())

interface ChangesetConfig {
  access: string
  updateInternalDependencies: string
  ignore: string[]
  baseBranch: string
}

/** Every workspace package's directory, relative to the root (from pnpm-workspace.yaml). */
function workspaceDirs(): string[] {
  const globs = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8')
    .split('\n')
    .map((line) => /^\s+-\s+['"]?([^'"\s]+)['"]?\s*$/.exec(line)?.[1])
    .filter((glob): glob is string => glob !== undefined)
  return globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [glob]
    const parent = glob.slice(0, -2)
    return readdirSync(join(ROOT, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`)
  })
}

/**
 * A copy of the workspace with only what changesets reads: the root and package manifests,
 * pnpm-workspace.yaml and .changeset/ (optionally without its pending changesets).
 */
function copyWorkspace(options: { keepChangesets: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), 'stitch-auth-changesets-'))
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }))
  for (const file of ['package.json', 'pnpm-workspace.yaml']) {
    cpSync(join(ROOT, file), join(dir, file))
  }
  cpSync(join(ROOT, '.changeset'), join(dir, '.changeset'), { recursive: true })
  if (!options.keepChangesets) {
    for (const file of readdirSync(join(dir, '.changeset'))) {
      if (file.endsWith('.md') && file !== 'README.md') rmSync(join(dir, '.changeset', file))
    }
  }
  for (const pkgDir of workspaceDirs()) {
    const manifest = join(ROOT, pkgDir, 'package.json')
    mkdirSync(join(dir, pkgDir), { recursive: true })
    cpSync(manifest, join(dir, pkgDir, 'package.json'))
  }
  return dir
}

async function changesetVersion(dir: string): Promise<void> {
  // No repository here: changesets' `git log` (for changelog commit links) finds nothing, and
  // the ceiling keeps git from walking up into any repository above the temp directory.
  await run(process.execPath, [CHANGESET, 'version'], {
    cwd: dir,
    env: { GIT_CEILING_DIRECTORIES: dirname(dir) },
    timeoutMs: 60_000,
  })
}

function manifests(dir: string): Map<string, PackageJson> {
  return new Map(
    workspaceDirs().map((pkgDir) => {
      const manifest = readJson(join(dir, pkgDir, 'package.json'))
      return [manifest.name, manifest]
    }),
  )
}

const bump = (version: string, type: 'patch' | 'minor') => {
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number]
  return type === 'patch' ? `${major}.${minor}.${patch + 1}` : `${major}.${minor + 1}.0`
}

describe('changesets', () => {
  const config = readJson<ChangesetConfig>(join(ROOT, '.changeset', 'config.json'))
  const root = readJson(join(ROOT, 'package.json'))
  const before = manifests(ROOT)

  it('has the release scripts at the root', () => {
    expect(root.scripts).toMatchObject({
      changeset: 'changeset',
      'version-packages': 'changeset version',
      release: expect.stringMatching(/turbo run build.*&& changeset publish$/),
    })
  })

  it('publishes publicly, bumps dependents, and ignores every private package', () => {
    expect(config).toMatchObject({
      access: 'public',
      updateInternalDependencies: 'patch',
      baseBranch: 'main',
    })
    const privateNames = [...before.values()].filter((m) => m.private).map((m) => m.name)
    expect(privateNames).toEqual(
      expect.arrayContaining([
        '@stitch-auth/demo',
        '@stitch-auth/bench',
        '@stitch-auth/release-check',
      ]),
    )
    expect([...config.ignore].sort()).toEqual(privateNames.sort())
  })

  it('releases every dependent of core, with the new core version, when only core changes', async () => {
    const dir = copyWorkspace({ keepChangesets: false })
    writeFileSync(
      join(dir, '.changeset', 'core-only.md'),
      '---\n"@stitch-auth/core": patch\n---\n\nA core-only fix.\n',
    )
    await changesetVersion(dir)

    const after = manifests(dir)
    const version = (name: string) => after.get(name)?.version
    const previous = (name: string) => before.get(name)?.version ?? ''
    const coreVersion = bump(previous('@stitch-auth/core'), 'patch')
    expect(version('@stitch-auth/core')).toBe(coreVersion)

    // Every package that depends on core at run time (dependencies or peerDependencies; not
    // devDependencies) is released.
    const runtimeDependents = publishablePackages().filter(
      (p) =>
        p.manifest.dependencies?.['@stitch-auth/core'] !== undefined ||
        p.manifest.peerDependencies?.['@stitch-auth/core'] !== undefined,
    )
    const dependents = runtimeDependents.map((p) => p.name)
    expect(dependents).toEqual(
      expect.arrayContaining([
        '@stitch-auth/express',
        '@stitch-auth/nestjs',
        '@stitch-auth/redis',
        '@stitch-auth/cli',
      ]),
    )
    for (const { name, path, manifest } of runtimeDependents) {
      expect(version(name), name).toBe(bump(previous(name), 'patch'))
      // The workspace protocol stays in the repository; pnpm pack turns it into a version.
      const range = manifest.dependencies?.['@stitch-auth/core']
      if (range !== undefined) {
        expect(after.get(name)?.dependencies?.['@stitch-auth/core'], name).toBe(range)
      }
      const changelog = readFileSync(join(dir, path, 'CHANGELOG.md'), 'utf8')
      expect(changelog, name).toContain(`@stitch-auth/core@${coreVersion}`)
    }

    // Nothing else moves: not packages that only test with core (devDependencies), not
    // private ones.
    for (const [name, manifest] of after) {
      if (name === '@stitch-auth/core' || dependents.includes(name)) continue
      expect(manifest.version, name).toBe(before.get(name)?.version)
    }
  })

  it('turns the pending changesets into versions, releasing every dependent of a bumped package', async () => {
    const dir = copyWorkspace({ keepChangesets: true })
    const pending = readdirSync(join(dir, '.changeset')).filter(
      (f) => f.endsWith('.md') && f !== 'README.md',
    )
    if (pending.length === 0) return // nothing pending: the scenario above covers the rule
    await changesetVersion(dir)

    const after = manifests(dir)
    const bumped = (name: string) => after.get(name)?.version !== before.get(name)?.version
    for (const [name, manifest] of after) {
      if (manifest.private) {
        expect(bumped(name), `${name} is private and ignored`).toBe(false)
        continue
      }
      for (const dependency of Object.keys(manifest.dependencies ?? {})) {
        if (before.has(dependency) && bumped(dependency)) {
          expect(bumped(name), `${name} depends on ${dependency}, which was bumped`).toBe(true)
        }
      }
    }
    // The changeset files are consumed.
    expect(readdirSync(join(dir, '.changeset')).filter((f) => pending.includes(f))).toEqual([])
  })
})

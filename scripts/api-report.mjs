// The API report of every entry point of every published package: api-extractor reads the
// built declarations (dist/*.d.ts) and writes what they make public to packages/<name>/api/.
//
//   node scripts/api-report.mjs [package dir…]            check: fail when a report differs
//   node scripts/api-report.mjs --update [package dir…]   rewrite the reports (`pnpm api:update`)
//
// Without a directory it takes the package in the current directory (the `api:check` script of
// each package, run by turbo after its build), or every published package from the root.
// A check never writes a report (api-extractor's `localBuild: false`), so it fails the same way
// on a developer's machine and on CI.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const UPDATE_COMMAND = 'pnpm api:update'

/** Where each package keeps its reports, beside src/ (not published: `files` is dist/ only). */
const REPORT_FOLDER = 'api'

/** The messages api-extractor prints about report files; this script says it in its own words. */
const REPORT_MESSAGES = new Set([
  'console-api-report-not-copied',
  'console-api-report-copied',
  'console-api-report-created',
  'console-api-report-diff',
])

/**
 * The declaration files a package's `exports` point at, one report each. Entries that share
 * their types (browser's `.` and `./browser.js`) share the report.
 */
export function apiEntries(packageDir) {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'))
  const byTypes = new Map()
  for (const [subpath, entry] of Object.entries(manifest.exports ?? {})) {
    const types = typeof entry === 'object' && entry !== null ? entry.import?.types : undefined
    if (typeof types !== 'string') continue
    const known = byTypes.get(types)
    if (known) known.subpaths.push(subpath)
    else byTypes.set(types, { types, report: basename(types, '.d.ts'), subpaths: [subpath] })
  }
  return { name: manifest.name, entries: [...byTypes.values()] }
}

function extractorConfig(packageDir, entry) {
  const unscoped = basename(packageDir)
  return ExtractorConfig.prepare({
    packageJsonFullPath: join(packageDir, 'package.json'),
    configObjectFullPath: undefined,
    configObject: {
      projectFolder: packageDir,
      mainEntryPointFilePath: resolve(packageDir, entry.types),
      bundledPackages: [],
      newlineKind: 'lf',
      enumMemberOrder: 'preserve',
      compiler: {
        // How a consumer's TypeScript reads the published declarations (NodeNext, as `exports`
        // are resolved), not how the sources compile: no `@stitch-auth/source` condition, so a
        // sibling package is read from its dist/ as well.
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2023',
            lib: ['ES2023', 'DOM', 'DOM.Iterable'],
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            types: ['node'],
            typeRoots: [join(ROOT, 'node_modules', '@types')],
            strict: true,
            skipLibCheck: true,
          },
          files: [resolve(packageDir, entry.types)],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: entry.report,
        reportFolder: join(packageDir, REPORT_FOLDER),
        reportTempFolder: join(ROOT, '.artifacts', 'api', unscoped),
        includeForgottenExports: false,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // Anything else it finds (a compiler error in the declarations…) fails the run.
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning' },
          // We do not tag releases (@public/@beta): every export is public.
          'ae-missing-release-tag': { logLevel: 'none' },
          // A type the API uses but the entry does not export: a warning written into the report,
          // where a reviewer sees it.
          'ae-forgotten-export': { logLevel: 'warning', addToApiReportFile: true },
          // The report marks undocumented members itself: `// (undocumented)`.
          'ae-undocumented': { logLevel: 'none' },
        },
        // Our doc comments are JSDoc (`@default`, `@example` with code), not strict TSDoc.
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
      testMode: false,
    },
  })
}

/**
 * A report in a form that does not depend on how TypeScript happened to print a type: the
 * members of an inferred zod enum (`absa: "absa";` lines) come in the order the compiler
 * created their literal types, which changes from one build of the same sources to the next.
 * They are sorted; nothing else is touched.
 */
export function normalizeReport(text) {
  const lines = text.split('\n')
  const member = /^\s*([A-Za-z_$][\w$]*): "\1";$/
  for (let start = 0; start < lines.length; start++) {
    if (!member.test(lines[start])) continue
    let end = start
    while (end + 1 < lines.length && member.test(lines[end + 1])) end++
    const block = lines.slice(start, end + 1).sort((a, b) => a.trim().localeCompare(b.trim()))
    lines.splice(start, block.length, ...block)
    start = end
  }
  return lines.join('\n')
}

/**
 * Checks (or with `update`, rewrites) the reports of one package. Returns the problems found;
 * none means every report matches the built declarations.
 */
export function runApiReport(packageDir, { update = false, log = console.log } = {}) {
  const { name, entries } = apiEntries(packageDir)
  const problems = []
  for (const entry of entries) {
    const reportPath = join(packageDir, REPORT_FOLDER, `${entry.report}.api.md`)
    const shown = relative(ROOT, reportPath)
    const label = entry.subpaths.join(', ')
    if (!existsSync(resolve(packageDir, entry.types))) {
      problems.push(
        `${name} (${label}): ${relative(ROOT, resolve(packageDir, entry.types))} is missing: build first (pnpm turbo run build)`,
      )
      continue
    }
    if (update) mkdirSync(join(packageDir, REPORT_FOLDER), { recursive: true })
    const config = extractorConfig(packageDir, entry)
    let diff = ''
    const other = []
    // api-extractor only writes the fresh report to its temp folder; this script compares it,
    // normalized, with the committed one and writes it on `update`.
    Extractor.invoke(config, {
      localBuild: false,
      printApiReportDiff: !update,
      messageCallback(message) {
        if (REPORT_MESSAGES.has(message.messageId)) {
          if (message.messageId === 'console-api-report-diff') diff = message.text
          message.handled = true
        } else if (
          message.logLevel === ExtractorLogLevel.Info ||
          message.logLevel === ExtractorLogLevel.Verbose
        ) {
          message.handled = true
        } else if (message.logLevel !== ExtractorLogLevel.None) {
          other.push(message.formatMessageWithLocation(packageDir))
          message.handled = true
        }
      },
    })
    const problemsBefore = problems.length
    for (const text of other) problems.push(`${name} (${label}): ${text}`)
    const fresh = join(config.reportTempFolder, config.reportConfigs[0].fileName)
    if (!existsSync(fresh)) {
      problems.push(`${name} (${label}): api-extractor wrote no report (see the messages above)`)
      continue
    }
    const generated = normalizeReport(readFileSync(fresh, 'utf8'))
    const committed = existsSync(reportPath)
      ? normalizeReport(readFileSync(reportPath, 'utf8'))
      : undefined
    const changed = generated !== committed
    // Written in its normalized form, so the committed file is the one a check compares with.
    const rewrite =
      update && (!existsSync(reportPath) || readFileSync(reportPath, 'utf8') !== generated)
    if (rewrite) writeFileSync(reportPath, generated)
    if (changed && !update) {
      const missing = !existsSync(reportPath)
      problems.push(
        [
          `the public API of ${name} changed: review and run \`${UPDATE_COMMAND}\``,
          missing
            ? `  ${shown} is missing (${label})`
            : `  ${shown} (${label}) differs from what ${entry.types} declares:`,
          ...(diff ? [indent(diff.replace(/^Changes to the API report:\s*/, ''))] : []),
        ].join('\n'),
      )
    } else if (rewrite) {
      log(`updated ${shown} (${name} ${label})`)
    } else if (problems.length === problemsBefore) {
      log(`${shown} is up to date (${name} ${label})`)
    }
  }
  rmSync(join(ROOT, '.artifacts', 'api', basename(packageDir)), { recursive: true, force: true })
  return problems
}

function indent(text) {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')
}

/** Every package under packages/ that is published (not `private`). */
export function publishedPackageDirs() {
  return readdirSync(join(ROOT, 'packages'))
    .map((name) => join(ROOT, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .filter((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private !== true)
    .sort()
}

function main(argv) {
  const update = argv.includes('--update')
  const dirs = argv.filter((arg) => !arg.startsWith('--')).map((dir) => resolve(dir))
  if (dirs.length === 0) {
    const cwd = process.cwd()
    dirs.push(...(resolve(cwd) === resolve(ROOT) ? publishedPackageDirs() : [cwd]))
  }
  const problems = dirs.flatMap((dir) => runApiReport(dir, { update }))
  if (problems.length > 0) {
    for (const problem of problems) console.error(`✗ ${problem}`)
    process.exitCode = 1
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2))
}

// Adds up the vitest reports of every package into one closing line.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = new URL('../.artifacts/vitest/', import.meta.url).pathname
let passed = 0
let failed = 0
let skipped = 0
// Files that failed outside any test (a failing beforeAll, an import error) count too: their
// tests are only reported as skipped.
let brokenFiles = 0
const files = readdirSync(dir).filter((name) => name.endsWith('.json'))
for (const name of files) {
  const report = JSON.parse(readFileSync(join(dir, name), 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += report.numPendingTests + report.numTodoTests
  const broken = report.testResults.filter(
    (file) => file.status === 'failed' && file.assertionResults.every((t) => t.status !== 'failed'),
  )
  brokenFiles += broken.length
  console.log(
    `${name.replace(/\.json$/, '').padEnd(12)} ${report.numPassedTests} passed, ${report.numFailedTests} failed${
      broken.length ? `, ${broken.length} file(s) failed to run` : ''
    }`,
  )
}
if (files.length === 0 || passed === 0) {
  console.error('No test ran: the vitest reports in .artifacts/vitest are missing.')
  process.exit(1)
}
console.log(
  `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${
    brokenFiles ? `, ${brokenFiles} test file(s) failed to run` : ''
  }`,
)
process.exit(failed > 0 || brokenFiles > 0 ? 1 : 0)

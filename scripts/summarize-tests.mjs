// Adds up the vitest reports of every package into one closing line.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = new URL('../.artifacts/vitest/', import.meta.url).pathname
let passed = 0
let failed = 0
let skipped = 0
const files = readdirSync(dir).filter((name) => name.endsWith('.json'))
for (const name of files) {
  const report = JSON.parse(readFileSync(join(dir, name), 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += report.numPendingTests + report.numTodoTests
  console.log(
    `${name.replace(/\.json$/, '').padEnd(12)} ${report.numPassedTests} passed, ${report.numFailedTests} failed`,
  )
}
if (files.length === 0 || passed === 0) {
  console.error('No test ran: the vitest reports in .artifacts/vitest are missing.')
  process.exit(1)
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 ? 1 : 0)

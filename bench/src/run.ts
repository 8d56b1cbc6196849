// `pnpm bench`: runs every benchmark once, prints the tables and rewrites docs/benchmarks.md.
//   pnpm --filter @stitch-auth/bench bench -- --only=warm,stampede   (a subset; docs untouched)
import { writeFile } from 'node:fs/promises'
import { startStitchSimulator } from '@stitch-auth/testing'
import { runBundle } from './bundle.ts'
import type { Endpoints } from './contenders.ts'
import { runExpress } from './express.ts'
import { runImport } from './import.ts'
import { runContinuousLoad, runStampede } from './load.ts'
import { runMemory } from './memory.ts'
import {
  bundleTable,
  expressTable,
  hotTable,
  importTable,
  loadTable,
  memoryTable,
  type Results,
  renderReport,
  stampedeTable,
  targets,
  targetsTable,
  warmTable,
} from './report.ts'
import { CLIENT_ID, CLIENT_SECRET, collectGarbage, SCOPE } from './util.ts'
import { clockCostNs, runWarm } from './warm.ts'

const SECTIONS = ['warm', 'stampede', 'load', 'express', 'memory', 'import', 'bundle'] as const
type Section = (typeof SECTIONS)[number]

const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',') as Section[] | undefined
const wanted = (section: Section) => only === undefined || only.includes(section)

collectGarbage() // fails early, with a clear message, without --expose-gc

const sim = await startStitchSimulator({
  clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: [SCOPE] }],
  requestLogLimit: 100,
})
const endpoints: Endpoints = { url: sim.url, tokenUrl: sim.tokenUrl, graphqlUrl: sim.graphqlUrl }
const results: Results = { startedAt: new Date(), seconds: 0 }
const started = performance.now()
const log = (text: string) => console.log(`\n${text}`)

try {
  if (wanted('warm')) {
    results.warm = await runWarm(endpoints)
    results.clockNs = clockCostNs()
    log(
      `1a. Warm getToken(), cycling through every cached scope set (ns per call)\n${warmTable(results.warm)}`,
    )
    log(`1b. Warm getToken(), one scope set every call (ns per call)\n${hotTable(results.warm)}`)
  }
  if (wanted('stampede')) {
    results.stampede = await runStampede(sim, endpoints)
    log(`2. Cold stampede\n${stampedeTable(results.stampede)}`)
  }
  if (wanted('load')) {
    results.load = await runContinuousLoad(sim, endpoints)
    log(`3. Continuous load across token lifetimes\n${loadTable(results.load)}`)
  }
  if (wanted('express')) {
    results.express = await runExpress(sim, endpoints)
    log(`4. Express\n${expressTable(results.express)}`)
  }
  if (wanted('memory')) {
    results.memory = await runMemory(endpoints)
    log(`5. Memory\n${memoryTable(results.memory)}`)
  }
  if (wanted('import')) {
    results.import = await runImport()
    log(`6. Cold import\n${importTable(results.import)}`)
  }
  if (wanted('bundle')) {
    results.bundle = await runBundle()
    log(`7. Bundle size\n${bundleTable(results.bundle)}`)
  }
} finally {
  await sim.close()
}

results.seconds = (performance.now() - started) / 1000
log(`Targets\n${targetsTable(targets(results))}`)
if (only === undefined) {
  const file = new URL('../../docs/benchmarks.md', import.meta.url)
  await writeFile(file, renderReport(results))
  log(`Wrote ${file.pathname} (${results.seconds.toFixed(0)} s)`)
}

// 5. Memory: heap after 1M warm getToken() calls against before, after full collections.
import { cached, type Endpoints, floor, simpleOauth2Agent } from './contenders.ts'
import { collectGarbage, fillerFetch, SCOPE } from './util.ts'

export const MEMORY_CALLS = 1_000_000

export interface MemoryRow {
  name: string
  beforeBytes: number
  afterBytes: number
  deltaBytes: number
}

export async function runMemory(endpoints: Endpoints): Promise<MemoryRow[]> {
  const agent = simpleOauth2Agent(16)
  const rows: MemoryRow[] = []
  for (const contender of [floor, ...cached]) {
    const source = contender.create(endpoints, [[SCOPE]], { fetch: fillerFetch, agent, fill: true })
    await source.prime(0)
    // Warm the loop first, so code and inline caches are in place before "before".
    await source.warmLoop!(10_000)
    collectGarbage()
    const beforeBytes = process.memoryUsage().heapUsed
    await source.warmLoop!(MEMORY_CALLS)
    collectGarbage()
    const afterBytes = process.memoryUsage().heapUsed
    rows.push({
      name: contender.name,
      beforeBytes,
      afterBytes,
      deltaBytes: afterBytes - beforeBytes,
    })
    await source.close()
  }
  agent.destroy()
  return rows
}

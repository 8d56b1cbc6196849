// 1. Warm getToken(): ns per call with 1, 1,000 and 10,000 scope sets cached, beside the floor.
import {
  badgateway,
  type Contender,
  type Endpoints,
  floor,
  openidClient,
  recipe,
  simpleOauth2,
  simpleOauth2Agent,
  stitchAuth,
  stitchAuthDefault,
  stitchAuthLiteral,
  type TokenSource,
} from './contenders.ts'
import { collectGarbage, fillerFetch, inBatches, median, SCOPE } from './util.ts'

export const SIZES = [1, 1_000, 10_000] as const
export const WARM = {
  rounds: 5,
  /** Each timed loop runs about this long; its call count is calibrated per library. */
  loopMs: 25,
  minOps: 10_000,
  maxOps: 400_000,
  recipeCalls: 1_000,
} as const

type BySize = Partial<Record<number, number>>

export interface WarmRow {
  name: string
  caching: string
  /** Median ns per call cycling through every cached scope set, by cache size. */
  ns: BySize
  /** The floor's, measured beside this row in the same process state. */
  floorNs: BySize
  /** Median ns per call asking for one scope set, by cache size (where measured). */
  hotNs: BySize
  floorHotNs: BySize
}

export type WarmResult = WarmRow[]

/** `size` distinct scope sets: a documented scope plus a synthetic one. */
export function syntheticScopeSets(size: number): string[][] {
  return Array.from({ length: size }, (_, index) => [SCOPE, `bench_scope_${index}`])
}

const CONTENDERS: readonly Contender[] = [
  stitchAuth,
  stitchAuthDefault,
  stitchAuthLiteral,
  badgateway,
  openidClient,
  simpleOauth2,
]

type Loop = (ops: number) => Promise<number>

/** Times `loop` in rounds of about `WARM.loopMs`; returns the median ns per call. */
function calibrated(loop: Loop) {
  let ops: number = WARM.minOps
  const samples: number[] = []
  return {
    async warmUp() {
      const ns = (await loop(WARM.minOps)) / WARM.minOps
      ops = Math.round(Math.min(WARM.maxOps, Math.max(WARM.minOps, (WARM.loopMs * 1e6) / ns)))
      await loop(ops)
    },
    async sample() {
      samples.push((await loop(ops)) / ops)
    },
    result: () => median(samples),
  }
}

/**
 * Every library is timed beside its own floor, in rounds that alternate the two, with only
 * its cache and the floor's alive: heap size and GC pressure are the same for both sides.
 */
export async function runWarm(endpoints: Endpoints): Promise<WarmResult> {
  const agent = simpleOauth2Agent(16)
  const rows: WarmRow[] = CONTENDERS.map((contender) => ({
    name: contender.name,
    caching: contender.caching,
    ns: {},
    floorNs: {},
    hotNs: {},
    floorHotNs: {},
  }))

  for (const size of SIZES) {
    const scopeSets = syntheticScopeSets(size)
    for (const [index, contender] of CONTENDERS.entries()) {
      collectGarbage()
      const transport = { fetch: fillerFetch, agent, fill: true }
      const floorSource = floor.create(endpoints, scopeSets, transport)
      const source: TokenSource = contender.create(endpoints, scopeSets, transport)
      await inBatches(size, 64, (i) => floorSource.prime(i))
      await inBatches(size, 64, (i) => source.prime(i))

      // Without arguments there is one scope set to ask for: that is the hot pattern.
      const onlyHot = contender === stitchAuthDefault
      const floorCycling = calibrated(floorSource.warmLoop!)
      const floorHot = calibrated(floorSource.hotLoop!)
      const cycling = onlyHot ? undefined : calibrated(source.warmLoop!)
      const hot = onlyHot
        ? calibrated(source.warmLoop!)
        : source.hotLoop
          ? calibrated(source.hotLoop)
          : undefined
      const loops = [floorCycling, floorHot, cycling, hot].filter((loop) => loop !== undefined)
      for (const loop of loops) await loop.warmUp()
      for (let round = 0; round < WARM.rounds; round++) {
        const order = round % 2 ? [...loops].reverse() : loops
        for (const loop of order) await loop.sample()
      }
      const row = rows[index]!
      if (cycling) {
        row.ns[size] = cycling.result()
        row.floorNs[size] = floorCycling.result()
      }
      if (hot) {
        row.hotNs[size] = hot.result()
        row.floorHotNs[size] = floorHot.result()
      }
      await source.close()
    }
  }
  agent.destroy()

  // The recipe has no cache: measure it once, against the simulator, with a bounded count.
  const recipeSource = recipe.create(endpoints, [[SCOPE]], {
    fetch: (input, init) => fetch(input, init),
    agent,
    fill: false,
  })
  await recipeSource.get(0)
  const start = process.hrtime.bigint()
  for (let i = 0; i < WARM.recipeCalls; i++) await recipeSource.get(0)
  const recipeNs = Number(process.hrtime.bigint() - start) / WARM.recipeCalls
  const floorAtOne = median(rows.flatMap((row) => row.floorNs[1] ?? []))
  rows.push({
    name: recipe.name,
    caching: recipe.caching,
    ns: { 1: recipeNs },
    floorNs: { 1: floorAtOne },
    hotNs: {},
    floorHotNs: {},
  })
  return rows
}

/** What one clock read costs here: a warm hit has to read the clock to know it is still fresh. */
export function clockCostNs(): number {
  const samples: number[] = []
  let sink = 0
  for (let round = 0; round < 5; round++) {
    const ops = 1_000_000
    const start = process.hrtime.bigint()
    for (let i = 0; i < ops; i++) sink += Date.now()
    samples.push(Number(process.hrtime.bigint() - start) / ops)
  }
  if (sink < 0) throw new Error('the clock went backwards')
  return median(samples)
}

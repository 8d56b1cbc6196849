// What the tests that run the packages' README examples share: finding a block in a README and
// running it as a module, as a reader would paste it into a file of their app.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * The `ts` block of the README section under `heading` (a whole line, e.g. `## Quick start`)
 * that contains `marker`. The section ends at the next heading of its level or above; a
 * subsection's blocks are the section's. Throws unless exactly one block has the marker.
 */
export function readmeBlock(readme: string, heading: string, marker: string): string {
  const lines = readme.split('\n')
  const start = lines.indexOf(heading)
  if (start === -1) throw new Error(`the README has no "${heading}" section`)
  const level = heading.indexOf(' ')
  const blocks: string[] = []
  let block: string[] | undefined
  for (const line of lines.slice(start + 1)) {
    if (block === undefined) {
      const depth = /^#+ /.exec(line)?.[0].length
      if (depth !== undefined && depth - 1 <= level) break
      if (line === '```ts') block = []
    } else if (line === '```') {
      blocks.push(block.join('\n'))
      block = undefined
    } else {
      block.push(line)
    }
  }
  const found = blocks.filter((code) => code.includes(marker))
  if (found.length !== 1) {
    throw new Error(`"${heading}" has ${found.length} ts blocks with ${marker}, not one`)
  }
  return found[0]!
}

// The names each block takes from earlier sections, by its file: a module reads only its own
// entry, so blocks run one after another never see each other's.
const HOLDER = 'readmeGiven'
const holder = globalThis as { [HOLDER]?: Record<string, Record<string, unknown>> }

/**
 * Saves a block as a module under `scratchDir` and returns its path. `name` is the file's path
 * there (`quick-start`, or `webhooks/app.module.ts` for blocks that import each other by their
 * file names); `.ts` is added unless it ends so.
 */
export function saveReadmeBlock(scratchDir: string, name: string, code: string): string {
  return write(scratchDir, name, code)
}

/**
 * Saves a block as {@link saveReadmeBlock} does and imports it, resolving to its exports.
 * `given` are the names it takes from earlier sections ("as above": the app, the client),
 * declared before its code.
 */
export async function runReadmeBlock(
  scratchDir: string,
  name: string,
  code: string,
  given: Record<string, unknown> = {},
): Promise<unknown> {
  const names = Object.keys(given)
  const file = write(scratchDir, name, code, (file) =>
    names.length > 0
      ? `const { ${names.join(', ')} } = globalThis.${HOLDER}[${JSON.stringify(file)}]\n`
      : '',
  )
  holder[HOLDER] = { ...holder[HOLDER], [file]: given }
  try {
    return await import(/* @vite-ignore */ file)
  } finally {
    // The module has read its names by now: they are its first statement.
    delete holder[HOLDER]?.[file]
  }
}

function write(
  scratchDir: string,
  name: string,
  code: string,
  prelude: (file: string) => string = () => '',
): string {
  const file = join(scratchDir, name.endsWith('.ts') ? name : `${name}.ts`)
  mkdirSync(dirname(file), { recursive: true })
  // A block without imports or exports would be a script, where top-level await is refused.
  writeFileSync(file, `${prelude(file)}${code}\nexport {}\n`)
  return file
}

// The README's examples, run as written: each block is read from the README by its section's
// heading, saved beside the package as a module and imported. A block that prints what it got
// is held to the output its comments show.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { readmeBlock, runReadmeBlock } from '../../../test-support/readme-examples.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const SCRATCH = join(ROOT, '.readme-examples')

/**
 * The output a block's comment shows after `line`, as a pattern: `…` stands for anything, and
 * a comment that goes on over several lines is one line of output.
 */
function commentedOutput(code: string, line: string): RegExp {
  const lines = code.split('\n')
  const at = lines.indexOf(line)
  if (at === -1) throw new Error(`the block has no line ${line}`)
  const comment = []
  for (const next of lines.slice(at + 1)) {
    if (!next.startsWith('// ')) break
    comment.push(next.slice('// '.length).trimStart())
  }
  const escaped = comment
    .join('')
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${escaped.join('.*?')}$`)
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }))

// The quick start is a test itself: it runs here as one of this file's tests.
describe('the README quick start', async () => {
  await runReadmeBlock(
    SCRATCH,
    'quick-start',
    readmeBlock(README, '## Quick start', 'startStitchSimulator('),
  )
})

// So is the example of code that calls Stitch's own URLs.
describe("the README's code that calls Stitch's own URLs", async () => {
  await runReadmeBlock(
    SCRATCH,
    'stitch-fetch',
    readmeBlock(README, "### Code that calls Stitch's own URLs", 'sim.fetch'),
  )
})

describe('the README', () => {
  it('webhooks: a paid payment request reaches the receiver once, verified by the svix package', async () => {
    const code = readmeBlock(README, '## Webhooks', 'new Webhook(secret)')
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})

    await runReadmeBlock(SCRATCH, 'webhooks', code)

    expect(log).toHaveBeenCalledTimes(2)
    expect(log.mock.calls[0]).toEqual(['delivered', 1])
    // The event as the comment shows it, keys in the order shown.
    const [printed] = log.mock.calls[1] as [string]
    expect(printed).toMatch(commentedOutput(code, 'console.log(JSON.stringify(events[0]))'))
    expect(JSON.parse(printed)).toMatchObject({
      data: {
        client: {
          paymentInitiationRequests: {
            node: {
              externalReference: 'order-42',
              amount: { quantity: '150.00', currency: 'ZAR' },
              state: { __typename: 'PaymentInitiationRequestCompleted' },
            },
          },
        },
      },
    })
  })
})

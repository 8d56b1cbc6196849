import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  findScopeProblems,
  routeScopeProblems,
  STITCH_AUTH_ERROR_CODES,
  type StitchScope,
} from '../src/index.js'
import { useSimulator } from './simulator.js'

const ctx = useSimulator()

/** What `getToken` fails with for `scopes`, as `{ code, message }`. */
async function refusal(stitch: ReturnType<typeof ctx.client>, scopes: unknown) {
  const error = await stitch.getToken(scopes as never).then(
    () => undefined,
    (thrown: { code?: unknown; message?: unknown }) => thrown,
  )
  return error && { code: error.code, message: error.message }
}

const whitespace = {
  code: STITCH_AUTH_ERROR_CODES.CONFIG_INVALID,
  message:
    'Cannot get a token:\n  - scope "client_paymentrequest client_refund" contains whitespace; pass each scope as its own array item',
}
const notAString = {
  code: STITCH_AUTH_ERROR_CODES.CONFIG_INVALID,
  message: 'Cannot get a token:\n  - each scope must be a non-empty string',
}

describe('scope validation does not depend on history', () => {
  it('refuses a scope holding a space on a fresh client and after the same text was accepted', async () => {
    const fresh = ctx.client()
    expect(await refusal(fresh, ['client_paymentrequest client_refund'])).toEqual(whitespace)

    const warm = ctx.client()
    await warm.getToken(['client_paymentrequest', 'client_refund'])
    expect(await refusal(warm, ['client_paymentrequest client_refund'])).toEqual(whitespace)
    expect(warm.peekToken.bind(warm, ['client_paymentrequest client_refund'] as never)).toThrow(
      whitespace.message,
    )
    // Asked again, the same way: still refused, and the valid list is still served.
    expect(await refusal(warm, ['client_paymentrequest client_refund'])).toEqual(whitespace)
    await expect(warm.getToken(['client_paymentrequest', 'client_refund'])).resolves.toMatchObject({
      scopes: ['client_paymentrequest', 'client_refund'],
    })
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('refuses non-string items even when their text matches a valid list', async () => {
    const stitch = ctx.client()
    await stitch.getToken(['client_paymentrequest', 'client_refund'])
    const lookalike = { toString: () => 'client_paymentrequest' }
    expect(await refusal(stitch, [lookalike, 'client_refund'])).toEqual(notAString)
    expect(await refusal(stitch, ['client_paymentrequest', Symbol('client_refund')])).toEqual(
      notAString,
    )
    expect(await refusal(stitch, ['client_paymentrequest', null])).toEqual(notAString)
    // biome-ignore lint/suspicious/noSparseArray: a hole is an item that is not a string
    expect(await refusal(stitch, [, 'client_refund'])).toEqual(notAString)
  })

  it('refuses an array whose own join() tells another text than its items', async () => {
    const stitch = ctx.client()
    await stitch.getToken(['client_paymentrequest', 'client_refund'])
    class Lying extends Array<string> {
      override join(): string {
        return 'client_paymentrequest client_refund'
      }
    }
    const lying = Lying.from(['client_paymentrequest', 'client_refund now'])
    expect(await refusal(stitch, lying)).toEqual({
      code: STITCH_AUTH_ERROR_CODES.CONFIG_INVALID,
      message:
        'Cannot get a token:\n  - scope "client_refund now" contains whitespace; pass each scope as its own array item',
    })
  })

  it('refuses scopes that are not an array, with a config error', async () => {
    const stitch = ctx.client()
    await stitch.getToken(['client_refund'])
    expect(await refusal(stitch, 'client_refund')).toEqual({
      code: STITCH_AUTH_ERROR_CODES.CONFIG_INVALID,
      message: 'Cannot get a token:\n  - scopes must be an array of scope strings (got string)',
    })
  })

  it('validates a remembered array again once it has been mutated', async () => {
    const stitch = ctx.client()
    const routeScopes: StitchScope[] = ['client_paymentrequest', 'client_refund']
    const first = await stitch.getToken(routeScopes)

    routeScopes.splice(0, 2, 'client_paymentrequest client_refund' as StitchScope)
    expect(await refusal(stitch, routeScopes)).toEqual(whitespace)
    expect(await refusal(stitch, routeScopes)).toEqual(whitespace)

    routeScopes.splice(0, 1, 'client_paymentrequest', 7 as never)
    expect(await refusal(stitch, routeScopes)).toEqual(notAString)

    routeScopes.splice(0, 2, 'client_paymentrequest', 'client_refund')
    expect((await stitch.getToken(routeScopes)).accessToken).toBe(first.accessToken)
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  })

  it('a client that has seen every list answers any input as a fresh check would (property)', async () => {
    const stitch = ctx.client()
    const valid = ['client_paymentrequest', 'client_refund'] as const
    for (const a of valid) {
      await stitch.getToken([a])
      for (const b of valid) {
        await stitch.getToken([a, b])
        for (const c of valid) await stitch.getToken([a, b, c])
      }
    }
    const piece = fc.constantFrom<unknown>(
      'client_paymentrequest',
      'client_refund',
      'client_paymentrequest client_refund',
      'client_refund client_paymentrequest',
      'client_refund ',
      ' client_refund',
      '',
      ' ',
      7,
      null,
      undefined,
    )
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 4 }), async (scopes) => {
        const problems = findScopeProblems(scopes, false)
        const outcome = await refusal(stitch, scopes)
        if (problems.length === 0) {
          expect(outcome).toBeUndefined()
        } else {
          expect(outcome).toEqual({
            code: STITCH_AUTH_ERROR_CODES.CONFIG_INVALID,
            message: `Cannot get a token:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
          })
        }
      }),
      { numRuns: 1_000 },
    )
    // Every valid list was one of three scope sets: one token each, however often asked.
    expect(ctx.sim.stats.tokenRequests.total).toBeLessThanOrEqual(3)
  })
})

describe("a framework middleware's route scopes (routeScopeProblems)", () => {
  const withDefaults = { defaultScopes: ['client_refund'], allowUnknownScopes: false }
  const withoutDefaults = { defaultScopes: undefined, allowUnknownScopes: false }

  it('may be left out only when the client has default scopes', () => {
    expect(routeScopeProblems(undefined, withDefaults)).toEqual([])
    expect(routeScopeProblems(undefined, withoutDefaults)).toEqual([
      '"scopes" is required when the client has no default scopes',
    ])
  })

  it('must be a non-empty array of scopes core accepts, typos named with a suggestion', () => {
    for (const scopes of [[], 'client_refund', null, 42]) {
      expect(routeScopeProblems(scopes, withDefaults)).toEqual([
        '"scopes" must be a non-empty array of scopes',
      ])
    }
    expect(routeScopeProblems(['client_refund'], withoutDefaults)).toEqual([])
    expect(routeScopeProblems(['client_refnd', 'two words'], withDefaults)).toEqual([
      expect.stringMatching(
        /^"scopes": unknown scope "client_refnd"\. Did you mean "client_refund"\?/,
      ),
      '"scopes": scope "two words" contains whitespace; pass each scope as its own array item',
    ])
    expect(
      routeScopeProblems(['client_new'], { defaultScopes: undefined, allowUnknownScopes: true }),
    ).toEqual([])
  })

  it('checks only the shape when the client given is not one', () => {
    expect(routeScopeProblems(undefined, undefined)).toEqual([])
    expect(routeScopeProblems(['client_refnd'], undefined)).toEqual([])
    expect(routeScopeProblems([], undefined)).toEqual([
      '"scopes" must be a non-empty array of scopes',
    ])
  })
})

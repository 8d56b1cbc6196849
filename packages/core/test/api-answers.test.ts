import { describe, expect, it } from 'vitest'
import { StitchApiError } from '../src/index.js'
import { useSimulator } from './simulator.js'

const ctx = useSimulator()

/** Makes the API's next answer `body` (then the simulator answers for real again). */
function answerOnce(body: unknown, status = 200) {
  ctx.sim.fault({
    endpoint: 'graphql',
    status,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    contentType: typeof body === 'string' ? 'text/plain' : 'application/json',
    times: 1,
  })
}

// Verbatim from Stitch's documentation of an expired or malformed token.
const DOCUMENTED_UNAUTHENTICATED =
  '{"errors":[{"message":"UNAUTHENTICATED: Token is expired or malformed"}],"extensions":{"code":"UNAUTHENTICATED"}}'

describe('graphql() re-authenticates once on every "token not valid" answer', () => {
  const shapes: Array<{ name: string; status?: number; body: unknown }> = [
    { name: "Stitch's documented body", body: JSON.parse(DOCUMENTED_UNAUTHENTICATED) },
    {
      name: 'a message that starts with UNAUTHENTICATED, and nothing else',
      body: { errors: [{ message: 'UNAUTHENTICATED: Token has been revoked' }] },
    },
    {
      name: 'extensions.code inside the error',
      body: { errors: [{ message: 'Not signed in', extensions: { code: 'UNAUTHENTICATED' } }] },
    },
    {
      name: 'extensions.code beside errors, with an unrelated message',
      body: { errors: [{ message: 'Request failed' }], extensions: { code: 'UNAUTHENTICATED' } },
    },
    { name: 'HTTP 401 with a plain-text body', status: 401, body: 'Unauthorized' },
    { name: 'HTTP 401 with a JSON body', status: 401, body: { message: 'Unauthorized' } },
    { name: 'HTTP 401 with an empty body', status: 401, body: '' },
  ]

  for (const shape of shapes) {
    it(shape.name, async () => {
      const stitch = ctx.client()
      const first = await stitch.getToken()
      answerOnce(shape.body, shape.status)

      await expect(stitch.graphql('query { __typename }')).resolves.toEqual({
        __typename: 'Query',
      })
      expect(ctx.sim.stats.tokenRequests.total).toBe(2)
      expect(ctx.sim.stats.apiCalls.total).toBe(2)
      expect((await stitch.getToken()).accessToken).not.toBe(first.accessToken)
    })
  }

  it('does not re-authenticate on an ordinary error that mentions the word', async () => {
    const stitch = ctx.client()
    await stitch.getToken()
    answerOnce({ errors: [{ message: 'Field is not available: UNAUTHENTICATED users' }] })
    await expect(stitch.graphql('query { __typename }')).rejects.toMatchObject({
      code: 'STITCH_AUTH_API_ERROR',
    })
    expect(ctx.sim.stats.tokenRequests.total).toBe(1)
    expect(ctx.sim.stats.apiCalls.total).toBe(1)
  })

  it('stops after one re-authentication when the documented answer repeats', async () => {
    const stitch = ctx.client()
    ctx.sim.fault({
      endpoint: 'graphql',
      body: DOCUMENTED_UNAUTHENTICATED,
      contentType: 'application/json',
      status: 200,
    })
    const error = await stitch.graphql('query { __typename }').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_API_UNAUTHENTICATED' })
    expect(ctx.sim.stats.apiCalls.total).toBe(2)
    expect(ctx.sim.stats.tokenRequests.total).toBe(2)
  })
})

describe('graphql() reads missing scopes from every plausible place', () => {
  const shapes: Array<{ name: string; status?: number; body: unknown }> = [
    {
      name: 'requiredScopes in the error’s extensions',
      body: {
        errors: [
          {
            message: 'Forbidden',
            extensions: { code: 'FORBIDDEN', requiredScopes: ['client_refund'] },
          },
        ],
      },
    },
    {
      name: 'missingScopes in the error’s extensions',
      body: {
        errors: [{ message: 'Forbidden', extensions: { missingScopes: ['client_refund'] } }],
      },
    },
    {
      name: 'a top-level extensions beside errors',
      body: {
        errors: [{ message: 'Forbidden' }],
        extensions: { missingScopes: ['client_refund'] },
      },
    },
    {
      name: "a REST-style 403 with missingScopes, as Stitch's REST API answers",
      status: 403,
      body: { message: 'Forbidden', missingScopes: ['client_refund'] },
    },
    {
      name: 'only the message',
      body: { errors: [{ message: 'This call needs the scope client_refund.' }] },
    },
  ]

  for (const shape of shapes) {
    it(shape.name, async () => {
      const stitch = ctx.client()
      answerOnce(shape.body, shape.status)
      const error = await stitch.graphql('query { __typename }').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StitchApiError)
      expect(error).toMatchObject({
        code: 'STITCH_AUTH_API_FORBIDDEN',
        requiredScopes: ['client_refund'],
      })
      expect((error as Error).message).toMatch(/needs scopes the token lacks: client_refund\./)
      // A missing scope is not a bad token: no second token, no second call.
      expect(ctx.sim.stats.tokenRequests.total).toBe(1)
      expect(ctx.sim.stats.apiCalls.total).toBe(1)
    })
  }

  it('ignores values in those places that are not scope names', async () => {
    const stitch = ctx.client()
    answerOnce({
      errors: [{ message: 'Forbidden', extensions: { requiredScopes: [42, 'Not A Scope', null] } }],
    })
    const error = await stitch.graphql('query { __typename }').catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_API_ERROR', requiredScopes: [] })
  })
})

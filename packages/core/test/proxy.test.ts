import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createStitchAuth,
  createStitchProxyHandler,
  defineOperation,
  defineOperations,
  StitchConfigError,
} from '../src/index.js'
import { createPaymentRequestOperation, paymentRequestStatusOperation } from '../src/proxy/index.js'
import { CLIENT_ID, CLIENT_SECRET, useSimulator } from './simulator.js'

const ctx = useSimulator()

const operations = () =>
  defineOperations({
    createPaymentRequest: createPaymentRequestOperation({
      beneficiary: { name: 'Shop', bankId: 'fnb', accountNumber: '62000000000' },
      beneficiaryReference: 'Shop',
      allowBrowserAmount: true,
    }),
  })

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return new Request(`http://shop.test/stitch/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1', ...headers },
    body: JSON.stringify(body),
  })
}

describe('proxy engine (Web Request → Response)', () => {
  it('runs a named operation with server-side variables and returns only its output', async () => {
    const handle = createStitchProxyHandler({ client: ctx.client(), operations: operations() })
    const response = await handle(
      post('createPaymentRequest', { amount: 150, reference: 'order-42' }),
    )
    expect(response.status).toBe(200)
    const body = (await response.json()) as { data: { id: string; url: string } }
    expect(Object.keys(body.data).sort()).toEqual(['id', 'url'])
    const [created] = ctx.sim.paymentRequests
    expect(created).toMatchObject({
      amount: { quantity: '150.00', currency: 'ZAR' },
      payerReference: 'order-42',
      beneficiaryReference: 'Shop',
      beneficiary: { name: 'Shop', bankId: 'fnb', accountNumber: '62000000000' },
    })
  })

  it('lets resolveAmount decide the amount on the server', async () => {
    const handle = createStitchProxyHandler({
      client: ctx.client(),
      operations: defineOperations({
        pay: createPaymentRequestOperation({
          beneficiary: { name: 'Shop', bankId: 'fnb', accountNumber: '1' },
          beneficiaryReference: 'Shop',
          resolveAmount: () => 99.5,
        }),
      }),
    })
    await handle(post('pay', { amount: 1, reference: 'order-7' }))
    expect(ctx.sim.paymentRequests.at(-1)?.amount.quantity).toBe('99.50')
  })

  it('refuses invalid input with the issues and never calls Stitch', async () => {
    const handle = createStitchProxyHandler({ client: ctx.client(), operations: operations() })
    const response = await handle(
      post('createPaymentRequest', { amount: 1.234, reference: 'x'.repeat(13) }),
    )
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: { code: string; issues: { path: string }[] } }
    expect(body.error.code).toBe('invalid_input')
    expect(body.error.issues.map((issue) => issue.path).sort()).toEqual(['amount', 'reference'])
    expect(ctx.sim.stats.apiCalls.total).toBe(0)
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
  })

  it('passes the adapter context to authorize and toVariables', async () => {
    const seen: unknown[] = []
    const handle = createStitchProxyHandler<ReturnType<typeof defineOperations>, { user: string }>({
      client: ctx.client(),
      operations: defineOperations({
        scopes: defineOperation({
          document: 'query { __typename }',
          scopes: ['client_paymentrequest'],
          input: z.strictObject({}),
          authorize: (call) => {
            seen.push((call.context as { user: string }).user)
            return (call.context as { user: string }).user === 'alice'
          },
          toOutput: (data) => data,
        }),
      }),
    })
    expect((await handle(post('scopes', {}), { context: { user: 'alice' } })).status).toBe(200)
    expect((await handle(post('scopes', {}), { context: { user: 'mallory' } })).status).toBe(403)
    expect(seen).toEqual(['alice', 'mallory'])
    expect(ctx.sim.stats.apiCalls.total).toBe(1)
  })

  it('answers 503 with Retry-After when Stitch is down, without details', async () => {
    const client = createStitchAuth({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      tokenUrl: ctx.sim.tokenUrl,
      apiUrl: ctx.sim.graphqlUrl,
      retry: { maxAttempts: 1 },
    })
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 4 })
    const handle = createStitchProxyHandler({ client, operations: operations() })
    const response = await handle(
      post('createPaymentRequest', { amount: 150, reference: 'order-42' }),
    )
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('4')
    expect(await response.json()).toEqual({
      error: {
        code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
        message: 'Stitch is unavailable; try again shortly.',
      },
    })
    await client.close()
  })

  it('refuses operation names it cannot route or a client cannot expose', () => {
    const op = operations().createPaymentRequest
    for (const name of ['then', 'toJSON', 'constructor', '__proto__', 'has space', '1st']) {
      expect(() => defineOperations({ [name]: op })).toThrow(StitchConfigError)
    }
  })

  it('validates its options at creation', () => {
    expect(() =>
      createStitchProxyHandler({
        client: ctx.client(),
        operations: undefined as never,
        maxBodyBytes: -1,
        timeoutMs: 0,
      }),
    ).toThrow(
      /"operations" must be the object returned by defineOperations\(\)[\s\S]*"maxBodyBytes"[\s\S]*"timeoutMs" must be a positive number of milliseconds/,
    )
  })

  it('createPaymentRequestOperation checks its server-side values against Stitch’s limits', () => {
    const create = (beneficiaryReference: string, name: string) => () =>
      createPaymentRequestOperation({
        beneficiary: { name, bankId: 'fnb', accountNumber: '62000000000' },
        beneficiaryReference,
        allowBrowserAmount: true,
      })
    // Stitch allows 20 characters for both; one more is a configuration error naming each.
    expect(create('r'.repeat(20), 'n'.repeat(20))).not.toThrow()
    const error = (() => {
      try {
        create('r'.repeat(21), 'n'.repeat(21))()
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(StitchConfigError)
    expect((error as StitchConfigError).issues).toEqual([
      '"beneficiary.name" must be at most 20 characters',
      '"beneficiaryReference" must be at most 20 characters',
    ])
  })

  it('sends the amount as the Decimal string Stitch documents, read back through `state`', async () => {
    const handle = createStitchProxyHandler({
      client: ctx.client(),
      operations: defineOperations({
        ...operations(),
        paymentStatus: paymentRequestStatusOperation(),
      }),
    })
    const created = await handle(
      post('createPaymentRequest', { amount: 19.9, reference: 'order-9' }),
    )
    const { data } = (await created.json()) as { data: { id: string } }
    expect(ctx.sim.apiRequests.at(-1)?.variables).toMatchObject({
      input: { amount: { quantity: '19.90', currency: 'ZAR' } },
    })
    const status = async () =>
      (await (await handle(post('paymentStatus', { id: data.id }))).json()) as { data: unknown }
    expect(await status()).toEqual({ data: { id: data.id, status: 'pending', found: true } })
    ctx.sim.completePaymentRequest(data.id)
    expect(await status()).toEqual({ data: { id: data.id, status: 'completed', found: true } })
  })

  it('createPaymentRequestOperation needs the server to decide the amount, unless told otherwise', () => {
    const base = {
      beneficiary: { name: 'Shop', bankId: 'fnb', accountNumber: '62000000000' },
      beneficiaryReference: 'Shop',
    }
    const issues = (options: Parameters<typeof createPaymentRequestOperation>[0]) => {
      try {
        createPaymentRequestOperation(options)
        return []
      } catch (error) {
        expect(error).toBeInstanceOf(StitchConfigError)
        return [...(error as StitchConfigError).issues]
      }
    }
    expect(issues(base)).toEqual([
      expect.stringMatching(
        /^"resolveAmount" is required: decide the amount on the server .* "allowBrowserAmount: true"/,
      ),
    ])
    expect(issues({ ...base, resolveAmount: () => 1, allowBrowserAmount: true })).toEqual([
      'give "resolveAmount" or "allowBrowserAmount: true", not both',
    ])
    expect(issues({ ...base, resolveAmount: () => 1 })).toEqual([])
    expect(issues({ ...base, allowBrowserAmount: true })).toEqual([])
    // Every problem at once: a limit and the missing amount decision.
    expect(issues({ ...base, beneficiaryReference: 'x'.repeat(21) })).toHaveLength(2)
  })
})

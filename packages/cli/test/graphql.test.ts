import { describe, expect, it } from 'vitest'
import {
  CLIENT_ID,
  CREATE_PAYMENT_REQUEST as CREATE,
  closedPort,
  envFor,
  PAYMENT_REQUEST_INPUT as INPUT,
  runBuilt,
  useFiles,
  useSimulator,
} from './helpers.js'

const ctx = useSimulator()
const file = useFiles({
  'create.graphql': CREATE,
  'input.json': JSON.stringify(INPUT),
})

describe('stitch-auth graphql (built CLI)', () => {
  it('runs a query and prints its data as JSON', async () => {
    const result = await runBuilt(['graphql', 'query { __typename }', '-s', 'client_refund'], {
      env: envFor(ctx.sim),
    })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({ __typename: 'Query' })
    // The call went out with a token for the scopes asked for.
    expect(ctx.sim.apiRequests.at(-1)).toMatchObject({
      clientId: CLIENT_ID,
      scopes: ['client_refund'],
      outcome: 'ok',
    })
  })

  it('passes --variables, and a created object can be read back with variables', async () => {
    const created = await runBuilt(
      ['graphql', CREATE, '--variables', JSON.stringify(INPUT), '-s', 'client_paymentrequest'],
      { env: envFor(ctx.sim) },
    )
    expect(created).toMatchObject({ code: 0, stderr: '' })
    const request = JSON.parse(created.stdout).clientPaymentInitiationRequestCreate
      .paymentInitiationRequest as { id: string; url: string }
    expect(request.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pay\//)
    expect(ctx.sim.paymentRequests.at(-1)).toMatchObject({
      id: request.id,
      clientId: CLIENT_ID,
      amount: { quantity: '150.00', currency: 'ZAR' },
      payerReference: 'order-42',
    })

    const read = await runBuilt(
      [
        'graphql',
        'query Get($id: ID!) { node(id: $id) { id ... on PaymentInitiationRequest { payerReference } } }',
        '--variables',
        JSON.stringify({ id: request.id }),
        '-s',
        'client_paymentrequest',
      ],
      { env: envFor(ctx.sim) },
    )
    expect(read.code).toBe(0)
    expect(JSON.parse(read.stdout)).toEqual({
      node: { id: request.id, payerReference: 'order-42' },
    })
  })

  it('reads the query and variables from files (@path) and the query from stdin (-)', async () => {
    const fromFiles = await runBuilt(
      [
        'graphql',
        `@${file('create.graphql')}`,
        '--variables',
        `@${file('input.json')}`,
        '-s',
        'client_paymentrequest',
      ],
      { env: envFor(ctx.sim) },
    )
    expect(fromFiles.code).toBe(0)
    expect(fromFiles.stdout).toContain('paymentInitiationRequest')

    const fromStdin = await runBuilt(['graphql', '-', '-s', 'client_refund'], {
      env: envFor(ctx.sim),
      stdin: 'query FromStdin { __typename }',
    })
    expect(fromStdin.code).toBe(0)
    expect(JSON.parse(fromStdin.stdout)).toEqual({ __typename: 'Query' })
    expect(ctx.sim.apiRequests.at(-1)).toMatchObject({
      operationName: 'FromStdin',
      scopes: ['client_refund'],
      outcome: 'ok',
    })
  })

  it('exits 1 with the typed API error and a fix when the token lacks a scope', async () => {
    const result = await runBuilt(
      ['graphql', CREATE, '--variables', JSON.stringify(INPUT), '-s', 'client_refund'],
      {
        env: envFor(ctx.sim),
      },
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('needs scopes the token lacks: client_paymentrequest')
    expect(result.stderr).toContain('[FORBIDDEN]')
    expect(result.stderr).toContain('fix: Add --scope client_paymentrequest')
  })

  it('exits 1 with the input errors of a bad call', async () => {
    const bad = structuredClone(INPUT)
    bad.input.amount.currency = 'USD'
    const result = await runBuilt(
      ['graphql', CREATE, '--variables', JSON.stringify(bad), '-s', 'client_paymentrequest'],
      {
        env: envFor(ctx.sim),
      },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('[BAD_USER_INPUT]')
  })

  it('exits 3 when the API fails with a 5xx or cannot be reached', async () => {
    ctx.sim.fault({ endpoint: 'graphql', status: 502, times: 1 })
    const failing = await runBuilt(['graphql', '{ __typename }', '-s', 'client_refund'], {
      env: envFor(ctx.sim),
    })
    expect(failing.code).toBe(3)
    expect(failing.stderr).toContain('HTTP 502')

    const port = await closedPort()
    const unreachable = await runBuilt(['graphql', '{ __typename }', '-s', 'client_refund'], {
      env: envFor(ctx.sim, { STITCH_API_URL: `http://127.0.0.1:${port}/graphql` }),
    })
    expect(unreachable.code).toBe(3)
    expect(unreachable.stderr).toContain(
      `Could not reach the Stitch API at http://127.0.0.1:${port}/graphql`,
    )
    expect(unreachable.stderr).toContain('fix: Nothing listens at that address')
  })

  it('refuses bad --variables, a missing query and stdin used twice (exit 2)', async () => {
    const env = envFor(ctx.sim)
    const notJson = await runBuilt(
      ['graphql', '{ __typename }', '--variables', '{oops', '-s', 'client_refund'],
      { env },
    )
    expect(notJson.code).toBe(2)
    expect(notJson.stderr).toContain('--variables must be a JSON object')
    const array = await runBuilt(
      ['graphql', '{ __typename }', '--variables', '[1]', '-s', 'client_refund'],
      { env },
    )
    expect(array.code).toBe(2)
    const noQuery = await runBuilt(['graphql', '-s', 'client_refund'], { env })
    expect(noQuery.code).toBe(2)
    expect(noQuery.stderr).toContain('graphql needs a query')
    const twice = await runBuilt(['graphql', '-', '--client-secret-stdin', '-s', 'client_refund'], {
      env,
    })
    expect(twice.code).toBe(2)
    expect(twice.stderr).toContain(
      'stdin can feed only one of the query (-), --client-secret-stdin',
    )
  })
})

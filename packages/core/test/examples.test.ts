import { expect, it } from 'vitest'
import { quickStart } from '../examples/quick-start.js'
import { CLIENT_ID, CLIENT_SECRET, useSimulator } from './simulator.js'

const ctx = useSimulator()

it("the README's quick start runs against the simulator", async () => {
  const result = await quickStart({
    STITCH_CLIENT_ID: CLIENT_ID,
    STITCH_CLIENT_SECRET: CLIENT_SECRET,
    STITCH_TOKEN_URL: ctx.sim.tokenUrl,
    STITCH_API_URL: ctx.sim.graphqlUrl,
  })
  expect(result).toEqual({
    url: expect.stringContaining(`${ctx.sim.url}/pay/`),
    state: 'PaymentInitiationRequestPending',
  })
  expect(ctx.sim.stats.tokenRequests.total).toBe(1)
  expect(
    ctx.sim.apiRequests.map(({ operationName, scopes, outcome }) => ({
      operationName,
      scopes,
      outcome,
    })),
  ).toEqual([
    { operationName: 'Create', scopes: ['client_paymentrequest'], outcome: 'ok' },
    { operationName: 'State', scopes: ['client_paymentrequest'], outcome: 'ok' },
  ])
})

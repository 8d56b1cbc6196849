// StitchAuthService.run() with the catalog from @stitch-auth/nestjs/operations, on both of
// Nest's platforms: typed results, a token for exactly the operation's scopes, and Stitch's
// refusals answered by StitchAuthExceptionFilter with core's one error body.
import { Body, Controller, Inject, Module, Param, Post, UseFilters } from '@nestjs/common'
import type { StitchSimulator } from '@stitch-auth/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { StitchAuthExceptionFilter, StitchAuthModule, StitchAuthService } from '../src/index.js'
import { createPaymentRequest, initiateRefund } from '../src/operations.js'
import {
  listen,
  PLATFORMS,
  type RunningApp,
  request,
  SIM_SCOPES,
  simulatorOptions,
  startSimulator,
} from './helpers.js'

@Controller('orders')
@UseFilters(StitchAuthExceptionFilter)
class OrdersController {
  constructor(@Inject(StitchAuthService) private readonly stitch: StitchAuthService) {}

  @Post()
  create(@Body() body: { reference: string }) {
    return this.stitch.run(createPaymentRequest, {
      input: {
        amount: { quantity: 150, currency: 'ZAR' },
        payerReference: body.reference,
        beneficiaryReference: 'NestShop',
        beneficiary: { bankAccount: { name: 'Nest Shop', bankId: 'fnb', accountNumber: '1' } },
      },
    })
  }

  @Post(':id/refund')
  refund(@Param('id') id: string) {
    return this.stitch.run(initiateRefund, {
      input: {
        paymentRequestId: id,
        amount: { quantity: '20.00', currency: 'ZAR' },
        reason: 'requested_by_user',
        beneficiaryReference: 'NestShop refund',
        nonce: `refund-${id}`,
      },
    })
  }
}

let sim: StitchSimulator
beforeAll(async () => {
  sim = await startSimulator()
})
afterAll(() => sim.close())

function post(running: RunningApp, path: string, body?: unknown) {
  return request(`${running.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  })
}

describe.each(PLATFORMS)('StitchAuthService.run() on %s', (platform) => {
  let running: RunningApp
  beforeAll(async () => {
    @Module({
      imports: [StitchAuthModule.forRoot({ ...simulatorOptions(sim), scopes: [...SIM_SCOPES] })],
      controllers: [OrdersController],
    })
    class AppModule {}
    running = await listen(platform, AppModule)
  })
  afterAll(() => running.close())
  afterEach(() => sim.resetStats())

  it('runs a catalog operation and returns its typed result', async () => {
    const response = await post(running, '/orders', { reference: 'order-7' })
    expect(response.status).toBe(201)
    expect(response.json).toEqual({ id: expect.any(String), url: expect.any(String) })
    expect(sim.tokenRequests.map((entry) => entry.scope)).toEqual(['client_paymentrequest'])
  })

  it('answers invalid variables 400 with each issue, without calling Stitch', async () => {
    const response = await post(running, '/orders', { reference: 'far too long a ref' })
    expect(response.status).toBe(400)
    expect(response.json).toEqual({
      error: {
        code: 'STITCH_AUTH_INVALID_VARIABLES',
        message: 'The input is invalid.',
        issues: [{ path: 'input.payerReference', message: 'must be at most 12 characters' }],
      },
    })
    expect(sim.stats.apiCalls.total).toBe(0)
    expect(sim.stats.tokenRequests.total).toBe(0)
  })

  it('refunds once: a second request with the same nonce is answered 409', async () => {
    const created = await post(running, '/orders', { reference: 'order-8' })
    const { id } = created.json as { id: string }
    sim.completePaymentRequest(id)
    const first = await post(running, `/orders/${id}/refund`)
    expect(first.status).toBe(201)
    expect(first.json).toMatchObject({
      nonce: `refund-${id}`,
      status: { __typename: 'RefundPending' },
    })
    const second = await post(running, `/orders/${id}/refund`)
    expect(second.status).toBe(409)
    expect(second.json).toEqual({
      error: { code: 'STITCH_AUTH_API_NONCE_REUSED', message: 'This request was already made.' },
    })
    expect(sim.refunds.filter((refund) => refund.paymentRequestId === id)).toHaveLength(1)
  })
})

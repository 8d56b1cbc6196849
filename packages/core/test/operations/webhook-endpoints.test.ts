import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  type AddedWebhookEndpoint,
  type ApiOperationVariables,
  addWebhookEndpoint,
  defineApiOperation,
  listWebhookEndpoints,
  type WebhookEndpoint,
  type WebhookEventType,
} from '../../src/operations/index.js'
import { useOperationsSimulator } from './setup.js'

const SHOP = { clientId: 'test-shop', clientSecret: 'shop-secret' }
const OTHER_SHOP = { clientId: 'test-other-shop', clientSecret: 'other-shop-secret' }
// A client without client_paymentrequest, the scope the webhook operations ask for.
const REFUNDS_ONLY = { clientId: 'test-refunds-only', clientSecret: 'refunds-secret' }

const ctx = useOperationsSimulator({
  clients: [
    { ...SHOP, scopes: ['client_paymentrequest', 'client_refund'] },
    { ...OTHER_SHOP, scopes: ['client_paymentrequest'] },
    { ...REFUNDS_ONLY, scopes: ['client_refund'] },
  ],
})

describe('addWebhookEndpoint', () => {
  it('subscribes an HTTPS endpoint with a token for exactly its scope, answering the secret', async () => {
    const stitch = ctx.client(SHOP, ['client_paymentrequest', 'client_refund'])
    const input = {
      url: 'https://shop.example.com/stitch/webhooks',
      filterTypes: ['payment', 'refund'],
    }
    const added: AddedWebhookEndpoint = await stitch.run(addWebhookEndpoint, { input })

    expect(added).toEqual({
      id: expect.any(String),
      url: input.url,
      filterTypes: ['payment', 'refund'],
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
    })
    // The simulator signs deliveries to this endpoint with the secret it answered.
    expect(ctx.sim.webhookEndpoints.find((endpoint) => endpoint.id === added.id)).toMatchObject({
      clientId: SHOP.clientId,
      secret: added.secret,
    })
    expect(ctx.requestedScopes()).toEqual(['client_paymentrequest'])
    expect(ctx.sim.apiRequests).toMatchObject([
      {
        operationName: 'AddWebhookEndpoint',
        scopes: ['client_paymentrequest'],
        variables: { input },
        outcome: 'ok',
      },
    ])
  })

  it('autocompletes the documented event types and accepts any other string', () => {
    type FilterType = ApiOperationVariables<
      typeof addWebhookEndpoint
    >['input']['filterTypes'][number]
    expectTypeOf<FilterType>().toEqualTypeOf<WebhookEventType>()
    expectTypeOf<'payment.confirmation'>().toExtend<FilterType>()
    expectTypeOf<'a-type-stitch-adds-later'>().toExtend<FilterType>()
  })

  it('refuses a URL that is not HTTPS and an empty filter before any request', async () => {
    const stitch = ctx.client(SHOP)
    const cases = [
      {
        // Stitch delivers over HTTPS only; plain HTTP is for a receiver on this machine alone.
        input: { url: 'http://shop.example.com/hooks', filterTypes: [] },
        issues: [
          {
            path: 'input.url',
            message: 'must use the HTTPS protocol, as Stitch requires (got http)',
          },
          { path: 'input.filterTypes', message: 'must name one or more event types' },
        ],
      },
      {
        input: { url: 'shop.example.com/hooks', filterTypes: ['payment', ' '] },
        issues: [
          { path: 'input.url', message: 'must be an absolute URL' },
          { path: 'input.filterTypes.1', message: 'must not be empty' },
        ],
      },
    ]
    for (const { input, issues } of cases) {
      await ctx.expectRefusedLocally(stitch.run(addWebhookEndpoint, { input }), issues, {
        operation: 'AddWebhookEndpoint',
      })
    }
  })

  it('subscribes a plain-HTTP receiver on this machine, for a local simulator', async () => {
    const stitch = ctx.client(SHOP)
    const added = await stitch.run(addWebhookEndpoint, {
      input: { url: 'http://127.0.0.1:8080/hooks', filterTypes: ['payment'] },
    })
    expect(added).toMatchObject({ url: 'http://127.0.0.1:8080/hooks', filterTypes: ['payment'] })
    expect(added.secret).toMatch(/^whsec_/)
  })

  it('leaves unknown event types to Stitch, mapping its refusal to STITCH_AUTH_API_INVALID_INPUT', async () => {
    // Any string passes locally, so types Stitch adds later can be used at once.
    const stitch = ctx.client(SHOP)
    const error = await ctx.expectInputRefusedByStitch(
      stitch.run(addWebhookEndpoint, {
        input: { url: 'https://shop.example.com/hooks', filterTypes: ['payments'] },
      }),
      'input.filterTypes has unknown event types: "payments"',
    )
    expect(error.errors).toMatchObject([{ path: ['clientWebhookAdd'] }])
    expect(ctx.sim.apiRequests.map((request) => request.outcome)).toEqual(['error'])
    await ctx.expectTokenNotIn(error, stitch, ['client_paymentrequest'])
  })

  it('fails the token request when the client lacks the scope the operation asks for', async () => {
    // The simulator's webhook fields need no scope, but a token request needs one: run() asks
    // for exactly the operation's (client_paymentrequest), which this client may not have.
    const stitch = ctx.client(REFUNDS_ONLY)
    await ctx.expectScopeNotEnabled(
      stitch.run(addWebhookEndpoint, {
        input: { url: 'https://shop.example.com/hooks', filterTypes: ['refund'] },
      }),
      'client_paymentrequest',
    )
  })

  it('runs copies with the scope a client has, as the webhook fields need none of their own', async () => {
    // Stitch states no scope for the webhook fields (so no FORBIDDEN answer names one): a
    // client without client_paymentrequest subscribes and lists with a token of its own scope.
    const stitch = ctx.client(REFUNDS_ONLY)
    const scopes = ['client_refund'] as const
    const added = await stitch.run(defineApiOperation({ ...addWebhookEndpoint, scopes }), {
      input: { url: 'https://refunds.example.com/hooks', filterTypes: ['refund'] },
    })
    await expect(
      stitch.run(defineApiOperation({ ...listWebhookEndpoints, scopes })),
    ).resolves.toEqual([{ id: added.id, url: added.url, filterTypes: ['refund'] }])
    expect(ctx.requestedScopes()).toEqual(['client_refund'])
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'AddWebhookEndpoint', scopes: ['client_refund'], outcome: 'ok' },
      { operationName: 'ListWebhookEndpoints', scopes: ['client_refund'], outcome: 'ok' },
    ])
  })

  it("refuses both operations outside the client's scopes before any request", async () => {
    const stitch = ctx.client(REFUNDS_ONLY, ['client_refund'])
    const attempts = [
      stitch
        // @ts-expect-error: the client's scopes do not include client_paymentrequest
        .run(addWebhookEndpoint, {
          input: { url: 'https://shop.example.com/hooks', filterTypes: ['refund'] },
        }),
      // @ts-expect-error: the client's scopes do not include client_paymentrequest
      stitch.run(listWebhookEndpoints),
    ]
    for (const attempt of attempts) {
      await ctx.expectRefusedByScopesOption(attempt, /Webhook\w* needs client_paymentrequest/)
    }
  })
})

describe('listWebhookEndpoints', () => {
  it("lists the client's own endpoints without variables, and filters by event type", async () => {
    const stitch = ctx.client(SHOP)
    const other = ctx.client(OTHER_SHOP)
    const payments = await stitch.run(addWebhookEndpoint, {
      input: { url: 'https://shop.example.com/payments', filterTypes: ['payment'] },
    })
    const refunds = await stitch.run(addWebhookEndpoint, {
      input: { url: 'https://shop.example.com/refunds', filterTypes: ['refund', 'disbursement'] },
    })
    await other.run(addWebhookEndpoint, {
      input: { url: 'https://other.example.com/hooks', filterTypes: ['refund'] },
    })
    ctx.sim.resetStats()

    const all: WebhookEndpoint[] = await stitch.run(listWebhookEndpoints)
    // Another client's subscriptions are not listed; the secrets are never listed.
    const own = ctx.sim.webhookEndpoints
      .filter((endpoint) => endpoint.clientId === SHOP.clientId)
      .map(({ id, url, filterTypes }) => ({ id, url, filterTypes }))
    expect(all).toEqual(own)
    expect(all).toEqual(
      expect.arrayContaining([
        { id: payments.id, url: payments.url, filterTypes: ['payment'] },
        { id: refunds.id, url: refunds.url, filterTypes: ['refund', 'disbursement'] },
      ]),
    )

    const filtered = await stitch.run(listWebhookEndpoints, { filter: ['disbursement'] })
    expect(filtered.map((endpoint) => endpoint.id)).toEqual([refunds.id])

    // Both operations ask for the same scope, so the token the adds got is reused.
    expect(ctx.sim.tokenRequests).toHaveLength(0)
    expect(ctx.sim.apiRequests).toMatchObject([
      { operationName: 'ListWebhookEndpoints', scopes: ['client_paymentrequest'], outcome: 'ok' },
      {
        operationName: 'ListWebhookEndpoints',
        variables: { filter: ['disbursement'] },
        outcome: 'ok',
      },
    ])
  })

  it('refuses an empty event type in the filter before any request', async () => {
    const stitch = ctx.client(SHOP)
    await ctx.expectRefusedLocally(stitch.run(listWebhookEndpoints, { filter: [''] }), [
      { path: 'filter.0', message: 'must not be empty' },
    ])
  })
})

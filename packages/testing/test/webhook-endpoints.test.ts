import { describe, expect, it } from 'vitest'
import { DOCUMENTED_SCOPES, type StitchSimulator, UNAUTHENTICATED_BODY } from '../src/index.js'
import { getAccessToken, gql, requestToken, secretClient, startSim } from './helpers.js'

const webhookClient = { ...secretClient, scopes: [...DOCUMENTED_SCOPES] }
const otherClient = { ...webhookClient, clientId: 'other', clientSecret: 'other-secret' }
const startWebhookSim = () => startSim({ clients: [webhookClient, otherClient] })

async function otherClientToken(sim: StitchSimulator): Promise<string> {
  const { json } = await requestToken(sim, {
    client_id: otherClient.clientId,
    client_secret: otherClient.clientSecret,
    scope: 'client_paymentrequest',
  })
  return String(json.access_token)
}

const ADD = /* GraphQL */ `
  mutation AddWebhook($input: ClientAddWebhookInput!) {
    clientWebhookAdd(input: $input) { id url filterTypes secret }
  }
`

const LIST = /* GraphQL */ `
  query Webhooks($filter: [String!]) {
    client { webhookEndpoints(filter: $filter) { id url filterTypes } }
  }
`

const EVENT_TYPES = [
  'payment',
  'payment.confirmation',
  'payment-consent-request',
  'transaction',
  'refund',
  'disbursement',
  'settlement',
]
const DEPRECATED_EVENT_TYPES = [
  'direct-deposit',
  'payment-initiation',
  'payment-initiation.confirmation',
]
const HTTPS_ONLY = (scheme: string) =>
  `input.url must use the HTTPS protocol (got ${scheme}; the simulator also accepts http://localhost, http://127.0.0.1 and http://[::1])`
const KNOWN = [...EVENT_TYPES, ...DEPRECATED_EVENT_TYPES].join(', ')

interface AddedEndpoint {
  id: string
  url: string
  filterTypes: string[]
  secret: string
}

async function add(
  sim: StitchSimulator,
  token: string,
  url: string,
  filterTypes: string[],
): Promise<AddedEndpoint> {
  const { body } = await gql(sim, token, ADD, { input: { url, filterTypes } })
  const added = body.data?.clientWebhookAdd as AddedEndpoint | undefined | null
  if (!added) throw new Error(`clientWebhookAdd failed: ${JSON.stringify(body.errors)}`)
  return added
}

async function list(sim: StitchSimulator, token: string, filter?: string[] | null) {
  const { body } = await gql(sim, token, LIST, filter === undefined ? {} : { filter })
  expect(body.errors).toBeUndefined()
  const client = body.data?.client as { webhookEndpoints: Omit<AddedEndpoint, 'secret'>[] }
  return client.webhookEndpoints
}

function expectBadInput(
  body: Awaited<ReturnType<typeof gql>>['body'],
  problems: readonly string[],
): void {
  expect(body).toEqual({
    errors: [
      {
        message: `Invalid input: ${problems.join('; ')}`,
        locations: expect.any(Array),
        path: ['clientWebhookAdd'],
        extensions: { code: 'BAD_USER_INPUT', problems },
      },
    ],
    data: { clientWebhookAdd: null },
  })
}

describe('webhook endpoints', () => {
  it('adds an endpoint with a Svix secret and lists it', async () => {
    await using sim = await startWebhookSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    const { body } = await gql(sim, token, ADD, {
      input: { url: 'https://example.com/stitch/webhooks', filterTypes: ['payment', 'refund'] },
    })
    const added = body.data?.clientWebhookAdd as AddedEndpoint
    expect(body).toEqual({
      data: {
        clientWebhookAdd: {
          id: added.id,
          url: 'https://example.com/stitch/webhooks',
          filterTypes: ['payment', 'refund'],
          secret: added.secret,
        },
      },
    })
    expect(added.id).toMatch(/^[\w-]{20,}$/)
    // Svix's format: `whsec_` and the base64 of the signing key, 24 bytes here.
    expect(added.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(Buffer.from(added.secret.slice('whsec_'.length), 'base64')).toHaveLength(24)

    expect(await list(sim, token)).toEqual([
      {
        id: added.id,
        url: 'https://example.com/stitch/webhooks',
        filterTypes: ['payment', 'refund'],
      },
    ])
    const [stored] = sim.webhookEndpoints
    expect(stored?.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(sim.webhookEndpoints).toEqual([
      {
        id: added.id,
        clientId: secretClient.clientId,
        url: 'https://example.com/stitch/webhooks',
        filterTypes: ['payment', 'refund'],
        secret: added.secret,
        created: stored?.created,
      },
    ])
  })

  it('gives every endpoint its own secret', async () => {
    await using sim = await startWebhookSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    const secrets = new Set<string>()
    for (let i = 0; i < 5; i++) {
      secrets.add((await add(sim, token, 'https://example.com/hooks', ['payment'])).secret)
    }
    expect(secrets.size).toBe(5)
  })

  it('accepts every documented event type, the deprecated ones too, and drops repeats', async () => {
    await using sim = await startWebhookSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    const all = await add(sim, token, 'https://example.com/hooks', [
      ...EVENT_TYPES,
      ...DEPRECATED_EVENT_TYPES,
    ])
    expect(all.filterTypes).toEqual([...EVENT_TYPES, ...DEPRECATED_EVENT_TYPES])
    const repeated = await add(sim, token, 'https://example.com/hooks', [
      'refund',
      'payment',
      'refund',
    ])
    expect(repeated.filterTypes).toEqual(['refund', 'payment'])
    expect(sim.webhookEndpoints.map((endpoint) => endpoint.filterTypes)).toEqual([
      [...EVENT_TYPES, ...DEPRECATED_EVENT_TYPES],
      ['refund', 'payment'],
    ])
  })

  describe('url', () => {
    it.each([
      ['http://example.com/hooks', HTTPS_ONLY('http')],
      ['http://localhost.example.com/hooks', HTTPS_ONLY('http')],
      ['http://127.0.0.2/hooks', HTTPS_ONLY('http')],
      ['ftp://example.com/hooks', HTTPS_ONLY('ftp')],
      ['ws://localhost/hooks', HTTPS_ONLY('ws')],
      ['example.com/hooks', 'input.url must be an absolute URL (got "example.com/hooks")'],
      ['', 'input.url must be an absolute URL (got "")'],
    ])('refuses %j', async (url, problem) => {
      await using sim = await startWebhookSim()
      const token = await getAccessToken(sim, 'client_paymentrequest')
      const { body } = await gql(sim, token, ADD, { input: { url, filterTypes: ['payment'] } })
      expectBadInput(body, [problem])
      expect(sim.webhookEndpoints).toEqual([])
    })

    it('requires https, except plain http to a loopback host', async () => {
      await using sim = await startWebhookSim()
      const token = await getAccessToken(sim, 'client_paymentrequest')
      const urls = [
        'https://example.com/hooks',
        'https://localhost:8443/hooks',
        'http://localhost:8080/hooks',
        'http://127.0.0.1:9999/stitch',
        'http://[::1]:3000/',
        'HTTP://LOCALHOST/hooks',
      ]
      for (const url of urls) await add(sim, token, url, ['payment'])
      expect(sim.webhookEndpoints.map((endpoint) => endpoint.url)).toEqual(urls)
    })
  })

  describe('filterTypes', () => {
    it.each([
      [[], 'input.filterTypes must name one or more event types'],
      [['payments'], `input.filterTypes has unknown event types: "payments" (known: ${KNOWN})`],
      [
        ['payment', 'Refund', 'payout', 'refund'],
        `input.filterTypes has unknown event types: "Refund", "payout" (known: ${KNOWN})`,
      ],
      [[''], `input.filterTypes has unknown event types: "" (known: ${KNOWN})`],
    ])('refuses %j', async (filterTypes, problem) => {
      await using sim = await startWebhookSim()
      const token = await getAccessToken(sim, 'client_paymentrequest')
      const { body } = await gql(sim, token, ADD, {
        input: { url: 'https://example.com/hooks', filterTypes },
      })
      expectBadInput(body, [problem])
      expect(sim.webhookEndpoints).toEqual([])
    })

    it('lists every problem at once', async () => {
      await using sim = await startWebhookSim()
      const token = await getAccessToken(sim, 'client_paymentrequest')
      const { body } = await gql(sim, token, ADD, {
        input: { url: 'http://example.com/', filterTypes: ['nope'] },
      })
      expectBadInput(body, [
        HTTPS_ONLY('http'),
        `input.filterTypes has unknown event types: "nope" (known: ${KNOWN})`,
      ])
    })
  })

  it('webhookEndpoints(filter) keeps the endpoints subscribed to any type named', async () => {
    await using sim = await startWebhookSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    const a = await add(sim, token, 'https://a.example.com/', ['payment', 'refund'])
    const b = await add(sim, token, 'https://b.example.com/', ['disbursement'])
    const c = await add(sim, token, 'https://c.example.com/', ['payment-consent-request'])
    const ids = async (filter?: string[] | null) =>
      (await list(sim, token, filter)).map((endpoint) => endpoint.id)
    expect(await ids()).toEqual([a.id, b.id, c.id])
    expect(await ids(null)).toEqual([a.id, b.id, c.id])
    expect(await ids([])).toEqual([a.id, b.id, c.id])
    expect(await ids(['refund'])).toEqual([a.id])
    expect(await ids(['disbursement', 'payment'])).toEqual([a.id, b.id])
    expect(await ids(['payment-consent-request'])).toEqual([c.id])
    expect(await ids(['settlement'])).toEqual([])
    expect(await list(sim, token, ['disbursement'])).toEqual([
      { id: b.id, url: 'https://b.example.com/', filterTypes: ['disbursement'] },
    ])
  })

  it("does not list another client's endpoints", async () => {
    await using sim = await startWebhookSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    const otherToken = await otherClientToken(sim)
    const mine = await add(sim, token, 'https://mine.example.com/', ['payment'])
    const theirs = await add(sim, otherToken, 'https://theirs.example.com/', ['payment'])
    expect((await list(sim, token)).map((endpoint) => endpoint.id)).toEqual([mine.id])
    expect((await list(sim, otherToken, ['payment'])).map((endpoint) => endpoint.id)).toEqual([
      theirs.id,
    ])
    expect(sim.webhookEndpoints.map((endpoint) => [endpoint.clientId, endpoint.id])).toEqual([
      [secretClient.clientId, mine.id],
      ['other', theirs.id],
    ])
  })

  it('needs no scope, but a valid token', async () => {
    await using sim = await startWebhookSim()
    for (const scope of ['client_refund', 'client_imageupload', 'client_businesslookup']) {
      const token = await getAccessToken(sim, scope)
      await add(sim, token, `https://example.com/${scope}`, ['payment'])
      expect(await list(sim, token)).toHaveLength(sim.webhookEndpoints.length)
    }
    for (const query of [ADD, LIST]) {
      const response = await fetch(sim.graphqlUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer not-a-token' },
        body: JSON.stringify({
          query,
          variables: { input: { url: 'https://example.com/', filterTypes: ['payment'] } },
        }),
      })
      expect(response.status).toBe(200)
      expect(await response.text()).toBe(UNAUTHENTICATED_BODY)
    }
    expect(sim.webhookEndpoints).toHaveLength(3)
    expect(sim.apiRequests.map((entry) => entry.outcome)).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'unauthenticated',
      'unauthenticated',
    ])
  })
})

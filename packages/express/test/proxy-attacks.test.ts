// The proxy attack list: one table, sent raw over HTTP (no client-side URL normalisation) to
// stitchProxy() with the ready-made payment operation, mounted bare and behind express.json().
// Every row is refused with the expected status and code, Stitch is never called, and no
// prototype is polluted.
import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperations,
  type ExpressProxyContext,
  type StitchAuth,
  stitchProxy,
} from '../src/index.js'

const CLIENT_ID = 'proxy-attack-client'
const CLIENT_SECRET = 'proxy-attack-secret-5b7e1c'
const OPERATION = '/stitch/createPaymentRequest'
const VALID = '{"amount":150,"reference":"order-42"}'
const MUTATION =
  'mutation { clientRefundInitiate(input: {paymentRequestId: "x", amount: {quantity: "1000.00", currency: "ZAR"}, reason: fraudulent, nonce: "x", beneficiaryReference: "x"}) { refund { id status { __typename } } } }'

interface Attack {
  name: string
  method?: string
  path?: string
  /** Over the defaults (JSON content type, anti-CSRF header); `null` removes a header. */
  headers?: Record<string, string | null>
  body?: string
  /** Send the body in chunks without Content-Length. */
  chunked?: boolean
  status: number
  /** The proxy's error code, or `null` when the answer is not the proxy's JSON. */
  code: string | null
  /** Where the answer differs behind express.json(), whose body-parser answers first. */
  behindJson?: { status: number; code: string | null }
}

const bodyParserAnswers = (status: number) => ({ status, code: null })
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

const attacks: Attack[] = [
  // Arbitrary GraphQL instead of the operation's input
  {
    name: 'a GraphQL mutation as `query`',
    body: JSON.stringify({ query: MUTATION }),
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'a GraphQL mutation with variables',
    body: JSON.stringify({ query: MUTATION, variables: { amount: 1 } }),
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'a GraphQL `document`',
    body: JSON.stringify({ document: MUTATION }),
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'valid input plus a `query`',
    body: JSON.stringify({ amount: 150, reference: 'order-42', query: MUTATION }),
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'valid input plus an `operationName`',
    body: JSON.stringify({ amount: 150, reference: 'order-42', operationName: 'Refund' }),
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'a raw GraphQL body as application/graphql',
    headers: { 'content-type': 'application/graphql' },
    body: MUTATION,
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a raw GraphQL body labelled JSON',
    body: MUTATION,
    status: 400,
    code: 'invalid_json',
    behindJson: bodyParserAnswers(400),
  },

  // Operations that are not listed
  {
    name: 'an unlisted operation',
    path: '/stitch/clientRefundInitiate',
    body: VALID,
    status: 404,
    code: 'unknown_operation',
  },
  {
    name: 'another ready-made operation',
    path: '/stitch/paymentRequestStatus',
    body: '{"id":"x"}',
    status: 404,
    code: 'unknown_operation',
  },
  ...[
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'prototype',
    '__defineGetter__',
  ].map(
    (name): Attack => ({
      name: `"${name}" as the operation`,
      path: `/stitch/${name}`,
      body: VALID,
      status: 404,
      code: 'unknown_operation',
    }),
  ),
  { name: 'the mount point', path: '/stitch', body: VALID, status: 404, code: 'unknown_operation' },
  {
    name: 'the mount point with a slash',
    path: '/stitch/',
    body: VALID,
    status: 404,
    code: 'unknown_operation',
  },

  // Path tricks
  ...[
    '/stitch/..%2FcreatePaymentRequest',
    '/stitch/%2e%2e/createPaymentRequest',
    '/stitch/%2E%2E%2FcreatePaymentRequest',
    '/stitch/createPaymentRequest/..',
    '/stitch/createPaymentRequest%2F..%2FclientRefundInitiate',
    '/stitch/%252e%252e%252fcreatePaymentRequest',
    '/stitch/createPaymentRequest%252F',
    '/stitch/createPaymentRequest%00',
    '/stitch/createPaymentRequest%20',
    '/stitch/createPaymentRequest;jsessionid=1',
    '/stitch/createPaymentRequest;/../clientRefundInitiate',
    '/stitch/CREATEPAYMENTREQUEST',
    '/stitch/createPaymentRequest%3Foperation=createPaymentRequest',
    '/stitch//createPaymentRequest',
    '/stitch/%2Fstitch%2FcreatePaymentRequest',
    '/stitch/__proto__/createPaymentRequest',
    '/stitch/clientRefundInitiate/',
    '/stitch/clientRefundInitiate?operation=createPaymentRequest',
  ].map(
    (path): Attack => ({
      name: `path ${path}`,
      path,
      body: VALID,
      status: 404,
      code: 'unknown_operation',
    }),
  ),
  {
    name: 'a trailing slash reaches the same operation, still validated',
    path: `${OPERATION}/`,
    body: '{}',
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'a query string cannot pick another operation',
    path: `${OPERATION}?operation=clientRefundInitiate&query=${encodeURIComponent(MUTATION)}`,
    body: '{}',
    status: 400,
    code: 'invalid_input',
  },

  // Cross-site requests: no anti-CSRF header
  {
    name: 'no x-stitch-proxy header',
    headers: { 'x-stitch-proxy': null },
    body: VALID,
    status: 403,
    code: 'csrf_header_missing',
  },
  {
    name: 'an empty x-stitch-proxy header',
    headers: { 'x-stitch-proxy': '' },
    body: VALID,
    status: 403,
    code: 'csrf_header_missing',
  },
  {
    name: 'a look-alike header',
    headers: { 'x-stitch-proxy': null, 'x-stitch-proxy-': '1' },
    body: VALID,
    status: 403,
    code: 'csrf_header_missing',
  },
  {
    name: 'a cross-site form post (text/plain, no header)',
    headers: {
      'x-stitch-proxy': null,
      'content-type': 'text/plain',
      origin: 'https://evil.example',
    },
    body: VALID,
    status: 415,
    code: 'unsupported_media_type',
  },

  // Wrong methods
  ...['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'].map(
    (method): Attack => ({
      name: `${method}`,
      method,
      body: method === 'GET' || method === 'TRACE' ? undefined : VALID,
      status: 405,
      code: 'method_not_allowed',
    }),
  ),
  { name: 'HEAD', method: 'HEAD', status: 405, code: null },
  {
    name: 'GET with X-HTTP-Method-Override: POST',
    method: 'GET',
    headers: { 'x-http-method-override': 'POST' },
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'a CORS preflight',
    method: 'OPTIONS',
    headers: {
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-stitch-proxy, content-type',
    },
    status: 405,
    code: 'method_not_allowed',
  },

  // Wrong content types
  ...[
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/jsonp',
    'application/json5',
    'text/json',
    'text/plain; application/json',
    'application/json, text/plain',
  ].map(
    (type): Attack => ({
      name: `content type ${type}`,
      headers: { 'content-type': type },
      body: VALID,
      status: 415,
      code: 'unsupported_media_type',
    }),
  ),
  {
    name: 'no content type',
    headers: { 'content-type': null },
    body: VALID,
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a form-encoded body',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'amount=150&reference=order-42&query=mutation',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a multipart body',
    headers: { 'content-type': 'multipart/form-data; boundary=b' },
    body: '--b\r\nContent-Disposition: form-data; name="amount"\r\n\r\n150\r\n--b--\r\n',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'JSON labelled UTF-16',
    headers: { 'content-type': 'application/json; charset=utf-16' },
    body: '{"amount":-1,"reference":"order-42"}',
    status: 400,
    code: 'invalid_input',
    // body-parser decodes it as UTF-16, which makes it unreadable.
    behindJson: bodyParserAnswers(400),
  },

  // Oversize
  {
    name: 'a 20 KB body with Content-Length',
    body: JSON.stringify({ amount: 150, reference: 'order-42', padding: 'x'.repeat(20_000) }),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'a 20 KB body sent chunked, without Content-Length',
    body: JSON.stringify({ amount: 150, reference: 'order-42', padding: 'x'.repeat(20_000) }),
    chunked: true,
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'a 200 KB body with Content-Length',
    body: JSON.stringify({ amount: 150, reference: 'order-42', padding: 'x'.repeat(200_000) }),
    status: 413,
    code: 'body_too_large',
    behindJson: bodyParserAnswers(413),
  },
  {
    name: 'a 200 KB body sent chunked',
    body: JSON.stringify({ amount: 150, reference: 'order-42', padding: 'x'.repeat(200_000) }),
    chunked: true,
    status: 413,
    code: 'body_too_large',
    behindJson: bodyParserAnswers(413),
  },

  // Prototype pollution
  {
    name: '__proto__ at the top',
    body: '{"__proto__":{"polluted":"yes"},"amount":150,"reference":"order-42"}',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'constructor.prototype',
    body: '{"constructor":{"prototype":{"polluted":"yes"}},"amount":150,"reference":"order-42"}',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: '__proto__ nested',
    body: '{"amount":150,"reference":"order-42","x":{"y":{"__proto__":{"polluted":"yes"}}}}',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: '__proto__ spelled with escapes',
    body: '{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":"yes"},"amount":150,"reference":"order-42"}',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: '__proto__ in an array',
    body: '[{"__proto__":{"polluted":"yes"}}]',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'a prototype key',
    body: '{"prototype":{"polluted":"yes"}}',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: '__proto__ in the query string',
    path: `${OPERATION}?__proto__[polluted]=yes&constructor[prototype][polluted]=yes`,
    body: '{}',
    status: 400,
    code: 'invalid_input',
  },

  // Invalid input
  ...(
    [
      ['a negative amount', '{"amount":-150,"reference":"order-42"}'],
      ['a zero amount', '{"amount":0,"reference":"order-42"}'],
      ['NaN as a string', '{"amount":"NaN","reference":"order-42"}'],
      ['a number as a string', '{"amount":"150","reference":"order-42"}'],
      ['Infinity (1e309)', '{"amount":1e309,"reference":"order-42"}'],
      ['a huge amount', '{"amount":1e21,"reference":"order-42"}'],
      ['just over the maximum', '{"amount":100000.01,"reference":"order-42"}'],
      ['three decimals', '{"amount":150.001,"reference":"order-42"}'],
      ['a null amount', '{"amount":null,"reference":"order-42"}'],
      ['an array amount', '{"amount":[150],"reference":"order-42"}'],
      ['an operator object', '{"amount":{"$gt":0},"reference":"order-42"}'],
      ['a missing amount', '{"reference":"order-42"}'],
      ['a reference one character too long', '{"amount":150,"reference":"order-4242424"}'],
      ['a very long reference', `{"amount":150,"reference":"${'r'.repeat(5_000)}"}`],
      ['an empty reference', '{"amount":150,"reference":""}'],
      ['a blank reference', '{"amount":150,"reference":"   "}'],
      ['markup in the reference', '{"amount":150,"reference":"<script>"}'],
      ['a newline in the reference', '{"amount":150,"reference":"a\\nb"}'],
      ['a numeric reference', '{"amount":150,"reference":42}'],
      ['a missing reference', '{"amount":150}'],
      [
        'a beneficiary of its own',
        '{"amount":150,"reference":"order-42","beneficiary":{"bankAccount":{"name":"Mallory","bankId":"fnb","accountNumber":"1"}}}',
      ],
      [
        'a beneficiaryReference of its own',
        '{"amount":150,"reference":"order-42","beneficiaryReference":"x"}',
      ],
      ['a currency of its own', '{"amount":150,"reference":"order-42","currency":"USD"}'],
      ['a duplicate key, the last one bad', '{"amount":150,"reference":"order-42","amount":1e9}'],
      ['an empty object', '{}'],
      ['an empty array', '[]'],
      ['an empty body', ''],
    ] as const
  ).map(([name, body]): Attack => ({ name, body, status: 400, code: 'invalid_input' })),
  {
    name: 'a null body',
    body: 'null',
    status: 400,
    code: 'invalid_input',
    behindJson: bodyParserAnswers(400),
  },
  {
    name: 'a string body',
    body: '"order-42"',
    status: 400,
    code: 'invalid_input',
    behindJson: bodyParserAnswers(400),
  },
  {
    name: 'a number body',
    body: '150',
    status: 400,
    code: 'invalid_input',
    behindJson: bodyParserAnswers(400),
  },
  {
    name: 'truncated JSON',
    body: '{"amount":150,"reference":',
    status: 400,
    code: 'invalid_json',
    behindJson: bodyParserAnswers(400),
  },
  // Valid JSON within every size limit, too deep to walk: refused like JSON that does not parse.
  { name: 'JSON nested 5,000 deep', body: nested(5_000), status: 400, code: 'invalid_json' },
]

// --- The app and the raw HTTP client ----------------------------------------------------------

let sim: StitchSimulator
let client: StitchAuth
let tokenRequestsAfterWarmUp: number
const servers: Record<'bare' | 'json', { server: Server; port: number }> = {} as never

async function listen(app: express.Express) {
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  return { server, port: (server.address() as AddressInfo).port }
}

beforeAll(async () => {
  sim = await startStitchSimulator({
    clients: [
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['client_paymentrequest'] },
    ],
  })
  client = createStitchAuth({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes: ['client_paymentrequest'],
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
  })
  const operations = defineOperations({
    createPaymentRequest: createPaymentRequestOperation<ExpressProxyContext>({
      beneficiary: { name: 'Attack Target', bankId: 'fnb', accountNumber: '62000000000' },
      beneficiaryReference: 'Target',
      allowBrowserAmount: true,
    }),
  })
  for (const mode of ['bare', 'json'] as const) {
    const app = express()
    if (mode === 'json') app.use(express.json())
    app.use('/stitch', stitchProxy({ client, operations }))
    servers[mode] = await listen(app)
  }
  // Warm-up: the one token request the whole file may make.
  await client.getToken()
  tokenRequestsAfterWarmUp = sim.stats.tokenRequests.total
  expect(tokenRequestsAfterWarmUp).toBe(1)
})

afterAll(async () => {
  for (const { server } of Object.values(servers)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  await client.close()
  await sim.close()
})

interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** Sends the request exactly as written: path, method, headers and body bytes. */
function send(port: number, attack: Attack): Promise<RawAnswer> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-stitch-proxy': '1',
  }
  for (const [name, value] of Object.entries(attack.headers ?? {})) {
    if (value === null) delete headers[name]
    else headers[name] = value
  }
  const body = attack.body === undefined ? undefined : Buffer.from(attack.body)
  if (body && !attack.chunked) headers['content-length'] = String(body.length)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: attack.method ?? 'POST',
        path: attack.path ?? OPERATION,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (body && attack.chunked) {
      // Several writes without Content-Length: Node sends them chunked.
      for (let offset = 0; offset < body.length; offset += 4_096) {
        req.write(body.subarray(offset, offset + 4_096))
      }
    } else if (body) {
      req.write(body)
    }
    req.end()
  })
}

function errorCode(answer: RawAnswer): string | null {
  if (!String(answer.headers['content-type'] ?? '').startsWith('application/json')) return null
  try {
    return (JSON.parse(answer.text) as { error?: { code?: string } }).error?.code ?? null
  } catch {
    return null
  }
}

describe.each(['bare', 'json'] as const)('stitchProxy() attack table, mounted %s', (mode) => {
  it.each(attacks)('$name', async (attack) => {
    const answer = await send(servers[mode].port, attack)
    const expected = mode === 'json' && attack.behindJson ? attack.behindJson : attack
    expect({ status: answer.status, code: errorCode(answer) }).toEqual({
      status: expected.status,
      code: expected.code,
    })
    if (expected.code !== null) expect(answer.headers['cache-control']).toBe('no-store')
    if (expected.status === 405) expect(answer.headers.allow).toBe('POST')
    expect(answer.text).not.toContain(CLIENT_SECRET)
    expect(answer.text).not.toMatch(/access_token|Bearer/)

    // Stitch was never reached, and nothing was polluted.
    expect(sim.stats.apiCalls.total).toBe(0)
    expect(sim.stats.tokenRequests.total).toBe(tokenRequestsAfterWarmUp)
    expect(sim.paymentRequests).toHaveLength(0)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false)
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined()
  })
})

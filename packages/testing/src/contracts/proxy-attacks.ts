// The proxy attack contract: one table of hostile requests, sent raw over HTTP (no client-side
// URL normalisation) to the browser-safe proxy wherever an adapter mounts it, serving the
// ready-made payment operation. Every row is refused with the expected status and code, Stitch
// is never called, and no prototype is polluted. The table lives here once; each adapter's
// test suite starts its surface and runs it.
import { deepStrictEqual, equal, ok } from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { startStitchSimulator } from '../server.js'
import type { StitchSimulator } from '../types.js'

const CLIENT_ID = 'proxy-attack-client'
const CLIENT_SECRET = 'proxy-attack-secret-5b7e1c'
const SCOPES: ProxyAttackScope[] = ['client_paymentrequest']

/** Where every surface mounts the proxy. */
export const PROXY_ATTACK_MOUNT_PATH = '/stitch'
/** The one operation every surface serves, `createPaymentRequestOperation(setup.paymentRequest)`. */
export const PROXY_ATTACK_OPERATION = 'createPaymentRequest'

const OPERATION = `${PROXY_ATTACK_MOUNT_PATH}/${PROXY_ATTACK_OPERATION}`
const VALID = '{"amount":150,"reference":"order-42"}'
const MUTATION =
  'mutation { clientRefundInitiate(input: {paymentRequestId: "x", amount: {quantity: "1000.00", currency: "ZAR"}, reason: fraudulent, nonce: "x", beneficiaryReference: "x"}) { refund { id status { __typename } } } }'

/** The one scope the table's client holds, the payment operation's. */
export type ProxyAttackScope = 'client_paymentrequest'

/** Options for the surface's Stitch client, for `createStitchAuth()` as they are. */
export interface ProxyAttackClientOptions {
  clientId: string
  clientSecret: string
  scopes: readonly ProxyAttackScope[]
  /** The simulator's token endpoint. */
  tokenUrl: string
  /** The simulator's GraphQL endpoint. */
  apiUrl: string
}

/** Options for core's `createPaymentRequestOperation()`, as they are. */
export interface ProxyAttackPaymentOptions {
  /** The shop's bank account, fixed on the server. */
  beneficiary: { name: string; bankId: string; accountNumber: string }
  /** The shop's statement reference. */
  beneficiaryReference: string
  /** The table's amount rows check the browser's amount itself, so it is charged as sent. */
  allowBrowserAmount: true
}

/** What a surface is started with, once per run of the table. */
export interface ProxyAttackSetup {
  /** The surface's Stitch client: `createStitchAuth(client)`. */
  client: ProxyAttackClientOptions
  /**
   * Serve `{ [PROXY_ATTACK_OPERATION]: createPaymentRequestOperation(paymentRequest) }` and
   * nothing else, with the proxy's default options.
   */
  paymentRequest: ProxyAttackPaymentOptions
  /** Mount the proxy here: `POST <mountPath>/<operation>`. */
  mountPath: typeof PROXY_ATTACK_MOUNT_PATH
}

/** A surface started for the table: every row goes to `url`, then `close()`. */
export interface ProxyAttackServer {
  /** The server's origin, e.g. `http://127.0.0.1:41234` (HTTP/1.1, no path). */
  url: string
  /** Stops the server and closes the Stitch client. */
  close(): Promise<void>
}

/** How a row is answered: the status and the proxy's error code. */
export interface ProxyAttackAnswer {
  /** The HTTP status. */
  status: number
  /** The JSON error body's `error.code`, or `null` when the answer is not JSON (a body parser's page, HEAD). */
  code: string | null
}

/** One hostile request and how every surface answers it. */
export interface ProxyAttack extends ProxyAttackAnswer {
  /** What the row tries; the test's name. */
  name: string
  /** @default 'POST' */
  method?: string
  /** The request target exactly as sent. @default '/stitch/createPaymentRequest' */
  path?: string
  /** Over the defaults (JSON content type, anti-CSRF header); `null` removes a header. */
  headers?: Readonly<Record<string, string | null>>
  /** The body's text, sent as UTF-8 bytes; none when absent. */
  body?: string
  /** Send the body in chunks without Content-Length. */
  chunked?: boolean
  /**
   * The answer where a JSON body parser in front of the proxy (`express.json()`) reads the
   * body and answers first, with its own error page.
   */
  behindJsonParser?: ProxyAttackAnswer
}

/** One HTTP surface under test: the proxy as an adapter mounts it. */
export interface ProxyAttackSurface {
  /** A JSON body parser runs before the proxy: rows with `behindJsonParser` expect that answer. */
  jsonBodyParser?: boolean
  /**
   * This surface's own answer to a row, where it differs for a reason of the framework's (say
   * why in a comment); `undefined` keeps the table's.
   */
  differs?: (attack: ProxyAttack) => ProxyAttackAnswer | undefined
  /** Starts the server (listening on a free port) and its Stitch client, once per run. */
  start(setup: ProxyAttackSetup): Promise<ProxyAttackServer>
}

/** The hooks of your test runner: vitest's and jest's as imported, `node:test`'s `before`/`after`. */
export interface ProxyAttackRunner {
  /** Registers one test. */
  it: (name: string, run: () => Promise<void>) => unknown
  /** Runs once before the tests: starts the simulator and the surface. */
  beforeAll: (run: () => Promise<void>) => unknown
  /** Runs once after the tests: closes them. */
  afterAll: (run: () => Promise<void>) => unknown
}

/** Options of `runProxyAttackTable`. */
export interface ProxyAttackTableOptions {
  /**
   * The Stitch to check is never called; the table registers its client on it. Otherwise the
   * table starts a simulator of its own and closes it afterwards.
   */
  simulator?: StitchSimulator
}

const bodyParserAnswers = (status: number): ProxyAttackAnswer => ({ status, code: null })
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

/** The attacks every surface refuses before Stitch is called. */
export const proxyAttacks: readonly ProxyAttack[] = Object.freeze([
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
    behindJsonParser: bodyParserAnswers(400),
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
    (name): ProxyAttack => ({
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
    (path): ProxyAttack => ({
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
    (method): ProxyAttack => ({
      name: `${method}`,
      method,
      ...(method === 'GET' || method === 'TRACE' ? {} : { body: VALID }),
      status: 405,
      code: 'method_not_allowed',
    }),
  ),
  // No body in an answer to HEAD, so no code either.
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
    (type): ProxyAttack => ({
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
    behindJsonParser: bodyParserAnswers(400),
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
    behindJsonParser: bodyParserAnswers(413),
  },
  {
    name: 'a 200 KB body sent chunked',
    body: JSON.stringify({ amount: 150, reference: 'order-42', padding: 'x'.repeat(200_000) }),
    chunked: true,
    status: 413,
    code: 'body_too_large',
    behindJsonParser: bodyParserAnswers(413),
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
  ).map(([name, body]): ProxyAttack => ({ name, body, status: 400, code: 'invalid_input' })),
  {
    name: 'a null body',
    body: 'null',
    status: 400,
    code: 'invalid_input',
    behindJsonParser: bodyParserAnswers(400),
  },
  {
    name: 'a string body',
    body: '"order-42"',
    status: 400,
    code: 'invalid_input',
    behindJsonParser: bodyParserAnswers(400),
  },
  {
    name: 'a number body',
    body: '150',
    status: 400,
    code: 'invalid_input',
    behindJsonParser: bodyParserAnswers(400),
  },
  {
    name: 'truncated JSON',
    body: '{"amount":150,"reference":',
    status: 400,
    code: 'invalid_json',
    behindJsonParser: bodyParserAnswers(400),
  },
  // Valid JSON within every size limit, too deep to walk: refused like JSON that does not parse.
  { name: 'JSON nested 5,000 deep', body: nested(5_000), status: 400, code: 'invalid_json' },
] satisfies ProxyAttack[])

/** The answer `surface` must give to `attack`. */
export function expectedProxyAttackAnswer(
  surface: ProxyAttackSurface,
  attack: ProxyAttack,
): ProxyAttackAnswer {
  const own = surface.differs?.(attack)
  if (own) return own
  const answer = (surface.jsonBodyParser === true && attack.behindJsonParser) || attack
  return { status: answer.status, code: answer.code }
}

/** An HTTP answer as received. */
interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** Sends the request exactly as written: path, method, headers and body bytes. */
function send(
  origin: string,
  attack: Pick<ProxyAttack, 'method' | 'path' | 'headers' | 'body' | 'chunked'>,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(origin)
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
        // `new URL` keeps the brackets of an IPv6 host, which `http.request` does not want.
        host: hostname.replace(/^\[(.*)\]$/, '$1'),
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

/** What Stitch had seen when the table started: every row must leave it so. */
interface StitchBaseline {
  apiCalls: number
  tokenRequests: number
  paymentRequests: number
}

function stitchSeen(sim: StitchSimulator): StitchBaseline {
  const { stats } = sim
  return {
    apiCalls: stats.apiCalls.total,
    tokenRequests: stats.tokenRequests.total,
    paymentRequests: sim.paymentRequests.length,
  }
}

/**
 * Registers one test per row of the table with your test runner's hooks. Before the rows, it
 * starts a simulator (or takes `options.simulator`), starts `surface` once, and sends one valid
 * payment request through it, which must succeed: the surface reaches this Stitch, and its
 * token is cached. Each row then asserts the status and code, `cache-control: no-store` on the
 * proxy's answers, `allow: POST` on 405, no secret or token in the answer, that Stitch saw no
 * further token request, API call or payment request, and that no prototype was polluted.
 *
 * @example
 * import { afterAll, beforeAll, describe, it } from 'vitest'
 * describe('stitchProxy()', () => runProxyAttackTable(surface, { it, beforeAll, afterAll }))
 */
export function runProxyAttackTable(
  surface: ProxyAttackSurface,
  runner: ProxyAttackRunner,
  options: ProxyAttackTableOptions = {},
): void {
  let sim: StitchSimulator | undefined
  let server: ProxyAttackServer | undefined
  let baseline: StitchBaseline | undefined

  runner.beforeAll(async () => {
    if (options.simulator) {
      sim = options.simulator
      sim.addClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: SCOPES })
    } else {
      sim = await startStitchSimulator({
        clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: SCOPES }],
      })
    }
    const before = stitchSeen(sim)
    server = await surface.start({
      client: {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        scopes: SCOPES,
        tokenUrl: sim.tokenUrl,
        apiUrl: sim.graphqlUrl,
      },
      paymentRequest: {
        beneficiary: { name: 'Attack Target', bankId: 'fnb', accountNumber: '62000000000' },
        beneficiaryReference: 'Target',
        allowBrowserAmount: true,
      },
      mountPath: PROXY_ATTACK_MOUNT_PATH,
    })
    const warmUp = await send(server.url, { body: VALID })
    equal(warmUp.status, 200, `a valid payment request through the surface: ${warmUp.text}`)
    const { data } = JSON.parse(warmUp.text) as { data?: { id?: unknown; url?: unknown } }
    ok(typeof data?.id === 'string' && typeof data.url === 'string', warmUp.text)
    baseline = stitchSeen(sim)
    deepStrictEqual(
      {
        tokenRequests: baseline.tokenRequests - before.tokenRequests,
        paymentRequests: baseline.paymentRequests - before.paymentRequests,
      },
      { tokenRequests: 1, paymentRequests: 1 },
      'the valid payment request: one token request, one payment request',
    )
  })

  runner.afterAll(async () => {
    await server?.close()
    if (!options.simulator) await sim?.close()
  })

  for (const attack of proxyAttacks) {
    runner.it(attack.name, async () => {
      ok(sim && server && baseline, 'the surface did not start')
      const answer = await send(server.url, attack)
      const expected = expectedProxyAttackAnswer(surface, attack)
      deepStrictEqual(
        { status: answer.status, code: errorCode(answer) },
        expected,
        `${attack.name}: ${answer.text.slice(0, 500)}`,
      )
      if (expected.code !== null) equal(answer.headers['cache-control'], 'no-store')
      if (expected.status === 405) equal(answer.headers.allow, 'POST')
      ok(!answer.text.includes(CLIENT_SECRET), 'the answer holds the client secret')
      ok(!/access_token|Bearer/.test(answer.text), 'the answer holds a token')

      // Stitch was never reached, and nothing was polluted.
      deepStrictEqual(stitchSeen(sim), baseline, 'Stitch was called')
      equal(({} as Record<string, unknown>).polluted, undefined)
      equal(Object.hasOwn(Object.prototype, 'polluted'), false)
      equal(([] as unknown as Record<string, unknown>).polluted, undefined)
    })
  }
}

// A Cloudflare Worker that uses @stitch-auth/core as an app would: the client comes from the
// Worker's bindings, lives as long as the isolate (so its token cache does too), and serves
// core's browser-safe proxy on /stitch/*. edge/test/workerd.test.ts bundles it with esbuild
// and runs it in workerd against the simulator.
import {
  createStitchAuth,
  createStitchProxyHandler,
  defineOperations,
  isStitchAuthError,
  type StitchAuth,
  type StitchProxyHandler,
  toHttpErrorAnswer,
} from '@stitch-auth/core'
import {
  createPaymentRequestOperation,
  paymentRequestStatusOperation,
} from '@stitch-auth/core/proxy'

export interface Env {
  STITCH_CLIENT_ID: string
  STITCH_CLIENT_SECRET: string
  STITCH_TOKEN_URL: string
  STITCH_API_URL: string
}

const operations = defineOperations({
  createPaymentRequest: createPaymentRequestOperation({
    beneficiary: { name: 'Edge Shop', bankId: 'fnb', accountNumber: '62000000000' },
    beneficiaryReference: 'EdgeShop',
    // A real shop looks the order up; the check charges a fixed price per reference.
    resolveAmount: () => 150,
  }),
  paymentStatus: paymentRequestStatusOperation(),
})

const CREATE_PAYMENT_REQUEST = `mutation EdgeCreate($input: ClientPaymentInitiationRequestCreateInput!) {
  clientPaymentInitiationRequestCreate(input: $input) { paymentInitiationRequest { id url } }
}`

interface Isolate {
  stitch: StitchAuth
  handle: StitchProxyHandler
}

// Bindings arrive with the first request; the client is made once per isolate.
let isolate: Isolate | undefined

function forEnv(env: Env): Isolate {
  if (!isolate) {
    const stitch = createStitchAuth({
      clientId: env.STITCH_CLIENT_ID,
      clientSecret: env.STITCH_CLIENT_SECRET,
      tokenUrl: env.STITCH_TOKEN_URL,
      apiUrl: env.STITCH_API_URL,
      scopes: ['client_paymentrequest'],
    })
    isolate = { stitch, handle: createStitchProxyHandler({ client: stitch, operations }) }
  }
  return isolate
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { stitch, handle } = forEnv(env)
    const { pathname } = new URL(request.url)
    try {
      if (request.method === 'GET' && pathname === '/token') {
        const token = await stitch.getToken()
        // Never the token itself: its scopes and redacted preview only.
        return json({
          scopes: token.scopes,
          preview: token.preview,
          expiresAt: token.expiresAt.toISOString(),
        })
      }
      if (request.method === 'POST' && pathname === '/graphql-check') {
        const data = await stitch.graphql<{
          clientPaymentInitiationRequestCreate: {
            paymentInitiationRequest: { id: string; url: string }
          }
        }>(CREATE_PAYMENT_REQUEST, {
          input: {
            amount: { quantity: '99.00', currency: 'ZAR' },
            payerReference: 'edge-1',
            beneficiaryReference: 'EdgeShop',
            beneficiary: {
              bankAccount: { name: 'Edge Shop', bankId: 'fnb', accountNumber: '62000000000' },
            },
          },
        })
        return json(data.clientPaymentInitiationRequestCreate.paymentInitiationRequest)
      }
      if (pathname.startsWith('/stitch/')) {
        return await handle(request, { operation: pathname.slice('/stitch/'.length) })
      }
      return json({ error: 'not found' }, 404)
    } catch (error) {
      if (!isStitchAuthError(error)) throw error
      const answer = toHttpErrorAnswer(error)
      return json(answer.body, answer.status)
    }
  },
}

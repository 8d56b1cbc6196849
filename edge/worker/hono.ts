// A Cloudflare Worker written with Hono and @stitch-auth/hono as an app would: the client comes
// from the Worker's bindings, so the app is built at the first request and kept for the
// isolate's life (its token cache with it). stitchAuth() guards a token route and a route that
// calls the API; stitchProxy() serves "Pay with Stitch" on /stitch/*.
// edge/test/hono-workerd.test.ts bundles it with esbuild and runs it in workerd against the
// simulator.
import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperations,
  paymentRequestStatusOperation,
  stitchAuth,
  stitchErrorHandler,
  stitchProxy,
} from '@stitch-auth/hono'
import { type ExecutionContext, Hono } from 'hono'

export interface Env {
  STITCH_CLIENT_ID: string
  STITCH_CLIENT_SECRET: string
  STITCH_TOKEN_URL: string
  STITCH_API_URL: string
}

// The shop's order store: the server, not the browser, decides what an order costs.
const orders = new Map([['order-7', { total: 150 }]])

const operations = defineOperations({
  createPaymentRequest: createPaymentRequestOperation({
    beneficiary: { name: 'Edge Shop', bankId: 'fnb', accountNumber: '62000000000' },
    beneficiaryReference: 'EdgeShop',
    resolveAmount: ({ reference }) => orders.get(reference)?.total ?? 0,
  }),
  paymentRequestStatus: paymentRequestStatusOperation(),
})

const CREATE_PAYMENT_REQUEST = `mutation EdgeHonoCreate($input: ClientPaymentInitiationRequestCreateInput!) {
  clientPaymentInitiationRequestCreate(input: $input) { paymentInitiationRequest { id url } }
}`

function createApp(env: Env) {
  const stitch = createStitchAuth({
    clientId: env.STITCH_CLIENT_ID,
    clientSecret: env.STITCH_CLIENT_SECRET,
    tokenUrl: env.STITCH_TOKEN_URL,
    apiUrl: env.STITCH_API_URL,
    scopes: ['client_paymentrequest'],
  })
  return (
    new Hono<{ Bindings: Env }>()
      .route('/stitch', stitchProxy({ client: stitch, operations }))
      .get('/token', stitchAuth({ client: stitch }), (c) => {
        const token = c.get('stitchToken')
        // Never the token itself: what a route can know about it.
        return c.json({
          tokenType: token.tokenType,
          scopes: token.scopes,
          preview: token.preview,
          expiresAt: token.expiresAt.toISOString(),
        })
      })
      // The shop's own Stitch call: graphql() is given, from the cache, the token stitchAuth()
      // got for the client's scopes.
      .post('/payment-requests', stitchAuth({ client: stitch }), async (c) => {
        const data = await stitch.graphql<{
          clientPaymentInitiationRequestCreate: {
            paymentInitiationRequest: { id: string; url: string }
          }
        }>(CREATE_PAYMENT_REQUEST, {
          input: {
            amount: { quantity: '99.00', currency: 'ZAR' },
            payerReference: 'edge-hono-1',
            beneficiaryReference: 'EdgeShop',
            beneficiary: {
              bankAccount: { name: 'Edge Shop', bankId: 'fnb', accountNumber: '62000000000' },
            },
          },
        })
        return c.json(data.clientPaymentInitiationRequestCreate.paymentInitiationRequest)
      })
      .onError(stitchErrorHandler())
  )
}

// Bindings arrive with the first request; the app, and its client, is made once per isolate.
let app: ReturnType<typeof createApp> | undefined

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    app ??= createApp(env)
    return app.fetch(request, env, ctx)
  },
}

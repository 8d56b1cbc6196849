// The stitch-auth demo: a local Stitch simulator (or real Stitch, when credentials are in the
// environment), one client, a token minted then served from cache, and one API call.
import { createStitchAuth, type StitchAuthEvent } from '@stitch-auth/core'
import { startStitchSimulator } from '@stitch-auth/testing'

const bold = (text: string) => `\x1b[1m${text}\x1b[0m`
const dim = (text: string) => `\x1b[2m${text}\x1b[0m`
const say = (text: string) => console.log(text)

const realClientId = process.env.STITCH_CLIENT_ID || undefined
const realSecret = process.env.STITCH_CLIENT_SECRET || undefined
const useRealStitch = Boolean(realClientId && realSecret)

const simulator = useRealStitch
  ? undefined
  : await startStitchSimulator({
      clients: [
        {
          clientId: 'demo-client',
          clientSecret: 'demo-secret-do-not-use',
          scopes: ['client_paymentrequest', 'client_refund'],
        },
      ],
    })

say(bold('stitch-auth demo'))
say(
  simulator
    ? `Local Stitch simulator listening on ${simulator.url} (token endpoint ${simulator.tokenUrl})`
    : 'Talking to real Stitch with STITCH_CLIENT_ID / STITCH_CLIENT_SECRET from the environment',
)

const stitch = createStitchAuth({
  clientId: realClientId ?? 'demo-client',
  clientSecret: realSecret ?? 'demo-secret-do-not-use',
  scopes: ['client_paymentrequest'],
  ...(simulator ? { tokenUrl: simulator.tokenUrl, apiUrl: simulator.graphqlUrl } : {}),
  onEvent: (event: StitchAuthEvent) => {
    if (event.type === 'tokenMinted') {
      say(
        dim(
          `  event tokenMinted: ${event.tokenPreview} for ${event.scopes.join(' ')}, ` +
            `lifetime ${event.lifetimeMs / 1000} s, ${event.attempts} attempt(s), ${event.durationMs} ms`,
        ),
      )
    } else if (event.type === 'cacheHit') {
      say(dim(`  event cacheHit (${event.source}) for ${event.scopes.join(' ')}`))
    }
  },
})

try {
  say(`\n1. Asking for a token with scope client_paymentrequest…`)
  let started = performance.now()
  const first = await stitch.getToken()
  say(
    `   Got ${first.preview} in ${(performance.now() - started).toFixed(1)} ms; ` +
      `it expires at ${first.expiresAt.toISOString()}.`,
  )

  say(`\n2. Asking again…`)
  started = performance.now()
  const second = await stitch.getToken()
  const micros = ((performance.now() - started) * 1000).toFixed(0)
  say(
    `   Got ${second.preview} in ${micros} µs: ${second.accessToken === first.accessToken ? 'the same token, served from the cache — no request to Stitch.' : 'a different token (unexpected!)'}`,
  )

  say(`\n3. Creating a payment request through the GraphQL API with that token…`)
  const data = await stitch.graphql<{
    clientPaymentInitiationRequestCreate: { paymentInitiationRequest: { id: string; url: string } }
  }>(
    `mutation CreatePaymentRequest($input: PaymentInitiationRequestInput!) {
      clientPaymentInitiationRequestCreate(input: $input) { paymentInitiationRequest { id url } }
    }`,
    {
      input: {
        amount: { quantity: 150, currency: 'ZAR' },
        payerReference: 'order-42',
        beneficiaryReference: 'demo-shop',
        externalReference: 'order-42',
        beneficiary: {
          bankAccount: { name: 'Demo Shop', bankId: 'fnb', accountNumber: '62000000000' },
        },
      },
    },
  )
  const request = data.clientPaymentInitiationRequestCreate.paymentInitiationRequest
  say(`   Payment request ${request.id} created; the payer goes to:\n   ${request.url}`)

  if (simulator) {
    say(
      `\nThe simulator saw ${simulator.stats.tokenRequests.total} token request(s) and ` +
        `${simulator.stats.apiCalls.total} API call(s).`,
    )
  }
  say(bold('\nDone.'))
} finally {
  await stitch.close()
  await simulator?.close()
}

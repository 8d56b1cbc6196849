// The README's quick start, type-checked and run against the simulator by the tests.
import { createStitchAuth } from '@stitch-auth/core'

export async function quickStart(env: {
  STITCH_CLIENT_ID: string
  STITCH_CLIENT_SECRET: string
  STITCH_TOKEN_URL?: string
  STITCH_API_URL?: string
}) {
  const stitch = createStitchAuth({
    clientId: env.STITCH_CLIENT_ID,
    clientSecret: env.STITCH_CLIENT_SECRET,
    scopes: ['client_paymentrequest'],
    // Omit both to talk to Stitch itself.
    ...(env.STITCH_TOKEN_URL ? { tokenUrl: env.STITCH_TOKEN_URL } : {}),
    ...(env.STITCH_API_URL ? { apiUrl: env.STITCH_API_URL } : {}),
  })

  // Let the client attach the token (and re-authenticate once if Stitch says it expired).
  const data = await stitch.graphql<{
    clientPaymentInitiationRequestCreate: { paymentInitiationRequest: { id: string; url: string } }
  }>(
    `mutation Create($input: ClientPaymentInitiationRequestCreateInput!) {
      clientPaymentInitiationRequestCreate(input: $input) { paymentInitiationRequest { id url } }
    }`,
    {
      input: {
        amount: { quantity: '150.00', currency: 'ZAR' },
        payerReference: 'order-42',
        beneficiaryReference: 'my-shop',
        beneficiary: {
          bankAccount: { name: 'My Shop', bankId: 'fnb', accountNumber: '62000000000' },
        },
      },
    },
  )
  const { id, url } = data.clientPaymentInitiationRequestCreate.paymentInitiationRequest

  // Or take the token, cached until shortly before it expires, to any HTTP client.
  const token = await stitch.getToken()
  const response = await fetch(stitch.options.apiUrl, {
    method: 'POST',
    headers: { authorization: token.authorizationHeader, 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `query State($id: ID!) {
        node(id: $id) { ... on PaymentInitiationRequest { state { __typename } } }
      }`,
      variables: { id },
    }),
  })
  const read = (await response.json()) as { data: { node: { state: { __typename: string } } } }
  const state = read.data.node.state.__typename // 'PaymentInitiationRequestPending'

  await stitch.close() // on shutdown
  return { url, state }
}

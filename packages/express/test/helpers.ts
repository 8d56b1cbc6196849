import { startStitchSimulator } from '@stitch-auth/testing'
import { adapterKit } from '../../../test-support/adapter-kit.js'
import { createStitchAuth, type StitchAuthOptions } from '../src/index.js'

export { FAST_FAILURE } from '../../../test-support/adapter-kit.js'

export const CLIENT_ID = 'express-test-client'
export const CLIENT_SECRET = 'express-test-secret-4f9c2a7e'
export const WRONG_SECRET = 'wrong-secret-91b3d5e0'

const kit = adapterKit({
  credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, wrongSecret: WRONG_SECRET },
  startStitchSimulator,
  createStitchAuth: (options: StitchAuthOptions) => createStitchAuth(options),
})

export const { clientOptions, issuedTokens, useAdapterSimulator } = kit

/** Asserts that a response (status line aside) holds no client secret and no access token. */
export function expectNoSecrets(response: { text: string; headers: object }): void {
  kit.expectNoSecrets(response.text, response.headers)
}

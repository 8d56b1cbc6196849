import { startStitchSimulator } from '@stitch-auth/testing'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { afterEach } from 'vitest'
import { type AdapterSimulatorOptions, adapterKit } from '../../../test-support/adapter-kit.js'
import { createStitchAuth, type StitchAuthOptions } from '../src/index.js'

export { FAST_FAILURE } from '../../../test-support/adapter-kit.js'

export const CLIENT_ID = 'fastify-test-client'
export const CLIENT_SECRET = 'fastify-test-secret-8e2d6b1c'
export const WRONG_SECRET = 'wrong-secret-3c7a9f42'

const kit = adapterKit({
  credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, wrongSecret: WRONG_SECRET },
  startStitchSimulator,
  createStitchAuth: (options: StitchAuthOptions) => createStitchAuth(options),
})

export const { clientOptions, issuedTokens } = kit

/** A Fastify app without its logger (tests assert on answers, not logs). */
export function createApp(options: FastifyServerOptions = {}): FastifyInstance {
  return Fastify({ logger: false, ...options })
}

/** Starts `app` on 127.0.0.1 and a free port; returns its origin. */
export async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' })
}

/**
 * The kit's simulator and clients, plus `app()`: an app closed after the test. Apps close
 * before the clients they were given: this hook is registered after the kit's, so it runs first.
 */
export function useFastifySimulator(options?: AdapterSimulatorOptions<StitchAuthOptions>) {
  const ctx = kit.useAdapterSimulator(options)
  const apps: FastifyInstance[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()))
  })
  return Object.assign(ctx, {
    app(): FastifyInstance {
      const created = createApp()
      apps.push(created)
      return created
    },
  })
}

/** Asserts that an answer (status line aside) holds no client secret and no access token. */
export function expectNoSecrets(response: { body: string; headers: object }): void {
  kit.expectNoSecrets(response.body, response.headers)
}

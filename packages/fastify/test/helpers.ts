import type { StitchAuthOptions } from '@stitch-auth/core'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { expect } from 'vitest'
import { createStitchAuth } from '../src/index.js'

export const CLIENT_ID = 'fastify-test-client'
export const CLIENT_SECRET = 'fastify-test-secret-8e2d6b1c'
export const WRONG_SECRET = 'wrong-secret-3c7a9f42'

export function startSim(): Promise<StitchSimulator> {
  return startStitchSimulator({
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        scopes: ['client_paymentrequest', 'client_refund'],
      },
    ],
  })
}

/** Retries kept short so failure tests take milliseconds, not the default 30 s deadline. */
export const FAST_FAILURE = {
  deadlineMs: 2_000,
  attemptTimeoutMs: 1_000,
  retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 0 },
} as const

/** Every access token the simulator handed to clients made here, to prove none leaks. */
export const issuedTokens = new Set<string>()

/** A fetch that notes the access tokens in token responses, for the leak checks. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init)
  const url = input instanceof Request ? input.url : String(input)
  if (url.endsWith('/connect/token') && response.ok) {
    const body = (await response.clone().json()) as { access_token?: string }
    if (body.access_token) issuedTokens.add(body.access_token)
  }
  return response
}

export function clientOptions(
  sim: StitchSimulator,
  overrides: Partial<StitchAuthOptions> = {},
): StitchAuthOptions {
  return {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes: ['client_paymentrequest'],
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
    fetch: recordingFetch,
    ...overrides,
  }
}

export function createClient(sim: StitchSimulator, overrides: Partial<StitchAuthOptions> = {}) {
  return createStitchAuth(clientOptions(sim, overrides))
}

/** A Fastify app without its logger (tests assert on answers, not logs). */
export function createApp(options: FastifyServerOptions = {}): FastifyInstance {
  return Fastify({ logger: false, ...options })
}

/** Starts `app` on 127.0.0.1 and a free port; returns its origin. */
export async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' })
}

/** Asserts that an answer (status line aside) holds no client secret and no access token. */
export function expectNoSecrets(response: { body: string; headers: Record<string, unknown> }) {
  const everything = `${response.body}\n${JSON.stringify(response.headers)}`
  expect(everything).not.toContain(CLIENT_SECRET)
  expect(everything).not.toContain(WRONG_SECRET)
  for (const token of issuedTokens) expect(everything).not.toContain(token)
}

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { startStitchSimulator } from '@stitch-auth/testing'
import type { Hono } from 'hono'
import { adapterKit } from '../../../test-support/adapter-kit.js'
import { createStitchAuth, type StitchAuthOptions } from '../src/index.js'

export { FAST_FAILURE } from '../../../test-support/adapter-kit.js'

export const CLIENT_ID = 'hono-test-client'
export const CLIENT_SECRET = 'hono-test-secret-6c1e8b3d'
export const WRONG_SECRET = 'wrong-secret-0a9d'

export const { expectNoSecrets, issuedTokens, useAdapterSimulator } = adapterKit({
  credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, wrongSecret: WRONG_SECRET },
  startStitchSimulator,
  createStitchAuth: (options: StitchAuthOptions) => createStitchAuth(options),
})

/** A Hono app served by `@hono/node-server` on 127.0.0.1 and a free port. */
export interface ServedApp {
  url: string
  close(): Promise<void>
}

// biome-ignore lint/suspicious/noExplicitAny: any app, whatever its Env and schema.
export async function listen(app: Hono<any, any, any>): Promise<ServedApp> {
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
      resolve({ server: started as Server, port: (info as AddressInfo).port }),
    )
  })
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { StitchAuthOptions } from '@stitch-auth/core'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import type { Hono } from 'hono'
import { createStitchAuth } from '../src/index.js'

export const CLIENT_ID = 'hono-test-client'
export const CLIENT_SECRET = 'hono-test-secret-6c1e8b3d'

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

export function createClient(sim: StitchSimulator, overrides: Partial<StitchAuthOptions> = {}) {
  return createStitchAuth({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes: ['client_paymentrequest'],
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
    ...overrides,
  })
}

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

// The proxy attack contract of @stitch-auth/testing on stitchProxy(), mounted bare and behind
// express.json(): every row is refused with the expected status and code, Stitch is never
// called, and no prototype is polluted.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type ProxyAttackServer,
  type ProxyAttackSetup,
  type ProxyAttackSurface,
  runProxyAttackTable,
} from '@stitch-auth/testing'
import express from 'express'
import { afterAll, beforeAll, describe, it } from 'vitest'
import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperations,
  type ExpressProxyContext,
  stitchProxy,
} from '../src/index.js'

function surface(mode: 'bare' | 'json'): ProxyAttackSurface {
  return {
    // body-parser reads the body first and answers what it cannot parse with its own page.
    jsonBodyParser: mode === 'json',
    async start({ client: options, paymentRequest, mountPath }: ProxyAttackSetup) {
      const client = createStitchAuth(options)
      const operations = defineOperations({
        createPaymentRequest: createPaymentRequestOperation<ExpressProxyContext>(paymentRequest),
      })
      const app = express()
      if (mode === 'json') app.use(express.json())
      app.use(mountPath, stitchProxy({ client, operations }))
      const server: Server = await new Promise((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
      })
      const { port } = server.address() as AddressInfo
      return {
        url: `http://127.0.0.1:${port}`,
        async close() {
          server.closeAllConnections()
          await new Promise((resolve) => server.close(resolve))
          await client.close()
        },
      } satisfies ProxyAttackServer
    },
  }
}

describe.each(['bare', 'json'] as const)('stitchProxy() attack table, mounted %s', (mode) => {
  runProxyAttackTable(surface(mode), { it, beforeAll, afterAll })
})

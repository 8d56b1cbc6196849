// The proxy attack contract of @stitch-auth/testing on stitchProxy(), served by Node through
// @hono/node-server: every row is refused with the expected status and code, Stitch is never
// called, and no prototype is polluted.
import { type ProxyAttackSurface, runProxyAttackTable } from '@stitch-auth/testing'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, it } from 'vitest'
import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperations,
  type HonoProxyContext,
  stitchProxy,
} from '../src/index.js'
import { listen } from './helpers.js'

function surface(strict: boolean): ProxyAttackSurface {
  return {
    differs(attack) {
      // The Web URL parser that makes c.req.raw takes `%2e%2e` for `..`: the request is for
      // /createPaymentRequest, outside the mount, and the app's own 404 answers it.
      if (attack.path === '/stitch/%2e%2e/createPaymentRequest') return { status: 404, code: null }
      // Hono routes strictly by default: with a trailing slash it is another path, which names
      // no operation. `strict: false` drops the slash, as Express does.
      if (strict && attack.path === '/stitch/createPaymentRequest/') {
        return { status: 404, code: 'unknown_operation' }
      }
      return undefined
    },
    async start({ client: options, paymentRequest, mountPath }) {
      const client = createStitchAuth(options)
      const operations = defineOperations({
        createPaymentRequest: createPaymentRequestOperation<HonoProxyContext>(paymentRequest),
      })
      const app = new Hono({ strict }).route(mountPath, stitchProxy({ client, operations }))
      const served = await listen(app)
      return {
        url: served.url,
        async close() {
          await served.close()
          await client.close()
        },
      }
    },
  }
}

describe.each([
  ['strict', true],
  ['not strict', false],
])('stitchProxy() attack table, on @hono/node-server, routing %s', (_mode, strict) => {
  runProxyAttackTable(surface(strict), { it, beforeAll, afterAll })
})

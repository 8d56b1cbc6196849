// The proxy attack contract of @stitch-auth/testing on the stitchProxy plugin, in a bare app and
// in one whose own body parsers would change the body: every row is refused with the expected
// status and code, Stitch is never called, and no prototype is polluted.
import {
  type ProxyAttack,
  type ProxyAttackServer,
  type ProxyAttackSetup,
  type ProxyAttackSurface,
  runProxyAttackTable,
} from '@stitch-auth/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import {
  createPaymentRequestOperation,
  createStitchAuth,
  defineOperations,
  type FastifyProxyContext,
  stitchErrorHandler,
  stitchProxy,
} from '../src/index.js'
import { createApp, listen } from './helpers.js'

/** Where Fastify's router, not the proxy, decides: say why for each. */
function differs(attack: ProxyAttack) {
  // Fastify's router does not ignore a trailing slash (`ignoreTrailingSlash` is off by default):
  // `/stitch/createPaymentRequest/` is not the operation's route, so no operation by that name.
  if (attack.path === '/stitch/createPaymentRequest/') {
    return { status: 404, code: 'unknown_operation' }
  }
  return undefined
}

function surface(mode: 'bare' | 'parsers'): ProxyAttackSurface {
  return {
    differs,
    async start({ client: options, paymentRequest, mountPath }: ProxyAttackSetup) {
      const client = createStitchAuth(options)
      const operations = defineOperations({
        createPaymentRequest: createPaymentRequestOperation<FastifyProxyContext>(paymentRequest),
      })
      const app = createApp()
      if (mode === 'parsers') {
        // The app's own parsers and error handler, which the proxy's context must not inherit:
        // a lenient JSON parser, a form parser, and a catch-all that reads everything.
        app.setErrorHandler(stitchErrorHandler())
        app.removeContentTypeParser('application/json')
        app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) =>
          done(null, { rewritten: String(text).length }),
        )
        app.addContentTypeParser(
          'application/x-www-form-urlencoded',
          { parseAs: 'string' },
          (_req, text, done) => done(null, Object.fromEntries(new URLSearchParams(String(text)))),
        )
        app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
      }
      await app.register(stitchProxy, { client, operations, prefix: mountPath })
      const url = await listen(app)
      return {
        url,
        async close() {
          await app.close()
          await client.close()
        },
      } satisfies ProxyAttackServer
    },
  }
}

describe.each(['bare', 'parsers'] as const)('stitchProxy attack table, app with %s', (mode) => {
  runProxyAttackTable(surface(mode), { it, beforeAll, afterAll })
})

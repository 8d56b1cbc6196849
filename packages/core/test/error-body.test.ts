// The error-body contract of @stitch-auth/testing, on core's proxy engine: the same failure
// answers with the same status, headers and body here as through Express and Nest.
import { type ErrorBodySurface, runErrorBodyTable } from '@stitch-auth/testing'
import { describe, it } from 'vitest'
import { z } from 'zod'
import { createStitchAuth, createStitchProxyHandler, defineOperations } from '../src/index.js'

const proxyEngine: ErrorBodySurface = {
  makes: 'api',
  // The engine stops when its Request's signal aborts; here the test owns that signal.
  canAbort: true,
  async start({ client: options, call }) {
    const client = createStitchAuth(options)
    const handle = createStitchProxyHandler({
      client,
      operations: defineOperations({
        call: {
          document: call.document,
          scopes: call.scopes,
          input: z.object({}).strict(),
          toOutput: (data: unknown) => data,
        },
      }),
    })
    return {
      request: () =>
        handle(
          new Request('http://shop.test/stitch/call', {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
            body: '{}',
            ...(call.abortAfterMs === undefined
              ? {}
              : { signal: AbortSignal.timeout(call.abortAfterMs) }),
          }),
        ),
      close: () => client.close(),
    }
  },
}

describe('error-body contract: createStitchProxyHandler()', () => {
  runErrorBodyTable(proxyEngine, it)
})

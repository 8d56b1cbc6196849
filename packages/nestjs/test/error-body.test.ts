// The error-body contract of @stitch-auth/testing on every Nest surface, on Express and on
// Fastify: StitchAuthExceptionFilter on a route calling graphql(), @UseStitchToken(), and
// StitchProxyController. Each must answer exactly as Express and core's proxy engine do.
import { Controller, Get, Module, Post, UseFilters } from '@nestjs/common'
import { type ErrorBodySetup, type ErrorBodySurface, runErrorBodyTable } from '@stitch-auth/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CurrentStitchToken,
  defineOperations,
  paymentRequestStatusOperation,
  StitchAuthExceptionFilter,
  StitchAuthModule,
  StitchAuthService,
  StitchProxyController,
  type StitchToken,
  UseStitchToken,
} from '../src/index.js'
import {
  listen,
  PLATFORMS,
  type PlatformName,
  request,
  simulatorOptions,
  startSimulator,
} from './helpers.js'

/** Boots `controller` with the module configured from the row's client options. */
async function boot(
  platform: PlatformName,
  { client }: ErrorBodySetup,
  controller: unknown,
  path: string,
  init: RequestInit,
) {
  @Module({
    imports: [
      StitchAuthModule.forRoot({
        ...client,
        // A ready-made operation with the table's scopes; what it asks Stitch does not matter.
        proxy: { operations: defineOperations({ status: paymentRequestStatusOperation() }) },
      }),
    ],
    controllers: [controller as never],
  })
  class AppModule {}
  const app = await listen(platform, AppModule)
  return { request: () => fetch(`${app.url}${path}`, init), close: () => app.close() }
}

const surfaces = (platform: PlatformName) => {
  const filteredRoute: ErrorBodySurface = {
    makes: 'api',
    canAbort: true,
    start(setup) {
      const { call } = setup
      @Controller('call')
      @UseFilters(StitchAuthExceptionFilter)
      class CallController {
        constructor(private readonly stitch: StitchAuthService) {}

        @Post()
        call() {
          const signal =
            call.abortAfterMs === undefined ? undefined : AbortSignal.timeout(call.abortAfterMs)
          return this.stitch.graphql(call.document, undefined, {
            scopes: call.scopes,
            ...(signal ? { signal } : {}),
          })
        }
      }
      return boot(platform, setup, CallController, '/call', { method: 'POST' })
    },
  }

  const tokenRoute: ErrorBodySurface = {
    makes: 'token',
    canAbort: false,
    start(setup) {
      @Controller('checkout')
      class CheckoutController {
        @Get()
        @UseStitchToken(setup.call.scopes)
        read(@CurrentStitchToken() token: StitchToken) {
          return { preview: token.preview }
        }
      }
      return boot(platform, setup, CheckoutController, '/checkout', { method: 'GET' })
    },
  }

  const proxyController: ErrorBodySurface = {
    makes: 'api',
    // Its calls stop when the browser goes away, and then nobody reads the answer.
    canAbort: false,
    start(setup) {
      return boot(platform, setup, StitchProxyController, '/stitch/status', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-stitch-proxy': '1' },
        body: JSON.stringify({ id: 'payment-request-1' }),
      })
    },
  }
  return { filteredRoute, tokenRoute, proxyController }
}

describe.each(PLATFORMS)('error-body contract on %s', (platform: PlatformName) => {
  const { filteredRoute, tokenRoute, proxyController } = surfaces(platform)

  describe('StitchAuthExceptionFilter on a route calling graphql()', () => {
    runErrorBodyTable(filteredRoute, it)
  })

  describe('@UseStitchToken()', () => {
    runErrorBodyTable(tokenRoute, it)
  })

  describe('StitchProxyController', () => {
    runErrorBodyTable(proxyController, it)
  })
})

@Controller('refused')
@UseStitchToken()
class RefusedController {
  @Get()
  read(@CurrentStitchToken() token: StitchToken) {
    return { preview: token.preview }
  }
}

describe.each(PLATFORMS)('exposeMessages on %s', (platform: PlatformName) => {
  let sim: Awaited<ReturnType<typeof startSimulator>>
  beforeEach(async () => {
    sim = await startSimulator()
  })
  afterEach(async () => {
    await sim.close()
  })

  async function answer(moduleOptions: { exposeMessages?: boolean }) {
    @Module({
      imports: [
        StitchAuthModule.forRoot({
          ...simulatorOptions(sim),
          clientSecret: 'not-the-secret-3b8e',
          ...moduleOptions,
        }),
      ],
      controllers: [RefusedController],
    })
    class AppModule {}
    const app = await listen(platform, AppModule)
    try {
      return await request(`${app.url}/refused`)
    } finally {
      await app.close()
    }
  }

  it('sends the fixed public message by default', async () => {
    const response = await answer({})
    expect(response.status).toBe(502)
    expect(response.json).toEqual({
      error: {
        code: 'STITCH_AUTH_TOKEN_REJECTED',
        message: 'Stitch could not complete the request.',
      },
    })
  })

  it('sends core’s own message with exposeMessages: true, as stitchErrorHandler() does', async () => {
    const response = await answer({ exposeMessages: true })
    expect(response.status).toBe(502)
    expect(response.json).toEqual({
      error: {
        code: 'STITCH_AUTH_TOKEN_REJECTED',
        message: expect.stringMatching(/^Stitch refused the token request with "invalid_client"/),
      },
    })
    expect(response.text).not.toContain('not-the-secret-3b8e')
  })
})

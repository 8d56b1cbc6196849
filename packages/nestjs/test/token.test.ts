import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  type LoggerService,
  Module,
  Post,
  UseGuards,
} from '@nestjs/common'
import { APP_FILTER } from '@nestjs/core'
import type { StitchSimulator } from '@stitch-auth/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CurrentStitchToken,
  STITCH_TOKEN_PROPERTY,
  StitchAuthExceptionFilter,
  StitchAuthModule,
  StitchAuthService,
  StitchToken,
  UseStitchToken,
} from '../src/index.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  listen,
  PLATFORMS,
  type PlatformName,
  type RunningApp,
  request,
  simulatorOptions,
  startSimulator,
} from './helpers.js'

/** Puts a token on `req.stitchToken` as other code may (`@stitch-auth/express`'s middleware). */
@Injectable()
class ForeignTokenGuard implements CanActivate {
  canActivate(context: ExecutionContext) {
    const request = context.switchToHttp().getRequest<Record<string, unknown>>()
    request[STITCH_TOKEN_PROPERTY] = new StitchToken({
      accessToken: 'not-from-the-route',
      tokenType: 'Bearer',
      scopes: ['client_disbursement'],
      issuedAt: Date.now(),
      expiresAt: Date.now() + 60_000,
    })
    return true
  }
}

@Controller('refunds')
class RefundsController {
  constructor(private readonly stitch: StitchAuthService) {}

  @Post()
  @UseStitchToken(['client_refund'])
  async create(@CurrentStitchToken() token: StitchToken) {
    // Use the token as a handler would: call Stitch with it.
    const response = await fetch(this.stitch.client.options.apiUrl, {
      method: 'POST',
      headers: { authorization: token.authorizationHeader, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query { __typename }' }),
    })
    const { data } = (await response.json()) as { data: { __typename: string } }
    return { scopes: token.scopes, api: data, preview: token.preview }
  }

  @Get('disbursements')
  @UseStitchToken(['client_disbursement'])
  disburse(@CurrentStitchToken() token: StitchToken) {
    return { scopes: token.scopes }
  }

  @Get('handler-fails')
  @UseStitchToken()
  async handlerFails() {
    // The token is fine; the handler's own call lacks a scope and Stitch refuses it.
    return this.stitch.graphql(
      'mutation { clientPaymentInitiationRequestCancel(input: { requestId: "x", reason: "test" }) { id } }',
      undefined,
      { scopes: ['client_refund'] },
    )
  }

  @Get('no-decorator')
  noDecorator(@CurrentStitchToken() token: StitchToken) {
    return { scopes: token.scopes }
  }

  @Get('foreign-token')
  @UseGuards(ForeignTokenGuard)
  foreignToken(@CurrentStitchToken() token: StitchToken) {
    return { scopes: token.scopes }
  }
}

@Controller('checkout')
@UseStitchToken()
class CheckoutController {
  @Get()
  read(@CurrentStitchToken() token: StitchToken) {
    return { scopes: token.scopes, json: JSON.parse(JSON.stringify(token)) }
  }
}

@Controller('plain')
class PlainController {
  constructor(private readonly stitch: StitchAuthService) {}

  @Get()
  async plain() {
    return (await this.stitch.getToken(['client_disbursement'])).scopes
  }
}

describe.each(PLATFORMS)('on %s', (platform: PlatformName) => {
  let sim: StitchSimulator
  let running: RunningApp
  let tokens: string[]

  beforeEach(async () => {
    sim = await startSimulator()
    tokens = []
    @Module({
      imports: [
        StitchAuthModule.forRoot({
          ...simulatorOptions(sim),
          // One attempt, so a fault surfaces at once instead of being retried.
          retry: { maxAttempts: 1 },
          onEvent: (event) => {
            if (event.type === 'tokenMinted') tokens.push(event.tokenPreview)
          },
        }),
      ],
      controllers: [RefundsController, CheckoutController],
    })
    class AppModule {}
    running = await listen(platform, AppModule)
  })

  afterEach(async () => {
    await running.close()
    await sim.close()
  })

  describe('@UseStitchToken() + @CurrentStitchToken()', () => {
    it('gives the route a working token with the scopes it asked for', async () => {
      const response = await request(`${running.url}/refunds`, { method: 'POST' })

      expect(response).toMatchObject({
        status: 201,
        json: { scopes: ['client_refund'], api: { __typename: 'Query' } },
      })
      // Stitch accepted the call made with the route's token, which carried just its scopes.
      expect(sim.apiRequests).toEqual([
        expect.objectContaining({ clientId: CLIENT_ID, scopes: ['client_refund'], outcome: 'ok' }),
      ])
      expect(sim.stats.tokenRequests.total).toBe(1)
    })

    it('uses the module’s default scopes on a controller-level decorator', async () => {
      const response = await request(`${running.url}/checkout`)

      expect(response).toMatchObject({ status: 200, json: { scopes: ['client_paymentrequest'] } })
      // Even serialised on purpose, the token shows only a preview.
      expect((response.json as { json: { accessToken: string } }).json.accessToken).toMatch(/…$/)
    })

    it('answers 503 with Retry-After when the token endpoint is down, leaking nothing', async () => {
      sim.fault({ endpoint: 'token', status: 503, retryAfter: 2, times: 1 })

      const response = await request(`${running.url}/refunds`, { method: 'POST' })

      expect(response.status).toBe(503)
      expect(response.headers.get('retry-after')).toBe('2')
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.json).toEqual({
        error: {
          code: 'STITCH_AUTH_ENDPOINT_UNAVAILABLE',
          message: 'Stitch is unavailable; try again shortly.',
        },
      })
      expect(response.text).not.toContain(CLIENT_SECRET)
      expect(response.text).not.toContain('Bearer')
      expect(sim.stats.apiCalls.total).toBe(0)

      // Once Stitch is back, the same route works.
      const retried = await request(`${running.url}/refunds`, { method: 'POST' })
      expect(retried.status).toBe(201)
      expect(retried.text).not.toContain(CLIENT_SECRET)
      expect(retried.text).not.toContain('Bearer')
      expect(tokens).toHaveLength(1)
    })

    it('answers 502 when Stitch refuses the token', async () => {
      const response = await request(`${running.url}/refunds/disbursements`)

      expect(response.status).toBe(502)
      expect(response.json).toEqual({
        error: {
          code: 'STITCH_AUTH_TOKEN_REJECTED',
          message: 'Stitch could not complete the request.',
        },
      })
      expect(response.text).not.toContain(CLIENT_SECRET)
      expect(response.text).not.toContain('invalid_scope')
    })

    it('maps Stitch errors thrown by the handler itself too', async () => {
      const response = await request(`${running.url}/refunds/handler-fails`)

      expect(response.status).toBe(502)
      expect(response.json).toMatchObject({ error: { code: 'STITCH_AUTH_API_FORBIDDEN' } })
      expect(sim.apiRequests.at(-1)).toMatchObject({
        scopes: ['client_refund'],
        outcome: 'forbidden',
      })
    })

    it('fails loudly when @CurrentStitchToken() is used without @UseStitchToken()', async () => {
      const response = await request(`${running.url}/refunds/no-decorator`)

      expect(response.status).toBe(500)
      expect(sim.stats.tokenRequests.total).toBe(0)
    })

    it('never hands over a token the route did not get itself', async () => {
      const response = await request(`${running.url}/refunds/foreign-token`)

      expect(response.status).toBe(500)
      expect(response.text).not.toContain('client_disbursement')
    })
  })

  describe('@CurrentStitchToken() outside @UseStitchToken()', () => {
    it('throws a StitchConfigError that names the route and the fix', async () => {
      const logged: unknown[] = []
      const logger: LoggerService = {
        log: () => {},
        warn: () => {},
        error: (...args: unknown[]) => logged.push(...args),
      }
      @Module({
        imports: [StitchAuthModule.forRoot(simulatorOptions(sim))],
        controllers: [RefundsController],
        providers: [{ provide: APP_FILTER, useClass: StitchAuthExceptionFilter }],
      })
      class FilteredModule {}
      const app = await listen(platform, FilteredModule, { logger })
      try {
        const response = await request(`${app.url}/refunds/no-decorator`)

        expect(response.status).toBe(500)
        expect(response.json).toMatchObject({ error: { code: 'STITCH_AUTH_CONFIG_INVALID' } })
        expect(logged.join('\n')).toContain(
          '@CurrentStitchToken() on RefundsController.noDecorator() found no token:\n  - add @UseStitchToken() to the route or its controller',
        )
        expect(sim.stats.tokenRequests.total).toBe(0)
      } finally {
        await app.close()
      }
    })
  })

  describe('StitchAuthExceptionFilter app-wide', () => {
    it('maps Stitch errors of any route when registered as APP_FILTER', async () => {
      @Module({
        imports: [
          StitchAuthModule.forRoot({ ...simulatorOptions(sim), retry: { maxAttempts: 1 } }),
        ],
        controllers: [PlainController],
        providers: [{ provide: APP_FILTER, useClass: StitchAuthExceptionFilter }],
      })
      class FilteredModule {}
      const app = await listen(platform, FilteredModule)
      try {
        const response = await request(`${app.url}/plain`)
        expect(response.status).toBe(502)
        expect(response.json).toMatchObject({ error: { code: 'STITCH_AUTH_TOKEN_REJECTED' } })
      } finally {
        await app.close()
      }
    })
  })
})

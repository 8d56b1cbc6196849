import { Controller, Get, Injectable, Module } from '@nestjs/common'
import { ConfigModule, ConfigService } from '@nestjs/config'
import { Test } from '@nestjs/testing'
import type { StitchSimulator } from '@stitch-auth/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  StitchAuthModule,
  type StitchAuthModuleOptions,
  StitchAuthService,
  StitchConfigError,
  StitchProxyController,
} from '../src/index.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  createApp,
  listen,
  PLATFORMS,
  type PlatformName,
  type RunningApp,
  request,
  simulatorOptions,
  startSimulator,
} from './helpers.js'

/** A user service that a controller calls: the way apps use the module. */
@Injectable()
class PaymentsService {
  constructor(private readonly stitch: StitchAuthService) {}

  async tokenScopes(): Promise<readonly string[]> {
    return (await this.stitch.getToken()).scopes
  }

  async apiTypename(): Promise<string> {
    const data = await this.stitch.graphql<{ __typename: string }>('query Ping { __typename }')
    return data.__typename
  }
}

@Controller('payments')
class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Get('token')
  async token() {
    return { scopes: await this.payments.tokenScopes() }
  }

  @Get('api')
  async api() {
    return { typename: await this.payments.apiTypename() }
  }
}

function appWith(stitchModule: unknown) {
  @Module({
    imports: [stitchModule as never],
    controllers: [PaymentsController],
    providers: [PaymentsService],
  })
  class AppModule {}
  return AppModule
}

let sim: StitchSimulator
let running: RunningApp | undefined

beforeEach(async () => {
  sim = await startSimulator()
})

afterEach(async () => {
  await running?.close()
  running = undefined
  await sim.close()
})

describe.each(PLATFORMS)('on %s', (platform: PlatformName) => {
  describe('StitchAuthModule.forRoot', () => {
    it('injects StitchAuthService into a user service that a controller calls', async () => {
      running = await listen(platform, appWith(StitchAuthModule.forRoot(simulatorOptions(sim))))

      const token = await request(`${running.url}/payments/token`)
      expect(token).toMatchObject({ status: 200, json: { scopes: ['client_paymentrequest'] } })
      const api = await request(`${running.url}/payments/api`)
      expect(api).toMatchObject({ status: 200, json: { typename: 'Query' } })
      expect(sim.stats.tokenRequests.total).toBe(1)
      expect(sim.stats.apiCalls.total).toBe(1)
      // The service's call went out with the module's token and its default scopes.
      expect(sim.apiRequests).toEqual([
        expect.objectContaining({
          clientId: CLIENT_ID,
          operationName: 'Ping',
          scopes: ['client_paymentrequest'],
          outcome: 'ok',
        }),
      ])
    })

    it('answers 100 concurrent requests on a cold cache with exactly one token request', async () => {
      running = await listen(platform, appWith(StitchAuthModule.forRoot(simulatorOptions(sim))))
      const url = `${running.url}/payments/token`

      const responses = await Promise.all(Array.from({ length: 100 }, () => request(url)))

      expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200))
      expect(sim.stats.tokenRequests.total).toBe(1)
      expect(sim.stats.tokenRequests.byOutcome.issued).toBe(1)
    })
  })

  describe('StitchAuthModule.forRootAsync', () => {
    it('takes its options from @nestjs/config through ConfigService', async () => {
      const options = simulatorOptions(sim)
      running = await listen(
        platform,
        appWith(
          StitchAuthModule.forRootAsync({
            imports: [
              ConfigModule.forRoot({
                ignoreEnvFile: true,
                load: [() => ({ stitch: { ...options, scopes: ['client_refund'] } })],
              }),
            ],
            inject: [ConfigService],
            useFactory: (config: ConfigService) =>
              config.getOrThrow<StitchAuthModuleOptions>('stitch'),
          }),
        ),
      )

      const token = await request(`${running.url}/payments/token`)
      expect(token).toMatchObject({ status: 200, json: { scopes: ['client_refund'] } })
      expect(sim.stats.tokenRequests.total).toBe(1)
    })

    it('answers 100 concurrent requests on a cold cache with exactly one token request', async () => {
      const options = simulatorOptions(sim)
      running = await listen(
        platform,
        appWith(
          StitchAuthModule.forRootAsync({
            imports: [
              ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ stitch: options })] }),
            ],
            inject: [ConfigService],
            useFactory: async (config: ConfigService) =>
              config.getOrThrow<StitchAuthModuleOptions>('stitch'),
          }),
        ),
      )
      const url = `${running.url}/payments/api`

      const responses = await Promise.all(Array.from({ length: 100 }, () => request(url)))

      expect(responses.every((response) => response.status === 200)).toBe(true)
      expect(responses.map((response) => response.json)).toEqual(
        Array(100).fill({ typename: 'Query' }),
      )
      expect(sim.stats.tokenRequests.total).toBe(1)
      expect(sim.stats.apiCalls.total).toBe(100)
      expect(sim.apiRequests.map((entry) => [entry.scopes, entry.outcome])).toEqual(
        Array(100).fill([['client_paymentrequest'], 'ok']),
      )
    })
  })

  describe('isGlobal', () => {
    @Injectable()
    class FeatureService {
      constructor(readonly stitch: StitchAuthService) {}
    }

    @Controller('feature')
    class FeatureController {
      constructor(private readonly feature: FeatureService) {}

      @Get()
      async scopes() {
        return { scopes: (await this.feature.stitch.getToken()).scopes }
      }
    }

    // The feature module does not import StitchAuthModule.
    @Module({ controllers: [FeatureController], providers: [FeatureService] })
    class FeatureModule {}

    function rootWith(isGlobal: boolean) {
      @Module({
        imports: [StitchAuthModule.forRoot({ ...simulatorOptions(sim), isGlobal }), FeatureModule],
      })
      class RootModule {}
      return RootModule
    }

    it('lets a feature module inject StitchAuthService without importing the module', async () => {
      running = await listen(platform, rootWith(true))

      const response = await request(`${running.url}/feature`)

      expect(response).toMatchObject({ status: 200, json: { scopes: ['client_paymentrequest'] } })
    })

    it('is off by default: the feature module then cannot resolve the service', async () => {
      await expect(createApp(platform, rootWith(false))).rejects.toThrow(/StitchAuthService/)
    })
  })

  describe('bad configuration fails bootstrap with core’s message', () => {
    it('NestFactory.create rejects with every problem core found', async () => {
      const options = {
        ...simulatorOptions(sim),
        scopes: ['client_refnd'],
        refreshJitter: 3,
      } as unknown as StitchAuthModuleOptions

      const failure = createApp(platform, appWith(StitchAuthModule.forRoot(options)))

      await expect(failure).rejects.toBeInstanceOf(StitchConfigError)
      await expect(failure).rejects.toMatchObject({
        code: 'STITCH_AUTH_CONFIG_INVALID',
        message: expect.stringContaining(
          'unknown scope "client_refnd". Did you mean "client_refund"?',
        ),
      })
      await expect(failure).rejects.toThrow(/"refreshJitter"/)
      await expect(failure).rejects.not.toThrow(CLIENT_SECRET)
    })

    it('lists the module’s own problems with core’s in one StitchConfigError', async () => {
      const options = {
        ...simulatorOptions(sim),
        refreshJitter: 3,
        proxy: { operations: null },
        exposeMessages: 'yes',
      } as unknown as StitchAuthModuleOptions

      const error = await createApp(platform, appWith(StitchAuthModule.forRoot(options))).then(
        async (app) => {
          await app.close()
          throw new Error('expected bootstrap to fail')
        },
        (failure: unknown) => failure as StitchConfigError,
      )

      expect(error).toBeInstanceOf(StitchConfigError)
      expect(error.code).toBe('STITCH_AUTH_CONFIG_INVALID')
      expect(error.message).toMatch(/^Invalid stitch-auth options:\n {2}- /)
      expect(error.issues).toEqual([
        expect.stringMatching(/^"refreshJitter" /),
        '"proxy.operations" must be an object of named operations',
        '"exposeMessages" must be true or false',
      ])
      expect(`${error.message}${JSON.stringify(error)}`).not.toContain(CLIENT_SECRET)
    })

    it('rejects the proxy controller when the module has no proxy options', async () => {
      @Module({
        imports: [StitchAuthModule.forRoot(simulatorOptions(sim))],
        controllers: [StitchProxyController],
      })
      class ProxyWithoutOperations {}

      await expect(createApp(platform, ProxyWithoutOperations)).rejects.toThrow(
        /no "proxy" option: add proxy: \{ operations \}/,
      )
    })

    it('rejects proxy options without operations', async () => {
      const options = {
        ...simulatorOptions(sim),
        proxy: {},
      } as unknown as StitchAuthModuleOptions
      await expect(createApp(platform, appWith(StitchAuthModule.forRoot(options)))).rejects.toThrow(
        /"proxy.operations" must be an object/,
      )
    })
  })
})

describe('without an HTTP platform', () => {
  it('gives each module instance its own core client', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [appWith(StitchAuthModule.forRoot(simulatorOptions(sim)))],
    }).compile()
    const stitch = moduleRef.get(StitchAuthService)
    expect(stitch.client.clientId).toBe('nest-client')
    expect(JSON.stringify(stitch.client)).not.toContain(CLIENT_SECRET)
    await moduleRef.close()
  })

  it('forRootAsync options are checked like forRoot’s, every problem at once', async () => {
    const { clientSecret: _secret, ...withoutSecret } = simulatorOptions(sim)
    const compile = Test.createTestingModule({
      imports: [
        appWith(
          StitchAuthModule.forRootAsync({
            useFactory: () => ({ ...withoutSecret, proxy: null }) as never,
          }),
        ),
      ],
    }).compile()

    await expect(compile).rejects.toMatchObject({
      name: 'StitchConfigError',
      code: 'STITCH_AUTH_CONFIG_INVALID',
      issues: [
        'give either "clientSecret" or "privateKey" (a certificate-based client)',
        '"proxy" must be an object with "operations"',
      ],
    })
  })

  it('Test.createTestingModule().compile() rejects when forRootAsync gives no secret', async () => {
    const { clientSecret: _secret, ...withoutSecret } = simulatorOptions(sim)
    const compile = Test.createTestingModule({
      imports: [
        appWith(
          StitchAuthModule.forRootAsync({
            imports: [
              ConfigModule.forRoot({
                ignoreEnvFile: true,
                load: [() => ({ stitch: withoutSecret })],
              }),
            ],
            inject: [ConfigService],
            useFactory: (config: ConfigService) => config.getOrThrow('stitch'),
          }),
        ),
      ],
    }).compile()

    await expect(compile).rejects.toMatchObject({
      name: 'StitchConfigError',
      code: 'STITCH_AUTH_CONFIG_INVALID',
      message: expect.stringContaining('give either "clientSecret" or "privateKey"'),
    })
  })
})

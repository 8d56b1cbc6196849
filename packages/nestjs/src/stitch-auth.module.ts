import { Logger, Module, type Provider } from '@nestjs/common'
import {
  createStitchAuth,
  createStitchProxyHandler,
  StitchConfigError,
  type StitchProxyHandler,
} from '@stitch-auth/core'
import { STITCH_ERROR_ANSWER_OPTIONS, STITCH_PROXY_HANDLER } from './stitch-auth.constants.js'
import type { StitchAuthExceptionFilterOptions } from './stitch-auth.filter.js'
import {
  ConfigurableStitchAuthModule,
  STITCH_AUTH_MODULE_OPTIONS,
  type StitchAuthModuleOptions,
} from './stitch-auth.module-definition.js'
import type { StitchProxyContext } from './stitch-auth.proxy.js'
import { StitchAuthService } from './stitch-auth.service.js'

const serviceProvider: Provider = {
  provide: StitchAuthService,
  // Core validates the options here with its own schema, so a bad config fails bootstrap
  // with core's StitchConfigError listing every problem.
  useFactory: ({
    proxy: _proxy,
    exposeMessages: _exposeMessages,
    ...options
  }: StitchAuthModuleOptions) => new StitchAuthService(createStitchAuth(options)),
  inject: [STITCH_AUTH_MODULE_OPTIONS],
}

const errorAnswerProvider: Provider = {
  provide: STITCH_ERROR_ANSWER_OPTIONS,
  useFactory: ({ exposeMessages }: StitchAuthModuleOptions): StitchAuthExceptionFilterOptions =>
    Object.freeze({ exposeMessages: exposeMessages === true }),
  inject: [STITCH_AUTH_MODULE_OPTIONS],
}

const proxyHandlerProvider: Provider = {
  provide: STITCH_PROXY_HANDLER,
  useFactory: (
    { proxy }: StitchAuthModuleOptions,
    stitch: StitchAuthService,
  ): StitchProxyHandler<StitchProxyContext> | null => {
    if (proxy === undefined) return null
    if (typeof proxy.operations !== 'object' || proxy.operations === null) {
      throw new StitchConfigError(['"proxy.operations" must be an object of named operations'])
    }
    const logger = new Logger('StitchAuthProxy')
    return createStitchProxyHandler<typeof proxy.operations, StitchProxyContext>({
      ...proxy,
      client: stitch.client,
      // Core hides upstream failures from the browser; without a hook of the user's, they
      // go to Nest's logger so they are not lost. Core's messages hold no secret.
      onError:
        proxy.onError ??
        ((error, operation) => {
          const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
          logger.warn(`Operation "${operation}" failed: ${reason}`)
        }),
    })
  },
  inject: [STITCH_AUTH_MODULE_OPTIONS, StitchAuthService],
}

/**
 * Registers one Stitch client per import:
 * `StitchAuthModule.forRoot({ clientId, clientSecret, scopes, isGlobal: true })` or
 * `StitchAuthModule.forRootAsync({ imports, inject, useFactory })`.
 */
@Module({
  providers: [serviceProvider, proxyHandlerProvider, errorAnswerProvider],
  exports: [StitchAuthService, STITCH_PROXY_HANDLER, STITCH_ERROR_ANSWER_OPTIONS],
})
export class StitchAuthModule extends ConfigurableStitchAuthModule {}

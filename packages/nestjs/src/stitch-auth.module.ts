import { Logger, Module, type Provider } from '@nestjs/common'
import { createStitchProxyHandler, type StitchProxyHandler } from '@stitch-auth/core'
import {
  STITCH_AUTH_RESOLVED_OPTIONS,
  STITCH_ERROR_ANSWER_OPTIONS,
  STITCH_PROXY_HANDLER,
  STITCH_WEBHOOK_ENDPOINT,
} from './stitch-auth.constants.js'
import type { StitchAuthExceptionFilterOptions } from './stitch-auth.filter.js'
import {
  ConfigurableStitchAuthModule,
  STITCH_AUTH_MODULE_OPTIONS,
} from './stitch-auth.module-definition.js'
import {
  type ResolvedStitchAuthModuleOptions,
  resolveModuleOptions,
} from './stitch-auth.options.js'
import type { StitchProxyContext } from './stitch-auth.proxy.js'
import { StitchAuthService } from './stitch-auth.service.js'
import type { StitchWebhookEndpoint } from './stitch-auth.webhooks.js'

const optionsProvider: Provider = {
  provide: STITCH_AUTH_RESOLVED_OPTIONS,
  // Every option is checked here, once: a bad config (from forRoot or forRootAsync) fails
  // bootstrap with one StitchConfigError listing every problem, core's and the module's.
  useFactory: resolveModuleOptions,
  inject: [STITCH_AUTH_MODULE_OPTIONS],
}

const serviceProvider: Provider = {
  provide: StitchAuthService,
  useFactory: ({ client }: ResolvedStitchAuthModuleOptions) => new StitchAuthService(client),
  inject: [STITCH_AUTH_RESOLVED_OPTIONS],
}

const errorAnswerProvider: Provider = {
  provide: STITCH_ERROR_ANSWER_OPTIONS,
  useFactory: ({
    exposeMessages,
  }: ResolvedStitchAuthModuleOptions): StitchAuthExceptionFilterOptions =>
    Object.freeze({ exposeMessages }),
  inject: [STITCH_AUTH_RESOLVED_OPTIONS],
}

const proxyHandlerProvider: Provider = {
  provide: STITCH_PROXY_HANDLER,
  useFactory: (
    { proxy }: ResolvedStitchAuthModuleOptions,
    stitch: StitchAuthService,
  ): StitchProxyHandler<StitchProxyContext> | null => {
    if (proxy === undefined) return null
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
  inject: [STITCH_AUTH_RESOLVED_OPTIONS, StitchAuthService],
}

// Core's webhook handler is made once, with the options (so its problems are listed with the
// rest): its replay store and imported keys serve every request.
const webhookEndpointProvider: Provider = {
  provide: STITCH_WEBHOOK_ENDPOINT,
  useFactory: ({ webhooks }: ResolvedStitchAuthModuleOptions): StitchWebhookEndpoint | null =>
    webhooks ?? null,
  inject: [STITCH_AUTH_RESOLVED_OPTIONS],
}

/**
 * Registers one Stitch client per import:
 * `StitchAuthModule.forRoot({ clientId, clientSecret, scopes, isGlobal: true })` or
 * `StitchAuthModule.forRootAsync({ imports, inject, useFactory })`.
 */
@Module({
  providers: [
    optionsProvider,
    serviceProvider,
    proxyHandlerProvider,
    webhookEndpointProvider,
    errorAnswerProvider,
  ],
  exports: [
    StitchAuthService,
    STITCH_PROXY_HANDLER,
    STITCH_WEBHOOK_ENDPOINT,
    STITCH_ERROR_ANSWER_OPTIONS,
  ],
})
export class StitchAuthModule extends ConfigurableStitchAuthModule {}

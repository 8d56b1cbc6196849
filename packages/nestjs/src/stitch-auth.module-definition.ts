import { ConfigurableModuleBuilder } from '@nestjs/common'
import type { StitchAuthOptions, StitchOperations, StitchProxyOptions } from '@stitch-auth/core'
import type { StitchWebhookHandlerOptions } from '@stitch-auth/core/webhooks'

/**
 * The browser-safe proxy's settings: everything of core's `StitchProxyOptions` except the
 * client, which is the module's own. The route is set where the controller is mounted
 * (`StitchProxyController` or `createStitchProxyController(path)`), because Nest fixes routes
 * before async options exist.
 */
export type StitchAuthProxyOptions<TOperations extends StitchOperations = StitchOperations> = Omit<
  StitchProxyOptions<TOperations>,
  'client'
>

/**
 * The webhook endpoint's settings: core's `StitchWebhookHandlerOptions` (`secrets`, `on`,
 * `replayStore`, `toleranceSeconds`, `onError`, …). Without `onError`, failures go to Nest's
 * logger (`StitchAuthWebhooks`). The route is set where the controller is mounted
 * (`StitchWebhookController` or `createStitchWebhookController(path)`).
 */
export type StitchAuthWebhookOptions = StitchWebhookHandlerOptions

/**
 * Options of `StitchAuthModule.forRoot()`: core's `StitchAuthOptions`, the proxy's, the webhook
 * endpoint's, and how `StitchAuthExceptionFilter` answers.
 */
export interface StitchAuthModuleOptions extends StitchAuthOptions {
  /**
   * The operations the browser may call through `StitchProxyController`.
   * @default undefined (no proxy)
   * @example { operations: defineOperations({ createPaymentRequest: createPaymentRequestOperation({ … }) }) }
   */
  proxy?: StitchAuthProxyOptions
  /**
   * Stitch's webhooks, received by `StitchWebhookController`: the endpoint's signing secrets and
   * a handler per event type (core's `createStitchWebhookHandler`, made once at bootstrap).
   * Failures go to `onError`, or else to Nest's logger. The app must be created with
   * `NestFactory.create(AppModule, { rawBody: true })`: the signature covers the body's bytes.
   * @default undefined (no webhook endpoint)
   * @example { secrets: config.getOrThrow('STITCH_WEBHOOK_SECRET'), on: { payment: (event) => orders.onPayment(event) } }
   */
  webhooks?: StitchAuthWebhookOptions
  /**
   * `StitchAuthExceptionFilter` (and so `@UseStitchToken()` routes) sends the error's own
   * message (it says what to fix, and never holds a secret or a token) instead of a fixed one
   * per code, like `stitchErrorHandler({ exposeMessages })` of `@stitch-auth/express`. Handy in
   * development; it can name your client id, token URL or Stitch's own error description. The
   * proxy never does: the browser gets fixed messages.
   * @default false
   * @example exposeMessages: process.env.NODE_ENV !== 'production'
   */
  exposeMessages?: boolean
}

/** Module-level extras: not options of the client, but of how Nest registers the module. */
export interface StitchAuthModuleExtras {
  /**
   * Register the module globally, so every module can inject `StitchAuthService`.
   * @default false
   */
  isGlobal?: boolean
}

export const {
  ConfigurableModuleClass: ConfigurableStitchAuthModule,
  MODULE_OPTIONS_TOKEN: STITCH_AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: STITCH_AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: STITCH_AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<StitchAuthModuleOptions>({ moduleName: 'StitchAuth' })
  .setClassMethodName('forRoot')
  .setExtras<StitchAuthModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal === true,
  }))
  .build()

/** What `forRoot` accepts. */
export type StitchAuthForRootOptions = typeof STITCH_AUTH_OPTIONS_TYPE
/** What `forRootAsync` accepts: `imports`, `inject`, `useFactory` (or `useClass`/`useExisting`). */
export type StitchAuthForRootAsyncOptions = typeof STITCH_AUTH_ASYNC_OPTIONS_TYPE

import { ConfigurableModuleBuilder } from '@nestjs/common'
import type { StitchAuthOptions, StitchOperations, StitchProxyOptions } from '@stitch-auth/core'

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

/** Options of `StitchAuthModule.forRoot()`: core's `StitchAuthOptions` plus the proxy's. */
export interface StitchAuthModuleOptions extends StitchAuthOptions {
  /**
   * The operations the browser may call through `StitchProxyController`.
   * @default undefined (no proxy)
   * @example { operations: defineOperations({ createPaymentRequest: createPaymentRequestOperation({ … }) }) }
   */
  proxy?: StitchAuthProxyOptions
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

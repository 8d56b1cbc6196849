import { ConfigService } from '@nestjs/config'
import type { StitchToken as CoreStitchToken, StitchAuth } from '@stitch-auth/core'
import { describe, expectTypeOf, it } from 'vitest'
import {
  StitchAuthModule,
  type StitchAuthModuleOptions,
  StitchAuthService,
  type StitchToken,
  UseStitchToken,
} from '../src/index.js'

describe('types', () => {
  it('checks scopes at compile time', () => {
    StitchAuthModule.forRoot({ clientId: 'id', clientSecret: 's', scopes: ['client_refund'] })
    // @ts-expect-error: a typo in a scope
    StitchAuthModule.forRoot({ clientId: 'id', clientSecret: 's', scopes: ['client_refnd'] })
    UseStitchToken(['client_paymentrequest'])
    // @ts-expect-error: a typo in a scope
    UseStitchToken(['client_paymentrequests'])
  })

  it('takes isGlobal on both forRoot and forRootAsync', () => {
    StitchAuthModule.forRoot({ clientId: 'id', clientSecret: 's', isGlobal: true })
    StitchAuthModule.forRootAsync({
      isGlobal: true,
      inject: [ConfigService],
      useFactory: async (config: ConfigService) =>
        config.getOrThrow<StitchAuthModuleOptions>('stitch'),
    })
  })

  it('exposes core’s client and token types', () => {
    expectTypeOf<StitchToken>().toEqualTypeOf<CoreStitchToken>()
    expectTypeOf<StitchAuthService['client']>().toEqualTypeOf<StitchAuth>()
    expectTypeOf<ReturnType<StitchAuthService['getToken']>>().toEqualTypeOf<
      Promise<CoreStitchToken>
    >()
  })
})

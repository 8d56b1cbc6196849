import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { ConfigService } from '@nestjs/config'
import type { FastifyAdapter } from '@nestjs/platform-fastify'
import { StitchToken as CoreStitchToken, type StitchAuth } from '@stitch-auth/core'
import { describe, expectTypeOf, it } from 'vitest'
import {
  CurrentStitchToken,
  type NestHttpRequest,
  type NestHttpResponse,
  StitchAuthModule,
  type StitchAuthModuleOptions,
  StitchAuthService,
  type StitchProxyContext,
  StitchToken,
  UseStitchToken,
} from '../src/index.js'

// Fastify's request and reply types, as Nest's adapter names them (fastify itself is not a
// dependency of this package).
type FastifyRequest = Parameters<FastifyAdapter['getRequestMethod']>[0]
type FastifyReply = Parameters<FastifyAdapter['status']>[0]

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

  it('names the token decorator apart from core’s StitchToken class', () => {
    // The package's StitchToken is core's class itself, so importing it from either is the same.
    expectTypeOf(StitchToken).toEqualTypeOf(CoreStitchToken)
    // @ts-expect-error: StitchToken is a class, not a parameter decorator
    StitchToken()
    expectTypeOf(CurrentStitchToken()).toEqualTypeOf<ParameterDecorator>()
  })

  it('takes the request and response of both platforms', () => {
    // Express hands over Node's own objects; Fastify its request and reply.
    expectTypeOf<IncomingMessage>().toExtend<NestHttpRequest>()
    expectTypeOf<ServerResponse>().toExtend<NestHttpResponse>()
    expectTypeOf<FastifyRequest>().toExtend<NestHttpRequest>()
    expectTypeOf<FastifyReply>().toExtend<NestHttpResponse>()
  })

  it('types the proxy hooks’ request by what every platform has, or by the one you name', () => {
    expectTypeOf<StitchProxyContext['request']['headers']>().toEqualTypeOf<IncomingHttpHeaders>()
    const hook = ({ context }: { context: StitchProxyContext }) => {
      // @ts-expect-error: a property only some guard sets is not on every request
      return context.request.user
    }
    void hook
    expectTypeOf<StitchProxyContext<FastifyRequest>['request']>().toEqualTypeOf<FastifyRequest>()
    // @ts-expect-error: the request must at least have headers
    expectTypeOf<StitchProxyContext<{ user: string }>>()
  })

  it('exposes core’s client and token types', () => {
    expectTypeOf<StitchToken>().toEqualTypeOf<CoreStitchToken>()
    expectTypeOf<StitchAuthService['client']>().toEqualTypeOf<StitchAuth>()
    expectTypeOf<ReturnType<StitchAuthService['getToken']>>().toEqualTypeOf<
      Promise<CoreStitchToken>
    >()
  })
})

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Type } from '@nestjs/common'
import { ConfigService } from '@nestjs/config'
import type { FastifyAdapter } from '@nestjs/platform-fastify'
import { StitchToken as CoreStitchToken, type StitchAuth } from '@stitch-auth/core'
import type { StitchWebhookHandlerOptions } from '@stitch-auth/core/webhooks'
import { describe, expectTypeOf, it } from 'vitest'
import {
  CurrentStitchToken,
  createStitchWebhookController,
  type NestHttpRequest,
  type NestHttpResponse,
  StitchAuthModule,
  type StitchAuthModuleOptions,
  StitchAuthService,
  type StitchAuthWebhookOptions,
  type StitchProxyContext,
  StitchToken,
  type StitchWebhookControllerInstance,
  type StitchWebhookDelivery,
  UseStitchToken,
} from '../src/index.js'
import { getPaymentRequest, initiateRefund } from '../src/operations.js'

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

  it('refuses an operation outside the scopes the service is typed with', () => {
    const granted = {} as StitchAuthService<'client_paymentrequest'>
    granted.run(getPaymentRequest, { id: 'pr_1' })
    // @ts-expect-error: initiateRefund needs client_refund
    granted.run(initiateRefund, {
      input: {
        paymentRequestId: 'pr_1',
        amount: { quantity: 1, currency: 'ZAR' },
        reason: 'requested_by_user',
        beneficiaryReference: 'Shop refund',
      },
    })
    // Untyped, as Nest injects it: any operation compiles; the module's scopes decide at run time.
    const injected = {} as StitchAuthService
    expectTypeOf(
      injected.run(initiateRefund, {
        input: {
          paymentRequestId: 'pr_1',
          amount: { quantity: 1, currency: 'ZAR' },
          reason: 'requested_by_user',
          beneficiaryReference: 'Shop refund',
        },
      }),
    ).resolves.toHaveProperty('id')
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

  it('types the webhook handlers by event type, from core’s options', () => {
    StitchAuthModule.forRoot({
      clientId: 'id',
      clientSecret: 's',
      webhooks: {
        secrets: ['whsec_new', 'whsec_old'],
        on: {
          payment: (event, delivery) => {
            expectTypeOf(event.type).toEqualTypeOf<'payment'>()
            expectTypeOf(event.data.state.__typename).toExtend<string>()
            expectTypeOf(delivery).toEqualTypeOf<StitchWebhookDelivery>()
          },
          unknown: (event) => expectTypeOf(event.known).toEqualTypeOf<false>(),
        },
      },
    })
    StitchAuthModule.forRoot({
      clientId: 'id',
      clientSecret: 's',
      webhooks: {
        secrets: 'whsec_x',
        // @ts-expect-error: a typo in an event type
        on: { paymnt: () => {} },
      },
    })
    // @ts-expect-error: the endpoint's secrets are required
    StitchAuthModule.forRoot({ clientId: 'id', clientSecret: 's', webhooks: { on: {} } })
    expectTypeOf<StitchAuthWebhookOptions>().toEqualTypeOf<StitchWebhookHandlerOptions>()
    expectTypeOf(createStitchWebhookController('hooks')).toEqualTypeOf<
      Type<StitchWebhookControllerInstance>
    >()
  })
})

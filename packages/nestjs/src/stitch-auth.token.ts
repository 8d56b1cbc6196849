import {
  applyDecorators,
  type CallHandler,
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import { StitchConfigError, type StitchScope, type StitchToken } from '@stitch-auth/core'
import type { Observable } from 'rxjs'
import { STITCH_TOKEN_PROPERTY, STITCH_TOKEN_SCOPES } from './stitch-auth.constants.js'
import { StitchAuthExceptionFilter } from './stitch-auth.filter.js'
import { StitchAuthService } from './stitch-auth.service.js'

interface StitchTokenRoute {
  scopes: readonly StitchScope[] | undefined
}

// Where the interceptor keeps the token it got for this request. `@CurrentStitchToken()` reads
// only this, so it never hands over a `stitchToken` something else put on the request (e.g.
// `@stitch-auth/express`'s middleware, with other scopes).
const ROUTE_TOKEN = Symbol('@stitch-auth/nestjs route token')

interface TokenCarrier {
  [STITCH_TOKEN_PROPERTY]?: StitchToken
  [ROUTE_TOKEN]?: StitchToken
}

/**
 * Gets the route's token before the handler runs and puts it on the request. It runs after
 * guards, so a request your auth guard refuses never costs a token lookup.
 */
@Injectable()
export class StitchTokenInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(StitchAuthService) private readonly stitch: StitchAuthService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle()
    const route = this.reflector.getAllAndOverride<StitchTokenRoute | undefined>(
      STITCH_TOKEN_SCOPES,
      [context.getHandler(), context.getClass()],
    )
    const request = context.switchToHttp().getRequest<TokenCarrier>()
    const token = await this.stitch.getToken(route?.scopes)
    request[ROUTE_TOKEN] = token
    request[STITCH_TOKEN_PROPERTY] = token
    return next.handle()
  }
}

/**
 * Gives the route (or every route of a controller) a Stitch token for `scopes` (default: the
 * module's `scopes`), read with `@CurrentStitchToken()`. Stitch failures, the token's or the
 * handler's own `graphql()` calls, answer with core's status: 503 + `Retry-After` when Stitch
 * is down, 502 when it refused.
 *
 * @example
 * @Post('refunds')
 * @UseStitchToken(['client_refund'])
 * refund(@CurrentStitchToken() token: StitchToken) { … }
 */
export function UseStitchToken(scopes?: readonly StitchScope[]): ClassDecorator & MethodDecorator {
  const route: StitchTokenRoute = { scopes: scopes ? Object.freeze([...scopes]) : undefined }
  return applyDecorators(
    SetMetadata(STITCH_TOKEN_SCOPES, route),
    UseInterceptors(StitchTokenInterceptor),
    UseFilters(StitchAuthExceptionFilter),
  )
}

/**
 * The `StitchToken` that `@UseStitchToken()` got for this request:
 * `@CurrentStitchToken() token: StitchToken`. On a route without `@UseStitchToken()` (or
 * `StitchTokenInterceptor`) there is none, and it throws a `StitchConfigError` saying so: the
 * handler never sees `undefined`.
 */
export const CurrentStitchToken = createParamDecorator(
  (_data: unknown, context: ExecutionContext): StitchToken => {
    const token = context.switchToHttp().getRequest<TokenCarrier>()[ROUTE_TOKEN]
    if (token === undefined) {
      const route = `${context.getClass().name}.${context.getHandler().name}()`
      throw new StitchConfigError(
        [
          'add @UseStitchToken() to the route or its controller: it gets the token before the handler runs',
        ],
        `@CurrentStitchToken() on ${route} found no token`,
      )
    }
    return token
  },
)

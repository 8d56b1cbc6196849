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
import type { StitchToken as CoreStitchToken, StitchScope } from '@stitch-auth/core'
import type { Observable } from 'rxjs'
import { STITCH_TOKEN_PROPERTY, STITCH_TOKEN_SCOPES } from './stitch-auth.constants.js'
import { StitchAuthExceptionFilter } from './stitch-auth.filter.js'
import { StitchAuthService } from './stitch-auth.service.js'

interface StitchTokenRoute {
  scopes: readonly StitchScope[] | undefined
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
    const request = context.switchToHttp().getRequest<Record<string, unknown>>()
    request[STITCH_TOKEN_PROPERTY] = await this.stitch.getToken(route?.scopes)
    return next.handle()
  }
}

/**
 * Gives the route (or every route of a controller) a Stitch token for `scopes` (default: the
 * module's `scopes`), read with `@StitchToken()`. Stitch failures, the token's or the
 * handler's own `graphql()` calls, answer with core's status: 503 + `Retry-After` when Stitch
 * is down, 502 when it refused.
 *
 * @example
 * @Post('refunds')
 * @UseStitchToken(['client_refund'])
 * refund(@StitchToken() token: StitchToken) { … }
 */
export function UseStitchToken(scopes?: readonly StitchScope[]): ClassDecorator & MethodDecorator {
  const route: StitchTokenRoute = { scopes: scopes ? Object.freeze([...scopes]) : undefined }
  return applyDecorators(
    SetMetadata(STITCH_TOKEN_SCOPES, route),
    UseInterceptors(StitchTokenInterceptor),
    UseFilters(StitchAuthExceptionFilter),
  )
}

/** The token `@UseStitchToken()` got for this request. */
export const StitchToken = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const token = context.switchToHttp().getRequest<Record<string, unknown>>()[STITCH_TOKEN_PROPERTY]
  if (token === undefined) {
    throw new Error(
      '@StitchToken() found no token on the request: add @UseStitchToken() to the route or its controller',
    )
  }
  return token as CoreStitchToken
})

/** A Stitch client token (core's `StitchToken`): `@StitchToken() token: StitchToken`. */
export type StitchToken = CoreStitchToken

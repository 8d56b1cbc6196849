// The back office: a NestJS app with its own Stitch client (StitchAuthModule) that shares the
// shop's token cache, so both apps use one token.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  Controller,
  Get,
  type INestApplication,
  Inject,
  Injectable,
  Module,
  Param,
  UseFilters,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { PAYMENT_REQUEST_STATUS_DOCUMENT, type StitchAuthOptions } from '@stitch-auth/core'
import {
  CurrentStitchToken,
  StitchAuthExceptionFilter,
  StitchAuthModule,
  StitchAuthService,
  type StitchToken,
  UseStitchToken,
} from '@stitch-auth/nestjs'
import type { WhoamiAnswer } from './api-types.js'
import { describeToken } from './whoami.js'

interface PaymentStatusData {
  node: { id: string; state: { __typename: string } } | null
}

/** Server-side Stitch calls with the module's client (the demo builds with esbuild, which
 * emits no decorator metadata: constructors name what they inject). */
@Injectable()
export class PaymentsService {
  constructor(@Inject(StitchAuthService) private readonly stitch: StitchAuthService) {}

  async status(id: string): Promise<{ id: string; status: string; found: boolean }> {
    const data = await this.stitch.graphql<PaymentStatusData>(PAYMENT_REQUEST_STATUS_DOCUMENT, {
      id,
    })
    const typename = data.node?.state.__typename ?? 'unknown'
    return {
      id,
      status: typename.replace(/^PaymentInitiationRequest/, '').toLowerCase(),
      found: data.node !== null,
    }
  }
}

@Controller('api')
export class BackOfficeController {
  constructor(@Inject(PaymentsService) private readonly payments: PaymentsService) {}

  /** The token this app holds: the same one as the shop's, from the shared cache. */
  @Get('whoami')
  @UseStitchToken()
  whoami(@CurrentStitchToken() token: StitchToken): WhoamiAnswer {
    return describeToken('nestjs', token)
  }

  /** A payment request's status, asked of Stitch by the service with the shared token. */
  @Get('payments/:id')
  @UseFilters(StitchAuthExceptionFilter) // Stitch down → 503 + Retry-After, as on whoami
  payment(@Param('id') id: string) {
    return this.payments.status(id)
  }
}

export interface BackOfficeOptions {
  stitch: StitchAuthOptions
  host: string
  port: number
  /** The shop page's origin, allowed by CORS to read /api/whoami (read per request). */
  corsOrigin: () => string
}

export interface RunningBackOffice {
  app: INestApplication
  url: string
  stitch: StitchAuthService
}

export async function startBackOffice(options: BackOfficeOptions): Promise<RunningBackOffice> {
  @Module({
    imports: [StitchAuthModule.forRoot({ ...options.stitch, isGlobal: true })],
    controllers: [BackOfficeController],
    providers: [PaymentsService],
  })
  class BackOfficeModule {}

  const app = await NestFactory.create(BackOfficeModule, {
    abortOnError: false,
    // Start-up chatter would bury the URLs; warnings and errors still show.
    logger: ['error', 'warn'],
    // Browsers keep connections open; close() must not wait for them.
    forceCloseConnections: true,
  })
  app.getHttpAdapter().getInstance().disable('x-powered-by')
  app.enableCors({
    origin: (origin: string | undefined, allow: (error: Error | null, allowed: boolean) => void) =>
      allow(null, origin === options.corsOrigin()),
    methods: ['GET'],
  })
  await app.listen(options.port, options.host)
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo
  return { app, url: `http://${options.host}:${port}`, stitch: app.get(StitchAuthService) }
}

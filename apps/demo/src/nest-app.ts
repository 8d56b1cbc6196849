// The back office: a NestJS app with its own Stitch client (StitchAuthModule) that shares the
// shop's token cache, so both apps use one token for payment requests. It alone may refund.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  Controller,
  Get,
  Headers,
  HttpException,
  type INestApplication,
  Inject,
  Injectable,
  Module,
  Param,
  Post,
  UseFilters,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import {
  isStitchAuthError,
  STITCH_AUTH_ERROR_CODES,
  type StitchAuthOptions,
} from '@stitch-auth/core'
import { type PaymentRequestStatus } from '@stitch-auth/core/proxy'
import {
  CurrentStitchToken,
  StitchAuthExceptionFilter,
  StitchAuthModule,
  StitchAuthService,
  type StitchToken,
  UseStitchToken,
} from '@stitch-auth/nestjs'
import {
  getPaymentRequest,
  initiateRefund,
  type PaymentRequestState,
} from '@stitch-auth/nestjs/operations'
import type { BackOfficePayment, BackOfficeRefund, DemoEvent, WhoamiAnswer } from './api-types.js'
import { describeToken } from './whoami.js'

const STATUS: Record<PaymentRequestState['__typename'], PaymentRequestStatus> = {
  PaymentInitiationRequestPending: 'pending',
  PaymentInitiationRequestCompleted: 'completed',
  PaymentInitiationRequestManuallyCompleted: 'completed',
  PaymentInitiationRequestCancelled: 'cancelled',
  PaymentInitiationRequestExpired: 'expired',
}

/** What the service needs from the demo besides Stitch. */
interface BackOfficeSettings {
  /** The client has `client_refund`: see `DemoConfig.refunds`. */
  refunds: boolean
  /** A line in the page's event log and the console. */
  note: (level: DemoEvent['level'], text: string) => void
  /** A refund was made (the simulator then plays Stitch processing it). */
  onRefunded?: (refundId: string) => void
}
const SETTINGS = Symbol('back office settings')

/** Server-side Stitch calls with the module's client (the demo builds with esbuild, which
 * emits no decorator metadata: constructors name what they inject). */
@Injectable()
export class PaymentsService {
  constructor(
    @Inject(StitchAuthService) private readonly stitch: StitchAuthService,
    @Inject(SETTINGS) private readonly settings: BackOfficeSettings,
  ) {}

  async status(id: string): Promise<BackOfficePayment> {
    const request = await this.stitch.run(getPaymentRequest, { id })
    return { id, status: request ? STATUS[request.state.__typename] : 'unknown', found: !!request }
  }

  /** Refunds a paid payment in full, once: the nonce is derived from the payment. */
  async refund(id: string): Promise<BackOfficeRefund> {
    const { note } = this.settings
    // Each refusal is a line in the page's event log too, and a `{ error }` body like core's.
    const refuse = (status: number, code: string, message: string) => {
      note('warn', message)
      return new HttpException({ error: { code, message } }, status)
    }
    if (!this.settings.refunds) {
      throw refuse(
        409,
        'refunds_off',
        'Refunds are off: set STITCH_REFUNDS=1 if Stitch gave this client the client_refund scope.',
      )
    }
    const request = await this.stitch.run(getPaymentRequest, { id })
    if (!request) throw refuse(404, 'payment_not_found', `Stitch knows no payment request ${id}.`)
    const { state, payerReference: order } = request
    if (state.__typename !== 'PaymentInitiationRequestCompleted') {
      throw refuse(
        409,
        'not_paid',
        `Order ${order} is ${STATUS[state.__typename]}, not paid: nothing to refund.`,
      )
    }
    const nonce = `refund-${id}`
    try {
      const refund = await this.stitch.run(initiateRefund, {
        input: {
          paymentRequestId: id,
          amount: state.amount,
          reason: 'requested_by_user',
          // On the payer's statement: Stitch allows 30 characters, a payer reference has 12.
          beneficiaryReference: `Refund ${order}`,
          // The same for every attempt at this refund, so Stitch refuses a repeat of it.
          nonce,
        },
      })
      const status = refund.status.__typename.replace(/^Refund/, '').toLowerCase()
      note(
        'success',
        `Refund ${refund.id} made for order ${order}: R ${refund.amount.quantity}, ${status}`,
      )
      this.settings.onRefunded?.(refund.id)
      return { id: refund.id, paymentRequestId: id, amount: refund.amount, status, nonce }
    } catch (error) {
      // StitchAuthExceptionFilter answers it 409; said here so the page's log shows why.
      if (isStitchAuthError(error) && error.code === STITCH_AUTH_ERROR_CODES.API_NONCE_REUSED) {
        note('warn', `Order ${order} is already refunded: Stitch refused the nonce ${nonce} again`)
      }
      throw error
    }
  }
}

@Controller('api')
@UseFilters(StitchAuthExceptionFilter) // Stitch down → 503 + Retry-After; a reused nonce → 409
export class BackOfficeController {
  constructor(@Inject(PaymentsService) private readonly payments: PaymentsService) {}

  /** The token this app holds: the same one as the shop's, from the shared cache. The scope is
   * named: this client's own scopes include client_refund, which the shop's token lacks. */
  @Get('whoami')
  @UseStitchToken(['client_paymentrequest'])
  whoami(@CurrentStitchToken() token: StitchToken): WhoamiAnswer {
    return describeToken('nestjs', token)
  }

  /** A payment request's status, asked of Stitch by the service with the shared token. */
  @Get('payments/:id')
  payment(@Param('id') id: string) {
    return this.payments.status(id)
  }

  /** Refunds a paid payment, with a token for client_refund alone. */
  @Post('payments/:id/refund')
  refund(@Param('id') id: string, @Headers('x-demo-control') control: string | undefined) {
    // A custom header: a cross-site form cannot send it, and CORS lets only the shop's page.
    if (!control) {
      const error = { code: 'control_header_missing', message: 'Send the x-demo-control header.' }
      throw new HttpException({ error }, 403)
    }
    return this.payments.refund(id)
  }
}

export interface BackOfficeOptions {
  /** Its `scopes` decide whether refunds are on: they are with `client_refund` among them. */
  stitch: StitchAuthOptions
  host: string
  port: number
  /** The shop page's origin, allowed by CORS to read /api/whoami and refund (read per request). */
  corsOrigin: () => string
  note: BackOfficeSettings['note']
  onRefunded?: BackOfficeSettings['onRefunded']
}

export interface RunningBackOffice {
  app: INestApplication
  url: string
  stitch: StitchAuthService
}

export async function startBackOffice(options: BackOfficeOptions): Promise<RunningBackOffice> {
  const settings: BackOfficeSettings = {
    refunds: options.stitch.scopes?.includes('client_refund') === true,
    note: options.note,
    ...(options.onRefunded ? { onRefunded: options.onRefunded } : {}),
  }

  @Module({
    imports: [StitchAuthModule.forRoot({ ...options.stitch, isGlobal: true })],
    controllers: [BackOfficeController],
    providers: [PaymentsService, { provide: SETTINGS, useValue: settings }],
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
    methods: ['GET', 'POST'],
    allowedHeaders: ['x-demo-control'],
  })
  await app.listen(options.port, options.host)
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo
  return { app, url: `http://${options.host}:${port}`, stitch: app.get(StitchAuthService) }
}

// A Web `Request` → `Response` webhook endpoint, like core's proxy engine: adapters (Express,
// Nest, Hono, a Worker's fetch) mount it as it is.

import { readBodyLimited } from '../body.js'
import type { Promisable } from '../cache.js'
import {
  HTTP_ERROR_CODES,
  type HttpErrorAnswer,
  HttpRequestRefusal,
  StitchConfigError,
  toHttpErrorAnswer,
} from '../errors.js'
import {
  type KnownStitchWebhookEvent,
  STITCH_WEBHOOK_EVENT_TYPES,
  type StitchWebhookEvent,
  type StitchWebhookEventType,
  type UnknownStitchWebhookEvent,
} from './events.js'
import {
  DEFAULT_WEBHOOK_REPLAY_TTL_MS,
  MemoryWebhookReplayStore,
  type WebhookReplayStore,
} from './replay.js'
import {
  createWebhookVerifier,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  type StitchWebhookVerifier,
  type StitchWebhookVerifierOptions,
  type VerifiedStitchWebhook,
} from './verify.js'

/** What a handler knows about the delivery besides its event. */
export interface StitchWebhookDelivery {
  /** The delivery's `svix-id`, the same on every retry. */
  id: string
  /** When this attempt was signed. */
  timestamp: Date
  /** The request as it arrived; its body is already read. */
  request: Request
}

/** One function per event type; `unknown` gets every event this version cannot type. */
export type StitchWebhookHandlers = {
  [K in StitchWebhookEventType]?: (
    event: KnownStitchWebhookEvent<K>,
    delivery: StitchWebhookDelivery,
  ) => Promisable<unknown>
} & {
  unknown?: (
    event: UnknownStitchWebhookEvent,
    delivery: StitchWebhookDelivery,
  ) => Promisable<unknown>
}

/** Where a failure happened, for `onError`. */
export interface StitchWebhookErrorInfo {
  /** `verify`: the delivery was refused (4xx); `replay`: the replay store failed; `handler`: yours threw. */
  stage: 'verify' | 'replay' | 'handler'
  /** The delivery's `svix-id`, when known. */
  deliveryId: string | undefined
  /** The event, for `handler`. */
  event?: StitchWebhookEvent
}

/** Options of {@link createStitchWebhookHandler}: the verifier's, plus the handlers and the replay store. */
export interface StitchWebhookHandlerOptions extends StitchWebhookVerifierOptions {
  /**
   * The handlers, by event type. A delivery with no handler for its type is acknowledged (204).
   * @example { payment: (event) => markPaid(event.data.externalReference), unknown: (event) => log(event) }
   */
  on: StitchWebhookHandlers
  /**
   * Where delivery ids are recorded so each runs once; `false` to run every delivery.
   * @default a MemoryWebhookReplayStore of this handler
   */
  replayStore?: WebhookReplayStore | false
  /**
   * How long a delivery id is remembered. Longer than Svix's retries (about 27.6 h).
   * @default 172800000 (48 hours)
   */
  replayTtlMs?: number
  /**
   * Largest body accepted, in bytes; a larger one is answered 413 unread.
   * @default 262144 (256 KiB)
   */
  maxBodyBytes?: number
  /** Called with every failure (refused deliveries, handler errors, store errors). Log here. */
  onError?: (error: unknown, info: StitchWebhookErrorInfo) => void
}

/** A Web `Request` → `Response` webhook endpoint. */
export type StitchWebhookHandler = (request: Request) => Promise<Response>

/** The largest body the handler reads by default: 256 KiB, where Stitch's events are a few KB. */
export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 262_144

const HANDLER_NAMES: readonly string[] = [...STITCH_WEBHOOK_EVENT_TYPES, 'unknown']

/**
 * Creates a webhook endpoint: POST only; reads the body (at most `maxBodyBytes`), verifies its
 * signature and timestamp, answers a delivery id it already ran with 200 without running it
 * again, then runs the handler for the event's type.
 *
 * Answers: 204 when handled, 200 for a replay, 400/401 for a delivery refused (the handler does
 * not run), 405 for another method, 413 for a body too large, 5xx when the handler (or the
 * replay store) throws, and then the id is released so Svix's retry runs it. Svix retries every
 * non-2xx answer. No answer holds a secret, a signature or your error's message.
 *
 * @example
 * const handle = createStitchWebhookHandler({
 *   secrets: process.env.STITCH_WEBHOOK_SECRET!,
 *   on: { payment: async (event) => { await orders.update(event.data.externalReference, event.data.state.__typename) } },
 * })
 * export default { fetch: handle } // a Worker; or mount it in Express, Nest, Hono…
 */
export function createStitchWebhookHandler(
  options: StitchWebhookHandlerOptions,
): StitchWebhookHandler {
  const problems = handlerOptionProblems(options)
  let verifier: StitchWebhookVerifier | undefined
  try {
    verifier = createWebhookVerifier(options)
  } catch (error) {
    if (!(error instanceof StitchConfigError)) throw error
    problems.unshift(...error.issues)
  }
  if (problems.length > 0 || verifier === undefined) {
    throw new StitchConfigError(problems, 'Invalid stitch-auth webhook options')
  }
  const { on, onError } = options
  const store =
    options.replayStore === false
      ? undefined
      : (options.replayStore ??
        new MemoryWebhookReplayStore(options.now ? { now: options.now } : {}))
  const replayTtlMs = options.replayTtlMs ?? DEFAULT_WEBHOOK_REPLAY_TTL_MS
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES
  // Deliveries running in this process, by id, resolving to whether they succeeded: a retry that
  // arrives before the first attempt finished waits for it rather than being told "done".
  const running = new Map<string, Promise<boolean>>()

  const report = (error: unknown, info: StitchWebhookErrorInfo) => {
    try {
      onError?.(error, info)
    } catch {
      // A failing logger must not change the answer Svix gets.
    }
  }

  return async (request) => {
    if (request.method !== 'POST') {
      return refusal(405, HTTP_ERROR_CODES.METHOD_NOT_ALLOWED, 'Use POST.', { allow: 'POST' })
    }
    const body = await readBodyLimited(request, maxBodyBytes)
    if (body === undefined) {
      return refusal(
        413,
        HTTP_ERROR_CODES.BODY_TOO_LARGE,
        `The body is over ${maxBodyBytes} bytes.`,
      )
    }
    let verified: VerifiedStitchWebhook
    try {
      verified = await verifier.verify(body, request.headers)
    } catch (error) {
      report(error, { stage: 'verify', deliveryId: deliveryIdOf(error) })
      return answer(toHttpErrorAnswer(error))
    }
    const { id, timestamp, event } = verified

    // With replayStore: false every delivery runs, concurrent ones too.
    const earlier = store ? running.get(id) : undefined
    if (earlier !== undefined) {
      return (await earlier) ? duplicate() : answer(toHttpErrorAnswer(undefined))
    }
    let settle: (succeeded: boolean) => void = () => {}
    if (store) {
      running.set(
        id,
        new Promise<boolean>((resolve) => {
          settle = resolve
        }),
      )
    }
    let succeeded = false
    try {
      if (store) {
        let claimed: boolean
        try {
          claimed = await store.claim(id, replayTtlMs)
        } catch (error) {
          report(error, { stage: 'replay', deliveryId: id })
          return answer(serverFailure(error))
        }
        if (!claimed) {
          succeeded = true
          return duplicate()
        }
      }
      try {
        await dispatch(on, event, { id, timestamp, request })
      } catch (error) {
        if (store) {
          try {
            await store.release(id)
          } catch (releaseError) {
            report(releaseError, { stage: 'replay', deliveryId: id })
          }
        }
        report(error, { stage: 'handler', deliveryId: id, event })
        return answer(serverFailure(error))
      }
      succeeded = true
      return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } })
    } finally {
      if (store) running.delete(id)
      settle(succeeded)
    }
  }
}

async function dispatch(
  on: StitchWebhookHandlers,
  event: StitchWebhookEvent,
  delivery: StitchWebhookDelivery,
): Promise<void> {
  if (!event.known) {
    await on.unknown?.(event, delivery)
    return
  }
  const handler = on[event.type] as
    | ((event: KnownStitchWebhookEvent, delivery: StitchWebhookDelivery) => Promisable<unknown>)
    | undefined
  await handler?.(event, delivery)
}

function handlerOptionProblems(options: StitchWebhookHandlerOptions): string[] {
  if (typeof options !== 'object' || options === null) return []
  const problems: string[] = []
  const { on, replayStore, replayTtlMs, maxBodyBytes, onError } = options
  if (typeof on !== 'object' || on === null) {
    problems.push(`"on" must be an object of handlers by event type (${HANDLER_NAMES.join(', ')})`)
  } else {
    for (const [name, handler] of Object.entries(on)) {
      if (!HANDLER_NAMES.includes(name)) {
        problems.push(
          `"on.${name}" is not an event type: use one of ${HANDLER_NAMES.join(', ')} (other types arrive at "unknown")`,
        )
      } else if (handler !== undefined && typeof handler !== 'function') {
        problems.push(`"on.${name}" must be a function`)
      }
    }
  }
  if (
    replayStore !== undefined &&
    replayStore !== false &&
    (typeof replayStore?.claim !== 'function' || typeof replayStore.release !== 'function')
  ) {
    problems.push('"replayStore" must have claim(id, ttlMs) and release(id), or be false')
  }
  if (
    replayTtlMs !== undefined &&
    !(typeof replayTtlMs === 'number' && Number.isFinite(replayTtlMs) && replayTtlMs > 0)
  ) {
    problems.push('"replayTtlMs" must be a positive number of milliseconds')
  } else if (replayTtlMs !== undefined) {
    const toleranceMs = (options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS) * 1000
    if (replayTtlMs < 2 * toleranceMs) {
      problems.push(
        `"replayTtlMs" must be at least twice the timestamp tolerance (${2 * toleranceMs} ms): a captured delivery is accepted that long, so its id must be remembered as long`,
      )
    }
  }
  if (maxBodyBytes !== undefined && !(Number.isInteger(maxBodyBytes) && maxBodyBytes > 0)) {
    problems.push('"maxBodyBytes" must be a positive whole number of bytes')
  }
  if (onError !== undefined && typeof onError !== 'function') {
    problems.push('"onError" must be a function')
  }
  return problems
}

/** The handler's or the store's failure: a 5xx, so Svix retries; never a 4xx it would also retry but mislabel. */
function serverFailure(error: unknown): HttpErrorAnswer {
  const answer = toHttpErrorAnswer(error)
  return answer.status >= 500 ? answer : toHttpErrorAnswer(undefined)
}

function deliveryIdOf(error: unknown): string | undefined {
  const id = (error as { deliveryId?: unknown } | null)?.deliveryId
  return typeof id === 'string' ? id : undefined
}

function duplicate(): Response {
  return Response.json({ duplicate: true }, { headers: { 'cache-control': 'no-store' } })
}

function refusal(
  status: number,
  code: HttpRequestRefusal['code'],
  message: string,
  headers?: Record<string, string>,
): Response {
  return answer(
    toHttpErrorAnswer(new HttpRequestRefusal(status, code, message, headers ? { headers } : {})),
  )
}

function answer(httpAnswer: HttpErrorAnswer): Response {
  return Response.json(httpAnswer.body, { status: httpAnswer.status, headers: httpAnswer.headers })
}

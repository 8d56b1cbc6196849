// Stitch's webhooks on Express, and the `@stitch-auth/express/webhooks` entry: `stitchWebhooks()`
// and `keepRawBody` with everything of `@stitch-auth/core/webhooks` (typed events,
// `MemoryWebhookReplayStore`, the verifier), so one import suffices. (No @packageDocumentation:
// the declaration bundle puts the imports above it.)
import type { IncomingMessage } from 'node:http'
import { StitchConfigError, toHttpErrorAnswer } from '@stitch-auth/core'
import {
  abortOnDisconnect,
  type NodeRequestLike,
  sendWebResponse,
  toWebRequest,
} from '@stitch-auth/core/node'
import {
  createStitchWebhookHandler,
  type StitchWebhookHandlerOptions,
} from '@stitch-auth/core/webhooks'
import type { Request as ExpressRequest, RequestHandler } from 'express'

export * from '@stitch-auth/core/webhooks'

// Core's own bound on a delivery id: a longer one is not Svix's, so it is not reported as one.
const MAX_DELIVERY_ID_LENGTH = 1024

/** Options of `stitchWebhooks`: core's webhook handler options (secrets, `on`, `replayStore`, `onError`…). */
export type StitchWebhooksOptions = StitchWebhookHandlerOptions

/**
 * A `verify` hook for Express's body parsers that keeps the bytes as they arrived in
 * `req.rawBody`, so `stitchWebhooks()` can check their signature behind `express.json()`.
 *
 * @example
 * app.use(express.json({ verify: keepRawBody }))
 */
export function keepRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  Object.assign(req, { rawBody: buf })
}

/**
 * A handler for Stitch's webhooks: core's `createStitchWebhookHandler` (Svix signature and
 * timestamp, each delivery id once, typed events) on Express. It reads the body itself, or takes
 * the raw bytes a parser in front kept (`express.raw()`, or `express.json({ verify:
 * keepRawBody })`). Behind a parser that kept only the parsed body, the signature cannot be
 * checked: it answers 500 and reports a `StitchConfigError` saying how to mount it. Invalid
 * options throw a `StitchConfigError` listing every problem.
 *
 * @example
 * app.post('/webhooks/stitch', stitchWebhooks({
 *   secrets: process.env.STITCH_WEBHOOK_SECRET!,
 *   on: { payment: (event) => orders.update(event.data.externalReference, event.data.state.__typename) },
 * }))
 * app.use(express.json()) // after it, or with { verify: keepRawBody }
 */
export function stitchWebhooks(options: StitchWebhooksOptions): RequestHandler {
  const handle = createStitchWebhookHandler(options)
  const { onError } = options

  return (req, res, next) => {
    const misplaced = rawBodyGone(req)
    if (misplaced !== undefined) {
      report(onError, misplaced, req)
      const answer = toHttpErrorAnswer(misplaced)
      res.status(answer.status).set(answer.headers).json(answer.body)
      return
    }
    handle(toWebRequest(req, { signal: abortOnDisconnect(res) }))
      .then((response) => sendWebResponse(response, res))
      .catch(next)
  }
}

/**
 * Why the signature cannot be checked, when a parser read the stream and kept only what it
 * parsed: Svix signs the bytes as sent, and JSON.stringify(req.body) seldom gives them back.
 */
function rawBodyGone(req: ExpressRequest & NodeRequestLike): StitchConfigError | undefined {
  // toWebRequest's order: kept raw bytes, then the unread stream, then req.body.
  if (req.rawBody instanceof Uint8Array) return undefined
  if (req.readable && !req.readableEnded) return undefined
  if (req.body instanceof Uint8Array) return undefined
  const path = (req.originalUrl ?? req.url).split('?')[0]
  return new StitchConfigError(
    [
      `the body of ${req.method} ${path} was read by a body parser (express.json(), express.urlencoded() or express.text()) before stitchWebhooks(), which kept only the parsed body: the webhook signature covers the raw bytes. Mount stitchWebhooks() before express.json() (app.post('${path}', stitchWebhooks(…)) above app.use(express.json())), or keep the raw bytes with express.json({ verify: keepRawBody })`,
    ],
    'Cannot verify a Stitch webhook',
  )
}

function report(
  onError: StitchWebhooksOptions['onError'],
  error: StitchConfigError,
  req: ExpressRequest,
): void {
  if (onError === undefined) {
    // A mounting mistake fails every delivery: without a logger it must not go unseen.
    console.error(error)
    return
  }
  const id = req.get('svix-id') ?? req.get('webhook-id')
  try {
    onError(error, {
      stage: 'verify',
      deliveryId: id !== undefined && id.length <= MAX_DELIVERY_ID_LENGTH ? id : undefined,
    })
  } catch {
    // A failing logger must not change the answer Svix gets, as in core.
  }
}

import { untilAborted } from './abort.js'
import type { ClientAuthentication, ClientCredential } from './client-auth.js'
import {
  abortError,
  STITCH_AUTH_ERROR_CODES,
  StitchAuthError,
  StitchConfigError,
  StitchEndpointUnavailableError,
  StitchTokenRequestError,
} from './errors.js'
import type { EventHub } from './events.js'
import { exchange, type NoAnswer } from './network.js'
import type { InternalStitchAuthOptions } from './options.js'
import type { NormalizedScopes } from './scopes.js'
import type { StitchTokenRequestTrace } from './telemetry.js'
import type { CachedToken } from './token.js'
import { buildTokenRequest, parseTokenResponse } from './token-request.js'

/**
 * One token request in progress, shared by everyone who waits for it. A background refresh
 * must not keep a process alive on its own; once a caller waits on it, it may.
 */
export class Flight {
  #timer: ReturnType<typeof setTimeout> | undefined
  #keepAlive: boolean

  constructor(keepAlive: boolean) {
    this.#keepAlive = keepAlive
  }

  keepAlive(): void {
    this.#keepAlive = true
    this.#timer?.ref?.()
  }

  /** Waits `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason)
        return
      }
      const onAbort = () => {
        clearTimeout(this.#timer)
        reject(signal.reason)
      }
      this.#timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort)
        this.#timer = undefined
        resolve()
      }, ms)
      if (!this.#keepAlive) this.#timer.unref?.()
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}

export interface MintContext {
  options: InternalStitchAuthOptions
  auth: ClientAuthentication
  events: EventHub
  scopes: NormalizedScopes
  flight: Flight
  /** Aborts when the client closes. */
  signal: AbortSignal
  /** The request's telemetry, when the client has some. */
  trace?: StitchTokenRequestTrace | undefined
}

export interface MintResult {
  token: CachedToken
  attempts: number
}

/**
 * Requests a token, retrying what may succeed later (network errors, timeouts, 408, 429,
 * 5xx, unreadable bodies) with full-jitter exponential backoff or the server's
 * `Retry-After`, within `maxAttempts` and `deadlineMs`. Everything else fails at once.
 */
export async function mintToken(context: MintContext): Promise<MintResult> {
  const { options, signal } = context
  const deadline = Date.now() + options.deadlineMs
  let credential = await readCredential(context, deadline)
  let reread = false
  for (let attempt = 1; ; attempt++) {
    let failure: StitchAuthError
    try {
      const token = await requestOnce(context, credential, Math.max(1, deadline - Date.now()))
      return { token, attempts: attempt }
    } catch (error) {
      if (signal.aborted) throw closedError(signal)
      // A refused secret may have been rotated since we read it: read it once more, and retry
      // once if it changed. Unchanged, the refusal stands; a second refusal is final.
      if (!reread && context.auth.rotatable && isInvalidClient(error)) {
        reread = true
        const current = await readCredential(context, deadline)
        if (!current.sameAs(credential)) {
          credential = current
          if (context.events.active) {
            context.events.emit({
              type: 'credentialsRotated',
              scopes: context.scopes.scopes,
              method: context.auth.method,
            })
          }
          context.trace?.retrying?.({
            attempt,
            delayMs: 0,
            retryAfter: false,
            status: error.upstreamStatus,
            error,
          })
          continue
        }
      }
      if (!(error instanceof StitchAuthError) || !error.retryable) throw error
      failure = error
    }

    const retryAfterMs =
      failure instanceof StitchEndpointUnavailableError ? failure.retryAfterMs : undefined
    const status =
      failure instanceof StitchEndpointUnavailableError ? failure.upstreamStatus : undefined
    const delayMs = retryAfterMs ?? backoffDelay(attempt, options.retry)
    const giveUp = (reason: string) =>
      new StitchEndpointUnavailableError(
        `${failure.message} Gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${reason}.`,
        {
          attempts: attempt,
          ...(status === undefined ? {} : { status }),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          cause: failure,
        },
      )

    if (attempt >= options.retry.maxAttempts)
      throw giveUp(`the retry limit is ${options.retry.maxAttempts} attempts`)
    if (retryAfterMs !== undefined && retryAfterMs > options.retry.maxRetryAfterMs) {
      throw giveUp(
        `the server asked to wait ${Math.ceil(retryAfterMs / 1000)} s, longer than retry.maxRetryAfterMs (${options.retry.maxRetryAfterMs} ms)`,
      )
    }
    if (Date.now() + delayMs >= deadline)
      throw giveUp(`the next attempt would pass the ${options.deadlineMs} ms deadline`)

    if (context.events.active) {
      context.events.emit({
        type: 'retryScheduled',
        scopes: context.scopes.scopes,
        attempt,
        delayMs,
        status,
        error: failure,
      })
    }
    context.trace?.retrying?.({
      attempt,
      delayMs,
      retryAfter: retryAfterMs !== undefined,
      status,
      error: failure,
    })
    try {
      await context.flight.sleep(delayMs, signal)
    } catch {
      throw closedError(signal)
    }
  }
}

function backoffDelay(attempt: number, retry: InternalStitchAuthOptions['retry']): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1))
  return Math.round(Math.random() * ceiling)
}

function closedError(signal: AbortSignal): StitchAuthError {
  return signal.reason instanceof StitchAuthError ? signal.reason : abortError(signal)
}

const isInvalidClient = (error: unknown): error is StitchTokenRequestError =>
  error instanceof StitchTokenRequestError && error.error === 'invalid_client'

/**
 * Reads the credential for this request. A credential function is the user's code (a secrets
 * manager call): it is bounded by the request's deadline and by the client closing.
 */
async function readCredential(context: MintContext, deadline: number): Promise<ClientCredential> {
  const { auth, options, signal } = context
  if (!auth.rotatable) return auth.read()
  const limitMs = Math.max(1, deadline - Date.now())
  const timeout = AbortSignal.timeout(limitMs)
  return untilAborted(auth.read(), AbortSignal.any([signal, timeout]), () =>
    signal.aborted
      ? closedError(signal)
      : new StitchConfigError([
          `"${auth.method === 'client_secret_post' ? 'clientSecret' : 'privateKey'}" (a function) did not return within ${limitMs} ms (deadlineMs is ${options.deadlineMs}), so no token was requested`,
        ]),
  )
}

async function requestOnce(
  context: MintContext,
  credential: ClientCredential,
  remainingMs: number,
): Promise<CachedToken> {
  const { options } = context
  const timeoutMs = Math.min(options.attemptTimeoutMs, remainingMs)
  // A fresh signature (and jti) for every attempt: assertions are single-use.
  const credentials = await credential.parameters({
    clientId: options.clientId,
    audience: options.audience,
    now: options.now(),
  })
  const request = buildTokenRequest({
    tokenUrl: options.tokenUrl,
    clientId: options.clientId,
    scope: context.scopes.scope,
    audience: options.audience,
    credentials,
  })
  const sentAt = options.now()
  // The timeout bounds the whole attempt, body included: a stalled body is a timeout too.
  const response = await exchange(
    request.url,
    { method: request.method, headers: request.headers, body: request.body },
    {
      fetch: options.fetch,
      timeoutMs,
      signal: context.signal,
      noAnswer: (failure) => unanswered(failure, context, timeoutMs),
      sensitive: credential.sensitive,
    },
  )
  context.trace?.answered?.(response.status)
  return parseTokenResponse(response, {
    requested: context.scopes,
    sentAt,
    sensitive: credential.sensitive,
  })
}

/** An attempt that got no whole answer: retryable, unless the client closed. */
function unanswered(failure: NoAnswer, context: MintContext, timeoutMs: number): StitchAuthError {
  if (failure.kind === 'aborted') return closedError(context.signal)
  if (failure.kind === 'timeout') {
    return new StitchEndpointUnavailableError(
      `The Stitch token endpoint did not answer within ${timeoutMs} ms.`,
      { attempts: 1 },
    )
  }
  return new StitchEndpointUnavailableError(
    `Could not reach the Stitch token endpoint at ${context.options.tokenUrl} (${failure.detail}).`,
    { attempts: 1, cause: failure.cause },
  )
}

export function clientClosedError(): StitchAuthError {
  return new StitchAuthError('This stitch-auth client is closed; create a new one to get tokens.', {
    code: STITCH_AUTH_ERROR_CODES.CLIENT_CLOSED,
  })
}

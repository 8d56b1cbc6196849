// The seam between a client and a tracing or metrics library: plain calls with no library's
// types, so the token client never loads one. `openTelemetry()` from
// `@stitch-auth/core/opentelemetry` implements it; an adapter for another backend can too.
// Nothing passed through it is secret: no client secret, assertion, token or Authorization
// header, and no GraphQL variables.

/**
 * What `createStitchAuth({ telemetry })` takes: `openTelemetry()` from
 * `@stitch-auth/core/opentelemetry`, or your own implementation for another backend.
 */
export interface StitchTelemetry {
  /**
   * Called once by each client created with it; the client then calls the hooks returned.
   * Hooks must not throw: they run inside token requests and API calls.
   */
  attach(client: StitchTelemetryClient): StitchTelemetryHooks
}

/** The client a telemetry is attached to. */
export interface StitchTelemetryClient {
  /** The client id (not secret). */
  readonly clientId: string
  /** The token endpoint, as configured. */
  readonly tokenUrl: string
  /** The GraphQL endpoint, as configured. */
  readonly apiUrl: string
  /** Whether the client shares tokens through a `cache` besides its own memory. */
  readonly sharedCache: boolean
  /** The tokens the client holds now, one per scope set, and how long each has left. */
  tokens(): StitchTelemetryToken[]
}

/** A token as telemetry sees it: its scope set and time left, never the token. */
export interface StitchTelemetryToken {
  /** The normalised scope set (sorted, deduplicated). */
  readonly scopes: readonly string[]
  /** Milliseconds until it expires, by the client's clock. */
  readonly expiresInMs: number
}

/**
 * A failure as hooks get it: a `StitchAuthError`. Record its stable `code`; its message may
 * quote a server.
 */
export type StitchTelemetryError = Error & { readonly code: string }

/** The calls a client makes to its telemetry; each is optional. */
export interface StitchTelemetryHooks {
  /** A token was served from the client's memory (`memory`) or the shared cache (`shared`). */
  cacheHit?(tier: 'memory' | 'shared', scopes: readonly string[]): void
  /** The shared cache had no usable token for a token request. */
  sharedCacheMiss?(scopes: readonly string[]): void
  /**
   * A caller found no token it can use in memory and waits for a token request (its own or
   * one in flight): a memory miss. Returns what to call when it stops waiting.
   */
  waiting?(scopes: readonly string[]): () => void
  /** A request to the token endpoint starts; it ends after its last attempt. */
  tokenRequest?(request: StitchTokenRequestStart): StitchTokenRequestTrace | undefined
  /** A refresh-ahead ended: a new token (minted or from the shared cache), or `error`. */
  refreshEnded?(refresh: {
    readonly scopes: readonly string[]
    readonly error: StitchTelemetryError | undefined
  }): void
  /** A `graphql()` or `run()` call starts; it ends with its result or error. */
  apiCall?(call: StitchApiCallStart): StitchApiCallTrace | undefined
  /** The client closed. */
  close?(): void
}

/** A token request about to be sent. */
export interface StitchTokenRequestStart {
  /** The normalised scope set (sorted, deduplicated). */
  readonly scopes: readonly string[]
  /** A refresh-ahead, made while the current token is still served. */
  readonly background: boolean
  /**
   * The `context` of the API call that started this request, if one did. A refresh-ahead is
   * not part of that call (it serves whoever calls next): at most, it links to it.
   */
  readonly parent: unknown
}

/** One token request, all its attempts included. */
export interface StitchTokenRequestTrace {
  /** Runs the request, so that what it does (its HTTP requests) belongs to this trace. */
  run?<T>(work: () => T): T
  /** An attempt got an HTTP answer. */
  answered?(status: number): void
  /**
   * An attempt failed and another starts after `delayMs`: the error was retryable, or the
   * credential it was refused for has rotated since.
   */
  retrying?(retry: {
    /** The attempt that failed (1 = the first). */
    readonly attempt: number
    readonly delayMs: number
    /** Whether the delay is the server's `Retry-After`. */
    readonly retryAfter: boolean
    readonly status: number | undefined
    readonly error: StitchTelemetryError
  }): void
  /** The request ended: `attempts` on success, `error` on failure. */
  end(result: { readonly attempts?: number; readonly error?: unknown }): void
}

/** An API call about to be made. */
export interface StitchApiCallStart {
  /** The scopes asked for (the client's `scopes` when the call names none), as given. */
  readonly scopes: readonly string[] | undefined
  /** The operation's name: given, or read from the document's first operation. */
  readonly operationName: string | undefined
  /** `query`, `mutation` or `subscription`, read from the document when it says. */
  readonly operationType: string | undefined
}

/** One API call, a re-authentication included. */
export interface StitchApiCallTrace {
  /** Handed to `tokenRequest` as `parent` when this call has to start a token request. */
  readonly context?: unknown
  /** Runs the call, so that what it does (its HTTP requests) belongs to this trace. */
  run?<T>(work: () => T): T
  /** Headers to send with each API request (trace context). `authorization` is never replaced. */
  headers?(): Record<string, string>
  /** An API request got an HTTP answer. */
  answered?(status: number): void
  /** The API refused the token: it is dropped, and the request is sent again with a new one. */
  reauthenticating?(): void
  /** The call ended, with `error` if it failed. */
  end(result: { readonly error?: unknown }): void
}

/**
 * Runs `work` as what `trace` describes (inside its `run`, if it has one) and ends the trace
 * with the error, or with the result's `attempts` when `attemptsOf` reads them. Without a
 * trace, just runs it.
 */
export function traced<T>(
  trace: StitchTokenRequestTrace | StitchApiCallTrace | undefined,
  work: () => Promise<T>,
  attemptsOf?: (result: T) => number,
): Promise<T> {
  if (!trace) return work()
  const running = trace.run ? trace.run(work) : work()
  return running.then(
    (result) => {
      trace.end(attemptsOf ? { attempts: attemptsOf(result) } : {})
      return result
    },
    (error: unknown) => {
      trace.end({ error })
      throw error
    },
  )
}

const OPERATION = /^\s*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/

/**
 * The type and name of a document's first operation, when it starts with one (a leading
 * comment or fragment hides it). Names are part of the document, never of the variables.
 */
export function describeOperation(
  document: string,
  operationName: string | undefined,
): Pick<StitchApiCallStart, 'operationName' | 'operationType'> {
  const match = OPERATION.exec(document)
  return {
    operationName: operationName || match?.[2],
    operationType: match ? match[1] : document.trimStart().startsWith('{') ? 'query' : undefined,
  }
}

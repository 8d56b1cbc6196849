import { isObject } from './checks.js'
import {
  abortError,
  STITCH_AUTH_ERROR_CODES,
  StitchApiError,
  StitchApiUnavailableError,
  type StitchAuthError,
  type StitchGraphQLErrorDetail,
} from './errors.js'
import { exchange, type NoAnswer } from './network.js'
import { scrubServerText } from './redact.js'
import { parseRetryAfter } from './token-request.js'

/** Statuses that say the API is overloaded or unreachable now, rather than that the call failed. */
const API_UNAVAILABLE_STATUSES = new Set([408, 429, 502, 503, 504])

/** The parts of a GraphQL answer that are read; each falls back on its own. */
interface GraphQLResponseBody {
  data?: unknown
  errors?: GraphQLErrorBody[] | undefined
  extensions?: Record<string, unknown> | undefined
  missingScopes?: unknown
}

interface GraphQLErrorBody {
  message: string
  path?: (string | number)[] | undefined
  extensions?: Record<string, unknown> | undefined
}

// Stitch documents one answer shape exactly (the invalid-token body, whose `extensions` sit
// beside `errors`); for the rest its docs are silent, so every plausible place is read:
// GraphQL's own `errors[].extensions`, a top-level `extensions`, and the REST API's
// `missingScopes`. Each field falls back on its own, so one odd field never hides the others;
// only an answer that is not an object at all is not a GraphQL response.
function readGraphQLBody(json: unknown): GraphQLResponseBody | undefined {
  if (!isObject(json)) return undefined
  const { data, errors, extensions, missingScopes } = json
  return {
    data,
    // One entry that is not an object makes the list unreadable, as a whole.
    errors: Array.isArray(errors) && errors.every(isObject) ? errors.map(readError) : undefined,
    extensions: readExtensions(extensions),
    missingScopes,
  }
}

function readError(error: Record<string, unknown>): GraphQLErrorBody {
  const { message, path, extensions } = error
  return {
    message: typeof message === 'string' ? message : 'Unknown error',
    path:
      Array.isArray(path) &&
      path.every(
        (key) => typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key)),
      )
        ? path
        : undefined,
    extensions: readExtensions(extensions),
  }
}

function readExtensions(value: unknown): Record<string, unknown> | undefined {
  return isObject(value) ? value : undefined
}

export interface GraphQLExchange {
  status: number
  errors: StitchGraphQLErrorDetail[]
  data: unknown
  unauthenticated: boolean
}

/** Sends one GraphQL request with the given authorization and reads the answer. */
export async function postGraphQL(options: {
  url: string
  fetch: typeof globalThis.fetch
  authorization: string
  query: string
  variables: unknown
  operationName: string | undefined
  timeoutMs: number
  signal: AbortSignal | undefined
  /** Values the API might echo in an error (the access token): never copied into errors. */
  sensitive: readonly string[]
  /** Files to send as a GraphQL multipart request, by their dot path in `variables`. */
  files?: ReadonlyMap<string, Blob> | undefined
  /** Extra headers (the trace context); they never replace `authorization` or `accept`. */
  headers?: Record<string, string> | undefined
}): Promise<GraphQLExchange> {
  const payload = {
    query: options.query,
    ...(options.variables === undefined ? {} : { variables: options.variables }),
    ...(options.operationName ? { operationName: options.operationName } : {}),
  }
  // Sent once (exchange never retries): a mutation that reached Stitch must not run twice.
  const response = await exchange(
    options.url,
    {
      method: 'post',
      ...(options.files && options.files.size > 0
        ? { body: multipartBody(payload, options.files) }
        : { json: payload }),
      headers: {
        ...options.headers,
        authorization: options.authorization,
        accept: 'application/json',
      },
    },
    {
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      noAnswer: (failure) => apiUnavailable(failure, options),
      sensitive: [options.authorization.replace(/^Bearer /i, '')],
    },
  )
  const text = await response.text()
  if (API_UNAVAILABLE_STATUSES.has(response.status)) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    const wait =
      retryAfterMs === undefined
        ? ''
        : ` and asked to retry after ${Math.ceil(retryAfterMs / 1000)} s`
    throw new StitchApiUnavailableError(`The Stitch API answered HTTP ${response.status}${wait}.`, {
      status: response.status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  const body = readGraphQLBody(json)
  if (!body) {
    if (response.status === 401) {
      return { status: 401, errors: [], data: undefined, unauthenticated: true }
    }
    throw new StitchApiError(
      `The Stitch API answered HTTP ${response.status} with a body that is not a GraphQL response.`,
      { status: response.status, retryable: response.status >= 500 },
    )
  }
  return readGraphQLAnswer(response.status, body, options.sensitive)
}

/**
 * The GraphQL multipart request spec, which Stitch's `Upload` scalar follows: an `operations`
 * part (the request, each file's variable `null`), a `map` part naming where each file goes,
 * then the files. `fetch` sets the boundary.
 */
function multipartBody(
  payload: { query: string; variables?: unknown; operationName?: string },
  files: ReadonlyMap<string, Blob>,
): FormData {
  const variables = structuredClone(payload.variables ?? {}) as Record<string, unknown>
  const map: Record<string, string[]> = {}
  let index = 0
  for (const path of files.keys()) {
    setPath(variables, path, null)
    map[String(index++)] = [`variables.${path}`]
  }
  const form = new FormData()
  form.append('operations', JSON.stringify({ ...payload, variables }))
  form.append('map', JSON.stringify(map))
  index = 0
  for (const file of files.values()) {
    const name = typeof (file as File).name === 'string' ? (file as File).name : 'upload'
    form.append(String(index++), file, name)
  }
  return form
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  const last = keys.pop() as string
  let node: Record<string, unknown> = target
  for (const key of keys) {
    const next = node[key]
    if (typeof next !== 'object' || next === null) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[last] = value
}

/** The code Stitch puts on an answer to an expired, revoked or malformed token. */
const UNAUTHENTICATED = 'UNAUTHENTICATED'

function readGraphQLAnswer(
  status: number,
  body: GraphQLResponseBody,
  sensitive: readonly string[],
): GraphQLExchange {
  const topLevelScopes = [
    ...scopeList(body.missingScopes),
    ...scopesFromExtensions(body.extensions),
  ]
  const errors = (body.errors ?? []).map((error) => toErrorDetail(error, sensitive))
  // Scopes named beside `errors` belong to the answer as a whole; they are given to the
  // first error so `StitchApiError.requiredScopes` sees them like any other.
  if (topLevelScopes.length > 0) {
    const first = errors[0] ?? { message: `Missing required scopes: ${topLevelScopes.join(', ')}` }
    errors[0] = {
      ...first,
      requiredScopes: [...new Set([...(first.requiredScopes ?? []), ...topLevelScopes])],
    }
  }
  return {
    status,
    errors,
    data: body.data,
    unauthenticated:
      status === 401 ||
      body.extensions?.code === UNAUTHENTICATED ||
      errors.some((error) => error.code === UNAUTHENTICATED),
  }
}

/**
 * A call that got no whole answer, as an error that keeps nothing of the request: the same
 * class as an overloaded API's answer, so one `instanceof` covers "the API is unavailable".
 */
function apiUnavailable(
  failure: NoAnswer,
  options: { url: string; timeoutMs: number; signal: AbortSignal | undefined },
): StitchAuthError {
  if (failure.kind === 'aborted' && options.signal) {
    return abortError(options.signal, 'The Stitch API call')
  }
  if (failure.kind === 'network') {
    return new StitchApiUnavailableError(
      `Could not reach the Stitch API at ${options.url} (${failure.detail}).`,
      { cause: failure.cause },
    )
  }
  return new StitchApiUnavailableError(
    `The Stitch API at ${options.url} did not answer within ${options.timeoutMs} ms.`,
    {},
  )
}

function toErrorDetail(
  error: {
    message: string
    path?: (string | number)[] | undefined
    extensions?: Record<string, unknown> | undefined
  },
  sensitive: readonly string[],
): StitchGraphQLErrorDetail {
  const extensionCode = error.extensions?.code
  // Stitch's documented answer puts the code in the message: "UNAUTHENTICATED: Token is …".
  const code =
    typeof extensionCode === 'string'
      ? extensionCode
      : /^\s*UNAUTHENTICATED\b/.test(error.message)
        ? UNAUTHENTICATED
        : undefined
  const listed = scopesFromExtensions(error.extensions)
  const requiredScopes = listed.length > 0 ? listed : scopesFromMessage(error.message)
  const reason = error.extensions?.reason
  return {
    // The API's words go into our error, so they are scrubbed of anything token-shaped.
    message: scrubServerText(error.message, sensitive),
    ...(error.path ? { path: error.path } : {}),
    ...(code ? { code } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(requiredScopes.length > 0 ? { requiredScopes } : {}),
  }
}

/** Where an error's extensions might list the scopes a call lacks (the key is a guess). */
function scopesFromExtensions(extensions: Record<string, unknown> | undefined): string[] {
  if (extensions === undefined) return []
  return [
    ...new Set([
      ...scopeList(extensions.requiredScopes),
      ...scopeList(extensions.missingScopes),
      ...scopeList(extensions.scopes),
    ]),
  ]
}

/** Scope names out of a list (or one string) of unknown shape; anything else is ignored. */
function scopeList(value: unknown): string[] {
  const items =
    typeof value === 'string' ? value.split(/[\s,]+/) : Array.isArray(value) ? value : []
  return items.filter((item): item is string => typeof item === 'string' && SCOPE_NAME.test(item))
}

const SCOPE_NAME = /^[a-z][a-z0-9_]*$/

/** Stitch names missing scopes in the message; pick out the words that look like scopes. */
function scopesFromMessage(message: string): string[] {
  if (!/scope/i.test(message)) return []
  return [...new Set(message.match(/\b(?:client|user)_[a-z]+\b/g) ?? [])]
}

// Codes GraphQL servers give input they refuse (Apollo's names, which Stitch's errors follow for
// UNAUTHENTICATED and FORBIDDEN). Stitch does not document the code of an invalid input: a guess.
const INVALID_INPUT_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'VALIDATION_ERROR',
  'INVALID_INPUT',
])

/**
 * Stitch documents only that a reused nonce "will be rejected with an error", not its shape:
 * a reason or code that names the nonce, or a message about a nonce used before, all count.
 */
function isNonceReused(error: StitchGraphQLErrorDetail): boolean {
  const label = `${error.reason ?? ''} ${error.code ?? ''}`
  if (/NONCE/i.test(label)) return true
  return (
    /\bnonce\b/i.test(error.message) &&
    /\b(already|reused?|used|duplicate|exists|same)\b/i.test(error.message)
  )
}

/** Turns a failed GraphQL exchange into the error a caller can act on. */
export function graphQLError(exchange: GraphQLExchange): StitchApiError {
  const { errors, status } = exchange
  if (exchange.unauthenticated) {
    return new StitchApiError(
      'The Stitch API rejected the access token even after a fresh one was minted; check that the client and API URL belong to the same environment.',
      { status, errors, code: STITCH_AUTH_ERROR_CODES.API_UNAUTHENTICATED },
    )
  }
  const requiredScopes = [...new Set(errors.flatMap((error) => error.requiredScopes ?? []))]
  if (requiredScopes.length > 0) {
    return new StitchApiError(
      `The Stitch API call needs scopes the token lacks: ${requiredScopes.join(', ')}. Request them with getToken/graphql({ scopes }) and make sure Stitch enabled them for the client.`,
      { status, errors, code: STITCH_AUTH_ERROR_CODES.API_FORBIDDEN },
    )
  }
  const summary = errors.map((error) => error.message).join('; ')
  if (errors.some(isNonceReused)) {
    return new StitchApiError(
      `Stitch refused the request because its nonce was used before: the same request was already made, so it did not run again. Use a new nonce only for a new request. Stitch said: ${summary}`,
      { status, errors, code: STITCH_AUTH_ERROR_CODES.API_NONCE_REUSED },
    )
  }
  if (errors.some((error) => error.code !== undefined && INVALID_INPUT_CODES.has(error.code))) {
    return new StitchApiError(`Stitch refused the request's input: ${summary}`, {
      status,
      errors,
      code: STITCH_AUTH_ERROR_CODES.API_INVALID_INPUT,
    })
  }
  return new StitchApiError(
    errors.length > 0
      ? `The Stitch API answered with ${errors.length === 1 ? 'an error' : `${errors.length} errors`}: ${summary}`
      : `The Stitch API answered HTTP ${status}.`,
    { status, errors, retryable: status >= 500 },
  )
}

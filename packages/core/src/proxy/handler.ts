import type { z } from 'zod'
import type {
  ApiOperationResult,
  ApiOperationVariables,
  StitchApiOperation,
} from '../api-operation.js'
import { readBodyLimited } from '../body.js'
import type { StitchAuth } from '../client.js'
import {
  HTTP_ERROR_CODES,
  type HttpErrorAnswer,
  type HttpErrorIssue,
  HttpRequestRefusal,
  StitchConfigError,
  toHttpErrorAnswer,
} from '../errors.js'
import type { StitchScope } from '../scopes.js'

/** What an operation's hooks know about the call: the Web request and the adapter's extras. */
export interface ProxyCallContext<TContext = unknown> {
  request: Request
  /** Whatever the adapter passes along, e.g. `{ req, res }` in Express. */
  context: TContext
}

/**
 * One call the browser may make through the proxy. Everything that reaches Stitch is fixed
 * here, on the server: the document, the scopes, and how browser input becomes variables.
 */
export interface StitchOperation<
  TSchema extends z.ZodType = z.ZodType,
  TOutput = unknown,
  TContext = unknown,
> {
  /** The GraphQL document sent to Stitch; the browser can never change it. */
  document: string
  /** Scopes the call needs. */
  scopes: readonly StitchScope[]
  /** What the browser may send. Anything else is refused with 400 before Stitch is called. */
  input: TSchema
  /** Return false to refuse the caller (403), e.g. when no user is signed in. */
  authorize?: (
    call: ProxyCallContext<TContext>,
    input: z.output<TSchema>,
  ) => boolean | Promise<boolean>
  /** Turns the validated input into GraphQL variables; server-side values go in here. */
  toVariables?: (
    input: z.output<TSchema>,
    call: ProxyCallContext<TContext>,
  ) => Record<string, unknown> | Promise<Record<string, unknown>>
  /**
   * Picks what the browser gets back: from Stitch's `data`, or from the API operation's typed
   * result when the operation was made with {@link exposeOperation}.
   */
  toOutput: (data: unknown, input: z.output<TSchema>) => TOutput | Promise<TOutput>
  /**
   * The API operation this one runs (set by {@link exposeOperation}): its variables are checked
   * against the operation's schema and its result read, as `stitch.run()` does.
   */
  api?: StitchApiOperation
}

/** A named set of operations: the whole surface the browser can reach. */
// biome-ignore lint/suspicious/noExplicitAny: operations vary in their schema, output and context.
export type StitchOperations = Record<string, StitchOperation<any, any, any>>

/** Defines one operation with its types inferred from the schema and `toOutput`. */
export function defineOperation<TSchema extends z.ZodType, TOutput, TContext = unknown>(
  operation: StitchOperation<TSchema, TOutput, TContext>,
): StitchOperation<TSchema, TOutput, TContext> {
  return Object.freeze({ ...operation })
}

/** How a browser operation runs an API operation: what the browser may send and what it gets. */
export interface ExposeOperationOptions<
  TOperation extends StitchApiOperation,
  TSchema extends z.ZodType,
  TOutput,
  TContext,
> {
  /** What the browser may send. Anything else is refused with 400 before Stitch is called. */
  input: TSchema
  /**
   * Return false to refuse the caller (403). Required for an operation that moves money out.
   */
  authorize?: StitchOperation<TSchema, TOutput, TContext>['authorize']
  /** Turns the browser's input into the operation's variables; server-side values go in here. */
  toVariables: (
    input: z.output<TSchema>,
    call: ProxyCallContext<TContext>,
  ) => ApiOperationVariables<TOperation> | Promise<ApiOperationVariables<TOperation>>
  /** Picks what the browser gets back from the operation's typed result. */
  toOutput: (
    result: ApiOperationResult<TOperation>,
    input: z.output<TSchema>,
  ) => TOutput | Promise<TOutput>
  /**
   * Serve an operation that pays money out of the client's account (a refund, a disbursement)
   * to a browser. Off by default: a page anyone can load must not be a way to move money, so
   * this also requires an `authorize` that admits only people allowed to (e.g. staff).
   * @default false
   */
  allowMoneyMovement?: boolean
}

/**
 * Serves an API operation (from `@stitch-auth/core/operations`) to the browser: the browser's
 * input is checked by `input`, turned into the operation's variables on the server, and those
 * are checked again by the operation's own schema (Stitch's limits) before Stitch is called.
 * Operations that move money out are refused unless `allowMoneyMovement` and `authorize` are set.
 *
 * @example
 * const operations = defineOperations({
 *   cancelOrder: exposeOperation(cancelPaymentRequest, {
 *     input: z.strictObject({ id: z.string().min(1).max(200) }),
 *     authorize: ({ context }) => context.req.session.user !== undefined,
 *     toVariables: ({ id }) => ({ input: { requestId: id, reason: 'Cancelled by the payer' } }),
 *     toOutput: ({ id }) => ({ id }),
 *   }),
 * })
 */
export function exposeOperation<
  TOperation extends StitchApiOperation,
  TSchema extends z.ZodType,
  TOutput,
  TContext = unknown,
>(
  operation: TOperation,
  options: ExposeOperationOptions<TOperation, TSchema, TOutput, TContext>,
): StitchOperation<TSchema, TOutput, TContext> {
  if (operation.movesMoney && !(options.allowMoneyMovement === true && options.authorize)) {
    throw new StitchConfigError(
      [
        `${operation.name} pays money out of the client's account, so it is not served to a browser by default: pass "allowMoneyMovement: true" and an "authorize" that admits only people allowed to move money, or run it on the server with stitch.run()`,
      ],
      'Invalid stitch-auth operation',
    )
  }
  return defineOperation({
    document: operation.document,
    scopes: operation.scopes as StitchOperation['scopes'],
    input: options.input,
    ...(options.authorize ? { authorize: options.authorize } : {}),
    toVariables: options.toVariables as StitchOperation<TSchema, TOutput, TContext>['toVariables'],
    toOutput: async (result, input) =>
      options.toOutput(result as ApiOperationResult<TOperation>, input),
    api: operation,
  })
}

/** What an operation may be called: a path segment the proxy routes and a client can expose. */
export const OPERATION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/

// A browser client exposes operations as methods: these names would break `await` or JSON, as
// would any of `Object.prototype`'s own (checked at call time: nothing runs when this loads).
const RESERVED_OPERATION_NAMES = /* @__PURE__ */ new Set(['then', 'toJSON'])

/** Defines the operations a proxy serves; `typeof` the result types the browser client. */
export function defineOperations<const TOperations extends StitchOperations>(
  operations: TOperations,
): TOperations {
  const problems = operationNameProblems(Object.keys(operations))
  if (problems.length > 0) throw new StitchConfigError(problems, 'Invalid stitch-auth operations')
  return Object.freeze({ ...operations })
}

function operationNameProblems(names: readonly string[]): string[] {
  return names.flatMap((name) => {
    if (!OPERATION_NAME_PATTERN.test(name)) {
      return [
        `operation name "${name}" must start with a letter and hold only letters, digits, _ and -`,
      ]
    }
    if (RESERVED_OPERATION_NAMES.has(name) || Object.hasOwn(Object.prototype, name)) {
      return [`operation name "${name}" is reserved (it would clash with JavaScript's own methods)`]
    }
    return []
  })
}

/** What the browser sends to an operation. */
export type OperationInput<TOperation> =
  TOperation extends StitchOperation<infer TSchema, unknown, never> ? z.input<TSchema> : never

/** What the browser gets back from an operation. */
export type OperationOutput<TOperation> =
  TOperation extends StitchOperation<z.ZodType, infer TOutput, never> ? Awaited<TOutput> : never

/** The default anti-CSRF header: a custom header a cross-site form or image cannot send. */
export const PROXY_CSRF_HEADER = 'x-stitch-proxy'

export interface StitchProxyOptions<TOperations extends StitchOperations> {
  client: StitchAuth
  operations: TOperations
  /**
   * Header every call must carry (any non-empty value). Browsers only let a page set a
   * custom header on same-origin requests or after a CORS preflight, which is what stops
   * other sites from calling the proxy with the visitor's cookies.
   * @default 'x-stitch-proxy'
   */
  csrfHeader?: string
  /**
   * Largest request body accepted, in bytes.
   * @default 16384
   */
  maxBodyBytes?: number
  /**
   * How long one operation's Stitch API call may take, answer and body included; past it the
   * proxy answers 503 `STITCH_AUTH_API_UNAVAILABLE`. Getting a token is bounded by the client's own
   * `attemptTimeoutMs` and `deadlineMs`.
   * @default 30000
   * @example 10_000
   */
  timeoutMs?: number
  /**
   * Called with every failure the proxy answers with a fixed message (what ended the call: a
   * `StitchAuthError`, or whatever your hooks threw). Log here.
   */
  onError?: (error: unknown, operation: string) => void
}

export interface ProxyHandleOptions<TContext> {
  /** The operation name, when the adapter routed it; otherwise the request path's last segment. */
  operation?: string
  context?: TContext
}

/** A Web `Request` → `Response` handler that serves the named operations, denying all else. */
export type StitchProxyHandler<TContext = unknown> = (
  request: Request,
  options?: ProxyHandleOptions<TContext>,
) => Promise<Response>

const FORBIDDEN_KEYS = /* @__PURE__ */ new Set(['__proto__', 'constructor', 'prototype'])

/**
 * Creates the browser-safe proxy: POST `<base>/<operation>` with a JSON body runs that
 * operation's fixed document with the validated input. Unknown operations, other methods,
 * other content types, missing anti-CSRF header, oversized or invalid bodies and keys such
 * as `__proto__` are refused before Stitch is called. Responses never carry a token; every
 * error answer is core's one `HttpErrorBody`, made by `toHttpErrorAnswer`.
 */
export function createStitchProxyHandler<TOperations extends StitchOperations, TContext = unknown>(
  options: StitchProxyOptions<TOperations>,
): StitchProxyHandler<TContext> {
  const problems = proxyOptionProblems(options)
  if (problems.length > 0)
    throw new StitchConfigError(problems, 'Invalid stitch-auth proxy options')
  const csrfHeader = (options.csrfHeader ?? PROXY_CSRF_HEADER).toLowerCase()
  const maxBodyBytes = options.maxBodyBytes ?? 16_384
  const { timeoutMs } = options

  return async (request, handleOptions = {}) => {
    const name = handleOptions.operation ?? lastPathSegment(request.url)
    const operation =
      name !== undefined && Object.hasOwn(options.operations, name)
        ? options.operations[name]
        : undefined
    if (!operation || name === undefined) {
      return proxyError(404, HTTP_ERROR_CODES.UNKNOWN_OPERATION, 'No such operation.')
    }
    if (request.method !== 'POST') {
      return proxyError(405, HTTP_ERROR_CODES.METHOD_NOT_ALLOWED, 'Use POST.', {
        headers: { allow: 'POST' },
      })
    }
    const contentType = request.headers.get('content-type') ?? ''
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      return proxyError(415, HTTP_ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, 'Send application/json.')
    }
    if (!request.headers.get(csrfHeader)) {
      return proxyError(
        403,
        HTTP_ERROR_CODES.CSRF_HEADER_MISSING,
        `Missing the ${csrfHeader} header.`,
      )
    }

    const bytes = await readBodyLimited(request, maxBodyBytes)
    const text = bytes === undefined ? undefined : new TextDecoder().decode(bytes)
    if (text === undefined) {
      return proxyError(
        413,
        HTTP_ERROR_CODES.BODY_TOO_LARGE,
        `The body is over ${maxBodyBytes} bytes.`,
      )
    }
    let body: unknown
    try {
      body = JSON.parse(text === '' ? '{}' : text, (key, value: unknown) => {
        if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenKeyError()
        return value
      })
    } catch (error) {
      const message =
        error instanceof ForbiddenKeyError
          ? 'Keys such as __proto__ are not allowed.'
          : 'The body is not valid JSON.'
      return proxyError(400, HTTP_ERROR_CODES.INVALID_JSON, message)
    }

    const parsed = await operation.input.safeParseAsync(body)
    if (!parsed.success) {
      return proxyError(400, HTTP_ERROR_CODES.INVALID_INPUT, 'The input is invalid.', {
        issues: parsed.error.issues.map(
          (issue: z.core.$ZodIssue): HttpErrorIssue => ({
            path: issue.path.join('.'),
            message: issue.message,
          }),
        ),
      })
    }

    const call: ProxyCallContext<TContext> = {
      request,
      context: handleOptions.context as TContext,
    }
    try {
      if (operation.authorize && !(await operation.authorize(call, parsed.data))) {
        return proxyError(403, HTTP_ERROR_CODES.FORBIDDEN, 'Not allowed.')
      }
      const variables = operation.toVariables
        ? await operation.toVariables(parsed.data, call)
        : (parsed.data as Record<string, unknown>)
      const callOptions = {
        signal: request.signal,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      }
      const data = operation.api
        ? await options.client.run(operation.api, variables, callOptions)
        : await options.client.graphql(operation.document, variables, {
            scopes: operation.scopes,
            ...callOptions,
          })
      const output = await operation.toOutput(data, parsed.data)
      return Response.json({ data: output }, { headers: { 'cache-control': 'no-store' } })
    } catch (error) {
      options.onError?.(error, name)
      return errorResponse(toHttpErrorAnswer(error))
    }
  }
}

class ForbiddenKeyError extends Error {}

function proxyOptionProblems(options: StitchProxyOptions<StitchOperations>): string[] {
  const problems: string[] = []
  if (typeof options.client?.graphql !== 'function') {
    problems.push('"client" must be a client made with createStitchAuth()')
  }
  if (typeof options.operations !== 'object' || options.operations === null) {
    problems.push('"operations" must be the object returned by defineOperations()')
  } else {
    for (const [name, operation] of Object.entries(options.operations)) {
      if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
        problems.push(
          `operation name "${name}" must start with a letter and hold only letters, digits, _ and -`,
        )
      }
      if (
        typeof operation?.document !== 'string' ||
        typeof operation.input?.safeParseAsync !== 'function'
      ) {
        problems.push(`operation "${name}" needs a GraphQL "document" and a zod "input" schema`)
      }
    }
  }
  if (
    options.maxBodyBytes !== undefined &&
    !(Number.isInteger(options.maxBodyBytes) && options.maxBodyBytes > 0)
  ) {
    problems.push('"maxBodyBytes" must be a positive whole number of bytes')
  }
  if (
    options.timeoutMs !== undefined &&
    !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)
  ) {
    problems.push('"timeoutMs" must be a positive number of milliseconds')
  }
  if (options.csrfHeader !== undefined && !/^[A-Za-z0-9-]+$/.test(options.csrfHeader)) {
    problems.push('"csrfHeader" must be a header name')
  }
  return problems
}

function lastPathSegment(url: string): string | undefined {
  const { pathname } = new URL(url)
  const segment = pathname.slice(pathname.lastIndexOf('/') + 1)
  // Encoded slashes or dots would let a path pose as another operation: refuse them.
  return OPERATION_NAME_PATTERN.test(segment) ? segment : undefined
}

/** A refusal of the request, before Stitch is called. */
function proxyError(
  status: number,
  code: HttpRequestRefusal['code'],
  message: string,
  extra?: HttpRequestRefusal['extra'],
): Response {
  return errorResponse(toHttpErrorAnswer(new HttpRequestRefusal(status, code, message, extra)))
}

function errorResponse(answer: HttpErrorAnswer): Response {
  return Response.json(answer.body, { status: answer.status, headers: answer.headers })
}

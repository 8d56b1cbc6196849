// What an API operation is, and how `run()` prepares one. Only types come from zod: the token
// client's import graph stays free of the catalog and of any schema it does not use.
import type { z } from 'zod'
import { StitchApiError, StitchConfigError, StitchInputError } from './errors.js'
import type { StitchScope } from './scopes.js'

/**
 * One call of Stitch's API, typed end to end: its document, the scopes it needs, a zod schema
 * of its variables (which enforces Stitch's documented limits) and how its result is read.
 * The catalog in `@stitch-auth/core/operations` holds one per documented client-token
 * feature; define your own with {@link defineApiOperation} for fields it lacks.
 */
export interface StitchApiOperation<
  TVariables extends z.ZodType = z.ZodType,
  TResult = unknown,
  TScope extends string = StitchScope,
> {
  /** The operation's name: its GraphQL operation name, and how the CLI and errors call it. */
  readonly name: string
  /** The GraphQL document sent to Stitch. */
  readonly document: string
  /** Exactly the scopes the call needs; `run()` gets a token for these and no others. */
  readonly scopes: readonly TScope[]
  /**
   * The variables, checked before anything is sent. Defaults run here once per call, so a
   * generated `nonce` stays the same when the call is made again after a re-authentication.
   */
  readonly variables: TVariables
  /**
   * Reads the typed result out of the API's `data`, given the variables that were sent (with
   * the nonce that was used). Throw (a zod error, say) when `data` is not what it expects.
   */
  readonly result: (data: unknown, variables: z.output<TVariables>) => TResult
  /**
   * Files sent as a GraphQL multipart request, by their dot path in the variables, e.g.
   * `{ image: variables.image }`. Without it the request is JSON.
   */
  readonly files?: (variables: z.output<TVariables>) => Readonly<Record<string, Blob>>
  /**
   * True when the call pays money out of the client's account (a refund, a disbursement): the
   * proxy refuses to serve it to a browser unless told to.
   */
  readonly movesMoney?: boolean
}

/** What `run()` takes as an operation's variables. */
export type ApiOperationVariables<TOperation> =
  TOperation extends StitchApiOperation<infer TVariables, unknown, string>
    ? z.input<TVariables>
    : never

/** What `run()` returns for an operation. */
export type ApiOperationResult<TOperation> =
  TOperation extends StitchApiOperation<z.ZodType, infer TResult, string> ? TResult : never

/** What {@link defineApiOperation} takes: the variables may be a schema or a function making it. */
export type ApiOperationDefinition<
  TVariables extends z.ZodType,
  TResult,
  TScope extends string,
> = Omit<StitchApiOperation<TVariables, TResult, TScope>, 'variables' | 'document'> & {
  /**
   * The variables schema, or a function that makes it on first use: a bundler drops an
   * operation nobody imports only when nothing in its definition runs at load time.
   */
  variables: TVariables | (() => TVariables)
  /**
   * The GraphQL document, or a function returning it: a bundler keeps a template literal with
   * a substitution (a shared fragment) even when nobody uses it, but not a function.
   */
  document: string | (() => string)
}

/**
 * Defines an API operation, for a field the catalog lacks. Its types follow from the variables
 * schema and `result`; its scopes are checked against the client's.
 *
 * @example
 * const paymentRequestAmount = defineApiOperation({
 *   name: 'PaymentRequestAmount',
 *   document:
 *     'query PaymentRequestAmount($id: ID!) { node(id: $id) { ... on PaymentInitiationRequest { id amount } } }',
 *   scopes: ['client_paymentrequest'],
 *   variables: z.object({ id: z.string().min(1) }),
 *   result: (data) => z.object({ node: z.object({ id: z.string(), amount: z.unknown() }) }).parse(data).node,
 * })
 * const { amount } = await stitch.run(paymentRequestAmount, { id })
 */
export function defineApiOperation<
  TVariables extends z.ZodType,
  TResult,
  // Documented scopes only, so a misspelt one does not compile; for a scope Stitch added after
  // this release, cast it (`'client_new' as StitchScope`) and create the client with
  // `allowUnknownScopes: true`.
  const TScope extends StitchScope,
>(
  operation: ApiOperationDefinition<TVariables, TResult, TScope>,
): StitchApiOperation<TVariables, TResult, TScope> {
  const problems: string[] = []
  const { name, scopes } = operation
  const document =
    typeof operation.document === 'function' ? operation.document() : operation.document
  // The name is sent as `operationName`, so the document must hold an operation of that name.
  if (
    !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ||
    !new RegExp(`\\b(query|mutation)\\s+${name}\\b`).test(document)
  ) {
    problems.push(
      `"name" must be the name of an operation in "document" (e.g. query ${name || 'MyQuery'}(…) { … })`,
    )
  }
  if (!Array.isArray(scopes) || scopes.length === 0) {
    problems.push('"scopes" must list the scopes the operation needs (at least one)')
  }
  if (problems.length > 0) throw new StitchConfigError(problems, 'Invalid API operation')
  const { variables, ...rest } = operation
  let schema = typeof variables === 'function' ? undefined : variables
  const defined = { ...rest, document, scopes: Object.freeze([...scopes]) } as StitchApiOperation<
    TVariables,
    TResult,
    TScope
  >
  Object.defineProperty(defined, 'variables', {
    enumerable: true,
    get: () => {
      schema ??= (variables as () => TVariables)()
      return schema
    },
  })
  return Object.freeze(defined)
}

/** Options of one `run()` call. */
export interface RunOptions {
  signal?: AbortSignal
  /**
   * Timeout of the API request.
   * @default 30000
   */
  timeoutMs?: number
}

/**
 * `run()`'s arguments after the operation: the variables (optional when the operation needs
 * none) and the call's options.
 */
export type RunArguments<TVariables extends z.ZodType> =
  undefined extends z.input<TVariables>
    ? [variables?: z.input<TVariables>, options?: RunOptions]
    : [variables: z.input<TVariables>, options?: RunOptions]

/** Any operation, whatever its scopes' type. */
type AnyApiOperation = StitchApiOperation<z.ZodType, unknown, string>

/** An operation made ready to send: checked variables (defaults applied) and files. */
export interface PreparedOperation {
  variables: Record<string, unknown> | undefined
  files: ReadonlyMap<string, Blob> | undefined
}

/**
 * Refuses an operation whose scopes the client was not configured with: Stitch would refuse
 * the token request anyway, and this way the message says what to change.
 */
export function checkOperationScopes(
  operation: AnyApiOperation,
  clientScopes: readonly string[] | undefined,
): void {
  if (clientScopes === undefined) return
  const missing = operation.scopes.filter((scope) => !clientScopes.includes(scope))
  if (missing.length === 0) return
  throw new StitchConfigError(
    [
      `${operation.name} needs ${missing.join(', ')}, which the client's "scopes" option does not list (${clientScopes.join(', ')}); add ${missing.length === 1 ? 'it' : 'them'} to "scopes", and make sure Stitch enabled ${missing.length === 1 ? 'it' : 'them'} for the client`,
    ],
    'Operation not allowed for this client',
  )
}

/** Checks the variables (every problem at once, before any request) and picks out the files. */
export async function prepareOperation(
  operation: AnyApiOperation,
  variables: unknown,
): Promise<PreparedOperation> {
  const parsed = await operation.variables.safeParseAsync(variables)
  if (!parsed.success) {
    throw new StitchInputError(
      operation.name,
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    )
  }
  const files = operation.files ? new Map(Object.entries(operation.files(parsed.data))) : undefined
  return { variables: parsed.data as Record<string, unknown> | undefined, files }
}

/** Reads the result; an answer of another shape is Stitch's, not the caller's, problem. */
export function readOperationResult<TResult>(
  operation: StitchApiOperation<z.ZodType, TResult, string>,
  data: unknown,
  variables: unknown,
): TResult {
  try {
    return operation.result(data, variables)
  } catch (error) {
    const issues = zodIssues(error)
    const detail = issues
      ? issues
          .slice(0, 5)
          .map((issue) => `${issue.path.map(String).join('.') || '(data)'}: ${issue.message}`)
          .join('; ')
      : error instanceof Error
        ? error.message
        : String(error)
    throw new StitchApiError(
      `The Stitch API's answer to ${operation.name} does not have the expected shape (${detail}).`,
      { status: 200, cause: error },
    )
  }
}

function zodIssues(error: unknown): z.core.$ZodIssue[] | undefined {
  if (error === null || typeof error !== 'object') return undefined
  const issues = (error as { issues?: unknown }).issues
  return Array.isArray(issues) ? (issues as z.core.$ZodIssue[]) : undefined
}

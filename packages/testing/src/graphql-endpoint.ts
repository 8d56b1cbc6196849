import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  GraphQLError,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql'
import { jsonReply, type Reply } from './http.js'
import type { SimulatorState } from './state.js'
import type { StitchContext } from './stitch/kit.js'
import { schema } from './stitch/schema.js'
import type { ApiRequestLogEntry } from './types.js'

/**
 * Stitch's answer to an expired or malformed token, verbatim from its documentation: the code
 * is a prefix of the message, and `extensions` sit beside `errors`, not inside the error.
 */
export const UNAUTHENTICATED_BODY =
  '{"errors":[{"message":"UNAUTHENTICATED: Token is expired or malformed"}],"extensions":{"code":"UNAUTHENTICATED"}}'

export interface GraphQLRequestInput {
  method: string
  /** The whole `Content-Type` header (multipart needs its boundary). */
  contentType: string
  authorization: string | undefined
  /** The raw body; undefined when it was over the size limit. */
  body: Buffer | undefined
}

export interface GraphQLRequestResult {
  reply: Reply
  kind: 'ok' | 'unauthenticated' | 'forbidden'
}

interface GraphQLParams {
  query: unknown
  variables: unknown
  operationName: unknown
}

const requestError = (status: number, message: string, headers?: Record<string, string>) =>
  ({ kind: 'ok', reply: jsonReply(status, { errors: [{ message }] }, headers) }) as const

/** Runs one GraphQL-over-HTTP request the way Stitch's API answers it. */
export async function processGraphQLRequest(
  state: SimulatorState,
  input: GraphQLRequestInput,
): Promise<GraphQLRequestResult> {
  const at = state.now()
  if (input.method !== 'POST') {
    return requestError(405, `The GraphQL endpoint only accepts POST (got ${input.method})`, {
      Allow: 'POST',
    })
  }
  if (input.body === undefined) return requestError(413, 'The request body is too large')
  const mediaType = input.contentType.split(';')[0]?.trim().toLowerCase() ?? ''

  let params: GraphQLParams | string
  if (mediaType === 'application/json') params = readJson(input.body)
  else if (mediaType === 'multipart/form-data') params = await readMultipart(input)
  else {
    return requestError(
      415,
      `Content-Type must be application/json, or multipart/form-data for an upload (got ${mediaType || 'none'})`,
    )
  }
  if (typeof params === 'string') return requestError(400, params)
  const { query, variables, operationName } = params
  if (typeof query !== 'string' || query.trim() === '') {
    return requestError(400, '"query" must be a non-empty string')
  }
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return requestError(400, '"variables" must be an object')
  }
  if (operationName != null && typeof operationName !== 'string') {
    return requestError(400, '"operationName" must be a string')
  }

  const match = /^Bearer\s+(\S+)\s*$/i.exec(input.authorization ?? '')
  const token = match?.[1] === undefined ? undefined : state.findLiveToken(match[1])
  const document = parseDocument(query)
  const entry = {
    at,
    operationName:
      operationName ?? (document instanceof GraphQLError ? undefined : operationNameOf(document)),
    variables: structuredClone(variables ?? {}) as Record<string, unknown>,
  }
  if (token === undefined) {
    const status = state.settings.unauthenticatedStatus
    state.recordApiRequest(withDefined({ ...entry, outcome: 'unauthenticated', status }))
    return {
      kind: 'unauthenticated',
      reply: {
        status,
        headers: {
          'Content-Type': 'application/json',
          ...(status === 401 ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : {}),
        },
        body: UNAUTHENTICATED_BODY,
      },
    }
  }

  const contextValue: StitchContext = { state, token }
  const result = await run(document, {
    contextValue,
    variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: (operationName ?? undefined) as string | undefined,
  })
  const forbidden = result.errors?.some((e) => e.extensions?.code === 'FORBIDDEN') ?? false
  state.recordApiRequest(
    withDefined({
      ...entry,
      clientId: token.clientId,
      scopes: [...token.scopes],
      outcome: forbidden ? 'forbidden' : result.errors ? 'error' : 'ok',
      status: 200,
    }),
  )
  return { kind: forbidden ? 'forbidden' : 'ok', reply: jsonReply(200, result) }
}

function readJson(body: Buffer): GraphQLParams | string {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return 'The request body is not valid JSON'
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return 'The request body must be a JSON object: { query, variables?, operationName? }'
  }
  return parsed as GraphQLParams
}

/** A file sent in a multipart request, as the `Upload` scalar hands it to a resolver. */
export interface UploadedFile {
  filename: string
  mimetype: string
  encoding: string
  bytes: Uint8Array
}

/**
 * The GraphQL multipart request spec, which Stitch's `Upload` scalar follows: an `operations`
 * field (the JSON request), a `map` field (file field → variable paths), then the files. The
 * form itself is parsed by the platform's `Request.formData()`.
 */
async function readMultipart(input: GraphQLRequestInput): Promise<GraphQLParams | string> {
  let form: FormData
  try {
    form = await new Request('http://simulator/graphql', {
      method: 'POST',
      headers: { 'content-type': input.contentType },
      body: input.body as Uint8Array<ArrayBuffer>,
    }).formData()
  } catch {
    return 'The multipart body could not be parsed'
  }
  const operations = form.get('operations')
  const map = form.get('map')
  if (typeof operations !== 'string' || typeof map !== 'string') {
    return 'A multipart request needs the "operations" and "map" fields (GraphQL multipart request spec)'
  }
  const params = readJson(Buffer.from(operations))
  if (typeof params === 'string') return `"operations": ${params}`
  let paths: unknown
  try {
    paths = JSON.parse(map)
  } catch {
    return '"map" is not valid JSON'
  }
  if (paths === null || typeof paths !== 'object' || Array.isArray(paths)) {
    return '"map" must be an object: { "<file field>": ["variables.<name>"] }'
  }
  const variables = (params.variables ?? {}) as Record<string, unknown>
  for (const [field, targets] of Object.entries(paths)) {
    const file = form.get(field)
    if (!(file instanceof File)) return `"map" names "${field}", which is not a file in the request`
    if (!Array.isArray(targets)) return `"map.${field}" must be a list of paths`
    const upload: UploadedFile = {
      filename: file.name,
      mimetype: file.type || 'application/octet-stream',
      encoding: '7bit',
      bytes: new Uint8Array(await file.arrayBuffer()),
    }
    for (const target of targets) {
      const problem = setAtPath(variables, String(target), upload)
      if (problem) return problem
    }
  }
  return { ...params, variables }
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Puts `value` at a spec path such as `variables.image` or `variables.files.0`. */
function setAtPath(
  variables: Record<string, unknown>,
  path: string,
  value: unknown,
): string | undefined {
  const [root, ...keys] = path.split('.')
  const last = keys.pop()
  if (root !== 'variables' || last === undefined) {
    return `"map" paths must start with "variables." (got "${path}")`
  }
  // A path is the client's to choose: it must not reach Object.prototype.
  if ([...keys, last].some((key) => UNSAFE_KEYS.has(key))) {
    return `"map" path "${path}" is not allowed`
  }
  let target: Record<string, unknown> = variables
  for (const key of keys) {
    const next = target[key]
    if (next === null || typeof next !== 'object') return `"map" path "${path}" does not exist`
    target = next as Record<string, unknown>
  }
  target[last] = value
  return undefined
}

function parseDocument(query: string): DocumentNode | GraphQLError {
  try {
    return parse(query)
  } catch (error) {
    return error instanceof GraphQLError ? error : new GraphQLError(String(error))
  }
}

/** What `graphql()` does, on a document parsed once (the log reads its operation name too). */
async function run(
  document: DocumentNode | GraphQLError,
  args: {
    contextValue: StitchContext
    variableValues: Record<string, unknown> | undefined
    operationName: string | undefined
  },
): Promise<ExecutionResult> {
  if (document instanceof GraphQLError) return { errors: [document] }
  const errors = validate(schema, document)
  if (errors.length > 0) return { errors }
  return execute({ schema, document, ...args })
}

function operationNameOf(document: DocumentNode): string | undefined {
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === 'OperationDefinition',
  )
  return operation?.name?.value
}

/** Keeps log entries free of `key: undefined`, so they compare and print cleanly. */
function withDefined(entry: Record<string, unknown>): ApiRequestLogEntry {
  return Object.fromEntries(
    Object.entries(entry).filter(([, value]) => value !== undefined),
  ) as unknown as ApiRequestLogEntry
}

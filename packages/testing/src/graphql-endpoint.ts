import { graphql } from 'graphql'
import { type GraphQLContext, rootValue, schema, scopedFieldResolver } from './graphql-schema.js'
import { jsonReply, type Reply } from './http.js'
import type { SimulatorState } from './state.js'

export const UNAUTHENTICATED_MESSAGE = 'The access token is invalid or has expired'

export interface GraphQLRequestInput {
  method: string
  /** Media type without parameters, lower-cased. */
  mediaType: string
  authorization: string | undefined
  /** The raw body; undefined when it was over the size limit. */
  body: string | undefined
}

export interface GraphQLRequestResult {
  reply: Reply
  kind: 'ok' | 'unauthenticated' | 'forbidden'
}

const requestError = (status: number, message: string, headers?: Record<string, string>) =>
  ({ kind: 'ok', reply: jsonReply(status, { errors: [{ message }] }, headers) }) as const

/** Runs one GraphQL-over-HTTP request the way Stitch's API answers it. */
export async function processGraphQLRequest(
  state: SimulatorState,
  input: GraphQLRequestInput,
): Promise<GraphQLRequestResult> {
  if (input.method !== 'POST') {
    return requestError(405, `The GraphQL endpoint only accepts POST (got ${input.method})`, {
      Allow: 'POST',
    })
  }
  if (input.mediaType !== 'application/json') {
    return requestError(
      415,
      `Content-Type must be application/json (got ${input.mediaType || 'none'})`,
    )
  }
  if (input.body === undefined) return requestError(413, 'The request body is too large')

  let parsed: unknown
  try {
    parsed = JSON.parse(input.body)
  } catch {
    return requestError(400, 'The request body is not valid JSON')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return requestError(
      400,
      'The request body must be a JSON object: { query, variables?, operationName? }',
    )
  }
  const { query, variables, operationName } = parsed as Record<string, unknown>
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
  if (token === undefined) {
    const status = state.settings.unauthenticatedStatus
    return {
      kind: 'unauthenticated',
      reply: jsonReply(
        status,
        { errors: [{ message: UNAUTHENTICATED_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }] },
        status === 401 ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : undefined,
      ),
    }
  }

  const contextValue: GraphQLContext = { state, token }
  const result = await graphql({
    schema,
    source: query,
    rootValue,
    contextValue,
    fieldResolver: scopedFieldResolver,
    variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: (operationName ?? undefined) as string | undefined,
  })
  const forbidden = result.errors?.some((e) => e.extensions?.code === 'FORBIDDEN') ?? false
  return { kind: forbidden ? 'forbidden' : 'ok', reply: jsonReply(200, result) }
}

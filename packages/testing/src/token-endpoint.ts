import { type KeyObject, randomBytes } from 'node:crypto'
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose'
import { type RegisteredClient, secretMatches } from './clients.js'
import { jsonReply, type Reply } from './http.js'
import type { SimulatorState } from './state.js'
import type { ClientAuthMethod, TokenRequestOutcome } from './types.js'

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

// One answer for "no such client" and "wrong credentials", so the endpoint never reveals
// which client ids exist.
const CLIENT_AUTH_FAILED = 'Client authentication failed: unknown client or wrong credentials'

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const

export interface TokenRequestInput {
  method: string
  /** Media type without parameters, lower-cased. */
  mediaType: string
  /** The raw body; undefined when it was over the size limit. */
  body: string | undefined
}

export interface TokenRequestResult {
  reply: Reply
  outcome: TokenRequestOutcome
  authMethod: ClientAuthMethod
  clientId?: string
  scope?: string
  jti?: string
}

/** Parsed token parameters, for logging and for faults that need the requested scopes. */
export function peekTokenParams(body: string | undefined): {
  clientId?: string
  scope?: string
  scopes: string[]
  authMethod: ClientAuthMethod
  jti?: string
} {
  const params = new URLSearchParams(body ?? '')
  const clientId = params.get('client_id') || undefined
  const scope = params.get('scope') ?? undefined
  const assertion = params.get('client_assertion')
  const authMethod: ClientAuthMethod =
    assertion !== null || params.has('client_assertion_type')
      ? 'private_key_jwt'
      : params.has('client_secret')
        ? 'client_secret'
        : 'none'
  let jti: string | undefined
  if (assertion) {
    try {
      const claims = decodeJwt(assertion)
      if (typeof claims.jti === 'string') jti = claims.jti
    } catch {
      // An undecodable assertion simply has no jti to log.
    }
  }
  return { clientId, scope, scopes: splitScopes(scope ?? ''), authMethod, jti }
}

/** RFC 6749 §3.3: scopes are separated by single spaces; empty items are ignored. */
export const splitScopes = (scope: string): string[] => [
  ...new Set(scope.split(' ').filter((s) => s !== '')),
]

function oauthError(
  status: number,
  error: Exclude<TokenRequestOutcome, 'issued' | 'fault'>,
  description: string,
  headers?: Record<string, string>,
): Reply {
  return jsonReply(status, { error, error_description: description }, { ...NO_STORE, ...headers })
}

/**
 * Answers one token request like Stitch's endpoint: every parameter checked, clients
 * authenticated by secret or private_key_jwt, scopes limited to what the client may have.
 * Free of HTTP plumbing so the rules read top to bottom.
 */
export async function processTokenRequest(
  state: SimulatorState,
  input: TokenRequestInput,
): Promise<TokenRequestResult> {
  const peek = peekTokenParams(input.body)
  const logged = {
    authMethod: peek.authMethod,
    clientId: peek.clientId,
    scope: peek.scope,
    jti: peek.jti,
  }
  const fail = (
    status: number,
    error: Exclude<TokenRequestOutcome, 'issued' | 'fault'>,
    description: string,
    headers?: Record<string, string>,
  ): TokenRequestResult => ({
    ...logged,
    outcome: error,
    reply: oauthError(status, error, description, headers),
  })

  if (input.method !== 'POST') {
    return fail(
      405,
      'invalid_request',
      `The token endpoint only accepts POST (got ${input.method})`,
      {
        Allow: 'POST',
      },
    )
  }
  if (input.mediaType !== 'application/x-www-form-urlencoded') {
    return fail(
      400,
      'invalid_request',
      `Content-Type must be application/x-www-form-urlencoded (got ${input.mediaType || 'none'})`,
    )
  }
  if (input.body === undefined) return fail(413, 'invalid_request', 'The request body is too large')

  const params = new URLSearchParams(input.body)
  for (const name of new Set(params.keys())) {
    if (params.getAll(name).length > 1) {
      return fail(400, 'invalid_request', `Parameter "${name}" must not be sent more than once`)
    }
  }
  for (const name of ['grant_type', 'client_id', 'scope', 'audience'] as const) {
    if (!params.get(name)) return fail(400, 'invalid_request', missing(name))
  }
  const secret = params.get('client_secret')
  const assertionType = params.get('client_assertion_type')
  const assertion = params.get('client_assertion')
  const usesAssertion = assertionType !== null || assertion !== null
  if (secret !== null && usesAssertion) {
    return fail(
      400,
      'invalid_request',
      'Use one client authentication method: "client_secret" or "client_assertion", not both',
    )
  }
  if (!usesAssertion && !secret) {
    return fail(
      400,
      'invalid_request',
      `${missing('client_secret')} (certificate-based clients send "client_assertion_type" and "client_assertion" instead)`,
    )
  }
  if (usesAssertion && !assertionType)
    return fail(400, 'invalid_request', missing('client_assertion_type'))
  if (usesAssertion && !assertion) return fail(400, 'invalid_request', missing('client_assertion'))

  const grantType = params.get('grant_type') ?? ''
  if (grantType !== 'client_credentials') {
    return fail(
      400,
      'unsupported_grant_type',
      `grant_type "${grantType}" is not supported; use "client_credentials"`,
    )
  }
  const audience = params.get('audience') ?? ''
  if (audience !== state.tokenUrl) {
    return fail(
      400,
      'invalid_request',
      `"audience" must be the token endpoint URL, ${state.tokenUrl} (got ${audience})`,
    )
  }
  const scopes = splitScopes(params.get('scope') ?? '')
  if (scopes.length === 0) {
    return fail(
      400,
      'invalid_request',
      '"scope" must be a non-empty, space-separated list of scopes',
    )
  }

  const clientId = params.get('client_id') ?? ''
  const client = state.clients.get(clientId)
  let jti: string | undefined
  if (!usesAssertion) {
    // Also false for a certificate-based client sending a secret: same answer as a wrong secret.
    if (!secretMatches(client, secret ?? '')) return fail(401, 'invalid_client', CLIENT_AUTH_FAILED)
  } else {
    if (assertionType !== ASSERTION_TYPE) {
      return fail(400, 'invalid_request', `"client_assertion_type" must be ${ASSERTION_TYPE}`)
    }
    const verdict = await verifyAssertion(state, client, assertion ?? '')
    if (!verdict.ok) return fail(verdict.status, verdict.error, verdict.description)
    jti = verdict.jti
  }
  // Unreachable (both checks above fail for an unknown client); it narrows `client` for TS.
  if (client === undefined) return fail(401, 'invalid_client', CLIENT_AUTH_FAILED)

  if (!client.allowClientCredentials) {
    return fail(
      400,
      'unauthorized_client',
      'This client is not allowed to use the client_credentials grant',
    )
  }
  const refused = scopes.filter((s) => !client.scopes.has(s))
  if (refused.length > 0) {
    return fail(
      400,
      'invalid_scope',
      `The client is not allowed the scopes: ${refused.join(', ')} (allowed: ${[...client.scopes].join(', ') || 'none'})`,
    )
  }

  const accessToken = randomBytes(32).toString('base64url')
  const lifetime = state.settings.tokenLifetimeSeconds
  state.addToken(accessToken, {
    clientId,
    scopes: new Set(scopes),
    expiresAt: state.now() + lifetime * 1000,
  })
  return {
    ...logged,
    jti: jti ?? logged.jti,
    outcome: 'issued',
    reply: jsonReply(
      200,
      {
        access_token: accessToken,
        expires_in: lifetime,
        token_type: 'Bearer',
        scope: scopes.join(' '),
      },
      { ...NO_STORE },
    ),
  }
}

const missing = (name: string): string => `Missing required parameter "${name}"`

type Verdict =
  | { ok: true; jti: string }
  | {
      ok: false
      status: 400 | 401
      error: 'invalid_client' | 'invalid_request'
      description: string
    }

async function verifyAssertion(
  state: SimulatorState,
  client: RegisteredClient | undefined,
  assertion: string,
): Promise<Verdict> {
  const rejected = (description: string): Verdict => ({
    ok: false,
    status: 401,
    error: 'invalid_client',
    description,
  })
  // Format checks come before the client lookup, so their answers are the same whether or not
  // the client exists.
  let alg: unknown
  try {
    alg = decodeProtectedHeader(assertion).alg
  } catch {
    return rejected('"client_assertion" is not a compact JWS (header.payload.signature)')
  }
  if (alg !== 'RS256') {
    return rejected(`"client_assertion" must be signed with RS256 (got ${String(alg)})`)
  }
  if (client?.auth.kind !== 'private_key_jwt') return rejected(CLIENT_AUTH_FAILED)

  const leeway = state.settings.assertionLeewaySeconds
  const now = state.now()
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload']
  try {
    payload = await verifyWithAnyKey(assertion, client.auth.keys, {
      algorithms: ['RS256'],
      issuer: client.clientId,
      subject: client.clientId,
      audience: state.tokenUrl,
      clockTolerance: leeway,
      currentDate: new Date(now),
      requiredClaims: ['exp', 'jti'],
    })
  } catch (error) {
    // Past the signature check the caller holds the private key, so precise reasons are safe.
    if (error instanceof errors.JWTExpired) {
      return rejected(`"client_assertion" has expired ("exp" is in the past by the server's clock)`)
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      return rejected(claimProblem(error, client.clientId, state.tokenUrl))
    }
    return rejected(CLIENT_AUTH_FAILED)
  }
  if (typeof payload.iat === 'number' && payload.iat > now / 1000 + leeway) {
    return rejected(`"client_assertion" has "iat" in the future by the server's clock`)
  }
  if (typeof payload.jti !== 'string' || payload.jti === '') {
    return rejected('"client_assertion" must have a non-empty string "jti"')
  }
  const exp = typeof payload.exp === 'number' ? payload.exp : now / 1000
  if (!state.useJti(client.clientId, payload.jti, (exp + leeway) * 1000)) {
    return rejected(
      `"client_assertion" was already used (jti "${payload.jti}"); sign a new assertion with a fresh "jti" for every request`,
    )
  }
  return { ok: true, jti: payload.jti }
}

/**
 * Verifies with each active key in turn: during a rotation a client holds two, and an assertion
 * carries no key id we could rely on. Only a signature that no key verifies fails as such.
 */
async function verifyWithAnyKey(
  assertion: string,
  keys: readonly KeyObject[],
  options: Parameters<typeof jwtVerify>[2],
): Promise<Awaited<ReturnType<typeof jwtVerify>>['payload']> {
  let failure: unknown = new errors.JWSSignatureVerificationFailed()
  for (const key of keys) {
    try {
      return (await jwtVerify(assertion, key, options)).payload
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) throw error
      failure = error
    }
  }
  throw failure
}

function claimProblem(
  error: errors.JWTClaimValidationFailed,
  clientId: string,
  tokenUrl: string,
): string {
  if (error.reason === 'missing') return `"client_assertion" is missing the "${error.claim}" claim`
  switch (error.claim) {
    case 'iss':
    case 'sub':
      return `"client_assertion" claim "${error.claim}" must be the client_id, ${clientId}`
    case 'aud':
      return `"client_assertion" claim "aud" must be the token endpoint URL, ${tokenUrl}`
    case 'nbf':
      return `"client_assertion" is not valid yet ("nbf" is in the future by the server's clock)`
    default:
      return `"client_assertion" is invalid: ${error.message}`
  }
}

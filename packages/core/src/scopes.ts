/** The client-token scopes Stitch documents. */
export const STITCH_SCOPES = [
  'client_paymentrequest',
  'client_bankaccountverification',
  'client_imageupload',
  'client_businesslookup',
  'client_paymentauthorizationrequest',
  'client_refund',
  'client_disbursement',
  'client_recurringpaymentconsentrequest',
] as const

/** A documented Stitch client scope. */
export type StitchScope = (typeof STITCH_SCOPES)[number]

/**
 * A scope accepted where `allowUnknownScopes` is on: any documented scope autocompletes,
 * and any other string is allowed for scopes Stitch adds later.
 */
export type AnyStitchScope = StitchScope | (string & {})

const documentedScopes: ReadonlySet<string> = new Set(STITCH_SCOPES)

export function isStitchScope(value: string): value is StitchScope {
  return documentedScopes.has(value)
}

/** Scopes in their canonical form: deduplicated, sorted, and the space-joined key. */
export interface NormalizedScopes {
  readonly scopes: readonly string[]
  /** The scopes joined by one space, as the token request's `scope` parameter. */
  readonly scope: string
}

/**
 * Problems found in a list of scopes, each a message that says what to fix. It looks at the
 * items alone, so any list with the same items gets the same answer.
 */
export function findScopeProblems(scopes: unknown, allowUnknownScopes: boolean): string[] {
  if (!Array.isArray(scopes)) {
    const got = scopes === null ? 'null' : typeof scopes
    return [`scopes must be an array of scope strings (got ${got})`]
  }
  const problems: string[] = []
  if (scopes.length === 0) problems.push('at least one scope is required')
  for (const scope of scopes) {
    if (typeof scope !== 'string' || scope.trim() === '') {
      problems.push('each scope must be a non-empty string')
    } else if (/\s/.test(scope)) {
      problems.push(`scope "${scope}" contains whitespace; pass each scope as its own array item`)
    } else if (!allowUnknownScopes && !isStitchScope(scope)) {
      problems.push(unknownScopeMessage(scope))
    }
  }
  return problems
}

/** What a route's scopes are checked against: the options of the client it uses. */
export interface RouteScopeDefaults {
  readonly defaultScopes?: unknown
  readonly allowUnknownScopes: boolean
}

/**
 * The problems with the `scopes` a framework's token middleware is given, each naming
 * `"scopes"`, so Express, Fastify and Hono say the same thing: required when the client has no
 * default scopes, a non-empty array, and every scope one core accepts (a typo fails at
 * start-up, not at the first request). `client` is the client's options, or undefined when
 * the client given is not one: then only the shape of `scopes` is checked.
 */
export function routeScopeProblems(
  scopes: unknown,
  client: RouteScopeDefaults | undefined,
): string[] {
  if (scopes === undefined) {
    return client && client.defaultScopes === undefined
      ? ['"scopes" is required when the client has no default scopes']
      : []
  }
  if (!Array.isArray(scopes) || scopes.length === 0) {
    return ['"scopes" must be a non-empty array of scopes']
  }
  if (client === undefined) return []
  return findScopeProblems(scopes, client.allowUnknownScopes).map(
    (problem) => `"scopes": ${problem}`,
  )
}

function unknownScopeMessage(scope: string): string {
  const suggestion = closestScope(scope)
  const hint = suggestion ? ` Did you mean "${suggestion}"?` : ''
  return (
    `unknown scope "${scope}".${hint} Valid scopes: ${STITCH_SCOPES.join(', ')}. ` +
    'If Stitch has added this scope, pass allowUnknownScopes: true.'
  )
}

/** Sorts and deduplicates scopes so that the same set always gives the same key. */
export function normalizeScopes(scopes: readonly string[]): NormalizedScopes {
  const sorted = [...new Set(scopes)].sort()
  return Object.freeze({ scopes: Object.freeze(sorted), scope: sorted.join(' ') })
}

/** The documented scope nearest to `input` by edit distance, if it is close enough. */
export function closestScope(input: string): StitchScope | undefined {
  const needle = input.toLowerCase()
  let best: StitchScope | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const scope of STITCH_SCOPES) {
    const distance = editDistance(needle, scope)
    if (distance < bestDistance) {
      best = scope
      bestDistance = distance
    }
  }
  // A third of the candidate's length still reads as a typo; more is a different word.
  return best && bestDistance <= Math.ceil(best.length / 3) ? best : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution)
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

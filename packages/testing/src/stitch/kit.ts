import { randomUUID } from 'node:crypto'
import { GraphQLError, type GraphQLResolveInfo } from 'graphql'
import type { IssuedToken, SimulatorState } from '../state.js'

/** What every resolver gets: the simulator's state and the token the call was made with. */
export interface StitchContext {
  state: SimulatorState
  token: IssuedToken
}

/** One field of Stitch's schema the simulator serves. */
export interface StitchField {
  /** Scopes the field needs, as Stitch's reference states them; none when it states none. */
  scopes?: readonly string[]
  // A method, not a function property: each resolver types the source and arguments its SDL
  // declares (methods are checked bivariantly).
  resolve(
    source: unknown,
    args: Record<string, unknown>,
    context: StitchContext,
    info: GraphQLResolveInfo,
  ): unknown
}

/**
 * One Stitch domain (payment requests, refunds, …): its part of the schema, written with
 * Stitch's own names and types, and the fields it resolves, keyed `Type.field`.
 */
export interface StitchDomain {
  sdl: string
  fields: Readonly<Record<string, StitchField>>
  /**
   * Finds one of this domain's objects for `node(id)`, with the scopes reading it needs
   * (Stitch enforces scopes on types as well as on root fields).
   */
  node?: (
    id: string,
    context: StitchContext,
  ) => { value: object; scopes: readonly string[] } | undefined
}

/**
 * Stitch documents the answer to a missing scope on its older docs site: code `FORBIDDEN`,
 * `missingScopes` in the extensions, and the scopes named in the message.
 */
export function missingScopesError(missingScopes: readonly string[]): GraphQLError {
  return new GraphQLError(
    `Token is missing the following scope${missingScopes.length === 1 ? '' : 's'}: ${missingScopes.join(', ')}`,
    { extensions: { code: 'FORBIDDEN', missingScopes: [...missingScopes] } },
  )
}

/** Throws when the token lacks any of `scopes`. */
export function requireScopes(context: StitchContext, scopes: readonly string[]): void {
  const missing = scopes.filter((scope) => !context.token.scopes.has(scope))
  if (missing.length > 0) throw missingScopesError(missing)
}

/**
 * Input that breaks a documented rule. Stitch does not document the shape of this error; the
 * simulator's is a guess: one error, code `BAD_USER_INPUT`, every problem listed.
 */
export function throwIfBadInput(problems: readonly string[]): void {
  if (problems.length === 0) return
  throw new GraphQLError(`Invalid input: ${problems.join('; ')}`, {
    extensions: { code: 'BAD_USER_INPUT', problems: [...problems] },
  })
}

export function lengthProblems(
  value: string | null | undefined,
  path: string,
  limits: { min?: number; max: number },
): string[] {
  if (value == null) return []
  const min = limits.min ?? 0
  if (value.length < min || (min > 0 && value.trim() === '')) {
    return [`${path} must not be empty`]
  }
  if (value.length > limits.max) {
    return [`${path} must be at most ${limits.max} characters (got ${value.length})`]
  }
  return []
}

// Stitch's Decimal scalar: "must strictly match /^-?([0-9]|([1-9][0-9]+))(.[0-9]+)?$/".
const DECIMAL = /^-?([0-9]|([1-9][0-9]+))(\.[0-9]+)?$/

export interface MoneyInput {
  quantity: string | number
  currency: string
}

/** A stored amount: Stitch serializes `Money` as `{ quantity: Decimal string, currency }`. */
export interface Money {
  quantity: string
  currency: string
}

/**
 * Checks a `MoneyInput` and returns it as `Money`. Stitch documents `quantity` as a Decimal
 * string; its own samples send a JSON number, so both are accepted (a guess at leniency).
 * Only rand is accepted: every client-token feature here pays in ZAR.
 */
export function readMoney(amount: MoneyInput, path: string, problems: string[]): Money {
  const quantity = typeof amount.quantity === 'number' ? String(amount.quantity) : amount.quantity
  if (!DECIMAL.test(quantity)) {
    problems.push(
      `${path}.quantity must be a decimal such as "150.00" (got ${JSON.stringify(amount.quantity)})`,
    )
  } else if (!(Number(quantity) > 0)) {
    problems.push(`${path}.quantity must be greater than 0 (got ${quantity})`)
  } else if ((quantity.split('.')[1] ?? '').replace(/0+$/, '').length > 2) {
    problems.push(`${path}.quantity must have at most 2 decimal places (got ${quantity})`)
  }
  if (amount.currency !== 'ZAR') {
    problems.push(`${path}.currency must be "ZAR" (got ${JSON.stringify(amount.currency)})`)
  }
  return { quantity: Number(quantity).toFixed(2), currency: amount.currency }
}

/**
 * Refuses a reused nonce, first of all the mutation's checks: "a request made with the same
 * nonce will be rejected with an error" (Stitch). A repeat of a request that was made is a
 * duplicate whatever else it breaks now (a repeated full refund would otherwise read as "more
 * than is left"). Returns the function that records the nonce, called once the request is
 * accepted: a refused request does not use up its nonce. The order, the wording and the code
 * are guesses; nonces are kept per client and per mutation.
 */
export function claimNonce(context: StitchContext, mutation: string, nonce: string): () => void {
  const key = `${context.token.clientId}\u0000${mutation}\u0000${nonce}`
  if (context.state.usedNonces.has(key)) {
    throw new GraphQLError('A request with this nonce has already been made; use a new nonce', {
      extensions: { code: 'BAD_USER_INPUT', reason: 'NONCE_ALREADY_USED' },
    })
  }
  return () => context.state.usedNonces.add(key)
}

/** An opaque id in Stitch's style: base64 of `kind/uuid`. */
export function newId(kind: string): string {
  return Buffer.from(`${kind}/${randomUUID()}`).toString('base64url')
}

/** The simulator's clock as a `Date` scalar (ISO 8601, UTC). */
export function isoNow(context: { state: SimulatorState }): string {
  return new Date(context.state.now()).toISOString()
}

/** Objects a client can see: another client's objects don't exist for its tokens. */
export function ownedBy<T extends { clientId: string }>(
  value: T | undefined,
  context: StitchContext,
): T | undefined {
  return value !== undefined && value.clientId === context.token.clientId ? value : undefined
}

/**
 * For the status setters tests call (`setRefundStatus`, `setDisbursementStatus`): refuses a
 * move the state machine does not allow, naming the object and both states.
 */
export function checkMove<S extends string>(
  what: string,
  moves: Readonly<Record<S, readonly S[]>>,
  from: S,
  to: S,
): void {
  if (!moves[from].includes(to)) throw new Error(`${what} is ${from} and can't become ${to}`)
}

/** A status date given by a test (ISO 8601), or the simulator's now. */
export function readDate(value: string | undefined, state: SimulatorState, what: string): string {
  const at = value === undefined ? state.now() : Date.parse(value)
  if (Number.isNaN(at)) throw new Error(`${what} must be an ISO 8601 date (got ${value})`)
  return new Date(at).toISOString()
}

/**
 * Tests may call from plain JavaScript; a reason outside the enum would only fail later, when
 * GraphQL serializes it.
 */
export function oneOf<T extends string>(what: string, values: readonly string[], value: T): T {
  if (!values.includes(value)) {
    throw new Error(`${what}: reason must be one of ${values.join(', ')} (got ${value})`)
  }
  return value
}

/** The values of an SDL enum, one a line, with Stitch's deprecated ones marked. */
export function enumValues(values: readonly string[], deprecated: readonly string[] = []): string {
  return values
    .map((value) =>
      deprecated.includes(value) ? `${value} @deprecated(reason: "No longer supported")` : value,
    )
    .join('\n      ')
}

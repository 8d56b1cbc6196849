// Hand-written checks for the token client's own small shapes (its options, the token response,
// the GraphQL answer), in zod's words so the messages read like every other stitch-auth
// validation. zod stays where it does real work (operation variables, webhooks, adapters'
// options); on the token client's path it cost ~70 ms of import and ~100 KB of bundle for
// shapes a few lines check.

/** How zod names a value's type in its messages: `null`, `array`, `NaN`, `Date`, `string`… */
export function typeName(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : String(value)
  if (typeof value !== 'object') return typeof value
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  const prototype = Object.getPrototypeOf(value) as unknown
  const maker = 'constructor' in value ? value.constructor : undefined
  return prototype !== Object.prototype && typeof maker === 'function' && maker.name
    ? maker.name
    : 'object'
}

/** zod's message for a value of the wrong type. */
export function wrongType(expected: string, value: unknown): string {
  return `Invalid input: expected ${expected}, received ${typeName(value)}`
}

/** What zod's `z.object()` accepts: any object but `null` and arrays. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** zod's `z.strictObject()` problem with keys it does not know, if there are any. */
export function unknownKeysProblem(
  input: Record<string, unknown>,
  known: readonly string[],
): string | undefined {
  const unknown: string[] = []
  for (const key in input) if (!known.includes(key)) unknown.push(`"${key}"`)
  if (unknown.length === 0) return undefined
  return `Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`
}

/** Bounds of a number, as zod's `.int()`, `.min()`, `.positive()` and `.max()` put them. */
export interface NumberRule {
  int?: boolean
  /** Inclusive lower bound. */
  min?: number
  /** Exclusive lower bound (`.positive()` is `above: 0`). */
  above?: number
  max?: number
}

/** Problems of a number, each as zod words it; finite numbers only, like `z.number()`. */
export function numberProblems(value: unknown, rule: NumberRule): string[] {
  if (typeof value !== 'number' || !Number.isFinite(value)) return [wrongType('number', value)]
  const problems: string[] = []
  if (rule.int) {
    if (!Number.isInteger(value)) return ['Invalid input: expected int, received number']
    if (value > Number.MAX_SAFE_INTEGER) {
      problems.push(`Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`)
    } else if (value < Number.MIN_SAFE_INTEGER) {
      problems.push(`Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`)
    }
  }
  if (rule.min !== undefined && value < rule.min) {
    problems.push(`Too small: expected number to be >=${rule.min}`)
  }
  if (rule.above !== undefined && !(value > rule.above)) {
    problems.push(`Too small: expected number to be >${rule.above}`)
  }
  if (rule.max !== undefined && value > rule.max) {
    problems.push(`Too big: expected number to be <=${rule.max}`)
  }
  return problems
}

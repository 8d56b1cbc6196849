// How every package turns zod's findings about its options into the problem lines of a
// `StitchConfigError`. Only types come from zod and nothing else from core: this file is also
// reached through `@stitch-auth/core/node`, whose CommonJS build does not share code with the
// main entry, so the caller constructs the error (from the main entry) and `instanceof` holds.
import type { z } from 'zod'

/**
 * Formats zod issues as problem lines: `"path" message`, or the message alone for a problem of
 * the options as a whole (an unknown option, options that exclude each other), whose message
 * names the options itself. Those come first, because a misspelt option often explains the rest
 * (it reads as a missing one); the others follow in the schema's order. Never includes the value
 * that was given: a line holds zod's message or the schema's own, so a schema must not quote a
 * secret.
 *
 * @example
 * const parsed = schema.safeParse(input)
 * if (!parsed.success) throw new StitchConfigError(describeIssues(parsed.error.issues), 'Invalid … options')
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const whole = issues.filter((issue) => issue.path.length === 0)
  const fields = issues.filter((issue) => issue.path.length > 0)
  return [...whole, ...fields].map((issue) =>
    issue.path.length === 0 ? issue.message : `"${issue.path.join('.')}" ${issue.message}`,
  )
}

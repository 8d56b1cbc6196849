import type { z } from 'zod'

/**
 * zod issues as the simulator's problem lines, the way core's `describeIssues` writes them (this
 * package cannot import core: core's tests run on the simulator): `"path" message`, or the
 * message alone for a problem of the whole object, whose message names the fields, or of one
 * item of a list, whose message shows the item. Problems of the whole object come first.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const whole = issues.filter((issue) => issue.path.length === 0)
  const fields = issues.filter((issue) => issue.path.length > 0)
  return [...whole, ...fields].map((issue) =>
    issue.path.length === 0 || typeof issue.path.at(-1) === 'number'
      ? issue.message
      : `"${issue.path.join('.')}" ${issue.message}`,
  )
}

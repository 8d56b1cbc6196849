import {
  createStitchAuth,
  type StitchAuth,
  type StitchAuthOptions,
  StitchConfigError,
  type StitchOperations,
} from '@stitch-auth/core'
import { describeIssues } from '@stitch-auth/core/node'
import { z } from 'zod'
import type {
  StitchAuthModuleOptions,
  StitchAuthProxyOptions,
} from './stitch-auth.module-definition.js'

/** The module's options after validation: the client made from them and the module's own. */
export interface ResolvedStitchAuthModuleOptions {
  readonly client: StitchAuth
  readonly proxy: StitchAuthProxyOptions | undefined
  readonly exposeMessages: boolean
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null

// Only the options core does not know. The rest are the client's: core's own parser checks
// them, and refuses a name it does not know, so a misspelt module option is caught there.
// Deeper proxy settings (limits, header) are checked by core's proxy when it is created.
const moduleOptionsSchema = z.object({
  proxy: z
    .looseObject(
      {
        operations: z.custom<StitchOperations>(isObject, {
          message: 'must be an object of named operations',
        }),
      },
      { error: 'must be an object with "operations"' },
    )
    .optional(),
  exposeMessages: z.boolean({ error: 'must be true or false' }).default(false),
})

/**
 * Checks every option at bootstrap, client options with core's parser (by creating the client)
 * and the module's own with zod, and throws one `StitchConfigError` that lists every problem.
 */
export function resolveModuleOptions(
  input: StitchAuthModuleOptions,
): ResolvedStitchAuthModuleOptions {
  const given: unknown = input
  const own = moduleOptionsSchema.safeParse(isObject(given) ? given : {})
  const problems = own.success ? [] : describeIssues(own.error.issues)

  let client: StitchAuth | undefined
  try {
    // What is not an object goes to core as it is, which says what it expects.
    client = createStitchAuth(
      (isObject(given) ? clientOptionsOf(input) : given) as StitchAuthOptions,
    )
  } catch (error) {
    if (!(error instanceof StitchConfigError)) throw error
    problems.unshift(...error.issues)
  }

  if (!own.success || client === undefined) {
    void client?.close()
    throw new StitchConfigError(problems)
  }
  return Object.freeze({
    client,
    proxy: own.data.proxy as StitchAuthProxyOptions | undefined,
    exposeMessages: own.data.exposeMessages,
  })
}

function clientOptionsOf({
  proxy: _proxy,
  exposeMessages: _exposeMessages,
  ...clientOptions
}: StitchAuthModuleOptions): StitchAuthOptions {
  return clientOptions
}

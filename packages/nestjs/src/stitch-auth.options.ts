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
  StitchAuthWebhookOptions,
} from './stitch-auth.module-definition.js'
import { createWebhookEndpoint, type StitchWebhookEndpoint } from './stitch-auth.webhooks.js'

/**
 * The module's options after validation: the client and the webhook endpoint made from them,
 * and the module's own.
 */
export interface ResolvedStitchAuthModuleOptions {
  readonly client: StitchAuth
  readonly proxy: StitchAuthProxyOptions | undefined
  readonly webhooks: StitchWebhookEndpoint | undefined
  readonly exposeMessages: boolean
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null

// Only the options core does not know. The rest are the client's: core's own parser checks
// them, and refuses a name it does not know, so a misspelt module option is caught there.
// Deeper proxy settings (limits, header) are checked by core's proxy when it is created; the
// webhook settings (secrets, handlers, store, limits) by core's webhook handler, made here.
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
  webhooks: z.looseObject({}, { error: 'must be an object with "secrets" and "on"' }).optional(),
  exposeMessages: z.boolean({ error: 'must be true or false' }).default(false),
})

/**
 * Checks every option at bootstrap, client options with core's parser (by creating the client),
 * the module's own with zod and the webhook settings with core's (by creating the handler), and
 * throws one `StitchConfigError` that lists every problem. No problem line holds a value given.
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

  // Made even when other options are wrong, so its problems are listed with theirs.
  const webhookOptions = isObject(given) ? (given as { webhooks?: unknown }).webhooks : undefined
  const wantsWebhooks = isObject(webhookOptions) && !Array.isArray(webhookOptions)
  let webhooks: StitchWebhookEndpoint | undefined
  if (wantsWebhooks) {
    try {
      webhooks = createWebhookEndpoint(webhookOptions as StitchAuthWebhookOptions)
    } catch (error) {
      if (!(error instanceof StitchConfigError)) throw error
      // Core names its own fields ("secrets[1]", "on.paymnt"); here they sit under "webhooks".
      problems.push(...error.issues.map((issue) => issue.replace(/^"/, '"webhooks.')))
    }
  }

  if (!own.success || client === undefined || (wantsWebhooks && !webhooks)) {
    void client?.close()
    throw new StitchConfigError(problems)
  }
  return Object.freeze({
    client,
    proxy: own.data.proxy as StitchAuthProxyOptions | undefined,
    webhooks,
    exposeMessages: own.data.exposeMessages,
  })
}

function clientOptionsOf({
  proxy: _proxy,
  webhooks: _webhooks,
  exposeMessages: _exposeMessages,
  ...clientOptions
}: StitchAuthModuleOptions): StitchAuthOptions {
  return clientOptions
}

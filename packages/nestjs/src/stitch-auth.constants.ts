/** Injection token of the core proxy handler built from the module's `proxy` options. */
export const STITCH_PROXY_HANDLER = Symbol('STITCH_PROXY_HANDLER')

/**
 * Injection token of the webhook endpoint built from the module's `webhooks` options: core's
 * handler and where the controller reports failures, or `null` without that option.
 */
export const STITCH_WEBHOOK_ENDPOINT = Symbol('STITCH_WEBHOOK_ENDPOINT')

/**
 * Injection token of how `StitchAuthExceptionFilter` answers (`{ exposeMessages }`), taken from
 * the module's options. Only that is exported to other modules, not the options (the secret).
 */
export const STITCH_ERROR_ANSWER_OPTIONS = Symbol('STITCH_ERROR_ANSWER_OPTIONS')

/**
 * Injection token of the module's validated options (`resolveModuleOptions`): the client and
 * the module's own settings. Never exported to other modules.
 */
export const STITCH_AUTH_RESOLVED_OPTIONS = Symbol('STITCH_AUTH_RESOLVED_OPTIONS')

/** Metadata key under which `@UseStitchToken()` stores the scopes of a route. */
export const STITCH_TOKEN_SCOPES = Symbol('STITCH_TOKEN_SCOPES')

/** The request property the token interceptor fills in (the same name as in the Express adapter). */
export const STITCH_TOKEN_PROPERTY = 'stitchToken'

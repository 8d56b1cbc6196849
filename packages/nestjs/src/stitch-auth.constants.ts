/** Injection token of the core proxy handler built from the module's `proxy` options. */
export const STITCH_PROXY_HANDLER = Symbol('STITCH_PROXY_HANDLER')

/** Metadata key under which `@UseStitchToken()` stores the scopes of a route. */
export const STITCH_TOKEN_SCOPES = Symbol('STITCH_TOKEN_SCOPES')

/** The request property the token interceptor fills in (the same name as in the Express adapter). */
export const STITCH_TOKEN_PROPERTY = 'stitchToken'

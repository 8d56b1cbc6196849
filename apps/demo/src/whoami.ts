import type { StitchToken } from '@stitch-auth/core'
import type { AppName, WhoamiAnswer } from './api-types.js'

/** What a whoami route may say about a token: its preview and facts, never the token. */
export function describeToken(app: AppName, token: StitchToken): WhoamiAnswer {
  return {
    app,
    tokenPreview: token.preview,
    scopes: token.scopes,
    expiresAt: token.expiresAt.toISOString(),
    expiresInSeconds: Math.max(0, Math.round(token.expiresInMs() / 1000)),
  }
}

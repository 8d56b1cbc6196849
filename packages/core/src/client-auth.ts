// jose's key types, not the DOM's `JsonWebKey`/`CryptoKey`: the published declarations must
// type-check in Node projects whose `lib` has no DOM. jose itself is loaded with the first
// assertion a private-key client signs, so a secret client never loads (nor bundles) it.
import type { JWK, CryptoKey as WebCryptoKey } from 'jose'
import { StitchConfigError } from './errors.js'
import type { Secret } from './redact.js'

/** A private key as Stitch hands it out (PEM), as a JWK, or already imported. */
export type PrivateKeyInput = string | JWK | WebCryptoKey

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** How long a client assertion is valid: long enough for clock drift, short enough to be useless if caught. */
const ASSERTION_LIFETIME_SECONDS = 60

/** What a client authentication method needs to know when it signs one request. */
export interface ClientAuthenticationContext {
  clientId: string
  audience: string
  /** Epoch milliseconds. */
  now: number
}

/**
 * A client authentication method: returns the form parameters that prove who the client is.
 * Called for every attempt, so a private-key client signs a fresh assertion each time.
 */
export interface ClientAuthentication {
  readonly method: 'client_secret_post' | 'private_key_jwt'
  credentials(context: ClientAuthenticationContext): Promise<Record<string, string>>
}

/** Authenticates with the client secret in the request body, as Stitch documents. */
export function clientSecretPost(secret: Secret): ClientAuthentication {
  return {
    method: 'client_secret_post',
    credentials: async () => ({ client_secret: secret.reveal() }),
  }
}

/** Authenticates with an RS256 client assertion signed by the client's private key. */
export function privateKeyJwt(key: Secret<PrivateKeyInput>, keyId?: string): ClientAuthentication {
  let imported: Promise<WebCryptoKey> | undefined
  // A failed import is not kept: the next attempt tries again and reports the error again.
  const signingKey = (signer: ClientAssertionSigner) =>
    (imported ??= signer.importPrivateKey(key.reveal()).catch((error: unknown) => {
      imported = undefined
      // A key that passed the shape check but will not import is a configuration problem:
      // retrying cannot help, and the message must not echo the key.
      const reason = error instanceof Error ? error.name : 'unknown error'
      throw new StitchConfigError([
        `"privateKey" could not be imported as an RS256 signing key (${reason}); check it is the RSA private key Stitch issued, in PKCS#8 form`,
      ])
    }))
  return {
    method: 'private_key_jwt',
    async credentials({ clientId, audience, now }) {
      // Loaded here, not at the top: the code that needs jose costs a secret client nothing.
      const signer = await import('./client-assertion.js')
      const assertion = await signer.signClientAssertion(await signingKey(signer), {
        clientId,
        audience,
        now,
        keyId,
        lifetimeSeconds: ASSERTION_LIFETIME_SECONDS,
      })
      return { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }
    },
  }
}

type ClientAssertionSigner = typeof import('./client-assertion.js')

export const PKCS8_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/

export function isCryptoKey(value: unknown): value is WebCryptoKey {
  return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey
}

/** Checks a private key's shape without importing it; each problem says how to fix it. */
export function checkPrivateKey(key: unknown): string[] {
  if (typeof key === 'string') {
    if (PKCS8_BLOCK.test(key)) return []
    if (key.includes('BEGIN RSA PRIVATE KEY')) {
      return [
        'is a PKCS#1 ("RSA PRIVATE KEY") PEM; convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pkcs8.pem`',
      ]
    }
    if (key.includes('BEGIN ENCRYPTED PRIVATE KEY')) {
      return ['is encrypted; decrypt it with `openssl pkcs8 -in key.pem -out key.pkcs8.pem`']
    }
    return [
      'must be a PEM with a "-----BEGIN PRIVATE KEY-----" block (the certificate may sit beside it)',
    ]
  }
  if (isCryptoKey(key)) {
    const problems: string[] = []
    if (key.type !== 'private') problems.push(`must be a private key (got a ${key.type} key)`)
    if (key.algorithm.name !== 'RSASSA-PKCS1-v1_5') {
      problems.push(`must be an RSASSA-PKCS1-v1_5 key for RS256 (got ${key.algorithm.name})`)
    }
    return problems
  }
  if (typeof key === 'object' && key !== null) {
    const jwk = key as JWK
    if (jwk.kty !== 'RSA') return ['JWK must have kty "RSA"']
    if (typeof jwk.d !== 'string')
      return ['JWK is a public key; the private key (with "d") is needed']
    return []
  }
  return ['must be a PEM string, an RSA private JWK or a CryptoKey']
}

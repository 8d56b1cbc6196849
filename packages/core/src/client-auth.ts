// jose's key types, not the DOM's `JsonWebKey`/`CryptoKey`: the published declarations must
// type-check in Node projects whose `lib` has no DOM. jose itself is loaded with the first
// assertion a private-key client signs, so a secret client never loads (nor bundles) it.
import type { JWK, CryptoKey as WebCryptoKey } from 'jose'
import { StitchConfigError } from './errors.js'
import type { Secret } from './redact.js'

/** A private key as Stitch hands it out (PEM), as a JWK, or already imported. */
export type PrivateKeyInput = string | JWK | WebCryptoKey

/**
 * A credential, or a function that returns the current one (sync or async, e.g. from a secrets
 * manager). A function is called for every token request and its answer is not kept after it,
 * so a rotated credential is picked up without a restart.
 */
export type CredentialSource<T> = T | (() => T | Promise<T>)

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
 * A client authentication method. `read()` gives the credential one token request uses (all
 * its attempts); with a credential function it asks the function again each time.
 */
export interface ClientAuthentication {
  readonly method: 'client_secret_post' | 'private_key_jwt'
  /** Whether the credential comes from a function, so that it can change between reads. */
  readonly rotatable: boolean
  read(): Promise<ClientCredential>
}

/** The credential of one token request. */
export interface ClientCredential {
  /** The form parameters that prove who the client is; a fresh assertion on every call. */
  parameters(context: ClientAuthenticationContext): Promise<Record<string, string>>
  /** Text that must never be echoed back from an answer (the secret itself). */
  readonly sensitive: readonly string[]
  /** Whether `other` holds the same secret or key: a re-read that changed nothing. */
  sameAs(other: ClientCredential): boolean
}

/** Authenticates with the client secret in the request body, as Stitch documents. */
export function clientSecretPost(source: Secret<CredentialSource<string>>): ClientAuthentication {
  const given = source.reveal()
  const toCredential = (secret: string): ClientCredential => ({
    parameters: async () => ({ client_secret: secret }),
    sensitive: [secret],
    sameAs: (other) => other.sensitive[0] === secret,
  })
  if (typeof given !== 'function') {
    const credential = toCredential(given)
    return { method: 'client_secret_post', rotatable: false, read: async () => credential }
  }
  return {
    method: 'client_secret_post',
    rotatable: true,
    read: async () => {
      const secret = await readSource(given, 'clientSecret')
      if (typeof secret !== 'string' || secret === '') {
        throw new StitchConfigError([
          `"clientSecret" (a function) returned ${describeValue(secret)}; it must return the client secret, a non-empty string`,
        ])
      }
      return toCredential(secret)
    },
  }
}

/** Authenticates with an RS256 client assertion signed by the client's private key. */
export function privateKeyJwt(
  source: Secret<CredentialSource<PrivateKeyInput>>,
  keyId?: string,
): ClientAuthentication {
  const given = source.reveal()
  if (typeof given !== 'function') {
    // Imported once, with the first assertion, and kept: the key never changes.
    const credential = keyCredential(given, keyId)
    return { method: 'private_key_jwt', rotatable: false, read: async () => credential }
  }
  return {
    method: 'private_key_jwt',
    rotatable: true,
    read: async () => {
      const key = await readSource(given, 'privateKey')
      const problems = checkPrivateKey(key)
      if (problems.length > 0) {
        throw new StitchConfigError(
          problems.map((problem) => `"privateKey" (a function) returned a key that ${problem}`),
        )
      }
      return keyCredential(key as PrivateKeyInput, keyId)
    },
  }
}

const keyValues = new WeakMap<ClientCredential, PrivateKeyInput>()

function keyCredential(key: PrivateKeyInput, keyId: string | undefined): ClientCredential {
  let imported: Promise<WebCryptoKey> | undefined
  // A failed import is not kept: the next attempt tries again and reports the error again.
  const signingKey = (signer: ClientAssertionSigner) =>
    (imported ??= signer.importPrivateKey(key).catch((error: unknown) => {
      imported = undefined
      // A key that passed the shape check but will not import is a configuration problem:
      // retrying cannot help, and the message must not echo the key.
      const reason = error instanceof Error ? error.name : 'unknown error'
      throw new StitchConfigError([
        `"privateKey" could not be imported as an RS256 signing key (${reason}); check it is the RSA private key Stitch issued, in PKCS#8 form`,
      ])
    }))
  const credential: ClientCredential = {
    async parameters({ clientId, audience, now }) {
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
    sensitive: [],
    sameAs: (other) => sameKey(key, keyValues.get(other)),
  }
  keyValues.set(credential, key)
  return credential
}

function sameKey(a: PrivateKeyInput, b: PrivateKeyInput | undefined): boolean {
  if (b === undefined) return false
  if (a === b) return true
  if (typeof a === 'string' || typeof b === 'string') {
    return typeof a === 'string' && typeof b === 'string' && a.trim() === b.trim()
  }
  if (isCryptoKey(a) || isCryptoKey(b)) return false
  // JWKs: the private exponent and modulus are the key.
  const [x, y] = [a as JWK, b as JWK]
  return x.d === y.d && x.n === y.n
}

/**
 * Calls a credential function. What it throws becomes a config error naming only its type: a
 * secrets manager's message may quote what it was asked for.
 */
async function readSource<T>(read: () => T | Promise<T>, option: string): Promise<unknown> {
  try {
    return await read()
  } catch (error) {
    const reason = error instanceof Error ? error.name : typeof error
    throw new StitchConfigError([
      `"${option}" (a function) threw ${reason === 'Error' ? 'an Error' : `a ${reason}`}, so no token was requested; log the error inside your function to see why`,
    ])
  }
}

function describeValue(value: unknown): string {
  if (value === '') return 'an empty string'
  return value === null ? 'null' : typeof value
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

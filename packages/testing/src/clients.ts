import {
  createHash,
  createPublicKey,
  type JsonWebKeyInput,
  KeyObject,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto'
import type { JWK, CryptoKey as WebCryptoKey } from 'jose'
import type { SimulatorClient } from './types.js'

export type ClientAuth =
  | { kind: 'client_secret'; secretHash: Buffer }
  | { kind: 'private_key_jwt'; key: KeyObject }

export interface RegisteredClient {
  readonly clientId: string
  readonly scopes: ReadonlySet<string>
  readonly allowClientCredentials: boolean
  readonly auth: ClientAuth
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest()

// Compared against when the client id is unknown, so that an unknown id and a wrong secret
// take the same time as well as getting the same answer.
const UNKNOWN_CLIENT_HASH = sha256('stitch-simulator: no such client')

/** Constant-time secret check; `client` undefined still does the work of a comparison. */
export function secretMatches(client: RegisteredClient | undefined, secret: string): boolean {
  const expected =
    client?.auth.kind === 'client_secret' ? client.auth.secretHash : UNKNOWN_CLIENT_HASH
  // Hashing first gives equal-length buffers, which timingSafeEqual requires, without leaking
  // the secret's length.
  const equal = timingSafeEqual(sha256(secret), expected)
  return equal && client?.auth.kind === 'client_secret'
}

/**
 * Validates a client and prepares it for fast checks. Keys are imported synchronously with
 * node:crypto so a bad key fails here, in `addClient`, rather than on the first token request.
 */
export function registerClient(client: SimulatorClient): RegisteredClient {
  const problems: string[] = []
  const id = typeof client?.clientId === 'string' ? client.clientId : ''
  const label = id ? `client "${id}"` : 'client'
  if (id.trim() === '') problems.push(`${label}: "clientId" must be a non-empty string`)

  const hasSecret = client?.clientSecret !== undefined
  const hasKey = client?.publicKey !== undefined
  if (hasSecret === hasKey) {
    problems.push(`${label}: give exactly one of "clientSecret" and "publicKey"`)
  }
  if (hasSecret && (typeof client.clientSecret !== 'string' || client.clientSecret === '')) {
    problems.push(`${label}: "clientSecret" must be a non-empty string`)
  }
  if (!Array.isArray(client?.scopes)) {
    problems.push(`${label}: "scopes" must be an array of scope names`)
  } else {
    for (const scope of client.scopes) {
      if (typeof scope !== 'string' || !/^\S+$/.test(scope)) {
        problems.push(
          `${label}: every scope must be a non-empty string without spaces (got ${JSON.stringify(scope)})`,
        )
      }
    }
  }
  if (
    client?.allowClientCredentials !== undefined &&
    typeof client.allowClientCredentials !== 'boolean'
  ) {
    problems.push(`${label}: "allowClientCredentials" must be a boolean`)
  }

  let auth: ClientAuth | undefined
  if (problems.length === 0) {
    if (hasKey && client.publicKey !== undefined) {
      try {
        auth = { kind: 'private_key_jwt', key: toVerificationKey(client.publicKey) }
      } catch (error) {
        problems.push(`${label}: "publicKey" ${(error as Error).message}`)
      }
    } else if (client.clientSecret !== undefined) {
      auth = { kind: 'client_secret', secretHash: sha256(client.clientSecret) }
    }
  }
  if (problems.length > 0 || auth === undefined) {
    throw new TypeError(`Invalid simulator client:\n- ${problems.join('\n- ')}`)
  }
  return Object.freeze({
    clientId: id,
    scopes: new Set(client.scopes),
    allowClientCredentials: client.allowClientCredentials ?? true,
    auth,
  })
}

function toVerificationKey(publicKey: string | JWK | WebCryptoKey): KeyObject {
  let key: KeyObject
  if (typeof publicKey === 'string') {
    if (publicKey.includes('PRIVATE KEY-----')) {
      throw new Error('must be a public key or certificate, not a private key')
    }
    try {
      key = publicKey.includes('-----BEGIN CERTIFICATE-----')
        ? new X509Certificate(publicKey).publicKey
        : createPublicKey(publicKey)
    } catch (cause) {
      throw new Error(
        'is not a readable SPKI public key PEM or X.509 certificate PEM' +
          ` (${(cause as Error).message})`,
        { cause },
      )
    }
  } else if (typeof CryptoKey !== 'undefined' && publicKey instanceof CryptoKey) {
    key = KeyObject.from(publicKey)
  } else {
    if (typeof publicKey !== 'object' || publicKey === null) {
      throw new Error('must be a PEM string, a JWK or a CryptoKey')
    }
    if ('d' in publicKey) throw new Error('must be a public JWK (it has a private "d" member)')
    try {
      key = createPublicKey({ key: publicKey, format: 'jwk' } as JsonWebKeyInput)
    } catch (cause) {
      throw new Error(`is not a usable JWK (${(cause as Error).message})`, { cause })
    }
  }
  if (key.type !== 'public') throw new Error('must be a public key, not a private key')
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`must be an RSA key for RS256 (got ${key.asymmetricKeyType ?? 'unknown'})`)
  }
  return key
}

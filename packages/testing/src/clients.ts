import {
  createHash,
  createPublicKey,
  type JsonWebKeyInput,
  KeyObject,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto'
import type { JWK, CryptoKey as WebCryptoKey } from 'jose'
import { z } from 'zod'
import { describeIssues } from './problems.js'
import type { SimulatorClient } from './types.js'

/**
 * How a client proves who it is. A client may hold several active secrets or keys at once, as
 * a Stitch client does while its credentials are rotated: add the new one, deploy, revoke the
 * old one.
 */
export type ClientAuth =
  | { kind: 'client_secret'; secretHashes: readonly Buffer[] }
  | { kind: 'private_key_jwt'; keys: readonly KeyObject[] }

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

/**
 * Constant-time secret check against every active secret; `client` undefined still does the
 * work of a comparison.
 */
export function secretMatches(client: RegisteredClient | undefined, secret: string): boolean {
  const expected =
    client?.auth.kind === 'client_secret' ? client.auth.secretHashes : [UNKNOWN_CLIENT_HASH]
  // Hashing first gives equal-length buffers, which timingSafeEqual requires, without leaking
  // the secret's length. Every secret is compared, so the time says nothing of which matched.
  const given = sha256(secret)
  let equal = false
  for (const hash of expected) equal = timingSafeEqual(given, hash) || equal
  return equal && client?.auth.kind === 'client_secret'
}

/** The client with one more active secret. */
export function withSecret(client: RegisteredClient, secret: unknown): RegisteredClient {
  if (client.auth.kind !== 'client_secret') {
    throw new TypeError(`client "${client.clientId}" authenticates with a key, not a secret`)
  }
  if (typeof secret !== 'string' || secret === '') {
    throw new TypeError(`the new secret of client "${client.clientId}" ${NON_EMPTY}`)
  }
  if (secretMatches(client, secret)) return client
  const secretHashes = [...client.auth.secretHashes, sha256(secret)]
  return Object.freeze({ ...client, auth: { kind: 'client_secret' as const, secretHashes } })
}

/** The client without `secret`, or undefined when it is not one of its active secrets. */
export function withoutSecret(
  client: RegisteredClient,
  secret: string,
): RegisteredClient | undefined {
  if (client.auth.kind !== 'client_secret' || !secretMatches(client, secret)) return undefined
  const revoked = sha256(secret)
  const secretHashes = client.auth.secretHashes.filter((hash) => !hash.equals(revoked))
  return Object.freeze({ ...client, auth: { kind: 'client_secret' as const, secretHashes } })
}

/** The client with one more active public key. */
export function withPublicKey(
  client: RegisteredClient,
  publicKey: string | JWK | WebCryptoKey,
): RegisteredClient {
  if (client.auth.kind !== 'private_key_jwt') {
    throw new TypeError(`client "${client.clientId}" authenticates with a secret, not a key`)
  }
  let key: KeyObject
  try {
    key = toVerificationKey(publicKey)
  } catch (error) {
    throw new TypeError(`the new key of client "${client.clientId}" ${(error as Error).message}`)
  }
  if (client.auth.keys.some((active) => active.equals(key))) return client
  const keys = [...client.auth.keys, key]
  return Object.freeze({ ...client, auth: { kind: 'private_key_jwt' as const, keys } })
}

/** The client without `publicKey`, or undefined when it is not one of its active keys. */
export function withoutPublicKey(
  client: RegisteredClient,
  publicKey: string | JWK | WebCryptoKey,
): RegisteredClient | undefined {
  if (client.auth.kind !== 'private_key_jwt') return undefined
  let key: KeyObject
  try {
    key = toVerificationKey(publicKey)
  } catch {
    return undefined
  }
  const keys = client.auth.keys.filter((active) => !active.equals(key))
  if (keys.length === client.auth.keys.length) return undefined
  return Object.freeze({ ...client, auth: { kind: 'private_key_jwt' as const, keys } })
}

const NON_EMPTY = 'must be a non-empty string'
const scopeProblem = (issue: { input?: unknown }) =>
  `every scope must be a non-empty string without spaces (got ${JSON.stringify(issue.input)})`

const clientSchema = z
  .object(
    {
      // Checked, not trimmed: the id is registered exactly as given.
      clientId: z.string({ error: NON_EMPTY }).refine((id) => id.trim() !== '', NON_EMPTY),
      clientSecret: z.string({ error: NON_EMPTY }).min(1, NON_EMPTY).optional(),
      // Its form is checked when the key is imported, below.
      publicKey: z.custom<string | JWK | WebCryptoKey>(() => true).optional(),
      scopes: z.array(z.string({ error: scopeProblem }).regex(/^\S+$/, { error: scopeProblem }), {
        error: 'must be an array of scope names',
      }),
      allowClientCredentials: z.boolean({ error: 'must be a boolean' }).default(true),
    },
    { error: 'must be an object with "clientId", "scopes" and "clientSecret" or "publicKey"' },
  )
  .superRefine(
    ({ clientSecret, publicKey }, context) => {
      if ((clientSecret !== undefined) === (publicKey !== undefined)) {
        context.addIssue({
          code: 'custom',
          message: 'give exactly one of "clientSecret" and "publicKey"',
        })
      }
    },
    // Also when a field is wrong, so every problem is listed at once.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  )

/**
 * Validates a client and prepares it for fast checks, or lists every problem, each line naming
 * the client. Keys are imported synchronously with node:crypto, so a bad key fails here (in
 * `addClient` or at start) rather than on the first token request.
 */
export function checkClient(
  client: unknown,
): { registered: RegisteredClient; problems?: never } | { problems: string[] } {
  const given = (typeof client === 'object' && client !== null ? client : {}) as {
    clientId?: unknown
  }
  const label =
    typeof given.clientId === 'string' && given.clientId ? `client "${given.clientId}"` : 'client'
  const problems = (lines: string[]) => ({ problems: lines.map((line) => `${label}: ${line}`) })

  const parsed = clientSchema.safeParse(client)
  if (!parsed.success) return problems(describeIssues(parsed.error.issues))
  const { clientId, clientSecret, publicKey, scopes, allowClientCredentials } = parsed.data
  let auth: ClientAuth
  if (publicKey !== undefined) {
    try {
      auth = { kind: 'private_key_jwt', keys: [toVerificationKey(publicKey)] }
    } catch (error) {
      return problems([`"publicKey" ${(error as Error).message}`])
    }
  } else {
    auth = { kind: 'client_secret', secretHashes: [sha256(clientSecret as string)] }
  }
  return {
    registered: Object.freeze({ clientId, scopes: new Set(scopes), allowClientCredentials, auth }),
  }
}

/** {@link checkClient}, throwing a `TypeError` that lists every problem. */
export function registerClient(client: SimulatorClient): RegisteredClient {
  const checked = checkClient(client)
  if (checked.problems) {
    throw new TypeError(`Invalid simulator client:\n- ${checked.problems.join('\n- ')}`)
  }
  return checked.registered
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

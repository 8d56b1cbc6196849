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
      auth = { kind: 'private_key_jwt', key: toVerificationKey(publicKey) }
    } catch (error) {
      return problems([`"publicKey" ${(error as Error).message}`])
    }
  } else {
    auth = { kind: 'client_secret', secretHash: sha256(clientSecret as string) }
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

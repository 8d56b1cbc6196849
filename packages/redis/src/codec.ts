import type { CachedToken } from '@stitch-auth/core'

/** Version tag at the start of every stored value; a new format gets a new tag. */
const FORMAT = 'v1'
const IV_BYTES = 12
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

// HKDF labels: one secret, two independent keys. Changing them orphans every stored entry.
const HKDF_SALT = encoder.encode('@stitch-auth/redis')
const AES_INFO = encoder.encode('stitch-auth/redis v1 token encryption (AES-256-GCM)')
const HMAC_INFO = encoder.encode('stitch-auth/redis v1 key and fingerprint hashing (HMAC-SHA-256)')

// One HMAC key serves two purposes; the labels keep a key name and a token fingerprint apart.
const KEY_LABEL = 'key\0'
const FINGERPRINT_LABEL = 'access-token\0'

/**
 * Turns cache entries into opaque strings and back. Values look like
 * `v1.<fingerprint>.<base64url(iv ‖ AES-GCM ciphertext ‖ tag)>`: the fingerprint (an HMAC of the
 * access token) lets a Lua script compare-and-delete without decrypting; the Redis key and the
 * fingerprint are the additional authenticated data, so an entry moved to another key, or given
 * another fingerprint, no longer decrypts.
 */
export class TokenCodec {
  readonly #keys: Promise<{ aes: CryptoKey; hmac: CryptoKey }>

  constructor(secret: Uint8Array<ArrayBuffer>) {
    this.#keys = deriveKeys(secret)
    // A derivation failure surfaces (as a cache error) on first use, not as an unhandled rejection.
    this.#keys.catch(() => {})
  }

  /** The name under which `key` is stored: an HMAC, so Redis never sees client id, scope or URL. */
  async hashKey(key: string): Promise<string> {
    return this.#mac(KEY_LABEL + key)
  }

  /** The prefix every stored value holding `accessToken` starts with. */
  async valuePrefix(accessToken: string): Promise<string> {
    return `${FORMAT}.${await this.#mac(FINGERPRINT_LABEL + accessToken)}.`
  }

  async seal(redisKey: string, token: CachedToken): Promise<string> {
    const { aes } = await this.#keys
    const prefix = await this.valuePrefix(token.accessToken)
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
    const plaintext = encoder.encode(
      JSON.stringify({
        accessToken: token.accessToken,
        scopes: token.scopes,
        issuedAt: token.issuedAt,
        expiresAt: token.expiresAt,
      }),
    )
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: additionalData(redisKey, prefix) },
        aes,
        plaintext,
      ),
    )
    const payload = new Uint8Array(IV_BYTES + sealed.length)
    payload.set(iv)
    payload.set(sealed, IV_BYTES)
    return prefix + toBase64Url(payload)
  }

  /**
   * The token stored in `value` under `redisKey`, or `undefined` when the value was written with
   * another encryption key, for another Redis key, or is damaged. Never throws for bad input.
   */
  async open(redisKey: string, value: string): Promise<CachedToken | undefined> {
    const parts = value.split('.')
    if (parts.length !== 3 || parts[0] !== FORMAT) return undefined
    const prefix = `${parts[0]}.${parts[1]}.`
    const payload = fromBase64Url(parts[2]!)
    if (payload === undefined || payload.length <= IV_BYTES + 16) return undefined
    const { aes } = await this.#keys
    let plaintext: ArrayBuffer
    try {
      plaintext = await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: payload.subarray(0, IV_BYTES),
          additionalData: additionalData(redisKey, prefix),
        },
        aes,
        payload.subarray(IV_BYTES),
      )
    } catch {
      return undefined
    }
    const token = parseToken(plaintext)
    // Authenticated already (it is in the AAD), but a fingerprint that doesn't match the token
    // would make compare-and-delete wrong, so it is checked rather than trusted.
    if (!token || (await this.valuePrefix(token.accessToken)) !== prefix) return undefined
    return token
  }

  async #mac(text: string): Promise<string> {
    const { hmac } = await this.#keys
    return toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', hmac, encoder.encode(text))))
  }
}

async function deriveKeys(
  secret: Uint8Array<ArrayBuffer>,
): Promise<{ aes: CryptoKey; hmac: CryptoKey }> {
  const base = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey'])
  // Our private copy; from here on only non-extractable CryptoKeys hold the secret.
  secret.fill(0)
  const hkdf = (info: Uint8Array<ArrayBuffer>) =>
    ({ name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info }) as const
  const [aes, hmac] = await Promise.all([
    crypto.subtle.deriveKey(hkdf(AES_INFO), base, { name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]),
    crypto.subtle.deriveKey(
      hkdf(HMAC_INFO),
      base,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    ),
  ])
  return { aes, hmac }
}

function additionalData(redisKey: string, prefix: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${redisKey}\n${prefix}`)
}

function parseToken(plaintext: ArrayBuffer): CachedToken | undefined {
  let data: unknown
  try {
    data = JSON.parse(decoder.decode(plaintext))
  } catch {
    return undefined
  }
  if (typeof data !== 'object' || data === null) return undefined
  const { accessToken, scopes, issuedAt, expiresAt } = data as Record<string, unknown>
  if (
    typeof accessToken !== 'string' ||
    accessToken.length === 0 ||
    !Array.isArray(scopes) ||
    !scopes.every((scope) => typeof scope === 'string') ||
    !Number.isFinite(issuedAt) ||
    !Number.isFinite(expiresAt)
  ) {
    return undefined
  }
  return Object.freeze({
    accessToken,
    tokenType: 'Bearer',
    scopes: Object.freeze([...scopes]) as readonly string[],
    issuedAt: issuedAt as number,
    expiresAt: expiresAt as number,
  })
}

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined
  return new Uint8Array(Buffer.from(text, 'base64url'))
}

/** A random 128-bit id, for lease ownership. */
export function randomId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)))
}

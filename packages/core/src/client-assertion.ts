// What a private-key client needs jose for: importing its key and signing assertions. Only
// `privateKeyJwt` imports this module, with `import()` at its first assertion, so a secret
// client never loads jose and a bundler puts it in a chunk of its own.
import { importJWK, importPKCS8, SignJWT, type CryptoKey as WebCryptoKey } from 'jose'
import { isCryptoKey, PKCS8_BLOCK, type PrivateKeyInput } from './client-auth.js'

export async function importPrivateKey(key: PrivateKeyInput): Promise<WebCryptoKey> {
  if (typeof key === 'string') {
    const pem = PKCS8_BLOCK.exec(key)?.[0]
    if (!pem) throw new TypeError('privateKey holds no PKCS#8 PRIVATE KEY block')
    return importPKCS8(pem, 'RS256')
  }
  if (isCryptoKey(key)) return key
  const imported = await importJWK({ ...key, alg: 'RS256' }, 'RS256')
  if (imported instanceof Uint8Array) throw new TypeError('privateKey JWK must be an RSA key')
  return imported
}

/** Signs one RS256 client assertion (RFC 7523) with a fresh `jti`: assertions are single-use. */
export function signClientAssertion(
  key: WebCryptoKey,
  claims: {
    clientId: string
    audience: string
    /** Epoch milliseconds. */
    now: number
    keyId: string | undefined
    lifetimeSeconds: number
  },
): Promise<string> {
  const seconds = Math.floor(claims.now / 1000)
  return new SignJWT({})
    .setProtectedHeader({
      alg: 'RS256',
      typ: 'JWT',
      ...(claims.keyId ? { kid: claims.keyId } : {}),
    })
    .setIssuer(claims.clientId)
    .setSubject(claims.clientId)
    .setAudience(claims.audience)
    .setJti(crypto.randomUUID())
    .setIssuedAt(seconds)
    .setNotBefore(seconds)
    .setExpirationTime(seconds + claims.lifetimeSeconds)
    .sign(key)
}

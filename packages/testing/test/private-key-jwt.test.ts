import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { exportJWK, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { ASSERTION_TYPE, type StitchSimulator, startStitchSimulator } from '../src/index.js'
import { postToken, signAssertion } from './helpers.js'

// Generating an RSA key (openssl, or Web Crypto) takes seconds on a loaded machine.
const KEY_GENERATION_TIMEOUT_MS = 30_000

const execFileAsync = promisify(execFile)
const KEY_CLIENT = 'key-client'

async function keyPair() {
  return generateKeyPair('RS256')
}

function assertionForm(
  sim: StitchSimulator,
  assertion: string,
  overrides: Record<string, string> = {},
) {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: KEY_CLIENT,
    scope: 'client_paymentrequest',
    audience: sim.tokenUrl,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion,
    ...overrides,
  })
}

async function send(sim: StitchSimulator, form: URLSearchParams) {
  const { status, text } = await postToken(sim, form)
  return { status, json: JSON.parse(text) as Record<string, string> }
}

describe('private_key_jwt', () => {
  it('accepts an assertion from an SPKI-registered key once, and refuses its replay', async () => {
    const { publicKey, privateKey } = await keyPair()
    await using sim = await startStitchSimulator({
      clients: [
        {
          clientId: KEY_CLIENT,
          publicKey: await exportSPKI(publicKey),
          scopes: ['client_paymentrequest'],
        },
      ],
    })
    const assertion = await signAssertion(sim, privateKey, KEY_CLIENT, { jti: 'jti-1' })

    const first = await send(sim, assertionForm(sim, assertion))
    expect(first.status).toBe(200)
    expect(first.json).toMatchObject({ token_type: 'Bearer', scope: 'client_paymentrequest' })

    const replay = await send(sim, assertionForm(sim, assertion))
    expect(replay.status).toBe(401)
    expect(replay.json.error).toBe('invalid_client')
    expect(replay.json.error_description).toMatch(/already used/)

    const log = sim.tokenRequests
    expect(log.map((e) => [e.authMethod, e.jti, e.outcome])).toEqual([
      ['private_key_jwt', 'jti-1', 'issued'],
      ['private_key_jwt', 'jti-1', 'invalid_client'],
    ])
    expect(JSON.stringify(log)).not.toContain(assertion)
  })

  it('accepts assertions signed by either key while a key is rotated, then only the new one', async () => {
    const old = await keyPair()
    const next = await keyPair()
    await using sim = await startStitchSimulator({
      clients: [
        {
          clientId: KEY_CLIENT,
          publicKey: await exportSPKI(old.publicKey),
          scopes: ['client_paymentrequest'],
        },
      ],
    })
    const signedBy = async (key: CryptoKey) =>
      (await send(sim, assertionForm(sim, await signAssertion(sim, key, KEY_CLIENT)))).status
    expect(await signedBy(next.privateKey)).toBe(401)

    sim.addClientPublicKey(KEY_CLIENT, await exportJWK(next.publicKey))
    expect(await signedBy(old.privateKey)).toBe(200)
    expect(await signedBy(next.privateKey)).toBe(200)

    // The same key in another form is the same key.
    expect(sim.revokeClientPublicKey(KEY_CLIENT, await exportJWK(old.publicKey))).toBe(true)
    expect(await signedBy(old.privateKey)).toBe(401)
    expect(await signedBy(next.privateKey)).toBe(200)
    expect(sim.revokeClientPublicKey(KEY_CLIENT, old.publicKey)).toBe(false)
  })

  it('accepts a JWK-registered key and a CryptoKey', async () => {
    const { publicKey, privateKey } = await keyPair()
    await using sim = await startStitchSimulator({
      clients: [
        {
          clientId: KEY_CLIENT,
          publicKey: await exportJWK(publicKey),
          scopes: ['client_paymentrequest'],
        },
      ],
    })
    expect(
      (await send(sim, assertionForm(sim, await signAssertion(sim, privateKey, KEY_CLIENT))))
        .status,
    ).toBe(200)
    sim.addClient({ clientId: KEY_CLIENT, publicKey, scopes: ['client_paymentrequest'] })
    expect(
      (await send(sim, assertionForm(sim, await signAssertion(sim, privateKey, KEY_CLIENT))))
        .status,
    ).toBe(200)
  })

  it(
    'accepts a key registered as an X.509 certificate',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'stitch-sim-x509-'))
      try {
        try {
          await execFileAsync('openssl', [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-days',
            '1',
            '-subj',
            '/CN=stitch-sim-test',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
          ])
        } catch (error) {
          // jose can't create certificates, so this test needs the openssl binary.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            throw new Error(
              'openssl is not installed: install it with `apt-get install -y openssl`',
            )
          }
          throw error
        }
        const privateKey = await importPKCS8(await readFile(join(dir, 'key.pem'), 'utf8'), 'RS256')
        await using sim = await startStitchSimulator({
          clients: [
            {
              clientId: KEY_CLIENT,
              publicKey: await readFile(join(dir, 'cert.pem'), 'utf8'),
              scopes: ['client_paymentrequest'],
            },
          ],
        })
        const answer = await send(
          sim,
          assertionForm(sim, await signAssertion(sim, privateKey, KEY_CLIENT)),
        )
        expect(answer.status).toBe(200)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
    KEY_GENERATION_TIMEOUT_MS,
  )

  describe('refusals', () => {
    async function setup() {
      const { publicKey, privateKey } = await keyPair()
      const sim = await startStitchSimulator({
        clients: [
          {
            clientId: KEY_CLIENT,
            publicKey: await exportSPKI(publicKey),
            scopes: ['client_paymentrequest'],
          },
          { clientId: 'secret-client', clientSecret: 'shh', scopes: ['client_paymentrequest'] },
        ],
      })
      return { sim, privateKey }
    }

    it('an expired assertion', async () => {
      const { sim, privateKey } = await setup()
      await using _ = sim
      const now = Math.floor(Date.now() / 1000)
      const assertion = await signAssertion(sim, privateKey, KEY_CLIENT, {
        iat: now - 600,
        exp: now - 60,
      })
      const answer = await send(sim, assertionForm(sim, assertion))
      expect(answer.status).toBe(401)
      expect(answer.json).toMatchObject({ error: 'invalid_client' })
      expect(answer.json.error_description).toMatch(/expired/)
    })

    it('an assertion that expired only by the simulator clock (clock offset)', async () => {
      const { sim, privateKey } = await setup()
      await using _ = sim
      sim.setClockOffset(10 * 60_000)
      const answer = await send(
        sim,
        assertionForm(sim, await signAssertion(sim, privateKey, KEY_CLIENT)),
      )
      expect(answer.json.error_description).toMatch(/expired/)
    })

    it('an assertion issued in the future beyond the leeway', async () => {
      const { sim, privateKey } = await setup()
      await using _ = sim
      sim.setClockOffset(-60_000)
      const answer = await send(
        sim,
        assertionForm(sim, await signAssertion(sim, privateKey, KEY_CLIENT)),
      )
      expect(answer.status).toBe(401)
      expect(answer.json.error_description).toMatch(/"nbf" is in the future|"iat" in the future/)
    })

    it('a small skew within the leeway is fine', async () => {
      const { sim, privateKey } = await setup()
      await using _ = sim
      sim.setClockOffset(-3000)
      const answer = await send(
        sim,
        assertionForm(sim, await signAssertion(sim, privateKey, KEY_CLIENT)),
      )
      expect(answer.status).toBe(200)
    })

    it('the wrong aud (an issuer URL instead of the token endpoint)', async () => {
      const { sim, privateKey } = await setup()
      await using _ = sim
      const assertion = await signAssertion(sim, privateKey, KEY_CLIENT, { aud: sim.url })
      const answer = await send(sim, assertionForm(sim, assertion))
      expect(answer.status).toBe(401)
      expect(answer.json.error_description).toContain(
        `"aud" must be the token endpoint URL, ${sim.tokenUrl}`,
      )
    })

    it('iss or sub other than the client id', async () => {
      const { sim, privateKey } = await setup()
      await using _ = sim
      for (const claim of ['iss', 'sub'] as const) {
        const assertion = await signAssertion(sim, privateKey, KEY_CLIENT, {
          [claim]: 'someone-else',
        })
        const answer = await send(sim, assertionForm(sim, assertion))
        expect(answer.status).toBe(401)
        expect(answer.json.error_description).toContain(`"${claim}" must be the client_id`)
      }
    })

    it('a missing jti', async () => {
      const { sim, privateKey } = await setup()
      await using _ = sim
      const now = Math.floor(Date.now() / 1000)
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(KEY_CLIENT)
        .setSubject(KEY_CLIENT)
        .setAudience(sim.tokenUrl)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(privateKey)
      const answer = await send(sim, assertionForm(sim, assertion))
      expect(answer.json.error_description).toMatch(/missing the "jti" claim/)
    })

    it(
      'a signature from another key gets the generic answer',
      async () => {
        const { sim } = await setup()
        await using _ = sim
        const other = await keyPair()
        const answer = await send(
          sim,
          assertionForm(sim, await signAssertion(sim, other.privateKey, KEY_CLIENT)),
        )
        expect(answer.status).toBe(401)
        expect(answer.json.error_description).toBe(
          'Client authentication failed: unknown client or wrong credentials',
        )
      },
      KEY_GENERATION_TIMEOUT_MS,
    )

    it('an HS256 assertion', async () => {
      const { sim } = await setup()
      await using _ = sim
      const assertion = await new SignJWT({ jti: 'x' })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'))
      const answer = await send(sim, assertionForm(sim, assertion))
      expect(answer.status).toBe(401)
      expect(answer.json.error_description).toMatch(/must be signed with RS256 \(got HS256\)/)
    })

    it('a wrong client_assertion_type', async () => {
      const { sim, privateKey } = await setup()
      await using _ = sim
      const assertion = await signAssertion(sim, privateKey, KEY_CLIENT)
      const answer = await send(
        sim,
        assertionForm(sim, assertion, { client_assertion_type: 'jwt' }),
      )
      expect(answer.status).toBe(400)
      expect(answer.json.error_description).toContain(ASSERTION_TYPE)
    })

    it('a missing client_assertion names it', async () => {
      const { sim } = await setup()
      await using _ = sim
      const form = assertionForm(sim, '')
      form.delete('client_assertion')
      const answer = await send(sim, form)
      expect(answer.status).toBe(400)
      expect(answer.json.error_description).toContain('"client_assertion"')
    })

    it('a certificate client sending a secret, and a secret client sending an assertion', async () => {
      const { sim, privateKey } = await setup()
      await using _ = sim
      const withSecret = assertionForm(sim, '')
      withSecret.delete('client_assertion')
      withSecret.delete('client_assertion_type')
      withSecret.set('client_secret', 'shh')
      expect((await send(sim, withSecret)).json.error).toBe('invalid_client')

      const assertion = await signAssertion(sim, privateKey, 'secret-client')
      const answer = await send(sim, assertionForm(sim, assertion, { client_id: 'secret-client' }))
      expect(answer.status).toBe(401)
      expect(answer.json.error).toBe('invalid_client')
    })
  })
})

import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { startStitchSimulator } from '../src/index.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  postToken,
  requestToken,
  SCOPES,
  secretClient,
  startSim,
  tokenForm,
} from './helpers.js'

const execFileAsync = promisify(execFile)

describe('Stitch documented recipes', () => {
  it('the fetch recipe (encodeURIComponent form body) gets a token', async () => {
    await using sim = await startSim()
    // Stitch's retrieveTokenUsingClientSecret, with the simulator's URL in place of Stitch's.
    async function retrieveTokenUsingClientSecret(
      clientId: string,
      clientSecret: string,
      scopes: string[],
    ) {
      const body = {
        grant_type: 'client_credentials',
        client_id: clientId,
        scope: scopes.join(' '),
        audience: sim.tokenUrl,
        client_secret: clientSecret,
      }
      const bodyString = Object.entries(body)
        .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
        .join('&')
      const response = await fetch(sim.tokenUrl, {
        method: 'post',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: bodyString,
      })
      return (await response.json()) as Record<string, unknown>
    }

    const token = await retrieveTokenUsingClientSecret(CLIENT_ID, CLIENT_SECRET, [...SCOPES])
    expect(token).toEqual({
      access_token: expect.stringMatching(/^[\w-]{43}$/),
      expires_in: 3600,
      token_type: 'Bearer',
      scope: 'client_paymentrequest client_refund',
    })
  })

  it('the cURL recipe (--data-urlencode) gets a token', async () => {
    await using sim = await startSim()
    const scopes = SCOPES.join(' ')
    let stdout: string
    try {
      ;({ stdout } = await execFileAsync('curl', [
        '--silent',
        '--show-error',
        '--location',
        '--request',
        'POST',
        sim.tokenUrl,
        '--header',
        'Content-Type: application/x-www-form-urlencoded',
        '--data-urlencode',
        'grant_type=client_credentials',
        '--data-urlencode',
        `client_id=${CLIENT_ID}`,
        '--data-urlencode',
        `audience=${sim.tokenUrl}`,
        '--data-urlencode',
        `scope=${scopes}`,
        '--data-urlencode',
        `client_secret=${CLIENT_SECRET}`,
      ]))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error('curl is not installed; install it with `apt-get install curl`')
      }
      throw error
    }
    expect(JSON.parse(stdout)).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: scopes,
    })
  })
})

describe('token endpoint: success', () => {
  it('answers with no-store headers, JSON, and the Date of its own clock', async () => {
    await using sim = await startSim({ clockOffsetMs: 3_600_000 })
    const { status, headers } = await requestToken(sim)
    expect(status).toBe(200)
    expect(headers.get('cache-control')).toBe('no-store')
    expect(headers.get('pragma')).toBe('no-cache')
    expect(headers.get('content-type')).toBe('application/json')
    const date = Date.parse(headers.get('date') ?? '')
    expect(Math.abs(date - (Date.now() + 3_600_000))).toBeLessThan(3000)
  })

  it('setClockOffset moves the Date header at once', async () => {
    await using sim = await startSim()
    sim.setClockOffset(-86_400_000)
    const { headers } = await requestToken(sim)
    expect(
      Math.abs(Date.parse(headers.get('date') ?? '') - (Date.now() - 86_400_000)),
    ).toBeLessThan(3000)
  })

  it('grants a subset of the allowed scopes, deduplicated, in request order', async () => {
    await using sim = await startSim()
    const { json } = await requestToken(sim, {
      scope: 'client_refund  client_refund client_paymentrequest',
    })
    expect(json.scope).toBe('client_refund client_paymentrequest')
  })

  it('uses the configured token lifetime, changeable at runtime', async () => {
    await using sim = await startSim({ tokenLifetimeSeconds: 60 })
    expect((await requestToken(sim)).json.expires_in).toBe(60)
    sim.setTokenLifetime(5)
    expect((await requestToken(sim)).json.expires_in).toBe(5)
    expect(() => sim.setTokenLifetime(0)).toThrow(/positive integer/)
  })

  it('accepts a charset parameter on the content type', async () => {
    await using sim = await startSim()
    const { status } = await postToken(sim, tokenForm(sim), {
      contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
    })
    expect(status).toBe(200)
  })

  it('each token is new and opaque', async () => {
    await using sim = await startSim()
    const a = (await requestToken(sim)).json.access_token
    const b = (await requestToken(sim)).json.access_token
    expect(a).not.toBe(b)
    expect(String(a)).not.toContain('.')
  })
})

describe('token endpoint: errors (RFC 6749 §5.2)', () => {
  it.each(['grant_type', 'client_id', 'scope', 'audience', 'client_secret'])(
    'omitting %s is invalid_request naming it',
    async (name) => {
      await using sim = await startSim()
      const { status, json } = await requestToken(sim, { [name]: undefined })
      expect(status).toBe(400)
      expect(json.error).toBe('invalid_request')
      expect(json.error_description).toContain(`"${name}"`)
    },
  )

  it.each(['grant_type', 'client_id', 'scope', 'audience', 'client_secret'])(
    'an empty %s is invalid_request naming it',
    async (name) => {
      await using sim = await startSim()
      const { status, json } = await requestToken(sim, { [name]: '' })
      expect(status).toBe(400)
      expect(json).toMatchObject({ error: 'invalid_request' })
      expect(json.error_description).toContain(`"${name}"`)
    },
  )

  it('a scope of only spaces is invalid_request', async () => {
    await using sim = await startSim()
    const { status, json } = await requestToken(sim, { scope: '   ' })
    expect(status).toBe(400)
    expect(json.error_description).toMatch(/non-empty, space-separated/)
  })

  it('a wrong grant_type is unsupported_grant_type', async () => {
    await using sim = await startSim()
    const { status, json } = await requestToken(sim, { grant_type: 'password' })
    expect(status).toBe(400)
    expect(json).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'grant_type "password" is not supported; use "client_credentials"',
    })
  })

  it('a wrong audience is invalid_request stating the expected value', async () => {
    await using sim = await startSim()
    const { status, json } = await requestToken(sim, {
      audience: 'https://secure.stitch.money/connect/token',
    })
    expect(status).toBe(400)
    expect(json.error).toBe('invalid_request')
    expect(json.error_description).toContain(sim.tokenUrl)
  })

  it('a JSON body is invalid_request', async () => {
    await using sim = await startSim()
    const body = JSON.stringify(Object.fromEntries(tokenForm(sim)))
    const { status, text } = await postToken(sim, body, { contentType: 'application/json' })
    expect(status).toBe(400)
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_request' })
    expect(JSON.parse(text).error_description).toMatch(/application\/x-www-form-urlencoded/)
  })

  it('GET is 405 with Allow: POST', async () => {
    await using sim = await startSim()
    const response = await fetch(sim.tokenUrl)
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
    expect(await response.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('a repeated parameter is invalid_request', async () => {
    await using sim = await startSim()
    const form = tokenForm(sim)
    form.append('scope', 'client_refund')
    const { status, text } = await postToken(sim, form)
    expect(status).toBe(400)
    expect(JSON.parse(text).error_description).toMatch(/"scope" must not be sent more than once/)
  })

  it('a wrong secret and an unknown client get the same 401 invalid_client', async () => {
    await using sim = await startSim()
    const wrongSecret = await requestToken(sim, { client_secret: 'nope' })
    const unknownClient = await requestToken(sim, { client_id: 'who-is-this' })
    expect(wrongSecret.status).toBe(401)
    expect(unknownClient.status).toBe(401)
    expect(wrongSecret.json.error).toBe('invalid_client')
    expect(unknownClient.json).toEqual(wrongSecret.json)
  })

  it('a secret that differs only in case or by a prefix is refused', async () => {
    await using sim = await startSim()
    expect((await requestToken(sim, { client_secret: CLIENT_SECRET.toUpperCase() })).status).toBe(
      401,
    )
    expect((await requestToken(sim, { client_secret: CLIENT_SECRET.slice(0, -1) })).status).toBe(
      401,
    )
  })

  it('a disallowed scope is invalid_scope listing it', async () => {
    await using sim = await startSim()
    const { status, json } = await requestToken(sim, {
      scope: 'client_paymentrequest client_disbursement client_imageupload',
    })
    expect(status).toBe(400)
    expect(json.error).toBe('invalid_scope')
    expect(json.error_description).toMatch(
      /not allowed the scopes: client_disbursement, client_imageupload/,
    )
  })

  it('a client not allowed the grant is unauthorized_client', async () => {
    await using sim = await startStitchSimulator({
      clients: [{ ...secretClient, allowClientCredentials: false }],
    })
    const { status, json } = await requestToken(sim)
    expect(status).toBe(400)
    expect(json.error).toBe('unauthorized_client')
  })

  it('sending both a secret and an assertion is invalid_request', async () => {
    await using sim = await startSim()
    const { status, json } = await requestToken(sim, {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: 'a.b.c',
    })
    expect(status).toBe(400)
    expect(json.error_description).toMatch(/not both/)
  })

  it('clients can be added, replaced and removed at runtime', async () => {
    await using sim = await startStitchSimulator()
    expect((await requestToken(sim)).status).toBe(401)
    sim.addClient(secretClient)
    expect((await requestToken(sim)).status).toBe(200)
    sim.addClient({ ...secretClient, clientSecret: 'rotated' })
    expect((await requestToken(sim)).status).toBe(401)
    expect((await requestToken(sim, { client_secret: 'rotated' })).status).toBe(200)
    expect(sim.removeClient(CLIENT_ID)).toBe(true)
    expect((await requestToken(sim, { client_secret: 'rotated' })).status).toBe(401)
  })
})

describe('rotating a client secret', () => {
  it('accepts the old and the new secret until the old one is revoked', async () => {
    await using sim = await startSim()
    sim.addClientSecret(CLIENT_ID, 'the-new-secret')
    expect((await requestToken(sim)).status).toBe(200)
    expect((await requestToken(sim, { client_secret: 'the-new-secret' })).status).toBe(200)

    expect(sim.revokeClientSecret(CLIENT_ID, CLIENT_SECRET)).toBe(true)
    const old = await requestToken(sim)
    expect(old.status).toBe(401)
    expect(old.json.error).toBe('invalid_client')
    expect((await requestToken(sim, { client_secret: 'the-new-secret' })).status).toBe(200)
    // Revoking what is not (or no longer) a secret of the client changes nothing.
    expect(sim.revokeClientSecret(CLIENT_ID, CLIENT_SECRET)).toBe(false)
    expect((await requestToken(sim, { client_secret: 'the-new-secret' })).status).toBe(200)
  })

  it('refuses a secret for an unknown client, an empty one, or one for a key client', async () => {
    await using sim = await startSim()
    expect(() => sim.addClientSecret('nobody', 'x')).toThrow(/no simulator client "nobody"/)
    expect(() => sim.addClientSecret(CLIENT_ID, '')).toThrow(/must be a non-empty string/)
    const { publicKey } = await generateKeyPair('RS256')
    sim.addClient({ clientId: 'key-client', publicKey, scopes: [...SCOPES] })
    expect(() => sim.addClientSecret('key-client', 'x')).toThrow(/with a key, not a secret/)
    expect(sim.tokenRequests).toEqual([])
  })
})

describe('stats and the request log', () => {
  it('counts every outcome and never records secrets', async () => {
    await using sim = await startSim()
    const issued = await requestToken(sim)
    await requestToken(sim, { client_secret: 'wrong' })
    await requestToken(sim, { client_id: 'stranger' })
    await requestToken(sim, { scope: 'client_disbursement' })
    await requestToken(sim, { grant_type: 'authorization_code' })
    await requestToken(sim, { audience: undefined })

    const { tokenRequests, liveTokens } = sim.stats
    expect(tokenRequests.total).toBe(6)
    expect(tokenRequests.byOutcome).toEqual({
      issued: 1,
      invalid_client: 2,
      invalid_request: 1,
      invalid_scope: 1,
      unsupported_grant_type: 1,
      unauthorized_client: 0,
      fault: 0,
    })
    expect(tokenRequests.byClient).toEqual({ [CLIENT_ID]: 5, stranger: 1 })
    expect(liveTokens).toBe(1)

    const log = sim.tokenRequests
    expect(log).toHaveLength(6)
    expect(log[0]).toEqual({
      at: expect.any(Number),
      clientId: CLIENT_ID,
      scope: 'client_paymentrequest',
      authMethod: 'client_secret',
      outcome: 'issued',
      status: 200,
    })
    const serialized = JSON.stringify(log)
    expect(serialized).not.toContain(CLIENT_SECRET)
    expect(serialized).not.toContain(encodeURIComponent(CLIENT_SECRET))
    expect(serialized).not.toContain(String(issued.json.access_token))

    sim.resetStats()
    expect(sim.stats.tokenRequests.total).toBe(0)
    expect(sim.tokenRequests).toEqual([])
    expect(sim.stats.liveTokens).toBe(1)
  })

  it('stats is a snapshot, not a live view', async () => {
    await using sim = await startSim()
    const before = sim.stats
    await requestToken(sim)
    expect(before.tokenRequests.total).toBe(0)
    expect(sim.stats.tokenRequests.total).toBe(1)
  })

  it('keeps at most requestLogLimit entries', async () => {
    await using sim = await startSim({ requestLogLimit: 2 })
    for (let i = 0; i < 3; i++) await requestToken(sim, { scope: `client_refund${' '.repeat(i)}` })
    expect(sim.tokenRequests).toHaveLength(2)
    expect(sim.stats.tokenRequests.total).toBe(3)
  })

  it('expireAllTokens drops liveTokens to zero', async () => {
    await using sim = await startSim()
    await requestToken(sim)
    await requestToken(sim)
    expect(sim.stats.liveTokens).toBe(2)
    sim.expireAllTokens()
    expect(sim.stats.liveTokens).toBe(0)
  })
})

describe('options validation', () => {
  it('lists every problem at once', async () => {
    await expect(
      startStitchSimulator({
        port: -1,
        tokenLifetimeSeconds: 0,
        clients: [
          { clientId: 'a', scopes: ['client_refund'] },
          { clientId: 'b', clientSecret: 'x', publicKey: 'y', scopes: [] },
          { clientId: 'c', clientSecret: 'x', scopes: ['two words'] },
        ],
      }),
    ).rejects.toThrow(
      /"port" must be[\s\S]*"tokenLifetimeSeconds"[\s\S]*client "a": give exactly one[\s\S]*client "b": give exactly one[\s\S]*client "c": every scope/,
    )
  })

  it('names every option that is wrong, with what it got', async () => {
    const failure = startStitchSimulator({
      host: '',
      clockOffsetMs: Number.POSITIVE_INFINITY,
      assertionLeewaySeconds: -1,
      unauthenticatedStatus: 403 as never,
      requestLogLimit: 1.5,
      clients: [
        { clientId: 'dup', clientSecret: 'x', scopes: [] },
        { clientId: 'dup', clientSecret: 'y', scopes: [] },
        { clientId: ' ', clientSecret: '', scopes: 'client_refund' as never },
        { clientId: 'flag', clientSecret: 'x', scopes: [], allowClientCredentials: 'yes' as never },
      ],
    })
    await expect(failure).rejects.toBeInstanceOf(TypeError)
    const message = await failure.then(
      () => '',
      (error: Error) => error.message,
    )
    expect(message.split('\n')[0]).toBe('Invalid Stitch simulator options:')
    expect(message.split('\n').slice(1).sort()).toEqual(
      [
        '- "host" must be a non-empty string',
        '- "clockOffsetMs" must be a finite number (got Infinity)',
        '- "assertionLeewaySeconds" must be a number >= 0 (got -1)',
        '- "unauthenticatedStatus" must be 200 or 401 (got 403)',
        '- "requestLogLimit" must be a positive integer (got 1.5)',
        '- client "dup" is listed more than once',
        '- client " ": "clientId" must be a non-empty string',
        '- client " ": "clientSecret" must be a non-empty string',
        '- client " ": "scopes" must be an array of scope names',
        '- client "flag": "allowClientCredentials" must be a boolean',
      ].sort(),
    )
    await expect(startStitchSimulator({ clients: {} as never })).rejects.toThrow(
      'Invalid Stitch simulator options:\n- "clients" must be an array',
    )
    await using sim = await startStitchSimulator()
    expect(() =>
      sim.addClient({ clientId: 'k', clientSecret: 'sekrit', scopes: [1 as never, 'a b'] }),
    ).toThrow(
      /^Invalid simulator client:\n- client "k": every scope must be a non-empty string without spaces \(got 1\)\n- client "k": every scope must be a non-empty string without spaces \(got "a b"\)$/,
    )
  })

  it('refuses a client whose key is not a usable RSA public key', async () => {
    const sim = await startStitchSimulator()
    try {
      expect(() => sim.addClient({ clientId: 'k', publicKey: 'not a pem', scopes: [] })).toThrow(
        /client "k": "publicKey" is not a readable SPKI/,
      )
      expect(() =>
        sim.addClient({
          clientId: 'k',
          publicKey: { kty: 'RSA', n: 'x', e: 'AQAB', d: 'secret' },
          scopes: [],
        }),
      ).toThrow(/public JWK/)
    } finally {
      await sim.close()
    }
  })

  it('refuses a port that is taken', async () => {
    await using first = await startStitchSimulator()
    const port = Number(new URL(first.url).port)
    await expect(startStitchSimulator({ port })).rejects.toThrow(/EADDRINUSE/)
  })
})

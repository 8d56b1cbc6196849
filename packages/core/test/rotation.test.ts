import { inspect } from 'node:util'
import { exportSPKI, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  STITCH_AUTH_ERROR_CODES,
  type StitchAuthEvent,
  StitchConfigError,
  StitchTokenRequestError,
} from '../src/index.js'
import { CLIENT_ID, CLIENT_SECRET, useSimulator } from './simulator.js'

const ctx = useSimulator()

/** A secrets manager: `current` is what it hands out; `reads` counts the calls. */
function secretStore(initial: string, delayMs = 0) {
  const store = {
    current: initial,
    reads: 0,
    read: async () => {
      store.reads++
      const value = store.current
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
      return value
    },
  }
  return store
}

const outcomes = () => ctx.sim.tokenRequests.map((request) => request.outcome)

describe('a credential function', () => {
  it('is read for every token request, so a rotated secret is used from the next one on', async () => {
    const store = secretStore(CLIENT_SECRET, 5)
    const stitch = ctx.client({ clientSecret: store.read })
    const first = await stitch.getToken()
    expect(store.reads).toBe(1)
    // A warm hit reads nothing.
    expect(await stitch.getToken()).toBe(first)
    expect(store.reads).toBe(1)

    ctx.sim.addClientSecret(CLIENT_ID, 'the-rotated-secret')
    store.current = 'the-rotated-secret'
    ctx.sim.revokeClientSecret(CLIENT_ID, CLIENT_SECRET)
    try {
      await stitch.invalidate()
      const second = await stitch.getToken()
      expect(second.accessToken).not.toBe(first.accessToken)
      expect(store.reads).toBe(2)
      expect(outcomes()).toEqual(['issued', 'issued'])
    } finally {
      ctx.sim.addClientSecret(CLIENT_ID, CLIENT_SECRET)
      ctx.sim.revokeClientSecret(CLIENT_ID, 'the-rotated-secret')
    }
  })

  it('may be synchronous', async () => {
    let reads = 0
    const stitch = ctx.client({
      clientSecret: () => {
        reads++
        return CLIENT_SECRET
      },
    })
    await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(reads).toBe(1)
  })

  it('is never shown by the client, its options or its errors', async () => {
    const stitch = ctx.client({ clientSecret: async () => 'a-secret-from-the-manager' })
    const error = await stitch.getToken().catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(StitchTokenRequestError)
    for (const shown of [
      inspect(stitch, { depth: 10 }),
      JSON.stringify(stitch),
      String(stitch),
      JSON.stringify(stitch.options),
      inspect(error, { depth: 10 }),
      JSON.stringify(error),
    ]) {
      expect(shown).not.toContain('a-secret-from-the-manager')
    }
  })
})

describe('invalid_client after a rotation', () => {
  it('reads the secret once more and retries once when it changed, with a credentialsRotated event', async () => {
    // The token request read the old secret; by the time Stitch saw it, it was revoked and the
    // store held the new one (a deploy mid-request).
    const store = secretStore('the-new-secret')
    let first = true
    const events: StitchAuthEvent[] = []
    const stitch = ctx.client({
      clientSecret: () => {
        store.reads++
        if (first) {
          first = false
          return CLIENT_SECRET
        }
        return store.current
      },
      onEvent: (event) => events.push(event),
    })
    ctx.sim.addClientSecret(CLIENT_ID, 'the-new-secret')
    ctx.sim.revokeClientSecret(CLIENT_ID, CLIENT_SECRET)
    try {
      await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
      expect(store.reads).toBe(2)
      expect(outcomes()).toEqual(['invalid_client', 'issued'])
      expect(events.filter((event) => event.type === 'credentialsRotated')).toEqual([
        {
          type: 'credentialsRotated',
          scopes: ['client_paymentrequest'],
          method: 'client_secret_post',
        },
      ])
      expect(JSON.stringify(events)).not.toContain('the-new-secret')
    } finally {
      ctx.sim.addClientSecret(CLIENT_ID, CLIENT_SECRET)
      ctx.sim.revokeClientSecret(CLIENT_ID, 'the-new-secret')
    }
  })

  it('stands when the secret did not change: one request, no loop', async () => {
    const store = secretStore('wrong-secret')
    const events: StitchAuthEvent[] = []
    const stitch = ctx.client({ clientSecret: store.read, onEvent: (event) => events.push(event) })
    await expect(stitch.getToken()).rejects.toMatchObject({
      code: STITCH_AUTH_ERROR_CODES.TOKEN_REJECTED,
      error: 'invalid_client',
    })
    expect(store.reads).toBe(2)
    expect(outcomes()).toEqual(['invalid_client'])
    expect(events.some((event) => event.type === 'credentialsRotated')).toBe(false)
  })

  it('is final when the changed secret is refused too: two requests, never a third', async () => {
    let reads = 0
    const stitch = ctx.client({ clientSecret: () => `wrong-secret-${++reads}` })
    await expect(stitch.getToken()).rejects.toMatchObject({ error: 'invalid_client' })
    expect(reads).toBe(2)
    expect(outcomes()).toEqual(['invalid_client', 'invalid_client'])
  })

  it('is final at once for a secret given as a string', async () => {
    const stitch = ctx.client({ clientSecret: 'wrong-secret' })
    await expect(stitch.getToken()).rejects.toMatchObject({ error: 'invalid_client' })
    expect(outcomes()).toEqual(['invalid_client'])
  })
})

describe('a failing credential function', () => {
  it('fails the request with a config error that does not repeat what it threw', async () => {
    const stitch = ctx.client({
      clientSecret: async () => {
        throw new TypeError('AccessDenied for secret arn:aws:secretsmanager:stitch-secret-value')
      },
    })
    const error = await stitch.getToken().catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(StitchConfigError)
    expect((error as StitchConfigError).issues).toEqual([
      '"clientSecret" (a function) threw a TypeError, so no token was requested; log the error inside your function to see why',
    ])
    expect(inspect(error, { depth: 10 })).not.toContain('stitch-secret-value')
    expect(outcomes()).toEqual([])
    // Nothing is kept from the failure: the next call asks again.
    await expect(stitch.getToken()).rejects.toBeInstanceOf(StitchConfigError)
  })

  it('fails the request when it returns no usable secret', async () => {
    for (const [value, said] of [
      ['', 'an empty string'],
      [undefined, 'undefined'],
      [42, 'number'],
    ] as const) {
      const stitch = ctx.client({ clientSecret: () => value as never })
      await expect(stitch.getToken()).rejects.toMatchObject({
        issues: [
          `"clientSecret" (a function) returned ${said}; it must return the client secret, a non-empty string`,
        ],
      })
    }
    expect(outcomes()).toEqual([])
  })

  it('is bounded by deadlineMs when it never answers', async () => {
    const stitch = ctx.client({
      clientSecret: () => new Promise<string>(() => {}),
      deadlineMs: 200,
    })
    const started = performance.now()
    await expect(stitch.getToken()).rejects.toMatchObject({
      issues: [expect.stringMatching(/"clientSecret" \(a function\) did not return within \d+ ms/)],
    })
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(outcomes()).toEqual([])
  })

  it('is checked as a function only: a wrong type is refused when the client is made', () => {
    expect(() => ctx.client({ clientSecret: 42 as never })).toThrow(
      /"clientSecret" must be a string, or a function that returns the current secret/,
    )
  })
})

describe('a private key function', () => {
  it('signs with the key it returns now, and picks up a rotated key after invalid_client', async () => {
    const old = await generateKeyPair('RS256', { extractable: true })
    const next = await generateKeyPair('RS256', { extractable: true })
    ctx.sim.addClient({
      clientId: 'key-client',
      publicKey: await exportSPKI(old.publicKey),
      scopes: ['client_paymentrequest'],
    })
    let current = old.privateKey
    let reads = 0
    const events: StitchAuthEvent[] = []
    const stitch = ctx.client({
      clientId: 'key-client',
      clientSecret: undefined,
      privateKey: async () => {
        reads++
        const key = current
        // The second request reads the old key just before the store is updated (a deploy
        // mid-request); Stitch has already revoked it by then.
        if (reads === 2) current = next.privateKey
        return key
      },
      onEvent: (event) => events.push(event),
    })
    try {
      await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
      ctx.sim.addClientPublicKey('key-client', next.publicKey)
      ctx.sim.revokeClientPublicKey('key-client', old.publicKey)
      await stitch.invalidate()
      await expect(stitch.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
      expect(outcomes()).toEqual(['issued', 'invalid_client', 'issued'])
      expect(reads).toBe(3)
      expect(events.filter((event) => event.type === 'credentialsRotated')).toHaveLength(1)
    } finally {
      ctx.sim.removeClient('key-client')
    }
  })

  it('fails the request with the shape problem when it returns an unusable key', async () => {
    const stitch = ctx.client({
      clientSecret: undefined,
      privateKey: () => '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----',
    })
    await expect(stitch.getToken()).rejects.toMatchObject({
      issues: [
        expect.stringMatching(/^"privateKey" \(a function\) returned a key that is a PKCS#1/),
      ],
    })
  })
})

describe('the whole rotation with traffic flowing', () => {
  /**
   * Two app instances share a secrets store and call the API without pause while the secret
   * rotates: add the new one at Stitch, update the store, revoke the old one. Tokens live 1 s
   * and are refreshed ahead, so tokens are minted all along. `revokeWithDeploy` revokes in the
   * same moment the store changes, so a request that read the old secret just before meets a
   * revoked secret.
   */
  async function rotateUnderTraffic(revokeWithDeploy: boolean) {
    const store = secretStore(CLIENT_SECRET, 2)
    const events: StitchAuthEvent[] = []
    ctx.sim.setTokenLifetime(1)
    const instances = [1, 2].map(() =>
      ctx.client({
        clientSecret: store.read,
        expirySkewMs: 200,
        refreshWindowMs: 500,
        onEvent: (event) => events.push(event),
      }),
    )
    let calls = 0
    let failed = 0
    let readsBeforeDeploy = 0
    let running = true
    const traffic = instances.flatMap((stitch) =>
      Array.from({ length: 4 }, async () => {
        while (running) {
          try {
            await stitch.graphql('query Traffic { __typename }')
            calls++
          } catch {
            failed++
          }
        }
      }),
    )
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    try {
      await sleep(400)
      ctx.sim.addClientSecret(CLIENT_ID, 'the-next-secret')
      await sleep(400)
      store.current = 'the-next-secret'
      readsBeforeDeploy = store.reads
      if (revokeWithDeploy) ctx.sim.revokeClientSecret(CLIENT_ID, CLIENT_SECRET)
      await sleep(400)
      if (!revokeWithDeploy) ctx.sim.revokeClientSecret(CLIENT_ID, CLIENT_SECRET)
      await sleep(600)
    } finally {
      running = false
      await Promise.all(traffic)
      ctx.sim.setTokenLifetime(3600)
      ctx.sim.addClientSecret(CLIENT_ID, CLIENT_SECRET)
      ctx.sim.revokeClientSecret(CLIENT_ID, 'the-next-secret')
    }
    const requests = ctx.sim.tokenRequests
    const figures = {
      calls,
      failed,
      tokenRequests: requests.length,
      refused: requests.filter((request) => request.outcome === 'invalid_client').length,
      rotatedEvents: events.filter((event) => event.type === 'credentialsRotated').length,
      secretReads: store.reads,
      readsAfterDeploy: store.reads - readsBeforeDeploy,
    }
    console.info(
      `[rotation${revokeWithDeploy ? ', revoked with the deploy' : ''}] ${JSON.stringify(figures)}`,
    )
    return figures
  }

  it('add, deploy, revoke: 0 failed calls and no refused token request', async () => {
    const figures = await rotateUnderTraffic(false)
    expect(figures.failed).toBe(0)
    expect(figures.calls).toBeGreaterThan(50)
    // Tokens were minted with the old secret and, after the deploy, with the new one.
    expect(figures.readsAfterDeploy).toBeGreaterThan(0)
    expect(figures.tokenRequests).toBe(figures.secretReads)
    expect(figures.refused).toBe(0)
  })

  it('revoked in the same moment as the deploy: 0 failed calls, refusals retried with the new secret', async () => {
    const figures = await rotateUnderTraffic(true)
    expect(figures.failed).toBe(0)
    expect(figures.calls).toBeGreaterThan(50)
    expect(figures.readsAfterDeploy).toBeGreaterThan(0)
    // Every refused request was retried once with the re-read secret, and said so.
    expect(figures.rotatedEvents).toBe(figures.refused)
  })
})

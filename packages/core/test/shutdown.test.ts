import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { CLIENT_ID, CLIENT_SECRET, useSimulator } from './simulator.js'

const run = promisify(execFile)
const ctx = useSimulator()
const dist = new URL('../dist/index.js', import.meta.url).href

/** Runs a script in a fresh Node process that uses the built package; resolves when it exits. */
async function runScript(body: string, extraOptions = '') {
  const script = `
    import { createStitchAuth } from ${JSON.stringify(dist)}
    const stitch = createStitchAuth({
      clientId: ${JSON.stringify(CLIENT_ID)},
      clientSecret: ${JSON.stringify(CLIENT_SECRET)},
      scopes: ['client_paymentrequest'],
      tokenUrl: ${JSON.stringify(ctx.sim.tokenUrl)},
      apiUrl: ${JSON.stringify(ctx.sim.graphqlUrl)},
      ${extraOptions}
    })
    ${body}
  `
  const started = Date.now()
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    timeout: 15_000,
  })
  return { stdout, ms: Date.now() - started }
}

// Each test starts a Node process (a second or more on a loaded machine); the assertions on how
// long it ran are the test, not vitest's default 5 s.
describe('clean shutdown', { timeout: 20_000 }, () => {
  it('a process exits on its own after getToken and graphql, without close()', async () => {
    const { stdout, ms } = await runScript(`
      const token = await stitch.getToken()
      await stitch.graphql('query { __typename }')
      console.log(token.preview)
    `)
    expect(stdout).toMatch(/…/)
    expect(ms).toBeLessThan(5_000)
  })

  it('a process exits at once after close(), even with a retry waiting', async () => {
    ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 20 })
    const { stdout, ms } = await runScript(`
      const pending = stitch.getToken().catch((error) => error.code)
      await new Promise((resolve) => setTimeout(resolve, 200))
      await stitch.close()
      console.log(await pending)
    `)
    expect(stdout.trim()).toBe('STITCH_AUTH_CLIENT_CLOSED')
    expect(ms).toBeLessThan(5_000)
  })

  it('a process exits on its own after calls timed out on bodies that stalled', async () => {
    ctx.sim.fault({ endpoint: 'token', stallAfterHeaders: true, bodyPrefix: '{', times: 1 })
    ctx.sim.fault({ endpoint: 'graphql', stallAfterHeaders: true, bodyPrefix: '{' })
    const { stdout, ms } = await runScript(
      `
      const call = stitch.graphql('query { __typename }', undefined, { timeoutMs: 300 })
      console.log(await call.catch((error) => error.code))
    `,
      'attemptTimeoutMs: 300,',
    )
    // The token came on the second attempt; the stalled API call timed out; nothing lingers.
    expect(stdout.trim()).toBe('STITCH_AUTH_API_UNAVAILABLE')
    expect(ms).toBeLessThan(5_000)
    expect(ctx.sim.stats.tokenRequests.byOutcome).toMatchObject({ fault: 1, issued: 1 })
  })

  it('a background refresh in backoff does not keep the process alive', async () => {
    ctx.sim.setTokenLifetime(2)
    try {
      // The outage starts after the child got its first token.
      const outage = setTimeout(() => {
        ctx.sim.fault({ endpoint: 'token', status: 503, retryAfter: 20 })
      }, 1000)
      const { stdout, ms } = await runScript(`
        const first = await stitch.getToken()
        // A 2 s token's refresh window opens 0.7 to 0.45 s before expiry (jitter) and it goes
        // stale 0.2 s before: 0.33 s before is inside the window however long the first
        // request took (it also loads the HTTP client).
        await new Promise((resolve) => setTimeout(resolve, first.expiresInMs() - 330))
        // Inside the refresh window: served at once, while a background refresh meets the
        // outage and waits 20 s to retry. That wait must not hold the process.
        const second = await stitch.getToken()
        console.log(second === first ? 'cached' : 'new')
      `)
      clearTimeout(outage)
      expect(stdout.trim()).toBe('cached')
      expect(ms).toBeLessThan(8_000)
      expect(ctx.sim.stats.tokenRequests.byOutcome.fault).toBe(1)
    } finally {
      ctx.sim.setTokenLifetime(3600)
    }
  })
})

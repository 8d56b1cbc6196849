import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

it('runs as a user runs it: a token, the same token from cache, a payment request', async () => {
  const env = { ...process.env, STITCH_CLIENT_ID: '', STITCH_CLIENT_SECRET: '', NO_COLOR: '1' }
  const { stdout } = await run(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', 'src/main.ts'],
    { cwd: root, env, timeout: 30_000 },
  )
  expect(stdout).toMatch(/Local Stitch simulator listening on http:\/\/127\.0\.0\.1:\d+/)
  expect(stdout).toMatch(/the same token, served from the cache — no request to Stitch/)
  expect(stdout).toMatch(
    /Payment request \S+ created; the payer goes to:\s+http:\/\/127\.0\.0\.1:\d+\/pay\//,
  )
  expect(stdout).toMatch(/The simulator saw 1 token request\(s\) and 1 API call\(s\)/)
  expect(stdout).not.toContain('demo-secret')
})

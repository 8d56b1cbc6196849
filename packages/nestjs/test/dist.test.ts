import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const run = promisify(execFile)

// Boots a Nest application context from the built package, with plain JavaScript (no
// decorator transform), against a real simulator, with the webhook controller (core's webhooks
// entry loads from the build too); prints the token's scopes.
const program = (load: string) => `
${load}
const sim = await startStitchSimulator({
  clients: [{ clientId: 'dist', clientSecret: 'dist-secret', scopes: ['client_refund'] }],
})
class AppModule {}
Module({
  imports: [
    StitchAuthModule.forRoot({
      clientId: 'dist', clientSecret: 'dist-secret', scopes: ['client_refund'],
      tokenUrl: sim.tokenUrl, apiUrl: sim.graphqlUrl, isGlobal: true,
    }),
  ],
  controllers: [StitchProxyController],
})(AppModule)
try {
  await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false })
  throw new Error('the proxy controller without proxy options should have failed')
} catch (error) {
  if (error.code !== 'STITCH_AUTH_CONFIG_INVALID') throw error
}
class WorkingModule {}
Module({ imports: [StitchAuthModule.forRoot({
  clientId: 'dist', clientSecret: 'dist-secret', scopes: ['client_refund'],
  tokenUrl: sim.tokenUrl, apiUrl: sim.graphqlUrl,
  webhooks: { secrets: 'whsec_' + Buffer.alloc(24, 7).toString('base64'), on: {} },
})], controllers: [StitchWebhookController] })(WorkingModule)
const app = await NestFactory.createApplicationContext(WorkingModule, { logger: false, abortOnError: false })
const token = await app.get(StitchAuthService).getToken()
await app.close()
await sim.close()
console.log(JSON.stringify(token.scopes))
`

async function runNode(args: string[]) {
  const { stdout } = await run(process.execPath, args, { cwd: packageDir, timeout: 30_000 })
  return stdout.trim()
}

describe('built package', () => {
  it('has been built (turbo builds before testing; run `pnpm build` otherwise)', () => {
    expect(
      existsSync(`${packageDir}/dist/index.cjs`),
      'dist/index.cjs is missing: run `pnpm build`',
    ).toBe(true)
    expect(
      existsSync(`${packageDir}/dist/index.js`),
      'dist/index.js is missing: run `pnpm build`',
    ).toBe(true)
  })

  it('works from CommonJS require() (Nest 12 is ESM-only; named imports only)', async () => {
    const load = `
require('reflect-metadata')
const { Module } = require('@nestjs/common')
const { NestFactory } = require('@nestjs/core')
const { startStitchSimulator } = require('@stitch-auth/testing')
const { StitchAuthModule, StitchAuthService, StitchProxyController, StitchWebhookController } = require('@stitch-auth/nestjs')
if (!require.resolve('@stitch-auth/nestjs').endsWith('index.cjs')) throw new Error('not the CJS build')
;(async () => {`
    const source = `${program(load)}})().catch((error) => { console.error(error); process.exit(1) })`
    await expect(runNode(['-e', source])).resolves.toBe('["client_refund"]')
  })

  it('works from ESM import', async () => {
    const load = `
import 'reflect-metadata'
import { Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { startStitchSimulator } from '@stitch-auth/testing'
import { StitchAuthModule, StitchAuthService, StitchProxyController, StitchWebhookController } from '@stitch-auth/nestjs'
if (!import.meta.resolve('@stitch-auth/nestjs').endsWith('dist/index.js')) throw new Error('not the ESM build')`
    await expect(runNode(['--input-type=module', '-e', program(load)])).resolves.toBe(
      '["client_refund"]',
    )
  })
})

import type { INestApplication, NestApplicationOptions } from '@nestjs/common'
import { type AbstractHttpAdapter, NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import type { StitchScope } from '@stitch-auth/core'
import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'

export const CLIENT_ID = 'nest-client'
export const CLIENT_SECRET = 'nest-secret-5f0b1c2d3e4a'
export const SIM_SCOPES: readonly StitchScope[] = ['client_paymentrequest', 'client_refund']

/** A real simulator with one secret-based client allowed `SIM_SCOPES`. */
export function startSimulator(): Promise<StitchSimulator> {
  return startStitchSimulator({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: SIM_SCOPES }],
  })
}

/** Core options pointing at the simulator. */
export function simulatorOptions(sim: StitchSimulator) {
  return {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes: ['client_paymentrequest'] as StitchScope[],
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
  }
}

export type PlatformName = 'express' | 'fastify'

/** Nest's two HTTP platforms; every e2e spec runs on each: `describe.each(PLATFORMS)`. */
export const PLATFORMS: readonly (readonly [PlatformName])[] = [['express'], ['fastify']]

// A new adapter per app: an adapter holds its server.
const adapters: Record<PlatformName, () => AbstractHttpAdapter> = {
  express: () => new ExpressAdapter(),
  fastify: () => new FastifyAdapter(),
}

/** A Nest application on `platform`, not yet listening; bootstrap errors reject. */
export function createApp(
  platform: PlatformName,
  module: unknown,
  options: NestApplicationOptions = {},
): Promise<INestApplication> {
  return NestFactory.create(module as never, adapters[platform](), {
    logger: false,
    abortOnError: false,
    ...options,
  })
}

export interface RunningApp {
  app: INestApplication
  url: string
  close(): Promise<void>
}

/** Boots a real Nest application on `platform`, on 127.0.0.1 with a free port. */
export async function listen(
  platform: PlatformName,
  module: unknown,
  options: NestApplicationOptions = {},
): Promise<RunningApp> {
  const app = await createApp(platform, module, options)
  await app.listen(0, '127.0.0.1')
  const url = await app.getUrl()
  return { app, url, close: () => app.close() }
}

/** Every response body as text, so tests can look for leaked secrets and tokens. */
export async function request(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const response = await fetch(url, init)
  const text = await response.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

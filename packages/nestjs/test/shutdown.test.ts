import { setTimeout as sleep } from 'node:timers/promises'
import { Controller, Get, Module } from '@nestjs/common'
import { describe, expect, it } from 'vitest'
import { StitchAuthModule, StitchAuthService } from '../src/index.js'
import {
  listen,
  PLATFORMS,
  type PlatformName,
  request,
  simulatorOptions,
  startSimulator,
} from './helpers.js'

const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout']

function watchedResources(): Record<string, number> {
  const counts = Object.fromEntries(WATCHED.map((type) => [type, 0]))
  for (const type of process.getActiveResourcesInfo()) {
    if (type in counts) counts[type] = (counts[type] ?? 0) + 1
  }
  return counts
}

/** Sockets close a tick or two after their peer goes away: wait for the counts to settle. */
async function leftoverResources(baseline: Record<string, number>): Promise<string[]> {
  let leftovers: string[] = []
  for (let i = 0; i < 50; i++) {
    const now = watchedResources()
    leftovers = WATCHED.filter((type) => (now[type] ?? 0) > (baseline[type] ?? 0))
    if (leftovers.length === 0) break
    await sleep(20)
  }
  return leftovers
}

@Controller('token')
class TokenController {
  constructor(private readonly stitch: StitchAuthService) {}

  @Get()
  async token() {
    return { scopes: (await this.stitch.getToken()).scopes }
  }
}

describe.each(PLATFORMS)('shutdown on %s', (platform: PlatformName) => {
  it('closes the core client on app.close() and leaves no handle behind', async () => {
    const baseline = watchedResources()
    const sim = await startSimulator()
    @Module({
      imports: [StitchAuthModule.forRoot(simulatorOptions(sim))],
      controllers: [TokenController],
    })
    class AppModule {}
    const running = await listen(platform, AppModule)
    const stitch = running.app.get(StitchAuthService)
    // The check can see what an app holds: its listening server.
    expect(watchedResources().TCPServerWrap).toBeGreaterThan(baseline.TCPServerWrap ?? 0)

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => request(`${running.url}/token`)),
    )
    expect(responses.every((response) => response.status === 200)).toBe(true)

    // app.close() runs the shutdown hooks; enableShutdownHooks() only adds signal listeners.
    await running.app.close()

    await expect(stitch.getToken()).rejects.toMatchObject({
      code: 'STITCH_AUTH_CLIENT_CLOSED',
    })
    await expect(stitch.client.getToken()).rejects.toMatchObject({
      code: 'STITCH_AUTH_CLIENT_CLOSED',
    })
    await sim.close()
    expect(await leftoverResources(baseline)).toEqual([])
  })

  it('closes the client even when a token request is still in flight', async () => {
    const baseline = watchedResources()
    const sim = await startSimulator()
    sim.fault({ endpoint: 'token', hang: true })
    @Module({ imports: [StitchAuthModule.forRoot(simulatorOptions(sim))] })
    class AppModule {}
    const running = await listen(platform, AppModule)
    const stitch = running.app.get(StitchAuthService)

    const pending = stitch.getToken()
    await sleep(50)
    await running.app.close()

    await expect(pending).rejects.toMatchObject({ code: 'STITCH_AUTH_CLIENT_CLOSED' })
    await sim.close()
    expect(await leftoverResources(baseline)).toEqual([])
  })
})

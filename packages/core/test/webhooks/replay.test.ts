import { describe, expect, it } from 'vitest'
import { StitchConfigError } from '../../src/index.js'
import {
  DEFAULT_WEBHOOK_REPLAY_TTL_MS,
  MemoryWebhookReplayStore,
} from '../../src/webhooks/index.js'

describe('MemoryWebhookReplayStore', () => {
  it('claims an id once until it expires or is released', () => {
    let now = 1_000
    const store = new MemoryWebhookReplayStore({ now: () => now })
    expect(store.claim('msg_1', 100)).toBe(true)
    expect(store.claim('msg_1', 100)).toBe(false)
    expect(store.claim('msg_2', 100)).toBe(true)
    now += 99
    expect(store.claim('msg_1', 100)).toBe(false)
    now += 1
    expect(store.claim('msg_1', 100)).toBe(true)
    store.release('msg_1')
    expect(store.claim('msg_1', 100)).toBe(true)
  })

  it('sweeps expired ids as it goes', () => {
    let now = 0
    const store = new MemoryWebhookReplayStore({ now: () => now })
    for (let index = 0; index < 100; index++) store.claim(`msg_${index}`, 10)
    expect(store.size).toBe(100)
    now = 10
    store.claim('msg_new', 10)
    expect(store.size).toBe(1)
  })

  it('holds at most maxEntries, forgetting the oldest first', () => {
    const store = new MemoryWebhookReplayStore({ maxEntries: 3, now: () => 0 })
    for (const id of ['a', 'b', 'c', 'd']) expect(store.claim(id, 1_000)).toBe(true)
    expect(store.size).toBe(3)
    expect(store.claim('a', 1_000)).toBe(true) // forgotten
    expect(store.claim('d', 1_000)).toBe(false)
  })

  it('refuses bad options', () => {
    expect(() => new MemoryWebhookReplayStore({ maxEntries: 0, now: 1 as never })).toThrow(
      StitchConfigError,
    )
  })

  it('remembers ids longer than Svix retries by default (about 27.6 hours)', () => {
    const svixRetrySchedule =
      [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000].reduce((a, b) => a + b) * 1000
    expect(DEFAULT_WEBHOOK_REPLAY_TTL_MS).toBeGreaterThan(svixRetrySchedule)
  })
})

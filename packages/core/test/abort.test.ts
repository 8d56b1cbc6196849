import { describe, expect, it } from 'vitest'
import { untilAborted } from '../src/abort.js'

describe('untilAborted', () => {
  it('leaves no unhandled rejection behind when the signal aborted before the call', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const controller = new AbortController()
      controller.abort(new Error('closed'))
      // The work already started and fails on its own, as a fetch given an aborted signal does.
      const work = Promise.reject(new Error('the request was aborted'))
      await expect(untilAborted(work, controller.signal)).rejects.toThrow('closed')
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

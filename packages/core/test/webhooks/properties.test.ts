// Property-based leak checks: over random secrets, bodies and tamperings, nothing the webhook
// code produces (the response's body and headers, the error handed to onError: its message,
// JSON, util.inspect, String()) holds the secret, its base64 key part, or a signature.
import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StitchConfigError } from '../../src/index.js'
import { createStitchWebhookHandler, createWebhookVerifier } from '../../src/webhooks/index.js'
import { sign } from './helpers.js'

const NOW = 1_740_823_200_000
const NOW_SECONDS = NOW / 1000

const secretArb = fc
  .uint8Array({ minLength: 24, maxLength: 75 })
  .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`)

const bodyArb = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constant(
    '{"data":{"client":{"refunds":{"node":{"id":"r1","status":{"__typename":"RefundCompleted"}}}}}}',
  ),
)

type Tampering =
  | { kind: 'none' }
  | { kind: 'body'; at: number; insert: string }
  | { kind: 'otherSecret' }
  | { kind: 'timestamp'; offset: number }
  | { kind: 'dropHeader'; name: 'svix-id' | 'svix-timestamp' | 'svix-signature' }
  | { kind: 'signature'; text: string }
  | { kind: 'method'; method: 'GET' | 'PUT' | 'DELETE' }

const tamperingArb: fc.Arbitrary<Tampering> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({
    kind: fc.constant('body' as const),
    at: fc.nat(),
    insert: fc.string({ minLength: 1, maxLength: 3 }),
  }),
  fc.constant({ kind: 'otherSecret' as const }),
  fc.record({
    kind: fc.constant('timestamp' as const),
    offset: fc.integer({ min: -100_000, max: 100_000 }),
  }),
  fc.record({
    kind: fc.constant('dropHeader' as const),
    name: fc.constantFrom('svix-id' as const, 'svix-timestamp' as const, 'svix-signature' as const),
  }),
  fc.record({ kind: fc.constant('signature' as const), text: fc.stringMatching(/^[ -~]{0,60}$/) }),
  fc.record({
    kind: fc.constantFrom('method' as const),
    method: fc.constantFrom('GET' as const, 'PUT' as const, 'DELETE' as const),
  }),
)

function rendered(error: unknown): string {
  return [
    error instanceof Error ? error.message : '',
    error instanceof Error ? (error.stack ?? '') : '',
    JSON.stringify(error),
    inspect(error, { depth: 5 }),
    String(error),
  ].join('\n')
}

describe('no secret or signature leaks', () => {
  it('from any answer or error of the handler', async () => {
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        secretArb,
        bodyArb,
        tamperingArb,
        fc.boolean(),
        async (secret, other, body, tampering, throws) => {
          const errors: unknown[] = []
          const handle = createStitchWebhookHandler({
            secrets: secret,
            now: () => NOW,
            on: {
              refund: () => {
                if (throws) throw new Error(`handler failed with ${secret}`)
              },
              unknown: () => {
                if (throws) throw new Error(`handler failed with ${secret}`)
              },
            },
            onError: (error) => errors.push(error),
          })
          const id = 'msg_prop'
          let timestamp = NOW_SECONDS
          let sent = body
          const signature = sign(
            tampering.kind === 'otherSecret' ? other : secret,
            id,
            timestamp,
            body,
          )
          const headers: Record<string, string> = {
            'svix-id': id,
            'svix-timestamp': String(timestamp),
            'svix-signature': signature,
          }
          let method = 'POST'
          switch (tampering.kind) {
            case 'body': {
              const at = tampering.at % (body.length + 1)
              sent = body.slice(0, at) + tampering.insert + body.slice(at)
              break
            }
            case 'timestamp':
              timestamp += tampering.offset
              headers['svix-timestamp'] = String(timestamp)
              break
            case 'dropHeader':
              delete headers[tampering.name]
              break
            case 'signature':
              headers['svix-signature'] = tampering.text
              break
            case 'method':
              method = tampering.method
              break
          }
          const response = await handle(
            new Request('https://shop.example/hook', {
              method,
              headers,
              ...(method === 'GET' ? {} : { body: sent }),
            }),
          )
          const answer = [
            String(response.status),
            await response.text(),
            ...[...response.headers].map(([name, value]) => `${name}: ${value}`),
          ].join('\n')
          const key = secret.slice('whsec_'.length)
          const mac = signature.slice('v1,'.length)
          for (const text of [
            answer,
            ...errors
              .filter(
                (error) => !(error instanceof Error && error.message.startsWith('handler failed')),
              )
              .map(rendered),
          ]) {
            expect(text).not.toContain(key)
            expect(text).not.toContain(mac)
          }
          // The handler's own error reaches onError as it is (it is the app's), but never the answer.
          expect(answer).not.toContain('handler failed')
        },
      ),
      { numRuns: 300 },
    )
  })

  it('from the options errors for secrets that are not valid', () => {
    const invalidArb = fc.oneof(
      secretArb.map((secret) => secret.slice('whsec_'.length)), // no prefix
      secretArb.map((secret) => `${secret}\n`),
      secretArb.map((secret) => `${secret.slice(0, 20)}*${secret.slice(20)}`), // a non-base64 character
      fc
        .uint8Array({ minLength: 9, maxLength: 23 })
        .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`),
      fc
        .uint8Array({ minLength: 76, maxLength: 120 })
        .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`),
    )
    fc.assert(
      fc.property(secretArb, invalidArb, (good, bad) => {
        let error: unknown
        try {
          createWebhookVerifier({ secrets: [good, bad] })
        } catch (caught) {
          error = caught
        }
        expect(error).toBeInstanceOf(StitchConfigError)
        const text = rendered(error)
        expect(text).not.toContain(good.slice('whsec_'.length))
        expect(text).not.toContain(bad.trim().replace(/^whsec_/, ''))
      }),
      { numRuns: 300 },
    )
  })
})

// Small helpers shared by the benchmarks: a bounded fetch, an in-process token filler, timing.
import { randomBytes } from 'node:crypto'

export const CLIENT_ID = 'bench-client'
// Printable ASCII only: simple-oauth2 refuses anything else in a secret.
export const CLIENT_SECRET = 'bench-secret-6c1f0e9a-4b2d'
export const SCOPE = 'client_paymentrequest'

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Lets at most `limit` requests run at once; the rest queue. Applied to every library alike. */
export function limitedFetch(limit: number): typeof fetch {
  let running = 0
  const waiting: Array<() => void> = []
  return async (input, init) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    running++
    try {
      const response = await fetch(input, init)
      // Read the body inside the slot, so the socket is free when the slot is.
      const body = await response.arrayBuffer()
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      })
    } finally {
      running--
      waiting.shift()?.()
    }
  }
}

/**
 * Answers token requests in-process, exactly as the simulator would (a fresh opaque token,
 * `expires_in` 3600, the requested scopes granted): used only to build large caches quickly.
 */
export const fillerFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init)
  const body = new URLSearchParams(await request.text())
  return Response.json(
    {
      access_token: randomBytes(24).toString('base64url'),
      expires_in: 3600,
      token_type: 'Bearer',
      scope: body.get('scope'),
    },
    { headers: { 'cache-control': 'no-store' } },
  )
}

/** Runs `count` async jobs with at most `width` at a time. */
export async function inBatches(
  count: number,
  width: number,
  job: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await job(next++)
    }),
  )
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const mean = (values: readonly number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  })
}

/** `global.gc`, which the bench script enables with --expose-gc. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('Run with --expose-gc (pnpm bench does)')
  gc()
  gc()
}

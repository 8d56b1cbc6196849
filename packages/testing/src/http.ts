import type { IncomingMessage, ServerResponse } from 'node:http'

/** A complete HTTP answer, built by the endpoints and written by {@link send}. */
export interface Reply {
  status: number
  headers?: Record<string, string>
  body: string
}

/** Thrown by {@link readBody} when the body is over the limit. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError' as const
}

export function jsonReply(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return {
    status,
    body: JSON.stringify(value),
    headers: { 'Content-Type': 'application/json', ...headers },
  }
}

/**
 * Writes a reply with the simulator's own `Date`: node:http would stamp the machine's clock,
 * which would hide a configured clock offset.
 */
export function send(res: ServerResponse, now: number, reply: Reply): void {
  if (res.headersSent || res.destroyed) return
  res.sendDate = false
  const body = Buffer.from(reply.body, 'utf8')
  res.writeHead(reply.status, {
    Date: new Date(now).toUTCString(),
    'Content-Length': String(body.length),
    ...reply.headers,
  })
  res.end(body)
}

/** The media type of a request, lower-cased and without parameters such as charset. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/**
 * Reads the whole body. Past `limit` bytes it keeps draining without buffering, so
 * the connection stays usable for the error answer, then rejects with BodyTooLargeError.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) chunks.push(chunk)
    })
    req.on('end', () => {
      if (size > limit) reject(new BodyTooLargeError(`Request body is over ${limit} bytes`))
      else resolve(Buffer.concat(chunks))
    })
    req.on('error', reject)
    req.on('close', () => {
      if (!req.complete) reject(new Error('The client closed the connection'))
    })
  })
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )
}

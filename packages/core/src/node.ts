// Node-only helpers for adapters (Express, NestJS, plain node:http): Node's request and
// response objects to and from the Web `Request`/`Response` that core's proxy speaks; and, for
// every server-side package, the one way zod's findings about options become the problem lines
// of a `StitchConfigError`.
import type { IncomingMessage, ServerResponse } from 'node:http'

export { describeIssues } from './validation.js'

/** Node's request as frameworks hand it over: body parsers may have set `body` or `rawBody`. */
export interface NodeRequestLike extends IncomingMessage {
  body?: unknown
  rawBody?: unknown
  /** Express keeps the full path here when a router is mounted. */
  originalUrl?: string
  protocol?: string
}

// The Fetch API refuses to build a Request with these; the proxy refuses every method but
// POST before anything else runs, so they are handed over as GET and refused the same way.
const FETCH_FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

/**
 * The Web `Request` for a Node request: method, URL, every header and the body. When a body
 * parser already read the stream, its result is used (`rawBody` verbatim, else `body`
 * re-serialised); the client's `Content-Length` stays, so size limits still see the wire size.
 */
export function toWebRequest(
  req: NodeRequestLike,
  options: { signal?: AbortSignal; url?: string } = {},
): Request {
  const headers = new Headers()
  const raw = req.rawHeaders
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index]!
    if (!name.startsWith(':')) headers.append(name, raw[index + 1]!)
  }
  const requested = (req.method ?? 'GET').toUpperCase()
  const method = FETCH_FORBIDDEN_METHODS.has(requested) ? 'GET' : requested
  const init: RequestInit & { duplex?: 'half' } = { method, headers }
  if (options.signal) init.signal = options.signal
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = bodyOf(req)
    init.duplex = 'half'
  }
  return new Request(requestUrl(req, options.url ?? req.originalUrl ?? req.url ?? '/'), init)
}

function requestUrl(req: NodeRequestLike, path: string): string {
  const pathname = path.startsWith('/') ? path : `/${path}`
  const url = `${req.protocol ?? 'http'}://${req.headers.host ?? 'localhost'}${pathname}`
  // A Host header that is not a host: the path is all the proxy looks at anyway.
  return URL.canParse(url) ? url : `http://localhost${pathname}`
}

function bodyOf(req: NodeRequestLike): BodyInit | null {
  if (req.rawBody instanceof Uint8Array) return new Uint8Array(req.rawBody)
  if (req.readable && !req.readableEnded) return streamOf(req)
  const parsed = req.body
  if (parsed === undefined || parsed === null) return null
  if (typeof parsed === 'string') return parsed
  if (parsed instanceof Uint8Array) return new Uint8Array(parsed)
  try {
    return JSON.stringify(parsed)
  } catch {
    // Too deep (or cyclic) to write back: hand on something that is not JSON either, so the
    // proxy refuses it as it would the raw body (400 invalid_json) instead of crashing.
    return '\u0000'
  }
}

/**
 * The raw body as a Web stream, with backpressure. Unlike `Readable.toWeb`, cancelling (the
 * proxy does once its size limit is passed) drains the rest instead of destroying the socket,
 * so the 413 answer still reaches the client.
 */
function streamOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  let detach = () => {}
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const onData = (chunk: Uint8Array | string) => {
        controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk)
        if ((controller.desiredSize ?? 1) <= 0) req.pause()
      }
      const onEnd = () => {
        detach()
        controller.close()
      }
      const onError = (error: unknown) => {
        detach()
        controller.error(error)
      }
      const onClose = () => onError(new Error('The request was closed before its body ended'))
      detach = () => {
        req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose)
      }
      req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose)
    },
    pull() {
      req.resume()
    },
    cancel() {
      detach()
      req.resume()
    },
  })
}

/** Writes a Web `Response` to Node's response: status, headers (every `Set-Cookie`) and body. */
export async function sendWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer())
  res.statusCode = response.status
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value)
  }
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  res.end(body)
}

/** An `AbortSignal` that aborts when the client goes away before the response is sent. */
export function abortOnDisconnect(res: ServerResponse): AbortSignal {
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  return controller.signal
}

// Nest runs on Express or Fastify; `@Req()` and `@Res()` hand over each platform's own objects.
// This is the one place that tells them apart, so the proxy and webhook controllers speak Web
// `Request`/`Response` with core on either.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import { abortOnDisconnect, type NodeRequestLike, toWebRequest } from '@stitch-auth/core/node'

/** What the request of every Nest HTTP platform has: Node's headers, names lower-cased. */
export interface StitchHttpRequest {
  readonly headers: IncomingHttpHeaders
}

/** Fastify's request: Node's is `raw`, and what Fastify's body parser made sits beside it. */
interface FastifyRequestLike extends StitchHttpRequest {
  readonly raw: NodeRequestLike
  readonly body?: unknown
  /** The body's bytes, with Nest's `rawBody: true`. */
  readonly rawBody?: unknown
  readonly protocol?: string
  readonly originalUrl?: string
}

/** `@Req()`: Node's request itself on Express, Fastify's request on Fastify. */
export type NestHttpRequest = NodeRequestLike | FastifyRequestLike

/** `@Res()`: Node's response itself on Express, Fastify's reply (over Node's `raw`) on Fastify. */
export type NestHttpResponse = ServerResponse | { readonly raw: ServerResponse }

/**
 * The Web `Request` for the platform's request, with core's Node converter: method, URL, every
 * header and the body (the bytes when the platform kept them, its parsed body re-serialised, or
 * the stream when nothing read it). It aborts when the client goes away.
 */
export function toPlatformWebRequest(req: NestHttpRequest, res: NestHttpResponse): Request {
  const signal = abortOnDisconnect('raw' in res ? res.raw : res)
  if (!('raw' in req)) return toWebRequest(req, { signal })
  // Core reads a parsed body where Express's parsers put it, on Node's request; Fastify keeps
  // its own on its request, and has read the stream to make it.
  const { raw } = req
  raw.body = req.body
  raw.rawBody = req.rawBody
  raw.protocol = req.protocol
  return toWebRequest(raw, { signal, url: req.originalUrl })
}

/**
 * Whether the body reaches core as the bytes that were sent, as a signature check needs: kept by
 * Nest's `rawBody: true` (`req.rawBody`), read by no body parser (core reads the stream), or kept
 * as text or bytes by one. Only a parsed object (JSON, a form) lost them: re-serialised, it would
 * rarely match.
 */
export function keepsBodyBytes(req: NestHttpRequest): boolean {
  if (req.rawBody instanceof Uint8Array) return true
  const raw = 'raw' in req ? req.raw : req
  if (raw.readable && !raw.readableEnded) return true
  const { body } = 'raw' in req ? req : raw
  return typeof body !== 'object' || body === null || body instanceof Uint8Array
}

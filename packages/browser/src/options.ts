import { StitchProxyConfigError } from './errors.js'

/** Options of `createStitchProxyClient`. Anything else is refused: there is nowhere to put a secret. */
export interface StitchProxyClientOptions {
  /**
   * Where `stitchProxy()` is mounted on your server: a path on this site or an absolute URL.
   * Calls go to `${baseUrl}/${operation}`.
   * @example '/stitch'
   */
  baseUrl: string
  /**
   * Extra headers for every call, e.g. your framework's CSRF token or an app version.
   * Never credentials: an `Authorization` header, API key or token is refused.
   * @default none
   * @example { 'x-csrf-token': document.querySelector('meta[name=csrf-token]').content }
   */
  headers?: HeadersInit
  /**
   * How long a call may take, answer body included, before it fails with `kind: 'timeout'`.
   * @default 15000
   */
  timeoutMs?: number
  /**
   * Whether cookies go with each call (your session is how the server's `authorize` hooks know
   * the user). Use `'include'` for a proxy on another origin that allows credentials in CORS.
   * @default 'same-origin'
   */
  credentials?: RequestCredentials
  /**
   * The `fetch` used for every call; read at call time, so stubs installed later apply too.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch
  /**
   * The anti-CSRF header sent with every call (value `1`). Match `stitchProxy()`'s `csrfHeader`.
   * @default 'x-stitch-proxy'
   */
  csrfHeader?: string
}

/** Options after validation and defaults: frozen. */
export interface ResolvedStitchProxyClientOptions {
  /** Without a trailing slash. */
  readonly baseUrl: string
  readonly headers: readonly (readonly [string, string])[]
  readonly timeoutMs: number
  readonly credentials: RequestCredentials
  readonly fetch: typeof globalThis.fetch | undefined
  readonly csrfHeader: string
}

const KNOWN_OPTIONS = new Set([
  'baseUrl',
  'headers',
  'timeoutMs',
  'credentials',
  'fetch',
  'csrfHeader',
])
const CREDENTIALS = new Set<unknown>(['same-origin', 'include', 'omit'])
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// Names under which people keep credentials: option names, query parameters, header names.
const CREDENTIAL_NAME =
  /secret|passw(or)?d|private.?key|api.?key|^key$|credential|assertion|token|bearer|^auth|cookie|signature/i
// Per-session anti-forgery tokens are long and random but are not credentials to anything.
const CSRF_NAME = /csrf|xsrf/i
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi
const LONG_RUN = /[A-Za-z0-9+/_~.=-]{32,}/g
const MAX_TIMEOUT_MS = 2_147_483_647

/**
 * What a string is, when it is certainly a credential: a PEM block, an Authorization value or
 * a JWT. Long random-looking values are not enough: request ids, build hashes and anti-forgery
 * tokens look the same and are ordinary headers.
 */
function credentialShape(value: string): string | undefined {
  if (value.includes('-----BEGIN')) return 'a PEM private key or certificate'
  if (/(^|\s)(bearer|basic)\s+\S/i.test(value)) return 'an Authorization value'
  if (/eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/.test(value)) return 'a JWT'
  return undefined
}

/**
 * A long random run in a URL's query string: a `baseUrl` may have no query at all, so nothing
 * valid is refused by reading a random value there as a key or token.
 */
function opaqueRun(value: string): boolean {
  for (const [run] of value.replace(UUID, '').matchAll(LONG_RUN)) {
    if ((/[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run)) || /^[\da-f]+$/i.test(run)) {
      return true
    }
  }
  return false
}

/** Looks through a value of unknown shape for credential names or values. */
function findCredential(value: unknown, depth = 0): string | undefined {
  if (typeof value === 'string') return credentialShape(value)
  if (typeof value !== 'object' || value === null || depth > 3) return undefined
  for (const [key, inner] of Object.entries(value)) {
    if (CREDENTIAL_NAME.test(key)) return `a credential field ("${key}")`
    const found = findCredential(inner, depth + 1)
    if (found) return found
  }
  return undefined
}

/**
 * Checks the options once, listing every problem. Anything that looks like a credential is
 * refused with the reason; the offending value itself never appears in the message.
 */
export function resolveOptions(
  options: StitchProxyClientOptions,
): ResolvedStitchProxyClientOptions {
  const problems: string[] = []
  let holdsCredential = false
  const credential = (problem: string) => {
    holdsCredential = true
    problems.push(problem)
  }

  if (typeof options !== 'object' || options === null) {
    throw new StitchProxyConfigError(
      'createStitchProxyClient() needs an options object, e.g. { baseUrl: "/stitch" }',
      ['options must be an object'],
    )
  }

  for (const [key, value] of Object.entries(options)) {
    if (KNOWN_OPTIONS.has(key)) continue
    const shape = CREDENTIAL_NAME.test(key) ? undefined : findCredential(value)
    if (CREDENTIAL_NAME.test(key)) {
      credential(`"${key}" is not an option, and a credential has no place in the browser`)
    } else if (shape) {
      credential(`"${key}" is not an option, and its value looks like a credential: ${shape}`)
    } else {
      problems.push(`"${key}" is not an option (known: ${[...KNOWN_OPTIONS].join(', ')})`)
    }
  }

  const { baseUrl } = options
  if (typeof baseUrl !== 'string' || baseUrl.trim() === '') {
    problems.push(
      '"baseUrl" is required: the path or URL where stitchProxy() is mounted, e.g. "/stitch"',
    )
  } else {
    checkBaseUrl(baseUrl, problems, credential)
  }

  const headers: [string, string][] = []
  if (options.headers !== undefined) {
    try {
      for (const [name, value] of new Headers(options.headers)) headers.push([name, value])
    } catch {
      // The platform's message may quote the value, which may be a secret: say less.
      problems.push('"headers" must hold valid header names and string values')
    }
  }
  for (const [name, value] of headers) {
    const shape = credentialShape(value)
    if (!CSRF_NAME.test(name) && CREDENTIAL_NAME.test(name)) {
      credential(`"headers.${name}" looks like a credential: the ${name} header`)
    } else if (shape) {
      credential(`"headers.${name}" looks like a credential: ${shape}`)
    }
  }

  const timeoutMs = options.timeoutMs ?? 15_000
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    problems.push(
      `"timeoutMs" must be a positive whole number of milliseconds (got ${String(timeoutMs)})`,
    )
  }

  const credentials = options.credentials ?? 'same-origin'
  if (!CREDENTIALS.has(credentials)) {
    problems.push(
      `"credentials" must be 'same-origin', 'include' or 'omit' (got ${String(credentials)})`,
    )
  }

  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    problems.push('"fetch" must be a function')
  }

  const csrfHeader = options.csrfHeader ?? 'x-stitch-proxy'
  if (typeof csrfHeader !== 'string' || !HEADER_NAME.test(csrfHeader)) {
    problems.push('"csrfHeader" must be a header name, e.g. "x-stitch-proxy"')
  } else if (/^(authorization|proxy-authorization|cookie|content-type|accept)$/i.test(csrfHeader)) {
    problems.push(
      `"csrfHeader" cannot be ${csrfHeader}: use a custom header such as "x-stitch-proxy"`,
    )
  }

  if (problems.length > 0) {
    const lines = problems.map((problem) => `\n  - ${problem}`).join('')
    const advice = holdsCredential
      ? '\nThe browser must never hold credentials: anything in a page is readable by anyone who opens it. Keep the Stitch client secret, private key and tokens on the server, where stitchProxy() uses them for you.'
      : ''
    throw new StitchProxyConfigError(
      `Invalid createStitchProxyClient() options:${lines}${advice}`,
      problems,
    )
  }

  return Object.freeze({
    baseUrl: (baseUrl as string).replace(/\/+$/, ''),
    headers: Object.freeze(headers),
    timeoutMs,
    credentials,
    fetch: options.fetch,
    csrfHeader,
  })
}

function checkBaseUrl(
  baseUrl: string,
  problems: string[],
  credential: (problem: string) => void,
): void {
  let url: URL
  try {
    // A path is resolved against the page at call time; any origin will do for checking it.
    url = new URL(baseUrl, 'http://localhost')
  } catch {
    problems.push('"baseUrl" is not a valid URL or path')
    return
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push('"baseUrl" must be an http(s) URL or a path')
  }
  if (url.username || url.password) {
    credential('"baseUrl" looks like a credential: it has a user name or password')
  }
  for (const [name, value] of url.searchParams) {
    if (CREDENTIAL_NAME.test(name)) {
      credential(`"baseUrl" looks like a credential: the "${name}" query parameter`)
    } else if (opaqueRun(value)) {
      credential(`"baseUrl" looks like a credential: the "${name}" query parameter's value`)
    }
  }
  for (const part of baseUrl.split(/[/?#&=@:]/)) {
    const shape = credentialShape(safeDecode(part))
    if (shape) {
      credential(`"baseUrl" looks like a credential: ${shape}`)
      break
    }
  }
  if (url.search || url.hash) {
    problems.push(
      '"baseUrl" must not have a query string or fragment: calls go to <baseUrl>/<operation>',
    )
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

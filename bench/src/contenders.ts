// The token sources compared: stitch-auth, the floor, and what a user would pick instead.
// Each warm loop is its own function, so V8's call-site feedback is not shared between them.
import { Agent } from 'node:http'
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client'
import { createStitchAuth } from '@stitch-auth/core'
import * as openid from 'openid-client'
import { type AccessToken, ClientCredentials } from 'simple-oauth2'
import { CLIENT_ID, CLIENT_SECRET, fillerFetch } from './util.ts'

export interface Endpoints {
  /** Base URL of the simulator. */
  url: string
  tokenUrl: string
  graphqlUrl: string
}

/** How a source reaches the token endpoint. */
export interface Transport {
  /** For fetch-based libraries. */
  fetch: typeof fetch
  /** For simple-oauth2, which uses node:http through @hapi/wreck. */
  agent: Agent
  /**
   * Build the cache without the network: fetch-based libraries get an in-process endpoint;
   * simple-oauth2 restores tokens with its documented `createToken()`.
   */
  fill: boolean
}

export interface TokenSource {
  /** A token for scope set `index`, the way a user of the library gets one. */
  get(index: number): Promise<unknown>
  /** Puts a token for scope set `index` in the cache. */
  prime(index: number): Promise<void>
  /** `ops` awaited calls, one after another, cycling through every scope set: elapsed ns. */
  warmLoop?(ops: number): Promise<number>
  /** `ops` awaited calls for one scope set in the middle of the cache: elapsed ns. */
  hotLoop?(ops: number): Promise<number>
  close(): Promise<void>
}

export interface Contender {
  name: string
  /** How it caches, for the report. */
  caching: string
  create(endpoints: Endpoints, scopeSets: readonly string[][], transport: Transport): TokenSource
}

const keysOf = (scopeSets: readonly string[][]) => scopeSets.map((set) => set.join(' '))
const now = () => process.hrtime.bigint()

export const floor: Contender = {
  name: 'floor: `Map.get` + `await`',
  caching: 'a `Map` from scope key to an already-resolved promise: the least any cache can do',
  create(_endpoints, scopeSets) {
    const keys = keysOf(scopeSets)
    const map = new Map<string, Promise<string>>()
    const source: TokenSource = {
      get: (index) => map.get(keys[index]!)!,
      async prime(index) {
        map.set(keys[index]!, Promise.resolve(`token-${index}`))
      },
      async warmLoop(ops) {
        const n = keys.length
        let j = 0
        const start = now()
        for (let i = 0; i < ops; i++) {
          await map.get(keys[j]!)
          if (++j === n) j = 0
        }
        return Number(now() - start)
      },
      async hotLoop(ops) {
        const key = keys[keys.length >> 1]!
        const start = now()
        for (let i = 0; i < ops; i++) await map.get(key)
        return Number(now() - start)
      },
      async close() {},
    }
    return source
  },
}

function createStitch(endpoints: Endpoints, transport: Transport, scopes?: string[]) {
  return createStitchAuth({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    tokenUrl: endpoints.tokenUrl,
    apiUrl: endpoints.graphqlUrl,
    fetch: transport.fetch,
    allowUnknownScopes: true,
    ...(scopes ? { scopes } : {}),
  })
}

export const stitchAuth: Contender = {
  name: '**stitch-auth** `getToken(scopes)`',
  caching:
    'built in: per scope set, single-flight, refresh-ahead. The caller keeps one array per scope set and passes it each time, as `stitchAuth({ client, scopes })` does',
  create(endpoints, scopeSets, transport) {
    const stitch = createStitch(endpoints, transport)
    return {
      get: (index) => stitch.getToken(scopeSets[index]),
      async prime(index) {
        await stitch.getToken(scopeSets[index])
      },
      async warmLoop(ops) {
        const n = scopeSets.length
        let j = 0
        const start = now()
        for (let i = 0; i < ops; i++) {
          await stitch.getToken(scopeSets[j])
          if (++j === n) j = 0
        }
        return Number(now() - start)
      },
      async hotLoop(ops) {
        const scopes = scopeSets[scopeSets.length >> 1]
        const start = now()
        for (let i = 0; i < ops; i++) await stitch.getToken(scopes)
        return Number(now() - start)
      },
      close: () => stitch.close(),
    }
  },
}

export const stitchAuthDefault: Contender = {
  name: '**stitch-auth** `getToken()`',
  caching:
    'the same client called without arguments, for its default `scopes` (the README quick start, and `stitchAuth({ client })` without `scopes`): the same scope set every call, whatever the cache holds',
  create(endpoints, scopeSets, transport) {
    const stitch = createStitch(endpoints, transport, scopeSets[0])
    return {
      get: () => stitch.getToken(),
      async prime(index) {
        await stitch.getToken(scopeSets[index])
      },
      async warmLoop(ops) {
        const start = now()
        for (let i = 0; i < ops; i++) await stitch.getToken()
        return Number(now() - start)
      },
      close: () => stitch.close(),
    }
  },
}

export const stitchAuthLiteral: Contender = {
  name: "**stitch-auth** `getToken(['…', '…'])`",
  caching: 'the same client given a new array literal on every call, as inline code does',
  create(endpoints, scopeSets, transport) {
    const stitch = createStitch(endpoints, transport)
    return {
      get: (index) => stitch.getToken([...scopeSets[index]!]),
      async prime(index) {
        await stitch.getToken(scopeSets[index])
      },
      async warmLoop(ops) {
        const n = scopeSets.length
        let j = 0
        const start = now()
        for (let i = 0; i < ops; i++) {
          const set = scopeSets[j]!
          await stitch.getToken([set[0]!, set[1]!])
          if (++j === n) j = 0
        }
        return Number(now() - start)
      },
      close: () => stitch.close(),
    }
  },
}

export const badgateway: Contender = {
  name: '@badgateway/oauth2-client `OAuth2Fetch`',
  caching: 'one `OAuth2Fetch` per scope set (it holds one token) in a `Map`',
  create(endpoints, scopeSets, transport) {
    const keys = keysOf(scopeSets)
    const client = new OAuth2Client({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      tokenEndpoint: endpoints.tokenUrl,
      authenticationMethod: 'client_secret_post',
      fetch: transport.fetch,
    })
    const fetchers = new Map<string, OAuth2Fetch>()
    const fetcherFor = (index: number) => {
      const key = keys[index]!
      let fetcher = fetchers.get(key)
      if (!fetcher) {
        fetcher = new OAuth2Fetch({
          client,
          getNewToken: () =>
            client.clientCredentials({
              scope: scopeSets[index],
              extraParams: { audience: endpoints.tokenUrl },
            }),
        })
        fetchers.set(key, fetcher)
      }
      return fetcher
    }
    return {
      get: (index) => fetcherFor(index).getAccessToken(),
      async prime(index) {
        await fetcherFor(index).getAccessToken()
      },
      async warmLoop(ops) {
        const n = keys.length
        let j = 0
        const start = now()
        for (let i = 0; i < ops; i++) {
          await fetchers.get(keys[j]!)!.getAccessToken()
          if (++j === n) j = 0
        }
        return Number(now() - start)
      },
      async close() {},
    }
  },
}

export const openidClient: Contender = {
  name: 'openid-client v6 `clientCredentialsGrant` + `Map`',
  caching:
    'none in the library: a hand-rolled `Map` of `{ token, expiresAt }` checked before each grant (no single-flight)',
  create(endpoints, scopeSets, transport) {
    const keys = keysOf(scopeSets)
    const config = new openid.Configuration(
      { issuer: endpoints.url, token_endpoint: endpoints.tokenUrl },
      CLIENT_ID,
      CLIENT_SECRET,
    )
    openid.allowInsecureRequests(config)
    config[openid.customFetch] = (url, options) => transport.fetch(url, options as RequestInit)
    const cache = new Map<string, { token: string; expiresAt: number }>()
    async function getToken(key: string, scope: string): Promise<string> {
      const hit = cache.get(key)
      if (hit !== undefined && hit.expiresAt > Date.now()) return hit.token
      const response = await openid.clientCredentialsGrant(config, {
        scope,
        audience: endpoints.tokenUrl,
      })
      const entry = {
        token: response.access_token,
        expiresAt: Date.now() + (response.expires_in ?? 0) * 1000,
      }
      cache.set(key, entry)
      return entry.token
    }
    return {
      get: (index) => getToken(keys[index]!, keys[index]!),
      async prime(index) {
        await getToken(keys[index]!, keys[index]!)
      },
      async warmLoop(ops) {
        const n = keys.length
        let j = 0
        const start = now()
        for (let i = 0; i < ops; i++) {
          await getToken(keys[j]!, keys[j]!)
          if (++j === n) j = 0
        }
        return Number(now() - start)
      },
      async close() {},
    }
  },
}

/**
 * An http.Agent that simple-oauth2 uses as given. Its constructor deep-clones `http` options
 * with @hapi/hoek, and a cloned Agent never hands queued requests a freed socket (its 'free'
 * listener still points at the original), so any socket limit would hang. Hoek leaves objects
 * whose prototype says `isImmutable` alone.
 */
class UncloneableAgent extends Agent {}
Object.defineProperty(UncloneableAgent.prototype, 'isImmutable', { value: true })

export function simpleOauth2Agent(maxSockets: number): Agent {
  return new UncloneableAgent({ keepAlive: true, maxSockets })
}

export const simpleOauth2: Contender = {
  name: 'simple-oauth2 `ClientCredentials` + `expired()`',
  caching:
    'a hand-rolled `Map` of `AccessToken`s, refreshed when `expired()` says so (no single-flight)',
  create(endpoints, scopeSets, transport) {
    const keys = keysOf(scopeSets)
    const url = new URL(endpoints.tokenUrl)
    const oauth = new ClientCredentials({
      client: { id: CLIENT_ID, secret: CLIENT_SECRET },
      auth: { tokenHost: url.origin, tokenPath: url.pathname },
      options: { authorizationMethod: 'body' },
      http: { agent: transport.agent },
    })
    const cache = new Map<string, AccessToken>()
    async function getToken(key: string, scope: string): Promise<string> {
      let token = cache.get(key)
      if (token === undefined || token.expired()) {
        token = await oauth.getToken({ scope, audience: endpoints.tokenUrl })
        cache.set(key, token)
      }
      return token.token.access_token as string
    }
    return {
      get: (index) => getToken(keys[index]!, keys[index]!),
      async prime(index) {
        if (!transport.fill) {
          await getToken(keys[index]!, keys[index]!)
          return
        }
        // simple-oauth2 cannot take a fetch: restore a token the documented way instead.
        const response = await fillerResponse(keys[index]!)
        cache.set(keys[index]!, oauth.createToken(response))
      },
      async warmLoop(ops) {
        const n = keys.length
        let j = 0
        const start = now()
        for (let i = 0; i < ops; i++) {
          await getToken(keys[j]!, keys[j]!)
          if (++j === n) j = 0
        }
        return Number(now() - start)
      },
      async close() {},
    }
  },
}

async function fillerResponse(scope: string): Promise<Record<string, unknown>> {
  const response = await fillerFetch('http://filler.invalid/connect/token', {
    method: 'POST',
    body: new URLSearchParams({ scope }),
  })
  return (await response.json()) as Record<string, unknown>
}

/**
 * Stitch's documented recipe (docs.stitch.money, "Retrieving the Token Using JavaScript and the
 * Fetch API"), minus its `console.log`: a new token for every call.
 */
export async function retrieveTokenUsingClientSecret(
  tokenUrl: string,
  fetchImpl: typeof fetch,
  clientId: string,
  clientSecret: string,
  scopes: readonly string[],
): Promise<{ access_token: string }> {
  const body = {
    grant_type: 'client_credentials',
    client_id: clientId,
    scope: scopes.join(' '),
    audience: tokenUrl,
    client_secret: clientSecret,
  }
  const bodyString = Object.entries(body)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&')
  const response = await fetchImpl(tokenUrl, {
    method: 'post',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: bodyString,
  })
  return (await response.json()) as { access_token: string }
}

export const recipe: Contender = {
  name: "Stitch's documented `fetch` recipe",
  caching: 'none: a token request per call',
  create(endpoints, scopeSets, transport) {
    const get = (index: number) =>
      retrieveTokenUsingClientSecret(
        endpoints.tokenUrl,
        transport.fetch,
        CLIENT_ID,
        CLIENT_SECRET,
        scopeSets[index]!,
      ).then((body) => body.access_token)
    return {
      get,
      async prime() {},
      async close() {},
    }
  },
}

/** The libraries with a cache, in report order. */
export const cached: readonly Contender[] = [stitchAuth, badgateway, openidClient, simpleOauth2]

// What the tests of the HTTP adapters (Express, Fastify, Hono) share: a simulator that knows the
// adapter's test client, clients of it that are closed after each test, and the check that an
// answer gives away no secret. This folder is no package and cannot import the workspace's
// packages, so each adapter hands in its credentials, testing's startStitchSimulator and its
// own re-export of core's createStitchAuth.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'

/** Retries kept short so failure tests take milliseconds, not the default 30 s deadline. */
export const FAST_FAILURE = {
  deadlineMs: 2_000,
  attemptTimeoutMs: 1_000,
  retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 0 },
} as const

/** The adapter's test client, as the simulator knows it. */
export interface AdapterCredentials {
  clientId: string
  clientSecret: string
  /** A secret the simulator refuses, for the failure tests; no answer may show it either. */
  wrongSecret: string
}

/** What the kit uses of a running simulator; the tests get the whole simulator back. */
export interface KitSimulator {
  readonly tokenUrl: string
  readonly graphqlUrl: string
  clearFaults(): void
  resetStats(): void
  close(): Promise<void>
}

/** What the kit closes after a test: a client, whichever made it. */
export interface Closable {
  close(): Promise<void>
}

export interface AdapterKitSetup<TSimulator extends KitSimulator, TOptions, TClient> {
  credentials: AdapterCredentials
  /** `startStitchSimulator` of @stitch-auth/testing. */
  startStitchSimulator(options: {
    clients: Array<{ clientId: string; clientSecret: string; scopes: readonly string[] }>
  }): Promise<TSimulator>
  /** The adapter's `createStitchAuth`, typed by the adapter's client options. */
  createStitchAuth(options: TOptions): TClient
}

export interface AdapterSimulatorOptions<TOptions> {
  /**
   * Overrides for one client that all the file's tests share (`{}` for none), made once the
   * simulator runs and closed after the last test: for a warm token cache, or apps built once.
   */
  sharedClient?: Partial<TOptions>
}

/**
 * The test kit of one adapter. Its clients sign in as `credentials`, which the simulator has
 * enabled for payment requests and refunds, and ask for payment requests unless told otherwise.
 */
export function adapterKit<TSimulator extends KitSimulator, TOptions, TClient extends Closable>({
  credentials,
  startStitchSimulator,
  createStitchAuth,
}: AdapterKitSetup<TSimulator, TOptions, TClient>) {
  /** Every access token the simulator handed to clients made here, to prove none leaks. */
  const issuedTokens = new Set<string>()

  /** A fetch that notes the access tokens in token responses, for the leak checks. */
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    const url = input instanceof Request ? input.url : String(input)
    if (url.endsWith('/connect/token') && response.ok) {
      const body = (await response.clone().json()) as { access_token?: string }
      if (body.access_token) issuedTokens.add(body.access_token)
    }
    return response
  }

  /** Options of a client of `sim` that signs in as the test client; `overrides` win. */
  function clientOptions(sim: KitSimulator, overrides: Partial<TOptions> = {}): TOptions {
    return {
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      scopes: ['client_paymentrequest'],
      tokenUrl: sim.tokenUrl,
      apiUrl: sim.graphqlUrl,
      fetch: recordingFetch,
      ...overrides,
    } as TOptions
  }

  /**
   * Asserts that an answer (status line aside) holds neither secret nor any access token
   * handed out so far. `headers` may be a fetch Headers, whose JSON would show nothing.
   */
  function expectNoSecrets(text: string, headers: Headers | object): void {
    const shown = headers instanceof Headers ? Object.fromEntries(headers) : headers
    const everything = `${text}\n${JSON.stringify(shown)}`
    expect(everything).not.toContain(credentials.clientSecret)
    expect(everything).not.toContain(credentials.wrongSecret)
    for (const token of issuedTokens) expect(everything).not.toContain(token)
  }

  /**
   * Starts one simulator for a test file and gives its tests the simulator and a client
   * factory. Faults and counters are cleared before each test, so the counts a test asserts
   * are its own; clients made with `client()` are closed after it.
   *
   * Call it before the file's own hooks: vitest runs after-hooks last-registered first, so the
   * file's own clean-up (closing its apps) runs before the clients those apps use are closed.
   */
  function useAdapterSimulator({ sharedClient }: AdapterSimulatorOptions<TOptions> = {}) {
    let started: TSimulator | undefined
    let shared: TClient | undefined
    const open: Closable[] = []

    beforeAll(async () => {
      started = await startStitchSimulator({
        clients: [
          {
            clientId: credentials.clientId,
            clientSecret: credentials.clientSecret,
            scopes: ['client_paymentrequest', 'client_refund'],
          },
        ],
      })
      if (sharedClient) shared = createStitchAuth(clientOptions(started, sharedClient))
    })
    beforeEach(() => {
      started?.clearFaults()
      started?.resetStats()
    })
    afterEach(async () => {
      await Promise.all(open.splice(0).map((closable) => closable.close()))
    })
    afterAll(async () => {
      await shared?.close()
      await started?.close()
    })

    /** The running simulator; it only exists once beforeAll has run, hence the getter below. */
    function simulator(): TSimulator {
      if (!started) throw new Error('the simulator is not started: use it inside a test')
      return started
    }

    /** Closes `closable` after the test: for a client made elsewhere, such as by the adapter. */
    function closeAfterTest<T extends Closable>(closable: T): T {
      open.push(closable)
      return closable
    }

    return {
      get sim(): TSimulator {
        return simulator()
      },
      /** The client the file's tests share; only with the `sharedClient` option. */
      get sharedClient(): TClient {
        if (!shared) throw new Error('no shared client: pass `sharedClient` and use it in a test')
        return shared
      },
      /** A client of the simulator as the test client, with `overrides`, closed after the test. */
      client(overrides: Partial<TOptions> = {}): TClient {
        return closeAfterTest(createStitchAuth(clientOptions(simulator(), overrides)))
      },
      closeAfterTest,
    }
  }

  return { issuedTokens, clientOptions, expectNoSecrets, useAdapterSimulator }
}

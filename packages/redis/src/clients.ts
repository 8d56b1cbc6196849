import {
  createClient,
  createCluster,
  createSentinel,
  type RedisClientOptions,
  type RedisClusterOptions,
  type RedisSentinelOptions,
} from 'redis'
import type {
  AnyRedisCommandClient,
  RedisClusterCommandClient,
  RedisCommandClient,
  RedisSentinelCommandClient,
} from './options.js'

/** How Redis is deployed, as seen from the client: one server, a cluster, or behind Sentinel. */
export type RedisMode = 'standalone' | 'cluster' | 'sentinel'

/** Which kind of node-redis client `value` is, or `undefined` when it is none of them. */
export function clientKind(value: unknown): RedisMode | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const client = value as Record<string, unknown>
  if (
    typeof client.sendCommand !== 'function' ||
    typeof client.isReady !== 'boolean' ||
    typeof client.on !== 'function' ||
    typeof client.off !== 'function'
  ) {
    return undefined
  }
  // The three take different `sendCommand` arguments, so a wrong guess would misroute every
  // command: each is recognised by what only it has.
  if ('masters' in client) return 'cluster'
  if (typeof client.getMasterNode === 'function' && typeof client.getSentinelNode === 'function') {
    return 'sentinel'
  }
  return 'standalone'
}

/**
 * One client, whatever its kind, seen the same way by the cache: a command is sent with the key
 * it is about, and the client's own events are named by what they mean.
 */
export interface RedisConnection {
  readonly mode: RedisMode
  readonly client: AnyRedisCommandClient
  /**
   * Sends `args` to the node that holds `key`. Every key of one command shares `key`'s slot
   * (the hash tag in the key names). Always to a primary: a replica may not have the token or
   * the lease a moment ago written yet, and the cache reads too rarely to need replicas.
   */
  send(key: string, args: string[], signal?: AbortSignal): Promise<unknown>
  /** Events after which Redis answers again. */
  readonly upEvents: readonly string[]
  /** Events that say a connection to Redis was lost. */
  readonly downEvents: readonly string[]
  /**
   * Events that end the wait for the first connection of a client the user gave us (that we add
   * no 'error' listener to): it connected, or gave up.
   */
  readonly firstConnectionEvents: readonly string[]
}

export function connectionFor(client: AnyRedisCommandClient): RedisConnection {
  const mode = clientKind(client) ?? 'standalone'
  if (mode === 'cluster') {
    const cluster = client as RedisClusterCommandClient
    return {
      mode,
      client,
      send: (key, args, signal) => cluster.sendCommand(key, false, args, { abortSignal: signal }),
      // A cluster is many connections; losing any primary may take the token's slot with it.
      upEvents: ['connect', 'node-ready'],
      downEvents: ['node-error', 'node-reconnecting'],
      // A failed `connect()` of a cluster closes it without an event; the cache then sees
      // `isOpen === false` and stops waiting.
      firstConnectionEvents: ['connect', 'disconnect'],
    }
  }
  if (mode === 'sentinel') {
    const sentinel = client as RedisSentinelCommandClient
    return {
      mode,
      client,
      send: (_key, args, signal) => sentinel.sendCommand(false, args, { abortSignal: signal }),
      // 'reconnecting': the sentinels named a new primary, and the client is moving to it.
      upEvents: ['ready'],
      downEvents: ['reconnecting'],
      firstConnectionEvents: ['ready', 'end'],
    }
  }
  const standalone = client as RedisCommandClient
  return {
    mode,
    client,
    send: (_key, args, signal) => standalone.sendCommand(args, { abortSignal: signal }),
    upEvents: ['ready'],
    downEvents: ['reconnecting'],
    firstConnectionEvents: ['ready', 'reconnecting', 'end'],
  }
}

/** A client the cache created and so connects, retries and closes itself. */
export interface OwnedClient {
  readonly client: AnyRedisCommandClient
  connect(): Promise<unknown>
  close(): Promise<unknown>
  /** Synchronous for standalone and cluster clients, a promise for Sentinel. */
  destroy(): unknown
  /**
   * Whether `connect()` gives up by itself (cluster and Sentinel: after trying every root node),
   * so the cache must try again; a standalone client keeps reconnecting on its own.
   */
  readonly connectGivesUp: boolean
}

/** Where Redis is, for a client the cache creates: one of these is given. */
export interface OwnedClientTarget {
  url: string | undefined
  clientOptions: Omit<RedisClientOptions, 'url'>
  cluster: RedisClusterOptions | undefined
  sentinel: RedisSentinelOptions | undefined
}

/** Jittered so a fleet doesn't reconnect in lockstep when Redis comes back. */
export function reconnectDelay(maxDelayMs: number): (retries: number) => number {
  return (retries) =>
    Math.round(Math.min(maxDelayMs, 50 * 2 ** retries) * (0.5 + Math.random() / 2))
}

/**
 * node-redis waits 5 s of a node's failed reconnects before it re-reads a cluster's topology; a
 * replica promoted meanwhile would go unused that long. Reading it again is one small command.
 */
const CLUSTER_TOPOLOGY_REFRESH_MS = 1_000

/**
 * Creates (but does not connect) the client for `target`. Every node connection rejects commands
 * while disconnected instead of queueing them behind an outage, and reconnects with our backoff
 * unless the user chose their own.
 */
export function createOwnedClient(target: OwnedClientTarget, maxDelayMs: number): OwnedClient {
  const reconnectStrategy = reconnectDelay(maxDelayMs)
  if (target.cluster) {
    const options = target.cluster
    const cluster = createCluster({
      ...options,
      defaults: {
        ...options.defaults,
        disableOfflineQueue: true,
        socket: { reconnectStrategy, ...options.defaults?.socket },
      },
      topologyRefreshOnReconnectionAttemptStrategy:
        options.topologyRefreshOnReconnectionAttemptStrategy ?? CLUSTER_TOPOLOGY_REFRESH_MS,
    })
    return {
      client: cluster satisfies RedisClusterCommandClient,
      connect: () => cluster.connect(),
      close: () => cluster.close(),
      destroy: () => cluster.destroy(),
      connectGivesUp: true,
    }
  }
  if (target.sentinel) {
    const options = target.sentinel
    const sentinel = createSentinel({
      ...options,
      nodeClientOptions: {
        ...options.nodeClientOptions,
        disableOfflineQueue: true,
        socket: { reconnectStrategy, ...options.nodeClientOptions?.socket },
      },
    })
    return {
      client: sentinel satisfies RedisSentinelCommandClient,
      connect: () => sentinel.connect(),
      close: () => sentinel.close(),
      destroy: () => sentinel.destroy(),
      connectGivesUp: true,
    }
  }
  const { clientOptions } = target
  const client = createClient({
    ...clientOptions,
    url: target.url,
    // A command for a disconnected Redis fails at once instead of queueing behind the outage.
    disableOfflineQueue: true,
    socket: { reconnectStrategy, ...clientOptions.socket },
  })
  return {
    client: client satisfies RedisCommandClient,
    connect: () => client.connect(),
    close: () => client.close(),
    destroy: () => client.destroy(),
    connectGivesUp: false,
  }
}

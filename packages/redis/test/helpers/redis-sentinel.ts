import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  askRedis,
  assertRedisServerInstalled,
  freePort,
  type RedisProcess,
  serverArgs,
  spawnRedisProcess,
  waitUntil,
} from './redis-server.js'

/** A data node (primary or replica) of a test Sentinel setup. */
export interface SentinelDataNode {
  readonly port: number
  readonly process: RedisProcess
}

/**
 * A real Sentinel-managed Redis on 127.0.0.1: a primary, a replica, and three sentinels that
 * promote the replica when the primary stops answering (quorum 2).
 */
export interface RedisSentinelSetup {
  /** The name the sentinels monitor the primary under (node-redis `createSentinel({ name })`). */
  readonly name: string
  /** The sentinels, as node-redis `createSentinel({ sentinelRootNodes })` takes them. */
  readonly sentinelRootNodes: { host: string; port: number }[]
  readonly dataNodes: readonly SentinelDataNode[]
  readonly sentinels: readonly RedisProcess[]
  readonly downAfterMs: number
  /** The data node the sentinels name as primary now. */
  primary(): Promise<SentinelDataNode>
  /** Waits until the sentinels name a live node other than `previous`, and it is a primary. */
  waitForFailover(previous: SentinelDataNode, timeoutMs?: number): Promise<SentinelDataNode>
  /** Kills every process and removes the directory. Safe to call twice. */
  stop(): Promise<void>
}

const NAME = 'stitch-primary'

/**
 * Starts a primary, its replica and three sentinels (`down-after-milliseconds` = `downAfterMs`),
 * and waits until the replica is in sync and every sentinel knows the replica and the other two
 * sentinels, so a failover can be elected.
 */
export async function startRedisSentinel(
  options: { downAfterMs?: number } = {},
): Promise<RedisSentinelSetup> {
  assertRedisServerInstalled()
  const downAfterMs = options.downAfterMs ?? 1_000
  const dir = await mkdtemp(join(tmpdir(), 'stitch-redis-sentinel-'))
  const dataNodes: SentinelDataNode[] = []
  const sentinels: RedisProcess[] = []
  const stop = async () => {
    await Promise.all([...dataNodes.map((node) => node.process), ...sentinels].map((p) => p.kill()))
    await rm(dir, { recursive: true, force: true })
  }

  try {
    const taken = new Set<number>()
    const take = async () => {
      const port = await freePort(taken)
      taken.add(port)
      return port
    }
    const [primaryPort, replicaPort] = [await take(), await take()]
    for (const [port, extra] of [
      [primaryPort, []],
      [replicaPort, ['--replicaof', '127.0.0.1', String(primaryPort)]],
    ] as const) {
      const nodeDir = join(dir, String(port))
      await mkdir(nodeDir)
      const process = await spawnRedisProcess(port, [
        ...serverArgs(port, nodeDir),
        '--repl-diskless-sync',
        'yes',
        '--repl-diskless-sync-delay',
        '0',
        ...extra,
      ])
      dataNodes.push({ port, process })
    }
    await waitUntil(
      async () => {
        const info = String(await askRedis(replicaPort, ['INFO', 'replication']).catch(() => ''))
        return info.includes('master_link_status:up')
      },
      20_000,
      'the replica to sync with the primary',
    )

    for (let index = 0; index < 3; index++) {
      const port = await take()
      const sentinelDir = join(dir, `sentinel-${port}`)
      await mkdir(sentinelDir)
      // Sentinel rewrites its configuration file, so each has its own.
      const config = join(sentinelDir, 'sentinel.conf')
      await writeFile(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${sentinelDir}`,
          `sentinel monitor ${NAME} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${NAME} ${downAfterMs}`,
          // A failed election is retried after twice this.
          `sentinel failover-timeout ${NAME} 5000`,
          `sentinel parallel-syncs ${NAME} 1`,
          '',
        ].join('\n'),
      )
      sentinels.push(await spawnRedisProcess(port, [config, '--sentinel']))
    }
    await waitUntil(
      async () => {
        const views = await Promise.all(
          sentinels.map(async (sentinel) => {
            const [replicas, peers] = await Promise.all([
              askRedis(sentinel.port, ['SENTINEL', 'REPLICAS', NAME]),
              askRedis(sentinel.port, ['SENTINEL', 'SENTINELS', NAME]),
            ]).catch(() => [[], []])
            return (replicas as unknown[]).length === 1 && (peers as unknown[]).length === 2
          }),
        )
        return views.every(Boolean)
      },
      30_000,
      'every sentinel to discover the replica and the other sentinels',
    )
  } catch (error) {
    await stop()
    throw error
  }

  const primary = async (): Promise<SentinelDataNode> => {
    let lastError: unknown
    for (const sentinel of sentinels.filter((candidate) => candidate.alive)) {
      try {
        const [, port] = (await askRedis(sentinel.port, [
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          NAME,
        ])) as [string, string]
        const node = dataNodes.find((candidate) => candidate.port === Number(port))
        if (node) return node
      } catch (error) {
        lastError = error
      }
    }
    throw new Error('no sentinel names a primary', { cause: lastError })
  }

  return {
    name: NAME,
    sentinelRootNodes: sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
    dataNodes,
    sentinels,
    downAfterMs,
    primary,
    waitForFailover: async (previous, timeoutMs = 30_000) => {
      let next: SentinelDataNode | undefined
      await waitUntil(
        async () => {
          const candidate = await primary().catch(() => undefined)
          if (!candidate || candidate === previous || !candidate.process.alive) return false
          const info = String(
            await askRedis(candidate.port, ['INFO', 'replication']).catch(() => ''),
          )
          if (!info.includes('role:master')) return false
          next = candidate
          return true
        },
        timeoutMs,
        `the sentinels to promote a replica of port ${previous.port}`,
      )
      return next!
    },
    stop,
  }
}

import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  askRedis as ask,
  assertRedisCliInstalled,
  assertRedisServerInstalled,
  freePort,
  type RedisProcess,
  serverArgs,
  spawnRedisProcess,
  waitUntil,
} from './redis-server.js'

/** One node of a test cluster. */
export interface ClusterNode {
  readonly port: number
  readonly url: string
  readonly process: RedisProcess
}

/** A real Redis Cluster on 127.0.0.1: primaries with one replica each, started for one test file. */
export interface RedisCluster {
  readonly nodes: readonly ClusterNode[]
  /** Every node, as node-redis `createCluster({ rootNodes })` takes them. */
  readonly rootNodes: { url: string }[]
  readonly nodeTimeoutMs: number
  /** The node that serves `key`'s slot as primary now (asked of a live node). */
  primaryOf(key: string): Promise<ClusterNode>
  /** Waits until a live node other than `previous` is the primary of `key`'s slot and the cluster is ok. */
  waitForFailover(key: string, previous: ClusterNode, timeoutMs?: number): Promise<ClusterNode>
  /** Kills every node and removes their directories. Safe to call twice and after a failed start. */
  stop(): Promise<void>
}

/**
 * Starts `primaries` primaries and as many replicas, joins them with `redis-cli --cluster create`
 * and waits until every slot is served and every replica is in sync, so a failover can happen.
 * `nodeTimeoutMs` is the cluster's `cluster-node-timeout`: how long a primary may be silent before
 * its replica takes over.
 */
export async function startRedisCluster(
  options: { primaries?: number; nodeTimeoutMs?: number } = {},
): Promise<RedisCluster> {
  assertRedisServerInstalled()
  assertRedisCliInstalled()
  const primaries = options.primaries ?? 3
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1_500
  const dir = await mkdtemp(join(tmpdir(), 'stitch-redis-cluster-'))
  const nodes: ClusterNode[] = []
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.process.kill()))
    await rm(dir, { recursive: true, force: true })
  }

  try {
    const taken = new Set<number>()
    const take = async () => {
      const port = await freePort(taken)
      taken.add(port)
      return port
    }
    for (let index = 0; index < primaries * 2; index++) {
      const port = await take()
      // The bus port is chosen too: the default (port + 10000) may be taken or above 65535.
      const busPort = await take()
      const nodeDir = join(dir, String(port))
      await mkdir(nodeDir)
      const process = await spawnRedisProcess(port, [
        ...serverArgs(port, nodeDir),
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(busPort),
        '--cluster-config-file',
        join(nodeDir, 'nodes.conf'),
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        // A replica may always take over, however long ago it last heard from its primary.
        '--cluster-replica-validity-factor',
        '0',
        '--repl-diskless-sync',
        'yes',
        '--repl-diskless-sync-delay',
        '0',
      ])
      nodes.push({ port, url: `redis://127.0.0.1:${port}`, process })
    }
    await createCluster(nodes.map((node) => node.port))
    await waitUntil(
      async () => (await Promise.all(nodes.map((node) => nodeIsSettled(node.port)))).every(Boolean),
      30_000,
      'every cluster node to report cluster_state:ok and every replica to be in sync',
    )
  } catch (error) {
    await stop()
    throw error
  }

  const primaryOf = async (key: string): Promise<ClusterNode> => {
    const port = await slotPrimaryPort(
      nodes.filter((node) => node.process.alive),
      key,
    )
    const node = nodes.find((candidate) => candidate.port === port)
    if (!node) throw new Error(`no test node listens on ${port}`)
    return node
  }

  return {
    nodes,
    rootNodes: nodes.map((node) => ({ url: node.url })),
    nodeTimeoutMs,
    primaryOf,
    waitForFailover: async (key, previous, timeoutMs = 30_000) => {
      let next: ClusterNode | undefined
      await waitUntil(
        async () => {
          const candidate = await primaryOf(key).catch(() => undefined)
          if (!candidate || candidate === previous || !candidate.process.alive) return false
          if (!(await clusterStateOk(candidate.port))) return false
          next = candidate
          return true
        },
        timeoutMs,
        `a replica to take over ${key}'s slot from port ${previous.port}`,
      )
      return next!
    },
    stop,
  }
}

/** A cluster of one primary that serves every slot: quick to start, for tests of connecting. */
export interface SingleNodeCluster {
  readonly port: number
  readonly url: string
  /** Kills the node abruptly (SIGKILL). */
  kill(): Promise<void>
  /** Starts it again on the same port; it serves every slot from the moment it listens. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export async function startSingleNodeCluster(): Promise<SingleNodeCluster> {
  assertRedisServerInstalled()
  const port = await freePort()
  const busPort = await freePort(new Set([port]))
  const dir = await mkdtemp(join(tmpdir(), 'stitch-redis-cluster-'))
  let process: RedisProcess | undefined
  // The slots are kept in nodes.conf, so a restarted node knows them before it takes a
  // connection: a client never discovers a cluster without slots.
  const launch = async () => {
    process = await spawnRedisProcess(port, [
      ...serverArgs(port, dir),
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(busPort),
      '--cluster-config-file',
      join(dir, 'nodes.conf'),
    ])
  }
  const kill = async () => {
    await process?.kill()
    process = undefined
  }
  const stop = async () => {
    await kill()
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await launch()
    await ask(port, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383'])
    await waitUntil(() => clusterStateOk(port), 10_000, 'the single node to serve every slot')
  } catch (error) {
    await stop()
    throw error
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: async () => {
      await kill()
      await launch()
      await waitUntil(() => clusterStateOk(port), 10_000, 'the restarted node to serve every slot')
    },
    stop,
  }
}

function createCluster(ports: number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const cli = spawn(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    cli.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    cli.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const timer = setTimeout(() => cli.kill('SIGKILL'), 30_000)
    cli.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    cli.on('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else
        reject(
          new Error(`redis-cli --cluster create exited with ${code}:\n${output.slice(-3_000)}`),
        )
    })
  })
}

async function clusterStateOk(port: number): Promise<boolean> {
  const info = String(await ask(port, ['CLUSTER', 'INFO']).catch(() => ''))
  return info.includes('cluster_state:ok')
}

async function nodeIsSettled(port: number): Promise<boolean> {
  if (!(await clusterStateOk(port))) return false
  const replication = String(await ask(port, ['INFO', 'replication']).catch(() => ''))
  if (replication.includes('role:master')) return true
  return (
    replication.includes('master_link_status:up') &&
    !replication.includes('master_sync_in_progress:1')
  )
}

/** The port of the primary serving `key`'s slot, as the first live node that answers sees it. */
async function slotPrimaryPort(nodes: readonly ClusterNode[], key: string): Promise<number> {
  let lastError: unknown
  for (const node of nodes) {
    try {
      const slot = Number(await ask(node.port, ['CLUSTER', 'KEYSLOT', key]))
      const ranges = (await ask(node.port, ['CLUSTER', 'SLOTS'])) as [
        number,
        number,
        [string, number],
      ][]
      const range = ranges.find(([from, to]) => slot >= from && slot <= to)
      if (range) return Number(range[2][1])
    } catch (error) {
      lastError = error
    }
  }
  throw new Error(`no live node knows who serves ${key}`, { cause: lastError })
}

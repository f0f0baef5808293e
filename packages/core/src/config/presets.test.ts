import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PoolError } from '../errors/pool-error.js'
import { parsePoolConfig } from './parse-pool-config.js'
import { isPresetName, type PresetName, preset, presetNames, presets } from './presets.js'
import type { PoolConfigInput } from './schema.js'

const allNames: PresetName[] = [
  'web',
  'api',
  'background',
  'analytics',
  'serverless',
  'edge',
  'test',
  'development',
  'high-throughput',
]

function presetError(fn: () => unknown): PoolError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(PoolError)
    expect((err as PoolError).code).toBe('POOL_CONFIG_INVALID')
    return err as PoolError
  }
  throw new Error('expected preset() to throw')
}

describe('presets', () => {
  it('has exactly the documented names', () => {
    expect([...presetNames]).toEqual(allNames)
    expect(Object.keys(presets)).toEqual(allNames)
  })

  it.each(allNames)('%s passes parsePoolConfig as is', (name) => {
    expect(() => parsePoolConfig(presets[name])).not.toThrow()
    expect(() => parsePoolConfig(preset(name))).not.toThrow()
  })

  it.each(allNames)('%s has health thresholds an acquire wait can actually reach', (name) => {
    // p95 acquire wait never exceeds the acquire timeout, so an "unhealthy" threshold above it would be dead.
    const config = parsePoolConfig(presets[name])
    expect(config.health.unhealthyAcquireWaitP95Ms).toBeLessThanOrEqual(config.acquireTimeoutMs)
  })

  it('serverless keeps nothing warm, closes idle connections quickly and lets the process exit', () => {
    const config = parsePoolConfig(presets.serverless)
    expect(config.min).toBe(0)
    expect(config.max).toBe(1)
    expect(config.allowExitOnIdle).toBe(true)
    expect(config.idleTimeoutMs).toBeGreaterThan(0)
    expect(config.idleTimeoutMs).toBeLessThanOrEqual(30_000)
  })

  it('test fails fast, detects leaks with stacks and does not hold the runner open', () => {
    const config = parsePoolConfig(presets.test)
    expect(config.acquireTimeoutMs).toBeLessThanOrEqual(5_000)
    expect(config.createTimeoutMs).toBeLessThanOrEqual(5_000)
    expect(config.leakDetectionThresholdMs).toBeGreaterThan(0)
    expect(config.leakCaptureStack).toBe('always')
    expect(config.allowExitOnIdle).toBe(true)
    expect(config.retry.jitterRatio).toBe(0)
  })

  it('analytics uses few connections with a long wait and no leak reports', () => {
    const config = parsePoolConfig(presets.analytics)
    const web = parsePoolConfig(presets.web)
    expect(config.max).toBeLessThan(web.max)
    expect(config.acquireTimeoutMs).toBeGreaterThan(web.acquireTimeoutMs)
    expect(config.leakDetectionThresholdMs).toBe(0)
  })

  it('high-throughput is a fixed-size pool with a bounded queue', () => {
    const config = parsePoolConfig(presets['high-throughput'])
    expect(config.min).toBe(config.max)
    expect(Number.isFinite(config.maxPending)).toBe(true)
  })

  it('api bounds its queue and fails faster than web', () => {
    expect(presets.api.maxPending).toBeGreaterThan(0)
    expect(presets.api.acquireTimeoutMs).toBeLessThan(presets.web.acquireTimeoutMs ?? Number.POSITIVE_INFINITY)
  })

  it('development turns leak detection on', () => {
    expect(presets.development.leakDetectionThresholdMs).toBeGreaterThan(0)
  })

  it('edge skips the validation round trip', () => {
    expect(presets.edge.validateOnBorrow).toBe(false)
  })

  it('is frozen, nested objects included', () => {
    expect(Object.isFrozen(presets)).toBe(true)
    for (const name of allNames) {
      const value = presets[name]
      expect(Object.isFrozen(value)).toBe(true)
      if (value.retry) expect(Object.isFrozen(value.retry)).toBe(true)
      if (value.health) expect(Object.isFrozen(value.health)).toBe(true)
    }
    expect(() => {
      ;(presets.web as { max: number }).max = 1_000
    }).toThrow(TypeError)
    expect(() => {
      ;(presets.test.retry as { maxDelayMs: number }).maxDelayMs = 1
    }).toThrow(TypeError)
  })
})

describe('preset()', () => {
  it('returns a mutable copy equal to the preset', () => {
    const input = preset('test')
    expect(input).toEqual(presets.test)
    expect(input).not.toBe(presets.test)
    expect(input.retry).not.toBe(presets.test.retry)
    expect(input.health).not.toBe(presets.test.health)
    input.max = 99
    if (input.retry) input.retry.maxDelayMs = 1
    expect(presets.test.max).toBe(5)
    expect(presets.test.retry?.maxDelayMs).toBe(100)
  })

  it('replaces top-level keys with overrides', () => {
    const input = preset('web', { max: 30, name: 'orders' })
    expect(input.max).toBe(30)
    expect(input.name).toBe('orders')
    expect(input.min).toBe(presets.web.min)
  })

  it('deep-merges retry and health', () => {
    const input = preset('test', { retry: { maxDelayMs: 200 }, health: { degradedPending: 3 } })
    expect(input.retry).toEqual({ initialDelayMs: 10, maxDelayMs: 200, jitterRatio: 0 })
    expect(input.health).toEqual({
      degradedAcquireWaitP95Ms: 500,
      unhealthyAcquireWaitP95Ms: 2_000,
      degradedPending: 3,
    })
  })

  it('adds retry/health overrides to a preset that has none', () => {
    expect(presets.web.retry).toBeUndefined()
    expect(preset('web', { retry: { maxDelayMs: 2_000 } }).retry).toEqual({ maxDelayMs: 2_000 })
  })

  it('treats an undefined override as "back to the schema default"', () => {
    const input = preset('api', { maxPending: undefined, health: undefined })
    expect('maxPending' in input).toBe(false)
    expect('health' in input).toBe(false)
    const config = parsePoolConfig(input)
    expect(config.maxPending).toBe(Number.POSITIVE_INFINITY)
    expect(config.health.degradedAcquireWaitP95Ms).toBe(1_000)
  })

  it('leaves validation of overrides to parsePoolConfig, which names the bad key', () => {
    const input = preset('web', { maxPoolSize: 5 } as PoolConfigInput)
    expect(() => parsePoolConfig(input)).toThrow(/unknown option "maxPoolSize" \(did you mean "max"\?\)/)
  })

  it('keeps cross-option rules: high-throughput with a smaller max must lower min too', () => {
    expect(() => parsePoolConfig(preset('high-throughput', { max: 8 }))).toThrow(/min \(20\) must not exceed max \(8\)/)
    expect(parsePoolConfig(preset('high-throughput', { min: 8, max: 8 })).max).toBe(8)
  })

  it('rejects an unknown name with a "did you mean" hint and the list of names', () => {
    const err = presetError(() => preset('serverles' as PresetName))
    expect(err.message).toContain('Unknown pool preset "serverles" (did you mean "serverless"?)')
    expect(err.message).toContain('web, api, background')
  })

  it('rejects inherited property names and non-strings', () => {
    expect(presetError(() => preset('toString' as PresetName)).message).toContain('"toString"')
    expect(presetError(() => preset(undefined as unknown as PresetName)).message).toContain(
      'Unknown pool preset undefined',
    )
  })

  it('isPresetName accepts exactly the preset names', () => {
    expect(allNames.every(isPresetName)).toBe(true)
    expect(isPresetName('Web')).toBe(false)
    expect(isPresetName('constructor')).toBe(false)
    expect(isPresetName(1)).toBe(false)
  })
})

describe('docs/config-and-presets.md', () => {
  it('shows exactly the values each preset sets', () => {
    const lines = readFileSync(new URL('../../../../docs/config-and-presets.md', import.meta.url), 'utf8').split('\n')
    const cells = (line: string) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim())
    const headerAt = lines.findIndex((line) => line.startsWith('| Option') && line.includes('`high-throughput`'))
    expect(headerAt).toBeGreaterThan(-1)
    const names = cells(lines[headerAt] ?? '')
      .slice(1)
      .map((name) => name.replaceAll('`', ''))
    expect(names).toEqual(allNames)
    const table = new Map<string, string[]>()
    for (const line of lines.slice(headerAt + 2)) {
      if (!line.startsWith('|')) break
      const [key = '', ...values] = cells(line)
      table.set(key.replaceAll('`', ''), values)
    }
    const shown = (value: unknown) =>
      value === undefined
        ? ''
        : typeof value === 'number'
          ? value.toLocaleString('en-US').replaceAll(',', '_')
          : String(value)
    const documented = new Set<string>()
    allNames.forEach((name, column) => {
      const flat: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(presets[name])) {
        if (key === 'retry' || key === 'health') {
          for (const [leaf, leafValue] of Object.entries(value as object)) flat[`${key}.${leaf}`] = leafValue
        } else flat[key] = value
      }
      for (const key of Object.keys(flat)) documented.add(key)
      for (const [key, values] of table) expect(values[column], `${name} ${key}`).toBe(shown(flat[key]))
    })
    expect([...table.keys()].sort()).toEqual([...documented].sort())
  })
})

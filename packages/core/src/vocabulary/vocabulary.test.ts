import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { type JsonSchema, poolConfigJsonSchema } from '../config/json-schema.js'
import { MAX_TIMER_MS } from '../config/limits.js'
import { presetNames } from '../config/presets.js'
import { DESTROY_REASONS } from '../stats/pool-stats.js'
import { configKeys, renderVocabularyMarkdown } from './render.js'
import {
  ACQUIRE_PRIORITIES,
  CONCEPTS,
  DESTROY_REASON_MEANINGS,
  ERROR_CODES,
  EVENT_FIELDS,
  EVENT_NAMES,
  HEALTH_CHECKS,
  HEALTH_RECENT_FIELDS,
  HEALTH_STATUSES,
  KNOWN_EXCEPTIONS,
  LATENCY_FIELDS,
  type NameKind,
  POOL_STATES,
  STATS_COUNTERS,
  STATS_FIELDS,
  VALIDATION_PHASES,
} from './vocabulary.js'

const doc = (name: string) => readFileSync(new URL(`../../../../docs/${name}`, import.meta.url), 'utf8')

/** The words of a name: `health.degradedAcquireTimeouts` → health, degraded, timeouts. */
const words = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s._-]+/)
    .map((w) => w.toLowerCase())
    .filter(Boolean)

function namesByKind(): Record<NameKind, string[]> {
  return {
    'config key': configKeys().map(([key]) => key),
    'error code': Object.keys(ERROR_CODES),
    event: Object.keys(EVENT_NAMES),
    'stats field': Object.keys(STATS_FIELDS),
    'stats counter': Object.keys(STATS_COUNTERS),
    'health check': Object.keys(HEALTH_CHECKS),
    'health recent field': Object.keys(HEALTH_RECENT_FIELDS),
    'validation phase': Object.keys(VALIDATION_PHASES),
  }
}

/** Why a name breaks the one-word rule, or undefined. */
function breaks(name: string): string | undefined {
  const avoided = new Set(
    CONCEPTS.flatMap((c) => c.avoid.split(', '))
      .filter((word) => /^[a-z]+$/i.test(word))
      .map((w) => w.toLowerCase()),
  )
  const list = words(name)
  const bad = list.find((word) => avoided.has(word))
  if (bad) return `uses "${bad}"`
  const qualifiers = new Set(['acquire', 'create', 'destroy', 'validation', 'idle'])
  // a bare `timeout`/`timeouts` is the acquire timeout, as OpenTelemetry's db.client.connection.timeouts
  if (list.length === 1 && (list[0] === 'timeout' || list[0] === 'timeouts')) return undefined
  const at = list.findIndex((word) => word === 'timeout' || word === 'timeouts')
  if (at !== -1 && !qualifiers.has(list[at - 1] ?? '')) return 'an unqualified timeout'
  return undefined
}

const CAMEL = /^[a-z][a-z0-9]*([A-Z][a-z0-9]*)*$/
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/
const ERROR_CODE = /^POOL_[A-Z]+(_[A-Z]+)*$/

describe('vocabulary', () => {
  it('docs/vocabulary.md is generated from the tables (run scripts/write-docs.mjs after a build when this fails)', () => {
    expect(doc('vocabulary.md')).toBe(renderVocabularyMarkdown())
  })

  it('lists the destroy reasons in the order of DESTROY_REASONS', () => {
    expect(Object.keys(DESTROY_REASON_MEANINGS)).toEqual([...DESTROY_REASONS])
  })

  it('camelCase: config keys, event names, payload fields, stats fields and counters', () => {
    const names = [
      ...configKeys().flatMap(([key]) => key.split('.')),
      ...Object.keys(EVENT_NAMES),
      ...Object.keys(EVENT_FIELDS),
      ...Object.keys(STATS_FIELDS),
      ...Object.keys(STATS_COUNTERS),
      ...Object.keys(HEALTH_RECENT_FIELDS),
      ...Object.keys(LATENCY_FIELDS),
    ]
    expect(names.length).toBeGreaterThan(90)
    expect(names.filter((name) => !CAMEL.test(name))).toEqual([])
  })

  it('kebab-case: destroy reasons, health checks and statuses, states, presets, priorities, phases', () => {
    const values = [
      ...DESTROY_REASONS,
      ...Object.keys(HEALTH_CHECKS),
      ...Object.keys(HEALTH_STATUSES),
      ...Object.keys(POOL_STATES),
      ...presetNames,
      ...Object.keys(ACQUIRE_PRIORITIES),
      ...Object.keys(VALIDATION_PHASES),
    ]
    expect(values.filter((value) => !KEBAB.test(value))).toEqual([])
  })

  it('error codes are POOL_ + UPPER_SNAKE_CASE', () => {
    expect(Object.keys(ERROR_CODES).filter((code) => !ERROR_CODE.test(code))).toEqual([])
  })

  it('durations in config keys end in Ms; the ms-valued fields of stats and events too', () => {
    // a duration is a number bounded by the timer limit; exactly those keys end in Ms
    const durations: string[] = []
    const others: string[] = []
    const walk = (properties: JsonSchema['properties'], prefix: string) => {
      for (const [key, value] of Object.entries(properties ?? {})) {
        if (typeof value !== 'object') continue
        if (value.properties) walk(value.properties, `${prefix}${key}.`)
        else if (value.type === 'integer' || value.type === 'number') {
          ;(value.maximum === MAX_TIMER_MS ? durations : others).push(`${prefix}${key}`)
        }
      }
    }
    walk(poolConfigJsonSchema().properties, '')
    expect(durations.length).toBeGreaterThan(15)
    expect(durations.filter((key) => !key.endsWith('Ms'))).toEqual([])
    expect(others.filter((key) => key.endsWith('Ms'))).toEqual([])
    const msFields = Object.entries({ ...EVENT_FIELDS, ...STATS_FIELDS, ...HEALTH_RECENT_FIELDS })
      .filter(([, meaning]) => meaning.includes('in ms') || meaning.startsWith('latency summary'))
      .map(([name]) => name)
    expect(msFields.length).toBeGreaterThan(5)
    expect(msFields.filter((name) => !name.endsWith('Ms'))).toEqual([])
  })

  it('every name that breaks the one-word rule is a known exception, and every known exception still exists', () => {
    const byKind = namesByKind()
    const found = Object.entries(byKind).flatMap(([kind, names]) =>
      names.filter((name) => breaks(name) !== undefined).map((name) => `${kind}: ${name}`),
    )
    const listed = KNOWN_EXCEPTIONS.map((e) => `${e.kind}: ${e.name}`)
    expect(found.filter((entry) => !listed.includes(entry))).toEqual([])
    expect(KNOWN_EXCEPTIONS.filter((e) => !byKind[e.kind].includes(e.name))).toEqual([])
    expect(new Set(listed).size).toBe(listed.length)
    // the proposed names follow the rules themselves
    for (const e of KNOWN_EXCEPTIONS) {
      expect({ proposed: e.proposed, breaks: breaks(e.proposed) }).toEqual({ proposed: e.proposed, breaks: undefined })
    }
    expect(breaks('acquireTimeoutMs')).toBeUndefined()
    expect(breaks('maxWaiting')).toBe('uses "waiting"')
    expect(breaks('timeout')).toBeUndefined()
    expect(breaks('maxTimeouts')).toBe('an unqualified timeout')
  })

  it('every meaning is one non-empty line, and every concept word is distinct', () => {
    for (const table of [
      ERROR_CODES,
      EVENT_NAMES,
      EVENT_FIELDS,
      DESTROY_REASON_MEANINGS,
      HEALTH_CHECKS,
      STATS_FIELDS,
    ]) {
      for (const meaning of Object.values(table)) expect(meaning).toMatch(/^[^\n]{8,}$/)
    }
    const words = CONCEPTS.map((c) => c.word)
    expect(new Set(words).size).toBe(words.length)
  })

  it('the hand-written pages name every code, event, destroy reason and health check', () => {
    const errors = doc('errors.md')
    for (const code of Object.keys(ERROR_CODES))
      expect({ code, found: errors.includes(`\`${code}\``) }).toEqual({ code, found: true })
    const events = doc('events-and-stats.md')
    for (const name of [...Object.keys(EVENT_NAMES), ...DESTROY_REASONS, ...Object.keys(STATS_COUNTERS)]) {
      expect({ name, found: events.includes(name) }).toEqual({ name, found: true })
    }
    const health = doc('health.md')
    for (const check of Object.keys(HEALTH_CHECKS))
      expect({ check, found: health.includes(`\`${check}\``) }).toEqual({ check, found: true })
  })
})

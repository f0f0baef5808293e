import { type JsonSchema, poolConfigJsonSchema } from '../config/json-schema.js'
import { presetNames } from '../config/presets.js'
import { DESTROY_REASONS } from '../stats/pool-stats.js'
import { code, markdownTable } from './markdown.js'
import {
  ACQUIRE_PRIORITIES,
  CASING_RULES,
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
  POOL_STATES,
  STATS_COUNTERS,
  STATS_FIELDS,
  VALIDATION_PHASES,
} from './vocabulary.js'

const meanings = (record: Readonly<Record<string, string>>, order: readonly string[] = Object.keys(record)) =>
  markdownTable(
    ['name', 'meaning'],
    order.map((name) => [code(name), record[name] ?? '']),
  )

/** Every config key with the description the JSON Schema carries (the same text editors show). */
export function configKeys(): [string, string][] {
  const rows: [string, string][] = []
  const walk = (properties: JsonSchema['properties'], prefix: string) => {
    for (const [key, value] of Object.entries(properties ?? {})) {
      if (key === '$schema' || typeof value !== 'object') continue
      if (value.type === 'object' && value.properties) walk(value.properties, `${key}.`)
      else rows.push([`${prefix}${key}`, value.description ?? ''])
    }
  }
  walk(poolConfigJsonSchema().properties, '')
  return rows
}

/**
 * docs/vocabulary.md, generated from the tables in `vocabulary.ts` and the config schema.
 * `node packages/core/scripts/write-docs.mjs` writes it; a test fails when the file is stale.
 * @internal
 */
export function renderVocabularyMarkdown(): string {
  const sections = [
    '# Vocabulary',
    '<!-- Generated from packages/core/src/vocabulary/vocabulary.ts and the config schema. Do not edit: run `npm run build -w @pools/core && node packages/core/scripts/write-docs.mjs`. A test fails when this file is stale. -->',
    'Every public name of @pools, listed once. The same word means the same thing in config keys, error codes, ' +
      'events, stats fields, health reasons, destroy reasons, docs and log lines, and metric names are derived from ' +
      'these. The lists are generated from one table in code (`packages/core/src/vocabulary/vocabulary.ts`, exported ' +
      'as `ERROR_CODES`, `EVENT_NAMES`, `DESTROY_REASON_MEANINGS`, …), which the compiler checks against the types ' +
      'the engine uses, so a name cannot be added or renamed without this page changing.',
    '## Casing rules',
    markdownTable(
      ['names', 'rule', 'examples'],
      CASING_RULES.map((r) => [r.kind, r.rule, r.example]),
    ),
    '## One word per concept',
    markdownTable(
      ['word', 'meaning', 'not'],
      CONCEPTS.map((c) => [code(c.word), c.meaning, c.avoid]),
    ),
    '## Known exceptions',
    'Names that break a rule above today, with the name that would follow it. A test finds every name that uses an ' +
      'avoided word or an unqualified "timeout" and requires it to be listed here; it fails when a listed name no ' +
      'longer exists, so this table shrinks as renames land.',
    markdownTable(
      ['name', 'kind', 'rule', 'would be'],
      KNOWN_EXCEPTIONS.map((e) => [code(e.name), e.kind, e.rule, code(e.proposed)]),
    ),
    '## Config keys',
    'See [configuration and presets](config-and-presets.md) for defaults, units and ranges.',
    markdownTable(
      ['key', 'meaning'],
      configKeys().map(([key, meaning]) => [code(key), meaning]),
    ),
    '## Presets',
    `${presetNames.map(code).join(', ')}. See [configuration and presets](config-and-presets.md#presets).`,
    '## Error codes',
    'Every error is a `PoolError` with one of these `code`s. See [errors](errors.md).',
    meanings(ERROR_CODES),
    '## Events',
    'See [events and stats](events-and-stats.md).',
    meanings(EVENT_NAMES),
    '### Event payload fields',
    meanings(EVENT_FIELDS),
    '### Validation phases',
    meanings(VALIDATION_PHASES),
    '### Acquire priorities',
    meanings(ACQUIRE_PRIORITIES),
    '## Destroy reasons',
    'The `reason` of a `destroy` event and the keys of `stats().counters.destroyedBy`, in the order of `DESTROY_REASONS`.',
    meanings(DESTROY_REASON_MEANINGS, DESTROY_REASONS),
    '## Stats',
    '### Gauges and latency summaries',
    meanings(STATS_FIELDS),
    '### Counters',
    meanings(STATS_COUNTERS),
    '### Latency summary fields',
    meanings(LATENCY_FIELDS),
    '### Pool states',
    meanings(POOL_STATES),
    '## Health',
    'See [health](health.md).',
    '### Statuses',
    meanings(HEALTH_STATUSES),
    '### Checks (the `check` of a health reason)',
    meanings(HEALTH_CHECKS),
    '### Recent window fields',
    meanings(HEALTH_RECENT_FIELDS),
  ]
  return `${sections.join('\n\n')}\n`
}

import { code, markdownTable } from '../vocabulary/markdown.js'
import { type OptionDialect, type OptionMapping, type OptionTarget, optionDialects } from './dialects.js'
import type { PoolOptions } from './pool-options.js'

/** Start and end markers of the generated block in docs/config-and-presets.md. @internal */
export const DIALECT_DOCS_START = '<!-- generated:option-tables:start -->'
/** @internal */
export const DIALECT_DOCS_END = '<!-- generated:option-tables:end -->'

const OFF_IS_NO_TIMEOUT = new Set(['createTimeoutMs', 'destroyTimeoutMs'])
const OFF_IS_UNSET = new Set(['maxPending', 'maxIdle'])

function zeroCell(mapping: OptionMapping, target: OptionTarget): string {
  if (mapping.unit === 'boolean' || mapping.unit === 'text') return '—'
  switch (target.zero ?? 'zero') {
    case 'zero':
      return (mapping.min ?? 0) > 0 ? `refused (at least ${mapping.min})` : '`0`'
    case 'one':
      return '`1`'
    case 'unset':
      return 'unset (the default applies)'
    case 'off':
      if (OFF_IS_NO_TIMEOUT.has(target.option)) return '`NO_TIMEOUT_MS`'
      if (OFF_IS_UNSET.has(target.option)) return 'unset (no limit)'
      return '`0` (off)'
  }
}

const unitCell: Record<OptionMapping['unit'], string> = {
  count: 'count',
  ms: 'ms',
  seconds: 's → ms',
  boolean: 'boolean',
  text: 'text',
}

function notes(mapping: OptionMapping): string {
  const flags = [
    mapping.fallback ? 'used only when no other key sets it' : '',
    mapping.keep ? 'kept in the URL' : '',
    mapping.custom ? 'computed by the facade' : '',
  ].filter(Boolean)
  return [mapping.note, ...flags].filter(Boolean).join('; ')
}

function optionsList(options: Readonly<PoolOptions>): string {
  const entries = Object.entries(options).map(([key, value]) => code(`${key}: ${JSON.stringify(value)}`))
  return entries.length > 0 ? entries.join(', ') : 'none'
}

function dialectTable(dialect: OptionDialect): string {
  const rows = dialect.mappings.map((m) => [
    code(m.key),
    unitCell[m.unit],
    m.targets.length === 0 ? '— (not a pool option)' : m.targets.map((t) => code(t.option)).join(', '),
    m.targets.length === 0 ? '—' : [...new Set(m.targets.map((t) => zeroCell(m, t)))].join(', '),
    notes(m),
  ])
  const head = [`### ${dialect.title} (\`optionDialects['${dialect.id}']\`)`]
  if (dialect.reading !== 'url') {
    head.push(
      `Facade defaults (dropped under a preset): ${optionsList(dialect.defaults)}. ` +
        `Facade behaviour (kept under a preset): ${optionsList(dialect.behaviour)}.` +
        (dialect.onConflict === 'smallest' ? ' Two keys that set one option: the smaller value wins.' : ''),
    )
  }
  head.push(markdownTable(['key', 'unit', 'sets', "the source's `0` becomes", 'notes'], rows))
  return head.join('\n\n')
}

/**
 * The per-dialect mapping tables of docs/config-and-presets.md, generated from `optionDialects`
 * (written between {@link DIALECT_DOCS_START} and {@link DIALECT_DOCS_END}). @internal
 */
export function renderDialectDocs(): string {
  return Object.values(optionDialects).map(dialectTable).join('\n\n')
}

/** `doc` with its generated block replaced by `renderDialectDocs()`. @internal */
export function withDialectDocs(doc: string): string {
  const start = doc.indexOf(DIALECT_DOCS_START)
  const end = doc.indexOf(DIALECT_DOCS_END)
  if (start === -1 || end < start) throw new Error('docs/config-and-presets.md has no generated option-tables block')
  return `${doc.slice(0, start + DIALECT_DOCS_START.length)}\n\n${renderDialectDocs()}\n\n${doc.slice(end)}`
}

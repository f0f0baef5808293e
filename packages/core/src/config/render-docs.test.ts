import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { optionDialects } from './dialects.js'
import { DIALECT_DOCS_END, DIALECT_DOCS_START, renderDialectDocs, withDialectDocs } from './render-docs.js'

const docPath = new URL('../../../../docs/config-and-presets.md', import.meta.url)

describe('docs/config-and-presets.md option tables', () => {
  it('are generated from optionDialects (run scripts/write-docs.mjs after a build when this fails)', () => {
    const doc = readFileSync(docPath, 'utf8')
    expect(doc).toContain(DIALECT_DOCS_START)
    expect(doc).toContain(DIALECT_DOCS_END)
    expect(withDialectDocs(doc)).toBe(doc)
  })

  it('have a section and a row for every dialect and key', () => {
    const rendered = renderDialectDocs()
    for (const dialect of Object.values(optionDialects)) {
      expect(rendered).toContain(`optionDialects['${dialect.id}']`)
      for (const mapping of dialect.mappings) expect(rendered).toContain(`| \`${mapping.key}\``)
    }
  })

  it('each dialect names each key once', () => {
    for (const dialect of Object.values(optionDialects)) {
      const keys = dialect.mappings.map((m) => m.key)
      expect({ dialect: dialect.id, duplicates: keys.filter((k, i) => keys.indexOf(k) !== i) }).toEqual({
        dialect: dialect.id,
        duplicates: [],
      })
    }
  })

  it('refuses a document without the generated block', () => {
    expect(() => withDialectDocs('# nothing here')).toThrow(/generated option-tables block/)
  })
})

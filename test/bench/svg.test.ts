// The benchmark charts: bench/lib/svg.mjs writes well-formed SVG whose bars scale with their values, and the
// committed docs/benchmarks/*.svg are what bench/charts.mjs draws from the committed result files.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildCharts, defaultOutDir, defaultResultsDir, writeCharts } from '../../bench/charts.mjs'
import { barChart, escapeXml, niceMax } from '../../bench/lib/svg.mjs'

const root = path.resolve(import.meta.dirname, '../..')

/**
 * A small XML well-formedness check: one root element, every tag closed in order, attributes quoted and
 * unique, only the five predefined entities or numeric references, no stray `<` or `&` in text.
 */
function checkWellFormed(xml: string): { root: string; elements: number } {
  const stack: string[] = []
  let rootName = ''
  let elements = 0
  let i = 0
  const text = (s: string) => {
    if (s.includes('<')) throw new Error(`stray < in text: ${s.slice(0, 40)}`)
    for (const m of s.matchAll(/&([^;\s]*);?/g)) {
      if (!/^(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(m[1] ?? '') || !m[0].endsWith(';'))
        throw new Error(`bad entity ${m[0]}`)
    }
  }
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2
  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    const chunk = lt < 0 ? xml.slice(i) : xml.slice(i, lt)
    text(chunk)
    if (lt < 0) {
      if (stack.length === 0 && chunk.trim() !== '') throw new Error('text after the root element')
      break
    }
    if (stack.length === 0 && rootName && chunk.trim() === '' && xml.slice(lt).trim() !== '')
      throw new Error('more than one root element')
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt)
      if (end < 0) throw new Error('unclosed comment')
      i = end + 3
      continue
    }
    const gt = xml.indexOf('>', lt)
    if (gt < 0) throw new Error('unclosed tag')
    const tag = xml.slice(lt + 1, gt)
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim()
      const open = stack.pop()
      if (open !== name) throw new Error(`</${name}> closes <${open}>`)
    } else {
      const selfClosing = tag.endsWith('/')
      const body = selfClosing ? tag.slice(0, -1) : tag
      const m = /^([A-Za-z_][\w:.-]*)([\s\S]*)$/.exec(body)
      if (!m) throw new Error(`bad tag <${tag}>`)
      const [, name = '', attrs = ''] = m
      const seen = new Set<string>()
      const rest = attrs.replace(/\s+([A-Za-z_][\w:.-]*)="([^"<]*)"/g, (_all, a: string, v: string) => {
        if (seen.has(a)) throw new Error(`duplicate attribute ${a} on <${name}>`)
        seen.add(a)
        text(v)
        return ''
      })
      if (rest.trim() !== '') throw new Error(`bad attributes on <${name}>: ${rest.trim().slice(0, 40)}`)
      if (!rootName) rootName = name
      else if (stack.length === 0) throw new Error('more than one root element')
      elements++
      if (!selfClosing) stack.push(name)
    }
    i = gt + 1
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`)
  if (!rootName) throw new Error('no root element')
  return { root: rootName, elements }
}

const barWidths = (svg: string) =>
  [...svg.matchAll(/<rect class="bar" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]))

describe('the well-formedness check itself', () => {
  it('rejects what is not XML', () => {
    expect(() => checkWellFormed('<svg><g></svg>')).toThrow()
    expect(() => checkWellFormed('<svg><text>a < b</text></svg>')).toThrow()
    expect(() => checkWellFormed('<svg><text>a & b</text></svg>')).toThrow()
    expect(() => checkWellFormed('<svg a="1" a="2"/>')).toThrow()
    expect(() => checkWellFormed('<svg/><svg/>')).toThrow()
    expect(checkWellFormed('<svg x="1"><g/><text>a &amp; b</text></svg>')).toEqual({ root: 'svg', elements: 3 })
  })
})

describe('barChart', () => {
  it('writes a well-formed SVG document with its labels escaped', () => {
    const svg = barChart({
      title: 'A & B <test>',
      subtitle: '"quoted"',
      rows: ['<pools>', 'a & b'],
      panels: [
        {
          heading: 'ops/s',
          values: [{ value: 0.5, min: 0.4, max: 0.9 }, null],
          references: [{ value: 1, label: 'floor <1.0×>' }],
        },
      ],
      note: 'x & y',
    })
    expect(checkWellFormed(svg).root).toBe('svg')
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"')
    expect(svg).toContain('&lt;pools&gt;')
    expect(svg).toContain('a &amp; b')
    expect(svg).toContain('n/a') // the null value
    expect(svg.match(/class="reference"/g)).toHaveLength(1)
    expect(svg.match(/class="whisker"/g)).toHaveLength(1)
    expect(escapeXml('<"&">')).toBe('&lt;&quot;&amp;&quot;&gt;')
  })

  it('scales bars with their values on a fixed axis', () => {
    const svg = barChart({
      title: 't',
      rows: ['a', 'b', 'c'],
      panels: [{ heading: 'h', values: [{ value: 1 }, { value: 2 }, { value: 0.5 }], max: 4 }],
      panelWidth: 400,
    })
    expect(barWidths(svg)).toEqual([100, 200, 50])
  })

  it('scales to the largest value, whisker or reference line, and cuts a bar at a fixed axis end', () => {
    const auto = barWidths(
      barChart({
        title: 't',
        rows: ['a', 'b'],
        panels: [{ heading: 'h', values: [{ value: 1, min: 0.5, max: 3 }, { value: 0.3 }] }],
        panelWidth: 300,
      }),
    )
    // The axis ends at niceMax(3 × 1.04) = 4: the whisker fits, the bars keep their ratio.
    expect(niceMax(3 * 1.04)).toBe(4)
    expect(auto).toEqual([75, 22.5])
    const fixed = barChart({
      title: 't',
      rows: ['a'],
      panels: [{ heading: 'h', values: [{ value: 5 }], max: 2 }],
      panelWidth: 300,
    })
    expect(barWidths(fixed)).toEqual([300])
    expect(fixed).toContain('5.00× ▸')
  })

  it('places a reference line at its value', () => {
    const svg = barChart({
      title: 't',
      rows: ['a'],
      panels: [{ heading: 'h', values: [{ value: 0.5 }], references: [{ value: 1, label: 'floor' }], max: 2 }],
      panelWidth: 200,
    })
    const bar = /<rect class="bar" x="([\d.]+)"/.exec(svg)
    const ref = /<line class="reference" x1="([\d.]+)"/.exec(svg)
    expect(Number(ref?.[1]) - Number(bar?.[1])).toBe(100)
  })

  it('refuses a panel without one value per row', () => {
    expect(() =>
      barChart({ title: 't', rows: ['a', 'b'], panels: [{ heading: 'h', values: [{ value: 1 }] }] }),
    ).toThrow(TypeError)
    expect(() => barChart({ title: 't', rows: [], panels: [] })).toThrow(TypeError)
  })
})

describe('docs/benchmarks/*.svg', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pools-charts-'))
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it('are current: regenerated from bench/results they are byte-identical to the committed files', () => {
    const written = writeCharts({ outDir: tmp, quiet: true })
    expect(written.sort()).toEqual([
      'frameworks-ioredis.svg',
      'frameworks-knex-typeorm.svg',
      'frameworks-orm.svg',
      'micro-a.svg',
      'micro-b.svg',
      'micro-c.svg',
    ])
    const committed = readdirSync(defaultOutDir).filter((f) => f.endsWith('.svg'))
    expect(committed.sort()).toEqual(written)
    for (const name of written) {
      const fresh = readFileSync(path.join(tmp, name), 'utf8')
      expect(fresh, `${name} is stale: run node bench/charts.mjs`).toBe(
        readFileSync(path.join(defaultOutDir, name), 'utf8'),
      )
    }
  })

  it('are well-formed, have bars, and are embedded in docs/benchmarks.md', () => {
    const charts = buildCharts(defaultResultsDir)
    const page = readFileSync(path.join(root, 'docs/benchmarks.md'), 'utf8')
    for (const [name, svg] of Object.entries(charts)) {
      expect(checkWellFormed(svg).root, name).toBe('svg')
      expect(barWidths(svg).length, name).toBeGreaterThan(0)
      expect(page, name).toMatch(new RegExp(`!\\[[^\\]]+\\]\\(benchmarks/${name.replace('.', '\\.')}\\)`))
    }
  })
})

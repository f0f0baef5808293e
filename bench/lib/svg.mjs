/**
 * A small, dependency-free SVG writer for the benchmark charts: horizontal bar charts with one label per row,
 * one or more side-by-side panels (e.g. ops/s ratio and p99 ratio for the same rows), the value printed at
 * each bar, min–max whiskers for paired ratios, and dashed reference lines (1.0× = the floor or parity, a
 * target). The output depends only on its input (fixed number formatting, no dates), so a chart regenerated
 * from the same result file is byte-identical.
 *
 * @example
 * import { barChart } from './svg.mjs'
 * const svg = barChart({
 *   title: '(a) ops/s ÷ floor',
 *   rows: ['pools', 'tarn'],
 *   panels: [{ heading: 'median, min–max', values: [{ value: 0.57, min: 0.39, max: 0.91 }, { value: 0.04 }],
 *     references: [{ value: 1, label: 'floor' }] }],
 * })
 */

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"'
const BAR = '#3b6fb6'
const BAR_PEER = '#9aa4b1'
const REF = '#c0392b'
const TARGET_COLOURS = ['#c0392b', '#2e8b57', '#d35400']

/** Escapes text for an SVG text node or attribute. */
export function escapeXml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Fixed formatting of a coordinate (1 decimal, no "-0"). */
function n(x) {
  const s = (Math.round(x * 10) / 10).toFixed(1)
  return s === '-0.0' ? '0.0' : s.replace(/\.0$/, '')
}

/** Default value label: a ratio with 2 decimals (3 when close to 1), suffixed ×. */
export function formatRatio(v) {
  return `${Math.abs(v - 1) < 0.1 ? v.toFixed(3) : v.toFixed(2)}×`
}

/** A "nice" axis end at or above `x`: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k. */
export function niceMax(x) {
  if (!(x > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x - 1e-12) return m * p
  return 10 * p
}

/**
 * Writes a horizontal bar chart as an SVG document.
 *
 * @param {object} spec
 * @param {string} spec.title chart title (first line)
 * @param {string} [spec.subtitle] one line under the title (source file, what favours whom)
 * @param {string[]} spec.rows row labels, top to bottom
 * @param {boolean[]} [spec.highlight] rows drawn in the main colour (others grey); all rows when omitted
 * @param {Array<{heading: string, values: Array<{value: number, min?: number, max?: number} | null>,
 *   references?: Array<{value: number, label: string, kind?: 'ref' | 'target'}>, format?: (v: number) => string,
 *   max?: number}>} spec.panels one panel per metric; `values[i]` belongs to `rows[i]` (null: no bar, "n/a")
 * @param {string} [spec.note] one line at the bottom
 * @param {number} [spec.panelWidth] width of one panel's plotting area in px (default 300)
 * @returns {string} the SVG document
 */
export function barChart(spec) {
  const { title, subtitle, rows, panels, note } = spec
  if (!Array.isArray(rows) || rows.length === 0) throw new TypeError('barChart: rows must be a non-empty array')
  if (!Array.isArray(panels) || panels.length === 0) throw new TypeError('barChart: panels must be a non-empty array')
  for (const p of panels) {
    if (!Array.isArray(p.values) || p.values.length !== rows.length)
      throw new TypeError(`barChart: panel "${p.heading}" needs one value per row`)
  }
  const highlight = spec.highlight ?? rows.map(() => true)
  const plotW = spec.panelWidth ?? 300
  const labelW = Math.max(80, Math.min(360, 16 + Math.max(...rows.map((r) => String(r).length)) * 7.2))
  const valueW = 64 // room right of the longest bar for its label
  const gap = 24
  const rowH = 24
  const barH = 14
  const top = 30 + (subtitle ? 18 : 0) + 22 // title, subtitle, panel heading
  const plotH = rows.length * rowH
  const axisH = 20
  const legendH = panels.some((p) => (p.references ?? []).length > 0) ? 18 : 0
  const bottom = note ? 24 : 8
  const textW = (t, px) => (t ? String(t).length * px : 0)
  const width = Math.ceil(
    Math.max(
      labelW + panels.length * (plotW + valueW) + (panels.length - 1) * gap + 12,
      16 + textW(title, 8.6),
      16 + textW(subtitle, 6.4),
      16 + textW(note, 5.9),
    ),
  )
  const height = Math.ceil(top + plotH + axisH + legendH + bottom + 6)

  const out = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
  )
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`)
  out.push(`<text x="8" y="20" ${FONT} font-size="15" font-weight="600" fill="#1f2328">${escapeXml(title)}</text>`)
  if (subtitle) out.push(`<text x="8" y="38" ${FONT} font-size="11.5" fill="#57606a">${escapeXml(subtitle)}</text>`)

  // Row labels and zebra stripes.
  rows.forEach((label, i) => {
    const y = top + i * rowH
    if (i % 2 === 1) out.push(`<rect x="0" y="${n(y)}" width="${width}" height="${rowH}" fill="#f6f8fa"/>`)
    out.push(
      `<text x="${n(labelW - 8)}" y="${n(y + rowH / 2 + 4)}" ${FONT} font-size="12" text-anchor="end" fill="#1f2328">${escapeXml(label)}</text>`,
    )
  })

  panels.forEach((panel, pi) => {
    const x0 = labelW + pi * (plotW + valueW + gap)
    const fmt = panel.format ?? formatRatio
    const refs = panel.references ?? []
    let hi = panel.max ?? 0
    if (!panel.max) {
      for (const v of panel.values) if (v) hi = Math.max(hi, v.value, v.max ?? 0)
      for (const r of refs) hi = Math.max(hi, r.value)
      hi = niceMax(hi * 1.04)
    }
    const sx = (v) => x0 + (Math.max(0, Math.min(v, hi)) / hi) * plotW
    out.push(`<g class="panel">`)
    out.push(
      `<text x="${n(x0)}" y="${n(top - 8)}" ${FONT} font-size="12" font-weight="600" fill="#1f2328">${escapeXml(panel.heading)}</text>`,
    )
    // Axis: baseline and ticks at 0, hi/4, hi/2, 3hi/4, hi.
    const yAxis = top + plotH
    out.push(`<line x1="${n(x0)}" y1="${n(top)}" x2="${n(x0)}" y2="${n(yAxis)}" stroke="#8c959f" stroke-width="1"/>`)
    out.push(
      `<line x1="${n(x0)}" y1="${n(yAxis)}" x2="${n(x0 + plotW)}" y2="${n(yAxis)}" stroke="#8c959f" stroke-width="1"/>`,
    )
    const step = niceStep(hi / 4)
    for (let t = 0; t * step <= hi + 1e-9; t++) {
      const v = t * step
      const x = sx(v)
      out.push(`<line x1="${n(x)}" y1="${n(yAxis)}" x2="${n(x)}" y2="${n(yAxis + 4)}" stroke="#8c959f"/>`)
      out.push(
        `<text x="${n(x)}" y="${n(yAxis + 15)}" ${FONT} font-size="10" text-anchor="middle" fill="#57606a">${escapeXml(tick(v))}</text>`,
      )
    }
    panel.values.forEach((v, i) => {
      const yMid = top + i * rowH + rowH / 2
      if (!v || !Number.isFinite(v.value)) {
        out.push(`<text x="${n(x0 + 4)}" y="${n(yMid + 4)}" ${FONT} font-size="11" fill="#8c959f">n/a</text>`)
        return
      }
      const w = sx(v.value) - x0
      out.push(
        `<rect class="bar" x="${n(x0)}" y="${n(yMid - barH / 2)}" width="${n(w)}" height="${barH}" fill="${highlight[i] ? BAR : BAR_PEER}"><title>${escapeXml(`${rows[i]}: ${fmt(v.value)}${v.min !== undefined ? ` (min ${fmt(v.min)}, max ${fmt(v.max)})` : ''}`)}</title></rect>`,
      )
      let end = sx(v.value)
      if (v.min !== undefined && v.max !== undefined && Number.isFinite(v.min) && Number.isFinite(v.max)) {
        const a = sx(v.min)
        const b = sx(v.max)
        out.push(
          `<g class="whisker" stroke="#1f2328" stroke-width="1.2"><line x1="${n(a)}" y1="${n(yMid)}" x2="${n(b)}" y2="${n(yMid)}"/><line x1="${n(a)}" y1="${n(yMid - 4)}" x2="${n(a)}" y2="${n(yMid + 4)}"/><line x1="${n(b)}" y1="${n(yMid - 4)}" x2="${n(b)}" y2="${n(yMid + 4)}"/></g>`,
        )
        end = Math.max(end, b)
      }
      const clipped = v.value > hi || (v.max ?? 0) > hi
      out.push(
        `<text x="${n(end + 5)}" y="${n(yMid + 4)}" ${FONT} font-size="11" fill="#1f2328">${escapeXml(fmt(v.value) + (clipped ? ' ▸' : ''))}</text>`,
      )
    })
    // Reference lines last, so they sit above the bars.
    // Their labels go in a legend under the axis, where they cannot cover a bar's value.
    let lx = x0
    const ly = yAxis + axisH + 12
    refs.forEach((r, ri) => {
      const x = sx(r.value)
      const colour = r.colour ?? (r.kind === 'target' ? TARGET_COLOURS[ri % TARGET_COLOURS.length] : REF)
      const dash = r.kind === 'target' ? '2 2' : '5 3'
      out.push(
        `<line class="reference" x1="${n(x)}" y1="${n(top - 2)}" x2="${n(x)}" y2="${n(yAxis)}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="${dash}"/>`,
      )
      out.push(
        `<line x1="${n(lx)}" y1="${n(ly - 4)}" x2="${n(lx + 16)}" y2="${n(ly - 4)}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="${dash}"/>`,
      )
      out.push(
        `<text x="${n(lx + 20)}" y="${n(ly)}" ${FONT} font-size="10.5" fill="${colour}">${escapeXml(r.label)}</text>`,
      )
      lx += 30 + r.label.length * 5.8
    })
    out.push('</g>')
  })

  if (note)
    out.push(`<text x="8" y="${n(height - 10)}" ${FONT} font-size="10.5" fill="#57606a">${escapeXml(note)}</text>`)
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

/** A tick step near `x`: 1, 2, 2.5 or 5 × 10^k. */
function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x - 1e-12) return m * p
  return 10 * p
}

function tick(v) {
  if (v === 0) return '0'
  if (v >= 10) return `${Number(v.toFixed(1))}×`
  return `${Number(v.toFixed(3))}×`
}

/** A Markdown table with padded columns (as Prettier formats it), cells escaped. @internal */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ')
  const all = [header, ...rows].map((row) => row.map(escapeCell))
  const widths = header.map((_, i) => Math.max(3, ...all.map((row) => (row[i] ?? '').length)))
  const line = (row: readonly string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`
  const [head = [], ...body] = all
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n')
}

/** `code` in Markdown. @internal */
export const code = (text: string): string => `\`${text}\``

/** One sample of the Prometheus text exposition format: `name{label="value",...} value`. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** A line that is not a comment, not blank, and not a sample: where it is and why. */
export class ExpositionError extends Error {
  override readonly name = 'ExpositionError'
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/

function number(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  if (text === 'NaN') return Number.NaN
  const value = text.trim() === '' ? Number.NaN : Number(text)
  if (Number.isNaN(value)) throw new ExpositionError(`"${text.slice(0, 40)}" is not a number`)
  return value
}

/** `{a="1",b="x\"y"}` from `at` (the `{`); returns the labels and the index after `}`. */
function labelsAt(line: string, at: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {}
  let i = at + 1
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++
    if (line[i] === '}') return { labels, end: i + 1 }
    const name = LABEL.exec(line.slice(i))?.[0]
    if (name === undefined) throw new ExpositionError(`a label name was expected at column ${i + 1}`)
    i += name.length
    while (line[i] === ' ') i++
    if (line[i] !== '=' || line[i + 1] !== '"') throw new ExpositionError(`label ${name}: ="..." was expected`)
    i += 2
    let value = ''
    for (;;) {
      const c = line[i]
      if (c === undefined) throw new ExpositionError(`label ${name}: the value has no closing quote`)
      i++
      if (c === '"') break
      if (c === '\\') {
        const next = line[i++]
        value += next === 'n' ? '\n' : (next ?? '')
      } else value += c
    }
    labels[name] = value
  }
}

/**
 * Parse the Prometheus text exposition format (version 0.0.4, what prom-client and the
 * OpenTelemetry Prometheus exporter serve). Comments (`# HELP`, `# TYPE`) and blank lines are
 * skipped; a timestamp after the value is ignored. A malformed line is an {@link ExpositionError}
 * naming the line.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = []
  const lines = text.split('\n')
  lines.forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    try {
      const name = NAME.exec(line)?.[0]
      if (name === undefined) throw new ExpositionError('a metric name was expected')
      let i = name.length
      let labels: Record<string, string> = {}
      if (line[i] === '{') ({ labels, end: i } = labelsAt(line, i))
      const [value] = line.slice(i).trim().split(/\s+/)
      if (value === undefined || value === '') throw new ExpositionError('the value is missing')
      samples.push({ name, labels, value: number(value) })
    } catch (error) {
      if (!(error instanceof ExpositionError)) throw error
      throw new ExpositionError(`line ${index + 1}: ${error.message}`)
    }
  })
  return samples
}

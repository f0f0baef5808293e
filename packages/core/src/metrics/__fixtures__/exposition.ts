/** One sample of a Prometheus text exposition. */
export interface ScrapedSample {
  name: string
  labels: Record<string, string>
  value: number
}

/** A scrape, parsed: samples, and the `# TYPE` of each metric family. */
export interface Scrape {
  samples: ScrapedSample[]
  types: Map<string, string>
  /** The value of the one sample named `name` whose labels include `labels` (fails on several). */
  value(name: string, labels?: Record<string, string>): number | undefined
  /** Every distinct sample name. */
  names(): Set<string>
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parse the Prometheus text format (what prom-client and the OTel Prometheus exporter write). */
export function parseExposition(text: string): Scrape {
  const samples: ScrapedSample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      types.set(name!, type!)
      continue
    }
    if (line === '' || line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (match === null) throw new Error(`unparsable exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!.replace(/\\(.)/g, '$1')
    const raw = match[3]!
    samples.push({ name: match[1]!, labels, value: raw === '+Inf' ? Infinity : Number(raw) })
  }
  return {
    samples,
    types,
    value(name, labels = {}) {
      const found = samples.filter(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      )
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
      return found[0]?.value
    },
    names: () => new Set(samples.map((s) => s.name)),
  }
}

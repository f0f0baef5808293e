/** Number formatting shared by the benchmark reports (markdown tables and console output). */

export const ops = (n) =>
  !Number.isFinite(n)
    ? '–'
    : n >= 1e6
      ? `${(n / 1e6).toFixed(2)} M`
      : n >= 1e3
        ? `${(n / 1e3).toFixed(1)} k`
        : n.toFixed(0)
export const ms = (n) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : '–')
export const x = (n, d = 2) => (Number.isFinite(n) ? `${n.toFixed(d)}×` : '–')
/** A paired-ratio summary: `median× (min×–max×, n=N)`. */
export const ratioText = (s, d = 2) => (s?.n ? `${x(s.median, d)} (${x(s.min, d)}–${x(s.max, d)}, n=${s.n})` : '–')

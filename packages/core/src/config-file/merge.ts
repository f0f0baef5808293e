/** A plain object literal (not an array, Buffer, Date, class instance or function). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Deep merge for profiles, in c12's merger convention: the FIRST source wins. Plain objects merge
 * key by key; everything else, arrays included, is replaced whole. (c12's default merger, defu,
 * concatenates arrays, so a profile could never shorten a list; `undefined` is skipped as in defu.)
 *
 * @example
 * ```ts
 * mergeReplacingArrays({ hosts: ['b'] }, { hosts: ['a'], port: 1 }) // { hosts: ['b'], port: 1 }
 * ```
 */
export function mergeReplacingArrays<T>(...sources: Array<T | null | undefined>): T {
  const out: Record<string, unknown> = {}
  for (let i = sources.length - 1; i >= 0; i--) {
    const source = sources[i]
    if (!isPlainObject(source)) continue
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined || key === '__proto__' || key === 'constructor' || key === 'prototype') continue
      const existing = out[key]
      out[key] = isPlainObject(value) && isPlainObject(existing) ? mergeReplacingArrays(value, existing) : value
    }
  }
  return out as T
}

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} in plain strings is the interpolation syntax of config files
import { isPlainObject } from './merge.js'

/** Environment variables as `process.env` holds them. */
export type EnvRecord = Readonly<Record<string, string | undefined>>

/** One problem found while interpolating: where (a key path) and what. */
export interface InterpolationProblem {
  /** Key path inside the config, e.g. `['pools', 'primary', 'connection', 'url']`. */
  path: readonly string[]
  /** Names a variable, never its value. */
  message: string
}

// $${ is a literal "${"; ${NAME} and ${NAME:-default} are references; any other "${" is a mistake.
const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g
const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s

/** The result of {@link interpolateString}: the new text and the variables that were not set. */
interface StringResult {
  value: string
  missing: string[]
  invalid: string[]
}

/** Replace `${NAME}` and `${NAME:-default}` in one string; `$${` stays a literal `${`. */
export function interpolateString(text: string, env: EnvRecord): StringResult {
  const missing: string[] = []
  const invalid: string[] = []
  const value = text.replace(TOKEN, (token: string, body: string | undefined) => {
    if (token === '$${') return '${'
    if (body === undefined) {
      invalid.push('"${" without a closing "}"')
      return token
    }
    const match = REFERENCE.exec(body)
    if (!match) {
      // The body is not echoed: a default after ":-" may be a secret.
      invalid.push('a "${...}" that is not ${NAME} or ${NAME:-default} (a name is letters, digits and _)')
      return token
    }
    const [, name = '', fallback] = match
    const current = env[name]
    if (fallback !== undefined) return current === undefined || current === '' ? fallback : current
    if (current === undefined) {
      missing.push(name)
      return token
    }
    return current
  })
  return { value, missing, invalid }
}

/** True when `text` contains an interpolation (so the result may be coerced to a number or boolean). */
export function hasReference(text: string): boolean {
  return /(^|[^$])\$\{/.test(text)
}

/**
 * Interpolate every string in plain objects and arrays (not in functions, Buffers or class
 * instances). Returns a new tree and every problem found, so one error can list all of them.
 * `coerce` may turn an interpolated string into another value (e.g. `"20"` into `20` for a number option).
 */
export function interpolateTree(
  value: unknown,
  env: EnvRecord,
  path: readonly string[] = [],
  coerce?: (path: readonly string[], value: string) => unknown,
): { value: unknown; problems: InterpolationProblem[] } {
  const problems: InterpolationProblem[] = []
  const walk = (node: unknown, at: readonly string[]): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node
      const result = interpolateString(node, env)
      for (const name of result.missing) {
        problems.push({
          path: at,
          message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
        })
      }
      for (const what of result.invalid) problems.push({ path: at, message: `bad interpolation: ${what}` })
      return coerce && hasReference(node) ? coerce(at, result.value) : result.value
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...at, String(index)]))
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {}
      for (const [key, child] of Object.entries(node)) out[key] = walk(child, [...at, key])
      return out
    }
    return node
  }
  return { value: walk(value, path), problems }
}

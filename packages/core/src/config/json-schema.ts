import { z } from 'zod'
import { poolConfigSchema } from './schema.js'

/** A JSON Schema document (draft 2020-12): the keywords this schema uses, and any other. */
export interface JsonSchema {
  $schema?: string
  title?: string
  description?: string
  type?: string | string[]
  properties?: Record<string, JsonSchema | boolean>
  additionalProperties?: JsonSchema | boolean
  required?: string[]
  default?: unknown
  enum?: unknown[]
  anyOf?: (JsonSchema | boolean)[]
  minimum?: number
  maximum?: number
  [keyword: string]: unknown
}

/** The JSON Schema dialect of {@link poolConfigJsonSchema}. */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema'

/**
 * The pool configuration as a JSON Schema (draft 2020-12) of the input form: every key optional,
 * defaults and descriptions included, unknown keys rejected (`additionalProperties: false`), so
 * editors complete and check JSON config files. Generated from the same zod schema
 * `parsePoolConfig` uses, so the two cannot drift.
 *
 * One extra top-level property, `$schema`, is allowed here only: it lets a JSON file point at this
 * schema (`"$schema": "./node_modules/@pools/core/pool-config.schema.json"`). `parsePoolConfig`
 * rejects it like any unknown key, so drop it before parsing:
 * `const { $schema, ...input } = JSON.parse(text)`.
 *
 * Cross-option rules (`min` ≤ `max`, `leakReclaimAfterMs` ≥ `leakDetectionThresholdMs`, ...)
 * cannot be expressed here; `parsePoolConfig` checks them.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs'
 * writeFileSync('pool-config.schema.json', `${JSON.stringify(poolConfigJsonSchema(), null, 2)}\n`)
 * ```
 */
export function poolConfigJsonSchema(): JsonSchema {
  // structuredClone drops zod's non-enumerable "~standard" helper and gives the caller an object it may change.
  const {
    $schema: _dialect,
    description,
    properties,
    ...rest
  } = structuredClone(z.toJSONSchema(poolConfigSchema, { io: 'input', target: 'draft-2020-12' })) as JsonSchema
  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: '@pools pool configuration',
    description: `${description ?? '@pools connection pool configuration'}. Every key is optional; unset keys take the default shown. Durations are in milliseconds.`,
    ...rest,
    properties: {
      $schema: {
        type: 'string',
        description:
          'Path or URL of this JSON Schema, for editor completion. Not a pool option: remove it before parsePoolConfig().',
      },
      ...properties,
    },
  }
}

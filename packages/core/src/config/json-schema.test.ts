import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { JSON_SCHEMA_DIALECT, type JsonSchema, poolConfigJsonSchema } from './json-schema.js'
import { parsePoolConfig } from './parse-pool-config.js'
import { healthSchema, poolConfigSchema, retrySchema } from './schema.js'

/** A sub-schema as an object (JSON Schema also allows `true`/`false` there). */
function objectSchema(value: JsonSchema | boolean | undefined): JsonSchema {
  expect(typeof value).toBe('object')
  return value as JsonSchema
}

function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  const properties = schema.properties
  expect(properties).toBeTypeOf('object')
  return Object.fromEntries(Object.entries(properties ?? {}).map(([key, value]) => [key, objectSchema(value)]))
}

describe('poolConfigJsonSchema', () => {
  const schema = poolConfigJsonSchema()
  const properties = propertiesOf(schema)

  it('is a draft 2020-12 object schema with a title and description', () => {
    expect(schema.$schema).toBe(JSON_SCHEMA_DIALECT)
    expect(JSON_SCHEMA_DIALECT).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.type).toBe('object')
    expect(schema.title).toBe('@pools pool configuration')
    expect(schema.description).toContain('@pools connection pool configuration')
  })

  it('describes the input form: nothing required', () => {
    expect(schema.required ?? []).toEqual([])
  })

  it('has a property for every option, plus $schema, and nothing else', () => {
    expect(Object.keys(properties).sort()).toEqual(['$schema', ...Object.keys(poolConfigSchema.shape)].sort())
    expect(properties.$schema?.type).toBe('string')
  })

  it('keeps additionalProperties: false at the top and in retry and health', () => {
    expect(schema.additionalProperties).toBe(false)
    expect(properties.retry?.additionalProperties).toBe(false)
    expect(properties.health?.additionalProperties).toBe(false)
  })

  it('has every retry and health key', () => {
    expect(Object.keys(propertiesOf(objectSchema(properties.retry))).sort()).toEqual(
      Object.keys(retrySchema.shape).sort(),
    )
    expect(Object.keys(propertiesOf(objectSchema(properties.health))).sort()).toEqual(
      Object.keys(healthSchema.shape).sort(),
    )
  })

  it('carries the same defaults parsePoolConfig applies', () => {
    const resolved = parsePoolConfig({}) as unknown as Record<string, unknown>
    for (const [key, property] of Object.entries(properties)) {
      if (key === '$schema' || key === 'maxPending' || key === 'maxIdle' || key === 'maxLifetimeJitterMs') {
        // No static default: unset means unbounded / derived from maxLifetimeMs.
        expect(property).not.toHaveProperty('default')
        continue
      }
      expect(property.default, key).toEqual(resolved[key])
    }
    const retryDefaults = propertiesOf(objectSchema(properties.retry))
    expect(retryDefaults.maxDelayMs?.default).toBe(10_000)
    const healthDefaults = propertiesOf(objectSchema(properties.health))
    expect(healthDefaults.windowMs?.default).toBe(60_000)
  })

  it('keeps a description on every property, nested ones included', () => {
    const nested = [properties.retry, properties.health].flatMap((group) =>
      Object.values(propertiesOf(objectSchema(group))),
    )
    for (const property of [...Object.values(properties), ...nested]) {
      expect(property.description).toBeTypeOf('string')
      expect(property.description?.length).toBeGreaterThan(10)
    }
    expect(properties.idleTimeoutMs?.description).toContain('0 = never')
  })

  it('keeps types and ranges', () => {
    expect(properties.max).toMatchObject({ type: 'integer', minimum: 1 })
    expect(properties.acquireTimeoutMs).toMatchObject({ type: 'integer', minimum: 0 })
    expect(properties.createTimeoutMs).toMatchObject({ type: 'integer', minimum: 1 })
    expect(properties.validateOnBorrow).toMatchObject({ type: 'boolean' })
    expect(properties.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 120 })
    expect(propertiesOf(objectSchema(properties.retry)).jitterRatio).toMatchObject({ minimum: 0, maximum: 1 })
  })

  it('is plain JSON and a fresh object on every call', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema)
    const other = poolConfigJsonSchema()
    expect(other).toEqual(schema)
    other.title = 'changed'
    expect(poolConfigJsonSchema().title).toBe('@pools pool configuration')
  })

  it('matches the checked-in pool-config.schema.json (regenerate with scripts/write-json-schema.mjs)', () => {
    const file = new URL('../../pool-config.schema.json', import.meta.url)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(schema)
  })
})

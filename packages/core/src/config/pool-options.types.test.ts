import { describe, expect, expectTypeOf, it } from 'vitest'
import type { HealthConfig, HealthOptions, PoolConfig, PoolOptions, RetryConfig, RetryOptions } from './pool-options.js'
import {
  type HealthSchemaInput,
  healthSchema,
  poolConfigSchema,
  type RetrySchemaInput,
  retrySchema,
  type SchemaInput,
  type SchemaOutput,
} from './schema.js'

// Compiled by `npm run typecheck` (tsc) as well as run by vitest: a drift between the hand-written,
// documented types and the zod schema fails the typecheck.

/** The resolved config as the schema defines it (what parsePoolConfig builds from the schema output). */
type ResolvedFromSchema = Flatten<
  Readonly<
    Omit<SchemaOutput, 'preset' | 'maxPending' | 'maxIdle' | 'maxLifetimeJitterMs' | 'retry' | 'health'> & {
      maxPending: number
      maxIdle: number
      maxLifetimeJitterMs: number
      retry: Readonly<SchemaOutput['retry']>
      health: Readonly<SchemaOutput['health']>
    }
  >
>
type Flatten<T> = { [K in keyof T]: T[K] }

describe('PoolOptions is exactly the schema', () => {
  it('PoolOptions, RetryOptions and HealthOptions are the zod input types', () => {
    expectTypeOf<PoolOptions>().toEqualTypeOf<SchemaInput>()
    expectTypeOf<RetryOptions>().toEqualTypeOf<RetrySchemaInput>()
    expectTypeOf<HealthOptions>().toEqualTypeOf<HealthSchemaInput>()
  })

  it('PoolConfig, RetryConfig and HealthConfig are the resolved zod output types', () => {
    expectTypeOf<PoolConfig>().toEqualTypeOf<ResolvedFromSchema>()
    expectTypeOf<RetryConfig>().toEqualTypeOf<Readonly<SchemaOutput['retry']>>()
    expectTypeOf<HealthConfig>().toEqualTypeOf<Readonly<SchemaOutput['health']>>()
  })

  it('has the same keys at run time (the types cannot see a key zod strips)', () => {
    const keys: Record<keyof PoolOptions, true> = Object.fromEntries(
      Object.keys(poolConfigSchema.shape).map((key) => [key, true]),
    ) as Record<keyof PoolOptions, true>
    expect(Object.keys(keys).sort()).toEqual(Object.keys(poolConfigSchema.shape).sort())
    expect(Object.keys(retrySchema.shape).sort()).toEqual([
      'initialDelayMs',
      'jitterRatio',
      'maxDelayMs',
      'multiplier',
    ] satisfies (keyof RetryOptions)[])
    expect(Object.keys(healthSchema.shape)).toHaveLength(10)
  })
})

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} in plain strings is the interpolation syntax of config files
import { type JsonSchema, poolConfigJsonSchema, presetNames } from '../index.js'
import { DRIVERS } from './resolve-pool-entry.js'

/**
 * The JSON Schema (draft 2020-12) of a pools config file, for completion in `pools.config.json`
 * and `pools.config.yaml` (`"$schema": "./node_modules/@pools/core/pools-config.schema.json"`).
 * Each pool is the one pool schema plus `extends` (a preset name) and `connection`; profiles
 * (`$development`, `$test`, `$production`, `$env.<name>`) take the same pools with every key optional.
 * Generated from the schema `parsePoolConfig` uses, so it cannot drift.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs'
 * import { poolsConfigJsonSchema } from '@pools/core/config-file'
 * writeFileSync('pools-config.schema.json', JSON.stringify(poolsConfigJsonSchema(), null, 2))
 * ```
 */
export function poolsConfigJsonSchema(): JsonSchema {
  const { $schema: dialect, title: _title, description: _description, properties, ...rest } = poolConfigJsonSchema()
  const { $schema: _ownSchema, ...options } = properties ?? {}
  const connection: JsonSchema = {
    description:
      'Where the pool connects: a connection URL, or driver settings. Other keys go to the driver as they are.',
    anyOf: [
      { type: 'string', description: 'Connection URL, e.g. "${DATABASE_URL}".' },
      {
        type: 'object',
        properties: {
          driver: { type: 'string', enum: [...DRIVERS], description: 'Default: from the URL scheme.' },
          url: { type: 'string', description: 'Connection URL; its pool parameters become pool options.' },
          host: { type: 'string' },
          port: { anyOf: [{ type: 'integer', minimum: 1, maximum: 65_535 }, { type: 'string' }] },
          user: { type: 'string' },
          password: { type: 'string', description: 'Keep secrets out of the file: "${DB_PASSWORD}".' },
          database: { type: 'string' },
          ssl: { description: 'TLS settings as the driver takes them.' },
        },
        additionalProperties: true,
      },
    ],
  }
  const pool: JsonSchema = {
    ...rest,
    type: 'object',
    description: 'One named pool: a preset to start from, where to connect, and any pool option.',
    properties: {
      extends: {
        type: 'string',
        enum: [...presetNames],
        description: 'Start from this preset; other keys override it.',
      },
      connection,
      ...options,
    },
    additionalProperties: false,
  }
  const pools: JsonSchema = {
    type: 'object',
    description: 'Pools by name.',
    additionalProperties: { $ref: '#/$defs/pool' },
  }
  const profile: JsonSchema = {
    type: 'object',
    description: 'Overrides merged over the base when this profile is selected (POOLS_ENV, then NODE_ENV).',
    properties: { pools },
    additionalProperties: false,
  }
  return {
    $schema: dialect,
    title: '@pools config file',
    description: 'pools.config.{json,yaml,ts,...}: named pools, presets, connections and environment profiles.',
    type: 'object',
    properties: {
      $schema: { type: 'string', description: 'Path or URL of this JSON Schema, for editor completion.' },
      pools,
      $development: profile,
      $test: profile,
      $production: profile,
      $env: { type: 'object', description: 'Other profiles by name.', additionalProperties: profile },
    },
    required: ['pools'],
    additionalProperties: false,
    $defs: { pool },
  }
}

import type { PoolOptions, RetryOptions } from './pool-options.js'

/** A top-level option, or a nested one as `retry.<key>` / `health.<key>`. */
export type OptionPath = Exclude<keyof PoolOptions, 'retry' | 'health' | 'preset'> | `retry.${keyof RetryOptions}`

/** The unit a source writes a value in; seconds are converted to ms (rounded up, never down to 0). */
export type SourceUnit = 'count' | 'ms' | 'seconds' | 'boolean' | 'text'

/**
 * What the source's `0` means, in engine terms:
 * - `zero`: the same as the engine's `0` for that option;
 * - `off`: "no limit": the option's off value (`0`, or `NO_TIMEOUT_MS` for `createTimeoutMs` / `destroyTimeoutMs`);
 * - `unset`: the option is left unset (the preset or default applies): "use the default", or a "no connect
 *   timeout" `0`, since one connect attempt must stay bounded by `createTimeoutMs` (the wait for a
 *   resource is unbounded through `acquireTimeoutMs: 0` instead);
 * - `one`: the smallest real value, `1` (mysql2's `idleTimeout: 0` expires at once; generic-pool's `max: 0` is 1).
 *
 * `Infinity` means the option's off value where the row's `0` does (`off`), is left unset where the row's
 * `0` is (`unset`, durations only), and is refused otherwise.
 */
export type ZeroMeaning = 'zero' | 'off' | 'unset' | 'one'

/** One engine option a source key sets. */
export interface OptionTarget {
  readonly option: OptionPath
  /** What the source's `0` means. Default `zero`. */
  readonly zero?: ZeroMeaning
}

/**
 * One row of a dialect's mapping table: a key as the source spells it, and what it sets.
 *
 * @example
 * ```ts
 * const row: OptionMapping = { key: 'idleTimeoutMillis', unit: 'ms', targets: [{ option: 'idleTimeoutMs', zero: 'off' }], note: '' }
 * ```
 */
export interface OptionMapping {
  /** The key (`idleTimeoutMillis`), a URL parameter, or a path into a nested object (`pool.max`, `extra.max`). */
  readonly key: string
  readonly unit: SourceUnit
  /** The engine options it sets; empty when it is not a pool option (the driver or the facade keeps it). */
  readonly targets: readonly OptionTarget[]
  /** Only applies when no other key of the same source set the same option (an alias, a weaker source). */
  readonly fallback?: boolean
  /** URL parameters only: read, and also left in the URL for the driver. */
  readonly keep?: boolean
  /** The facade computes the value itself (described in `note`); the table documents it. */
  readonly custom?: boolean
  /** The smallest value the source accepts (counts). Default 0. */
  readonly min?: number
  /** One line: the source's meaning where it differs, and anything a user must know. */
  readonly note: string
}

/** How a dialect reads values: each driver is copied exactly, including its leniency. */
export type ValueReading =
  /** URL text: whole numbers for counts and ms, decimals for seconds, `true`/`false`/`1`/`0`. */
  | 'url'
  /** pg-pool: `Number(x)` (strings too); `null`, `false` and `''` are 0; NaN and negatives are refused. */
  | 'pg'
  /** mysql2: `isNaN(x)` means "not given"; otherwise a whole number of at least the row's `min`. */
  | 'mysql2'
  /** generic-pool: `parseInt(x, 10)`; falsy or NaN means "not given"; counts are clamped to the row's `min`. */
  | 'generic-pool'
  /** Typed options (knex, TypeORM): numbers must be numbers ≥ 0, booleans booleans, text strings. */
  | 'strict'

/** The identifier of a built-in dialect. */
export type DialectId = 'pg' | 'mysql2' | 'generic-pool' | 'knex' | 'typeorm' | 'postgres-url' | 'mysql-url'

/**
 * One source of options (a driver, a framework, a URL), as data: used by the facades, `configFromUrl` and the docs.
 *
 * @example
 * ```ts
 * const mine: OptionDialect = { ...typeormDialect, id: 'typeorm', mappings: [...typeormDialect.mappings] }
 * ```
 */
export interface OptionDialect {
  readonly id: DialectId
  /** Where the options come from, for docs and messages ("pg-pool options"). */
  readonly title: string
  /** How a key is named in error messages ("pg option", "URL parameter"). */
  readonly label: string
  readonly reading: ValueReading
  /** Two keys setting one option differently: an error, or the smaller value wins. Default `error`. */
  readonly onConflict?: 'error' | 'smallest'
  /** The source's own defaults, in engine terms. A facade applies them unless a preset is named. */
  readonly defaults: Readonly<PoolOptions>
  /** Facade behaviour kept even under a preset (a preset may still override it). */
  readonly behaviour: Readonly<PoolOptions>
  readonly mappings: readonly OptionMapping[]
}

const row = (
  key: string,
  unit: SourceUnit,
  targets: OptionPath | readonly OptionTarget[] | null,
  note: string,
  extra: Partial<Pick<OptionMapping, 'fallback' | 'keep' | 'custom' | 'min'>> = {},
): OptionMapping =>
  Object.freeze({
    key,
    unit,
    targets: Object.freeze(targets === null ? [] : typeof targets === 'string' ? [{ option: targets }] : targets),
    note,
    ...extra,
  })

const to = (option: OptionPath, zero: ZeroMeaning = 'zero'): OptionTarget => Object.freeze({ option, zero })

// Rows shared by tables (a URL table reuses its driver's rows, so the facade and configFromUrl cannot disagree).
const pgRows: readonly OptionMapping[] = [
  row('max', 'count', [to('max', 'unset')], 'pg-pool reads `max || 10`: 0 means its default'),
  row('poolSize', 'count', [to('max', 'unset')], "pg-pool's old name for `max`; `max` wins", { fallback: true }),
  row('min', 'count', 'min', ''),
  row('idleTimeoutMillis', 'ms', [to('idleTimeoutMs', 'off')], '0: never close idle clients, in both'),
  row(
    'connectionTimeoutMillis',
    'ms',
    [to('acquireTimeoutMs', 'off'), to('createTimeoutMs', 'unset')],
    'in pg.Pool it bounds the wait in the queue and the connect; 0: wait forever, while one connect attempt stays bounded by `createTimeoutMs`',
  ),
  row('maxUses', 'count', [to('maxUses', 'off')], '0 or Infinity: unlimited, in both'),
  row('maxLifetimeSeconds', 'seconds', [to('maxLifetimeMs', 'off')], '0: no lifetime limit, in both'),
  row('allowExitOnIdle', 'boolean', 'allowExitOnIdle', ''),
]

const pgFacadeRows: readonly OptionMapping[] = [
  ...pgRows,
  row('application_name', 'text', 'name', 'names the pool (first 120 characters) and is still sent by each Client', {
    fallback: true,
  }),
  row('verify', 'text', null, 'called by the pg facade after each connect, as pg-pool does'),
  row('log', 'text', null, "pg-pool's debug logger; accepted and ignored (use the engine's events)"),
  row('Client', 'text', null, 'the Client class each connection is made with'),
  row('Promise', 'text', null, 'accepted and ignored: the facade returns native promises'),
]

const prismaRows: readonly OptionMapping[] = [
  row('connection_limit', 'count', 'max', 'Prisma', { min: 1 }),
  row('pool_timeout', 'seconds', [to('acquireTimeoutMs', 'off')], 'Prisma; 0: no timeout, in both'),
  row(
    'connect_timeout',
    'seconds',
    [to('createTimeoutMs', 'unset')],
    'Prisma and libpq; 0 ("no connect timeout"): one attempt stays bounded by `createTimeoutMs`',
  ),
  row('max_idle_connection_lifetime', 'seconds', [to('idleTimeoutMs', 'off')], 'Prisma; 0: never, in both'),
  row('max_connection_lifetime', 'seconds', [to('maxLifetimeMs', 'off')], 'Prisma; 0: never, in both'),
]

const mysql2Rows: readonly OptionMapping[] = [
  row(
    'connectionLimit',
    'count',
    'max',
    'mysql2 reads 0 as "no limit"; an unbounded pool is refused here (1 to MAX_POOL_SIZE)',
    {
      min: 1,
    },
  ),
  row(
    'queueLimit',
    'count',
    [to('maxPending', 'unset')],
    '0: an unbounded queue in mysql2, so `maxPending` stays unset',
  ),
  row(
    'idleTimeout',
    'ms',
    [to('idleTimeoutMs', 'one')],
    "mysql2 treats 0 as already expired; the engine's 0 would mean never, so it becomes 1",
  ),
  row(
    'maxIdle',
    'count',
    'maxIdle',
    'caps idle connections; never closes below `min`; at or above `connectionLimit`: no cap',
  ),
  row(
    'connectTimeout',
    'ms',
    [to('createTimeoutMs', 'unset')],
    'still sent to mysql2 for the socket; 0 ("no connect timeout"): one attempt stays bounded by `createTimeoutMs`',
  ),
  row(
    'acquireTimeout',
    'ms',
    [to('acquireTimeoutMs', 'off')],
    "mysql's pool option (mysql2 ignores it); 0: no timeout",
  ),
]

const freezeDialect = (dialect: OptionDialect): OptionDialect =>
  Object.freeze({
    ...dialect,
    defaults: Object.freeze({ ...dialect.defaults }),
    behaviour: Object.freeze({ ...dialect.behaviour }),
    mappings: Object.freeze([...dialect.mappings]),
  })

/**
 * pg-pool's options (`new Pool({...})` of `@pools/core/pg`).
 *
 * @example
 * ```ts
 * translateOptions(pgDialect, { max: 20, idleTimeoutMillis: 0 }) // { max: 20, idleTimeoutMs: 0 }
 * ```
 */
export const pgDialect: OptionDialect = freezeDialect({
  id: 'pg',
  title: 'pg-pool options',
  label: 'pg option',
  reading: 'pg',
  defaults: {
    max: 10,
    min: 0,
    idleTimeoutMs: 10_000,
    acquireTimeoutMs: 0,
    maxLifetimeMs: 0,
    maxUses: 0,
    allowExitOnIdle: false,
  },
  // pg-pool rejects the connect() whose new client failed to connect, at once
  behaviour: { name: 'pg', failWaiterOnCreateError: true },
  mappings: pgFacadeRows,
})

/**
 * mysql2's pool options (`createPool({...})` of `@pools/core/mysql2`), also read from a URL string.
 *
 * @example
 * ```ts
 * translateOptions(mysql2Dialect, { connectionLimit: 5, queueLimit: 0 }) // { max: 5 }
 * ```
 */
export const mysql2Dialect: OptionDialect = freezeDialect({
  id: 'mysql2',
  title: 'mysql2 pool options',
  label: 'mysql2 option',
  reading: 'mysql2',
  defaults: { max: 10, idleTimeoutMs: 60_000 },
  behaviour: {},
  mappings: [
    ...mysql2Rows,
    row('waitForConnections', 'boolean', null, 'false: fail at once when all are in use (the facade does this)'),
    row('resetOnRelease', 'boolean', null, "the facade's session cleanup: 'rollback' (default), true or false"),
  ],
})

/**
 * generic-pool 3.x options (`createPool(factory, {...})` of `@pools/core/generic-pool`).
 *
 * @example
 * ```ts
 * translateOptions(genericPoolDialect, { max: 4, testOnBorrow: true }) // { max: 4, validateOnBorrow: true }
 * ```
 */
export const genericPoolDialect: OptionDialect = freezeDialect({
  id: 'generic-pool',
  title: 'generic-pool options',
  label: 'generic-pool option',
  reading: 'generic-pool',
  defaults: {
    max: 1,
    min: 0,
    acquireTimeoutMs: 0,
    idleTimeoutMs: 30_000,
    maxLifetimeMs: 0,
    validateOnBorrow: false,
    validateOnRelease: false,
  },
  // generic-pool validates on every borrow it validates at all
  behaviour: { validationBypassMs: 0 },
  mappings: [
    row('max', 'count', [to('max', 'one')], 'below 1 (or junk) is 1, as in generic-pool', { min: 1 }),
    row('min', 'count', 'min', "capped at `max` (generic-pool's own `max`, default 1), as in generic-pool", {
      custom: true,
    }),
    row('maxWaitingClients', 'count', null, "enforced by the facade, with generic-pool's error"),
    row('testOnBorrow', 'boolean', 'validateOnBorrow', 'only `true` turns it on'),
    row('testOnReturn', 'boolean', 'validateOnRelease', 'only `true` turns it on (generic-pool 3.x never ran it)'),
    row('acquireTimeoutMillis', 'ms', [to('acquireTimeoutMs', 'unset')], 'unset or 0: wait forever'),
    row('destroyTimeoutMillis', 'ms', [to('destroyTimeoutMs', 'unset')], "unset or 0: the engine's default"),
    row(
      'idleTimeoutMillis',
      'ms',
      [to('idleTimeoutMs', 'unset')],
      'default 30 000; with `softIdleTimeoutMillis`, the smaller of the two; never below `min` here',
      { custom: true },
    ),
    row('softIdleTimeoutMillis', 'ms', [to('idleTimeoutMs', 'unset')], 'see `idleTimeoutMillis`', { custom: true }),
    row(
      'evictionRunIntervalMillis',
      'ms',
      [to('housekeepingIntervalMs', 'unset'), to('idleTimeoutMs', 'zero')],
      'unset: the engine evicts anyway (every second); 0: never evict idle resources (`idleTimeoutMs: 0`)',
      { custom: true },
    ),
    row('fifo', 'boolean', null, 'accepted and ignored: the engine lends the most recently returned resource (LIFO)'),
    row('priorityRange', 'count', null, 'the facade maps priorities onto high / normal / low'),
    row('autostart', 'boolean', null, 'false: `min` is created on start() or the first acquire'),
    row('numTestsPerEvictionRun', 'count', null, 'accepted and ignored: every idle resource is checked each pass'),
    row('Promise', 'text', null, 'the promise library of returned promises'),
  ],
})

/**
 * knex's pool options (tarn.js, `pool: {...}`) and its `acquireConnectionTimeout`. For framework packages.
 *
 * @example
 * ```ts
 * const driver = translateOptions(knexDialect, knexConfig)
 * const options = mergeOptionLayers({ defaults: knexDialect.defaults, driver, pools: knexConfig.pools })
 * ```
 */
export const knexDialect: OptionDialect = freezeDialect({
  id: 'knex',
  title: 'knex options',
  label: 'knex option',
  reading: 'strict',
  onConflict: 'smallest',
  defaults: {
    min: 2,
    max: 10,
    acquireTimeoutMs: 60_000,
    createTimeoutMs: 30_000,
    destroyTimeoutMs: 5_000,
    idleTimeoutMs: 30_000,
    housekeepingIntervalMs: 1_000,
    maxLifetimeMs: 0,
    retry: { initialDelayMs: 200, maxDelayMs: 200, multiplier: 1 },
    failWaiterOnCreateError: true,
  },
  behaviour: {},
  mappings: [
    row('pool.min', 'count', 'min', 'knex default 2'),
    row('pool.max', 'count', 'max', 'knex default 10; tarn refuses 0', { min: 1 }),
    row('pool.idleTimeoutMillis', 'ms', [to('idleTimeoutMs', 'unset')], 'tarn reads 0 as its default (30 000)'),
    row(
      'pool.acquireTimeoutMillis',
      'ms',
      [to('acquireTimeoutMs', 'unset')],
      'tarn reads 0 as its default; with `acquireConnectionTimeout`, the smaller wins',
    ),
    row(
      'acquireConnectionTimeout',
      'ms',
      [to('acquireTimeoutMs', 'unset')],
      "knex's own acquire timeout (default 60 000); with `pool.acquireTimeoutMillis`, the smaller wins",
    ),
    row('pool.createTimeoutMillis', 'ms', [to('createTimeoutMs', 'unset')], 'tarn reads 0 as its default (30 000)'),
    row('pool.destroyTimeoutMillis', 'ms', [to('destroyTimeoutMs', 'unset')], 'tarn reads 0 as its default (5 000)'),
    row(
      'pool.reapIntervalMillis',
      'ms',
      [to('housekeepingIntervalMs', 'unset')],
      'tarn reads 0 as its default (1 000)',
    ),
    row(
      'pool.createRetryIntervalMillis',
      'ms',
      [to('retry.initialDelayMs', 'unset'), to('retry.maxDelayMs', 'unset')],
      "tarn retries at a fixed interval: both bounds of the backoff (keep `retry.multiplier: 1` from knex's defaults)",
    ),
    row(
      'pool.propagateCreateError',
      'boolean',
      'failWaiterOnCreateError',
      'knex default true: a failed create rejects the waiting acquire',
    ),
  ],
})

/**
 * TypeORM's pool-related DataSource options (postgres and mysql drivers). For framework packages.
 *
 * @example
 * ```ts
 * translateOptions(typeormDialect, { poolSize: 5, applicationName: 'shop' }) // { max: 5, name: 'shop' }
 * ```
 */
export const typeormDialect: OptionDialect = freezeDialect({
  id: 'typeorm',
  title: 'TypeORM options',
  label: 'TypeORM option',
  reading: 'strict',
  defaults: {},
  behaviour: {},
  mappings: [
    row('poolSize', 'count', 'max', 'TypeORM passes it to the driver as `max` / `connectionLimit`; `extra` wins', {
      fallback: true,
      min: 1,
    }),
    row('extra.max', 'count', [to('max', 'unset')], 'postgres driver (pg-pool)'),
    row('extra.connectionLimit', 'count', 'max', 'mysql driver (mysql2)', { min: 1 }),
    row('extra.min', 'count', 'min', 'postgres driver (pg-pool)'),
    row('extra.idleTimeoutMillis', 'ms', [to('idleTimeoutMs', 'off')], 'postgres driver; 0: never'),
    row(
      'extra.connectionTimeoutMillis',
      'ms',
      [to('acquireTimeoutMs', 'off'), to('createTimeoutMs', 'unset')],
      'postgres driver; as pg-pool',
    ),
    row('extra.queueLimit', 'count', [to('maxPending', 'unset')], 'mysql driver; 0: unbounded'),
    row('extra.idleTimeout', 'ms', [to('idleTimeoutMs', 'one')], 'mysql driver; as mysql2'),
    row(
      'connectTimeoutMS',
      'ms',
      [to('createTimeoutMs', 'unset')],
      'mysql driver; 0: one attempt stays bounded by `createTimeoutMs`',
    ),
    row('applicationName', 'text', 'name', 'names the pool; still sent to the server', { fallback: true }),
  ],
})

/**
 * Pool parameters of postgres:// URLs: Prisma's, pg-pool's (the very rows of {@link pgDialect}), and the
 * libpq ones that stay with the driver. `configFromUrl` uses it for `postgres:` and `postgresql:` URLs.
 *
 * @example
 * ```ts
 * postgresUrlDialect.mappings.map((m) => m.key) // ['connection_limit', 'pool_timeout', ...]
 * ```
 */
export const postgresUrlDialect: OptionDialect = freezeDialect({
  id: 'postgres-url',
  title: 'postgres:// URL parameters',
  label: 'URL parameter',
  reading: 'url',
  defaults: {},
  behaviour: {},
  mappings: [
    ...prismaRows,
    ...pgRows,
    row('application_name', 'text', 'name', 'names the pool (when `pool.name` does not)', {
      fallback: true,
      keep: true,
    }),
    row('sslmode', 'text', null, "TLS is the driver's", { keep: true }),
    row(
      'pgbouncer',
      'boolean',
      null,
      "Prisma's transaction-pooler flag; the pg drop-in does not read it: give its Pool `poolerMode: 'transaction'` instead",
      {
        keep: true,
      },
    ),
  ],
})

/**
 * Pool parameters of mysql:// URLs: Prisma's and mysql2's (the very rows of {@link mysql2Dialect}).
 * `configFromUrl` uses it for `mysql:`, `mysqlx:` and `mariadb:` URLs.
 *
 * @example
 * ```ts
 * configFromUrl('mysql://db/app?connectionLimit=5').config // { max: 5 }
 * ```
 */
export const mysqlUrlDialect: OptionDialect = freezeDialect({
  id: 'mysql-url',
  title: 'mysql:// URL parameters',
  label: 'URL parameter',
  reading: 'url',
  defaults: {},
  behaviour: {},
  mappings: [...prismaRows, ...mysql2Rows],
})

/**
 * Every built-in option table, by id: one per dialect, as data (key → engine option, unit, what the
 * source's `0` means, a note). The drop-ins, `configFromUrl` and the docs all read these, so they
 * cannot disagree; framework packages (Knex, TypeORM) reuse them through {@link translateOptions}.
 *
 * @example
 * ```ts
 * import { optionDialects } from '@pools/core'
 * optionDialects.pg.mappings.find((m) => m.key === 'idleTimeoutMillis')?.targets // [{ option: 'idleTimeoutMs', zero: 'off' }]
 * ```
 */
export const optionDialects: Readonly<Record<DialectId, OptionDialect>> = Object.freeze({
  pg: pgDialect,
  mysql2: mysql2Dialect,
  'generic-pool': genericPoolDialect,
  knex: knexDialect,
  typeorm: typeormDialect,
  'postgres-url': postgresUrlDialect,
  'mysql-url': mysqlUrlDialect,
})

import type { PoolErrorCode } from '../errors/pool-error.js'
import type { AcquirePriority, PoolEventName, PoolEvents } from '../events/pool-events.js'
import type { HealthCheckName, HealthStatus, PoolHealth } from '../health/pool-health.js'
import type { LatencySummary } from '../stats/histogram.js'
import type { DestroyReason, PoolCounters, PoolState, PoolStats } from '../stats/pool-stats.js'

/**
 * The casing rules every public name follows. One rule per kind of name; the tests check every
 * list below against its rule.
 *
 * @example
 * ```ts
 * CASING_RULES.map((r) => r.rule)
 * ```
 */
export const CASING_RULES: readonly { readonly kind: string; readonly rule: string; readonly example: string }[] =
  Object.freeze([
    {
      kind: 'config keys, event names, stats fields, payload fields',
      rule: 'lowerCamelCase; a duration ends in `Ms` (milliseconds), a share in `Ratio` or `Rate`',
      example: '`acquireTimeoutMs`, `createError`, `leakSuspects`, `retryInMs`',
    },
    {
      kind: 'error codes',
      rule: '`POOL_` + UPPER_SNAKE_CASE, subject first, then what happened to it',
      example: '`POOL_ACQUIRE_TIMEOUT`, `POOL_CONFIG_INVALID`',
    },
    {
      kind: 'string values (destroy reasons, health checks and statuses, states, presets, priorities, phases)',
      rule: 'lowercase kebab-case',
      example: '`idle-timeout`, `create-errors`, `high-throughput`',
    },
    {
      kind: 'foreign keys (driver options, URL parameters)',
      rule: 'spelled exactly as their source spells them, and only in the option tables (`optionDialects`)',
      example: '`idleTimeoutMillis`, `connection_limit`',
    },
  ])

/**
 * One word per concept. `word` is the one to use in code, config, events, stats, errors, docs and
 * log lines; `avoid` lists the synonyms it replaces.
 *
 * @example
 * ```ts
 * CONCEPTS.find((c) => c.word === 'pending')?.avoid // 'waiting, queued, waiters'
 * ```
 */
export const CONCEPTS: readonly { readonly word: string; readonly meaning: string; readonly avoid: string }[] =
  Object.freeze([
    { word: 'resource', meaning: 'what the pool holds: a connection, a client, a socket', avoid: 'object, item, conn' },
    { word: 'create', meaning: 'the driver opens a new resource', avoid: 'connect, open, spawn' },
    { word: 'destroy', meaning: 'the driver closes a resource for good', avoid: 'close (a resource), end, kill' },
    { word: 'acquire', meaning: 'a caller asks for a resource (and may wait)', avoid: 'checkout, get, connect' },
    {
      word: 'borrowed',
      meaning: 'lent to a caller, between acquire and release',
      avoid: 'active, in use, checked out',
    },
    { word: 'release', meaning: 'a caller gives a borrowed resource back', avoid: 'return, checkin, free' },
    { word: 'idle', meaning: 'open and not borrowed', avoid: 'free, available' },
    { word: 'pending', meaning: 'callers queued for a resource', avoid: 'waiting, queued, waiters' },
    {
      word: 'queue',
      meaning: 'where pending callers wait, in priority order (`enqueue`, `POOL_QUEUE_FULL`)',
      avoid: 'wait list',
    },
    { word: 'validate', meaning: "the driver's check that a resource still works", avoid: 'test, ping' },
    { word: 'leak', meaning: 'a borrowed resource held past the leak threshold (a suspect)', avoid: 'stuck, hung' },
    { word: 'reclaim', meaning: 'destroy a leaked resource to free its slot', avoid: 'recover, steal' },
    { word: 'evict', meaning: 'destroy idle resources on request (`evictIdle()`)', avoid: 'purge, drain' },
    { word: 'lifetime', meaning: 'age of a resource since create', avoid: 'age, TTL' },
    {
      word: 'timeout',
      meaning:
        "a limit on how long one step may take: qualified (create, destroy, validation, idle), except that a bare `timeout`/`timeouts` is the acquire timeout, as in OpenTelemetry's `db.client.connection.timeouts`",
      avoid: 'deadline',
    },
    { word: 'close', meaning: 'shut the whole pool down', avoid: 'end, drain, shutdown' },
    {
      word: 'housekeeping',
      meaning: 'the one periodic pass (idle, lifetime, keepalive, leaks)',
      avoid: 'reaper, evictor, sweep',
    },
    { word: 'preset', meaning: 'a named set of options', avoid: 'profile, mode' },
  ])

/**
 * Every error code, with its one-line meaning. Keys are exactly `PoolErrorCode`.
 *
 * @example
 * ```ts
 * Object.keys(ERROR_CODES) // ['POOL_ACQUIRE_TIMEOUT', ...]
 * ```
 */
export const ERROR_CODES = Object.freeze({
  POOL_ACQUIRE_TIMEOUT: 'no resource became available within `acquireTimeoutMs`',
  POOL_ACQUIRE_ABORTED: "the acquire was cancelled through its caller's AbortSignal",
  POOL_QUEUE_FULL: '`maxPending` callers were already pending',
  POOL_CLOSED: 'the pool is closing or closed',
  POOL_CREATE_TIMEOUT: "the driver's create did not finish within `createTimeoutMs`",
  POOL_CREATE_FAILED: "the driver's create threw, rejected or returned nothing usable",
  POOL_DESTROY_FAILED: "the driver's destroy threw, rejected or outlasted `destroyTimeoutMs`",
  POOL_RESET_FAILED: "the driver's reset failed; the resource was destroyed instead of reused",
  POOL_RELEASE_INVALID: 'a release or destroy of something not borrowed from this pool',
  POOL_CONFIG_INVALID: 'an option is missing, of the wrong type, or out of range',
} satisfies Record<PoolErrorCode, string>)

/**
 * Every pool event, with when it is emitted. Keys are exactly `PoolEventName`.
 *
 * @example
 * ```ts
 * for (const name of Object.keys(EVENT_NAMES)) pool.on(name as PoolEventName, log)
 * ```
 */
export const EVENT_NAMES = Object.freeze({
  enqueue: 'an acquire had to wait: it joined the pending queue',
  acquire: 'an acquire got its resource',
  release: 'a borrowed resource came back',
  timeout: 'an acquire gave up after `acquireTimeoutMs`',
  abort: "an acquire was cancelled through its caller's AbortSignal",
  create: 'a resource was created',
  createError: 'a create failed (and when the next attempt is)',
  destroy: 'a resource was destroyed, with its destroy reason',
  validationFailed: 'validation found a resource unusable (on borrow, on release or while idle)',
  leak: 'a borrowed resource has been held past `leakDetectionThresholdMs`',
  leakReturned: 'a leak suspect came back, or was reclaimed',
  error: 'something failed in the background (a destroy, a reset, a listener); never thrown',
  suspend: '`suspend()` took effect',
  resume: '`resume()` took effect',
  resize: '`resize()` took effect',
  close: '`close()` started',
  closed: 'the pool is closed and every resource destroyed',
} satisfies Record<PoolEventName, string>)

type PayloadField = { [K in PoolEventName]: keyof PoolEvents<unknown>[K] }[PoolEventName]

/**
 * Every field of an event payload, with its meaning. Keys are exactly the payload fields of `PoolEvents`.
 *
 * @example
 * ```ts
 * EVENT_FIELDS.waitMs // 'how long the acquire waited, in ms'
 * ```
 */
export const EVENT_FIELDS = Object.freeze({
  id: 'correlation id of one acquire, repeated in its enqueue, acquire, timeout, abort, release and leak events',
  priority: 'priority of the acquire: high, normal or low',
  pending: 'callers pending after this one joined',
  resource: 'the resource concerned',
  waitMs: 'how long the acquire waited, in ms',
  heldMs: 'how long the resource has been borrowed, in ms',
  createMs: 'how long the create took, in ms',
  error: 'the error (a PoolError, or what a listener threw)',
  attempt: 'the number of the failed create attempt in the current failure streak',
  retryInMs: 'when the pool tries to create again, in ms (undefined: no demand left)',
  reason: 'the destroy reason',
  phase: 'when validation ran: borrow, release or idle',
  stack: 'stack of the acquire call site, when leak stacks are captured',
  reclaimed: 'true when the leak suspect was reclaimed rather than released',
  min: 'the new lower bound',
  max: 'the new upper bound',
  graceMs: 'how long close waits for borrowed resources, in ms',
} satisfies Record<PayloadField, string>)

/**
 * Every destroy reason, in the order of `DESTROY_REASONS`. Keys are exactly `DestroyReason`.
 *
 * @example
 * ```ts
 * DESTROY_REASON_MEANINGS['idle-timeout']
 * ```
 */
export const DESTROY_REASON_MEANINGS = Object.freeze({
  'idle-timeout': 'idle longer than `idleTimeoutMs` while above `min`',
  'max-idle': 'one idle resource too many (`maxIdle`) at a housekeeping pass, while above `min`',
  'max-lifetime': 'older than `maxLifetimeMs` (minus jitter)',
  'max-uses': 'borrowed `maxUses` times',
  'validation-failed': 'validation returned false, threw, rejected or timed out',
  broken: "the caller called `pool.destroy()`, or the driver's `isBroken()` said so",
  'reset-failed': "the driver's reset failed on release",
  'leak-reclaimed': 'held past `leakReclaimAfterMs` and reclaimed',
  resized: 'above the new `max` after `resize()`',
  evicted: 'destroyed by `evictIdle()`',
  closed: 'the pool closed',
  'close-forced': 'still borrowed when the close grace period ran out',
  'create-abandoned': 'arrived after its create timed out, or after the pool closed',
} satisfies Record<DestroyReason, string>)

/**
 * Every health check, with when it is not healthy. Keys are exactly `HealthCheckName`.
 *
 * @example
 * ```ts
 * HEALTH_CHECKS['acquire-wait']
 * ```
 */
export const HEALTH_CHECKS = Object.freeze({
  state: 'degraded while suspended; unhealthy while closing or closed',
  utilization: 'degraded when used / max reaches `health.degradedUtilization`',
  pending: 'degraded when pending callers reach `health.degradedPending`',
  timeouts: 'recent acquire timeouts reach `health.degradedAcquireTimeouts` / `health.unhealthyAcquireTimeouts`',
  'create-errors':
    'the recent share of failed creates reaches `health.degradedCreateErrorRate` / `unhealthyCreateErrorRate`',
  'acquire-wait': 'the recent acquire wait p95 reaches `health.degradedAcquireWaitP95Ms` / `unhealthyAcquireWaitP95Ms`',
  'leak-suspects': 'degraded when leak suspects reach `health.degradedLeakSuspects`',
} satisfies Record<HealthCheckName, string>)

/**
 * Every health status.
 *
 * @example
 * ```ts
 * Object.keys(HEALTH_STATUSES) // ['healthy', 'degraded', 'unhealthy']
 * ```
 */
export const HEALTH_STATUSES = Object.freeze({
  healthy: 'every check passes',
  degraded: 'working, but a check crossed its degraded threshold: for dashboards and alerts',
  unhealthy: 'a check crossed its unhealthy threshold: a readiness probe should fail',
} satisfies Record<HealthStatus, string>)

/**
 * The fields of `health().recent`.
 *
 * @example
 * ```ts
 * HEALTH_RECENT_FIELDS.acquireWaitP95Ms
 * ```
 */
export const HEALTH_RECENT_FIELDS = Object.freeze({
  windowMs: 'how far back the window looks, in ms (`health.windowMs`)',
  timeouts: 'acquire timeouts in the window',
  created: 'successful creates in the window',
  createErrors: 'failed creates in the window',
  acquireWaitP95Ms: 'p95 of the sampled acquire waits in the window, in ms',
} satisfies Record<keyof PoolHealth['recent'], string>)

/**
 * Every lifecycle state of a pool.
 *
 * @example
 * ```ts
 * POOL_STATES[pool.stats().state]
 * ```
 */
export const POOL_STATES = Object.freeze({
  running: 'serving acquires',
  suspended: 'acquires wait until `resume()`',
  closing: '`close()` started: new acquires fail with POOL_CLOSED',
  closed: 'every resource destroyed',
} satisfies Record<PoolState, string>)

/**
 * Every acquire priority.
 *
 * @example
 * ```ts
 * Object.keys(ACQUIRE_PRIORITIES) // ['high', 'normal', 'low']
 * ```
 */
export const ACQUIRE_PRIORITIES = Object.freeze({
  high: 'served first',
  normal: 'the default',
  low: 'served last',
} satisfies Record<AcquirePriority, string>)

type StatsField = Exclude<keyof PoolStats, 'counters'>
/**
 * The gauges and latency summaries of `pool.stats()` (the counters are in {@link STATS_COUNTERS}).
 *
 * @example
 * ```ts
 * for (const [field, help] of Object.entries(STATS_FIELDS)) registerGauge(field, help)
 * ```
 */
export const STATS_FIELDS = Object.freeze({
  name: 'the pool name',
  state: 'the lifecycle state',
  min: 'the current lower bound',
  max: 'the current upper bound',
  total: 'open resources: idle + used',
  idle: 'open and not borrowed',
  used: 'borrowed, or being validated or reset',
  borrowed: 'lent to callers',
  pending: 'callers queued for a resource',
  creating: 'creates in flight (not in total yet)',
  leakSuspects: 'borrowed resources held past the leak threshold now',
  acquireWaitMs: 'latency summary: how long acquires waited (0 on the idle fast path), sampled',
  useTimeMs: 'latency summary: how long resources were borrowed, acquire to release, sampled',
  createTimeMs: 'latency summary: how long successful creates took',
  histograms: 'the buckets behind the three latency summaries, only with `stats({ histograms: true })`',
} satisfies Record<StatsField, string>)

/**
 * The counters of `pool.stats().counters`: monotonic since the pool was created.
 *
 * @example
 * ```ts
 * for (const [field, help] of Object.entries(STATS_COUNTERS)) registerCounter(field, help)
 * ```
 */
export const STATS_COUNTERS = Object.freeze({
  created: 'resources created',
  createErrors: 'creates that failed (timeouts included)',
  createTimeouts: 'creates that outlasted `createTimeoutMs`',
  destroyed: 'resources destroyed',
  destroyedBy: 'resources destroyed, by destroy reason',
  destroyErrors: 'destroys that failed or outlasted `destroyTimeoutMs`',
  acquired: 'acquires served',
  released: 'releases',
  timeouts: 'acquires that timed out',
  aborted: 'acquires cancelled through their AbortSignal',
  queueFull: 'acquires refused with POOL_QUEUE_FULL',
  validations: 'validations run',
  validationFailures: 'validations that failed',
  leaks: 'leak suspects reported',
  leaksReclaimed: 'leak suspects reclaimed',
} satisfies Record<keyof PoolCounters, string>)

/**
 * The fields of every latency summary (`acquireWaitMs`, `useTimeMs`, `createTimeMs`), all in ms.
 *
 * @example
 * ```ts
 * Object.keys(LATENCY_FIELDS) // ['count', 'mean', 'p50', 'p95', 'p99', 'max']
 * ```
 */
export const LATENCY_FIELDS = Object.freeze({
  count: 'samples recorded',
  mean: 'mean',
  p50: 'median',
  p95: '95th percentile',
  p99: '99th percentile',
  max: 'largest recorded, exact',
} satisfies Record<keyof LatencySummary, string>)

type ValidationPhase = PoolEvents<unknown>['validationFailed']['phase']
/**
 * When a validation ran (the `phase` of `validationFailed`).
 *
 * @example
 * ```ts
 * VALIDATION_PHASES.idle
 * ```
 */
export const VALIDATION_PHASES = Object.freeze({
  borrow: 'before lending (`validateOnBorrow`)',
  release: 'on release (`validateOnRelease`)',
  idle: 'on an idle resource (`keepaliveIntervalMs`)',
} satisfies Record<ValidationPhase, string>)

/** Where a name lives, for {@link KNOWN_EXCEPTIONS}. */
export type NameKind =
  | 'config key'
  | 'error code'
  | 'event'
  | 'stats field'
  | 'stats counter'
  | 'health check'
  | 'health recent field'
  | 'validation phase'

/**
 * Public names that break a rule above today, each with the name that would follow it. The tests
 * find every name that uses an avoided word or an unqualified "timeout" and require it to be listed
 * here, and fail when a listed name no longer exists, so this list shrinks as renames land.
 *
 * @example
 * ```ts
 * KNOWN_EXCEPTIONS.filter((e) => e.kind === 'health check').map((e) => e.proposed)
 * ```
 */
export const KNOWN_EXCEPTIONS: readonly {
  readonly name: string
  readonly kind: NameKind
  readonly rule: string
  readonly proposed: string
}[] = Object.freeze([
  {
    name: 'useTimeMs',
    kind: 'stats field',
    rule: 'one word: held (payloads say `heldMs` for the same span); kept as OpenTelemetry names it (`db.client.connection.use_time`)',
    proposed: 'heldTimeMs',
  },
])

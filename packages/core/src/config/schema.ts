import { z } from 'zod'
import { MAX_PENDING_LIMIT, MAX_POOL_SIZE, MAX_TIMER_MS } from './limits.js'
import type {
  HealthConfig,
  HealthOptions,
  LeakCaptureStack,
  PoolConfig,
  PoolOptions,
  RetryConfig,
  RetryOptions,
} from './pool-options.js'
import { presetNames } from './preset-names.js'

// zod is an implementation detail: the public types are the hand-written ones in pool-options.ts, and
// pool-options.types.test.ts proves they are exactly this schema's input and output types.
export type { HealthConfig, LeakCaptureStack, PoolConfig, RetryConfig }

const ms = (description: string) => z.number().int().min(0).max(MAX_TIMER_MS).describe(description)
const positiveMs = (description: string) => z.number().int().min(1).max(MAX_TIMER_MS).describe(description)
const atMost = (limit: number, name: string) => ({
  error: (issue: { input?: unknown }) => `must be at most ${limit} (${name}), got ${String(issue.input)}`,
})
const ratio = (description: string) => z.number().min(0).max(1).describe(description)

/** Backoff policy for failed creates. */
export const retrySchema = z
  .strictObject({
    initialDelayMs: positiveMs('Delay before the first retry of a failed create.').default(100),
    maxDelayMs: positiveMs('Upper bound of the backoff delay.').default(10_000),
    multiplier: z.number().min(1).describe('Growth factor of the delay per failed attempt.').default(2),
    jitterRatio: ratio('Share of each delay that is randomised (0 = none, 1 = full jitter).').default(0.5),
  })
  .describe('Exponential backoff with jitter for failed creates. There is never a hot loop.')

/** Thresholds for `pool.health()`. */
export const healthSchema = z
  .strictObject({
    windowMs: positiveMs('How far back "recent" looks for timeouts, create errors and acquire p95.').default(60_000),
    degradedUtilization: ratio('used/max at or above which the pool is degraded.').default(0.9),
    degradedPending: z
      .number()
      .int()
      .min(1)
      .describe('Queued callers at or above which the pool is degraded.')
      .default(10),
    degradedAcquireTimeouts: z
      .number()
      .int()
      .min(1)
      .describe('Acquire timeouts in the window that make the pool degraded.')
      .default(1),
    unhealthyAcquireTimeouts: z
      .number()
      .int()
      .min(1)
      .describe('Acquire timeouts in the window that make the pool unhealthy.')
      .default(20),
    degradedCreateErrorRate: ratio('Share of failed creates in the window that makes the pool degraded.').default(0.1),
    unhealthyCreateErrorRate: ratio('Share of failed creates in the window that makes the pool unhealthy.').default(
      0.9,
    ),
    degradedAcquireWaitP95Ms: positiveMs(
      'Acquire wait p95 in the window at or above which the pool is degraded.',
    ).default(1_000),
    unhealthyAcquireWaitP95Ms: positiveMs(
      'Acquire wait p95 in the window at or above which the pool is unhealthy.',
    ).default(10_000),
    degradedLeakSuspects: z
      .number()
      .int()
      .min(1)
      .describe('Current leak suspects that make the pool degraded.')
      .default(1),
  })
  .describe('Thresholds behind pool.health(): healthy | degraded | unhealthy.')

/**
 * The one pool configuration schema, shared by `@pools/core` and every adapter.
 * Every option that is a duration says so with `Ms`; an explicit `0` is always
 * honoured (it never falls back to a default).
 */
export const poolConfigSchema = z
  .strictObject({
    preset: z
      .enum(presetNames)
      .optional()
      .describe('A preset to start from; every other key overrides it (retry and health key by key).'),
    name: z.string().min(1).max(120).describe('Pool name, used in errors, events, metrics and logs.').default('pool'),
    min: z
      .number()
      .int()
      .min(0)
      .max(MAX_POOL_SIZE, atMost(MAX_POOL_SIZE, 'MAX_POOL_SIZE'))
      .describe('Resources kept open even when idle; created at start and refilled after losses. At most max.')
      .default(0),
    max: z
      .number()
      .int()
      .min(1)
      .max(MAX_POOL_SIZE, atMost(MAX_POOL_SIZE, 'MAX_POOL_SIZE'))
      .describe(`Hard upper bound on open resources (idle + used + being created), at most ${MAX_POOL_SIZE}.`)
      .default(10),
    maxPending: z
      .number()
      .int()
      .min(0)
      .max(MAX_PENDING_LIMIT, atMost(MAX_PENDING_LIMIT, 'MAX_PENDING_LIMIT'))
      .optional()
      .describe(
        `Most callers allowed to queue; the next fails fast with POOL_QUEUE_FULL. Unset = unbounded; at most ${MAX_PENDING_LIMIT}.`,
      ),
    acquireTimeoutMs: ms(
      'How long acquire() waits for a resource before POOL_ACQUIRE_TIMEOUT (0 = wait without a timeout; maxPending: 0 never waits).',
    ).default(30_000),
    createTimeoutMs: positiveMs('How long one create may take before POOL_CREATE_TIMEOUT.').default(10_000),
    destroyTimeoutMs: positiveMs('How long one destroy may take before it is abandoned and reported.').default(5_000),
    idleTimeoutMs: ms('Idle resources above `min` are closed after this long (0 = never).').default(600_000),
    maxIdle: z
      .number()
      .int()
      .min(0)
      .max(MAX_POOL_SIZE, atMost(MAX_POOL_SIZE, 'MAX_POOL_SIZE'))
      .optional()
      .describe(
        'Most idle resources kept open: the longest-idle ones above it are closed at the next housekeeping pass, never below `min`. Unset = no cap.',
      ),
    maxLifetimeMs: ms('Resources are retired after this age; a borrowed one on release (0 = never).').default(
      1_800_000,
    ),
    maxLifetimeJitterMs: ms(
      'Random amount subtracted from each lifetime so resources do not all retire at once (default 2.5% of maxLifetimeMs).',
    ).optional(),
    maxUses: z
      .number()
      .int()
      .min(0)
      .describe('Resources are retired after this many borrows (0 = unlimited).')
      .default(0),
    validateOnBorrow: z
      .boolean()
      .describe(
        "Validate before handing a resource out (skipped inside validationBypassMs). Needs the driver's validate().",
      )
      .default(true),
    validateOnRelease: z
      .boolean()
      .describe('Validate when a resource is released, before it is reused.')
      .default(false),
    validationBypassMs: ms(
      'Skip borrow validation for resources used within this window (0 = always validate).',
    ).default(500),
    validationTimeoutMs: positiveMs('A validation that takes longer counts as failed.').default(5_000),
    keepaliveIntervalMs: ms('Validate idle resources that have not been used for this long (0 = off).').default(0),
    leakDetectionThresholdMs: ms('Report a resource held longer than this as a leak suspect (0 = off).').default(0),
    leakReclaimAfterMs: ms(
      'Destroy a leaked resource and free its slot after it has been held this long (0 = never).',
    ).default(0),
    leakCaptureStack: z
      .union([z.enum(['always', 'after-first-leak', 'never']), z.boolean()])
      .describe(
        "When to record acquire-site stacks for leak reports: 'always' (costs a stack capture per acquire), 'after-first-leak' (free until a leak is seen, then on), 'never'. true/false mean always/never.",
      )
      .default('after-first-leak')
      .transform((v): LeakCaptureStack => (v === true ? 'always' : v === false ? 'never' : v)),
    housekeepingIntervalMs: positiveMs(
      'Period of the single housekeeping timer (idle, lifetime, keepalive, leaks).',
    ).default(1_000),
    timingSampleEvery: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .describe(
        'Time 1 in this many loans exactly for the acquire-wait and use-time percentiles (1 = every loan); the others read no clock. Counters are always exact. acquire/release listeners time every loan; with leak detection on, every loan starts on an exact reading.',
      )
      .default(16),
    closeGraceMs: ms('Default time close() waits for borrowed resources before destroying them.').default(10_000),
    failWaiterOnCreateError: z
      .boolean()
      .describe(
        'Each failed create rejects the longest-waiting caller with that error at once (pg-pool and mysql2 behaviour), instead of letting callers wait for a later create or their timeout.',
      )
      .default(false),
    allowExitOnIdle: z
      .boolean()
      .describe('Let the process exit while only idle resources remain (drivers unref their sockets).')
      .default(false),
    retry: retrySchema.default(retrySchema.parse({})),
    health: healthSchema.default(healthSchema.parse({})),
  })
  .describe('@pools connection pool configuration')

export type { PoolConfigInput } from './pool-options.js'

/** The schema's own input and output types, for the type-level test only: never in a public signature. */
export type SchemaInput = z.input<typeof poolConfigSchema>
export type SchemaOutput = z.output<typeof poolConfigSchema>
export type RetrySchemaInput = z.input<typeof retrySchema>
export type HealthSchemaInput = z.input<typeof healthSchema>
export type { HealthOptions, PoolOptions, RetryOptions }

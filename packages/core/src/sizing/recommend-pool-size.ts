import { closestKey } from '../config/closest-key.js'
import { PoolError } from '../errors/pool-error.js'

/**
 * Default headroom on top of the Little's Law average. Little's Law gives the *mean* number of
 * connections in use; traffic arrives in bursts, and queueing waits grow sharply once a pool runs
 * above roughly 70–80% busy. 1.5 keeps the average at about two thirds of `max`, which for a typical
 * pool (about 10 in use on average) also covers the 95th percentile of random (Poisson) arrivals.
 */
export const DEFAULT_BURST_FACTOR = 1.5

/**
 * Default effective spindle count for the cores rule. 1 is the classic "one disk" example; a data
 * set that is fully cached, or fast SSD/NVMe storage, makes I/O waits rare and the count closer to 0.
 */
export const DEFAULT_EFFECTIVE_SPINDLES = 1

/**
 * Default connections kept free for others: PostgreSQL's `superuser_reserved_connections` is 3 by
 * default, and migrations, psql sessions and monitoring agents need room when the apps are at `max`.
 */
export const DEFAULT_RESERVED_CONNECTIONS = 3

/** What {@link recommendPoolSize} knows about the workload. Every field is optional; each rule runs when its inputs are present. */
export interface RecommendPoolSizeInput {
  /**
   * Little's Law: borrows per second that ONE pool (one process/instance) sees. A request that runs
   * three separate queries outside a transaction borrows three times.
   */
  arrivalRatePerSecond?: number
  /**
   * Little's Law: milliseconds a connection stays borrowed, from acquire to release (queries, network
   * round trips and any app work inside the transaction). Use a typical value, e.g. the mean or p50.
   */
  holdTimeMs?: number
  /** Little's Law: headroom multiplier for bursts, at least 1. Default {@link DEFAULT_BURST_FACTOR}. */
  burstFactor?: number
  /** Cores rule: physical CPU cores of the DATABASE server (not hyperthreads, not the app server). Whole number ≥ 1. */
  dbCores?: number
  /**
   * Cores rule: disks the database waits on, 0 when the active data set is fully cached. May be
   * fractional. Default {@link DEFAULT_EFFECTIVE_SPINDLES}.
   */
  effectiveSpindles?: number
  /**
   * Cores and budget rules: how many pools share the database at the peak (processes × pools per
   * process, at autoscaling maximum, plus the extra instances of a rolling deploy). Whole number ≥ 1, default 1.
   */
  instances?: number
  /** Budget rule: the server's `max_connections` (PostgreSQL default 100, MySQL default 151). Whole number ≥ 1. */
  serverMaxConnections?: number
  /**
   * Budget rule: connections that must stay free for others (superuser/admin sessions, migrations,
   * monitoring, other apps). Whole number ≥ 0, default {@link DEFAULT_RESERVED_CONNECTIONS}.
   */
  reservedConnections?: number
}

/** Little's Law: connections ≈ arrival rate × hold time. */
export interface LittlesLawRule {
  /** arrivalRatePerSecond × holdTimeMs / 1000: connections in use on average (not rounded). */
  meanInUse: number
  /** The headroom multiplier that was applied. */
  burstFactor: number
  /** ceil(meanInUse × burstFactor): the demand of one pool. */
  connections: number
}

/** The PostgreSQL wiki / HikariCP rule: connections ≈ cores × 2 + effective spindles. */
export interface CoresRule {
  /** ceil(dbCores × 2 + effectiveSpindles): what the whole database server can usefully run at once. */
  serverConnections: number
  /** serverConnections ÷ instances, rounded up: the useful ceiling of one pool. */
  connections: number
}

/** The budget rule: instances × max ≤ max_connections − reserved. */
export interface BudgetRule {
  /** serverMaxConnections − reservedConnections: connections all pools may open together. */
  availableConnections: number
  /** availableConnections ÷ instances, rounded down: the hard ceiling of one pool (0 when oversubscribed). */
  connections: number
}

/** Each rule's numbers; `undefined` when that rule's inputs were not given. All `connections` are per pool. */
export interface PoolSizeRules {
  littlesLaw: LittlesLawRule | undefined
  cores: CoresRule | undefined
  budget: BudgetRule | undefined
}

/** The result of {@link recommendPoolSize}. */
export interface PoolSizeRecommendation {
  /** Suggested `max` for one pool, at least 1. */
  max: number
  /** Suggested `min` for one pool, between 0 and `max`. */
  min: number
  /** Plain-language explanation of every step, in order. */
  reasoning: string[]
  /** The numbers behind each rule. */
  rules: PoolSizeRules
  /** Things to act on: budget too small, database saturated, ignored inputs. Empty when all is well. */
  warnings: string[]
}

interface FieldRule {
  integer: boolean
  min: number
}

/** One entry per accepted key; the key list also feeds the "did you mean" hint for unknown keys. */
const FIELDS: Record<keyof RecommendPoolSizeInput, FieldRule> = {
  arrivalRatePerSecond: { integer: false, min: 0 },
  holdTimeMs: { integer: false, min: 0 },
  burstFactor: { integer: false, min: 1 },
  dbCores: { integer: true, min: 1 },
  effectiveSpindles: { integer: false, min: 0 },
  instances: { integer: true, min: 1 },
  serverMaxConnections: { integer: true, min: 1 },
  reservedConnections: { integer: true, min: 0 },
}
const FIELD_NAMES = Object.keys(FIELDS) as (keyof RecommendPoolSizeInput)[]

type Validated = Record<keyof RecommendPoolSizeInput, number | undefined>

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`
  if (typeof value === 'number') return String(value)
  return typeof value
}

function invalid(problems: string[]): PoolError {
  return new PoolError('POOL_CONFIG_INVALID', `Invalid recommendPoolSize input: ${problems.join('; ')}.`)
}

function validate(input: unknown): Validated {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid([`expected an object, got ${Array.isArray(input) ? 'an array' : describeValue(input)}`])
  }
  const record = input as Record<string, unknown>
  const problems: string[] = []
  for (const key of Object.keys(record)) {
    if (Object.hasOwn(FIELDS, key)) continue
    const hint = closestKey(key, FIELD_NAMES)
    problems.push(hint ? `unknown option "${key}" (did you mean "${hint}"?)` : `unknown option "${key}"`)
  }
  const out = {} as Validated
  for (const key of FIELD_NAMES) {
    const value = record[key]
    const rule = FIELDS[key]
    out[key] = undefined
    // `undefined` means "not known"; `null` is almost always a bug upstream, so it is reported.
    if (value === undefined) continue
    const kind = rule.integer ? 'a whole number' : 'a finite number'
    if (typeof value !== 'number' || !Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
      problems.push(`${key} must be ${kind} of at least ${rule.min}, got ${describeValue(value)}`)
    } else if (value < rule.min) {
      problems.push(`${key} must be at least ${rule.min}, got ${value}`)
    } else {
      out[key] = value
    }
  }
  // Little's Law needs both halves; half of it is a mistake, not "unknown".
  if ((record.arrivalRatePerSecond === undefined) !== (record.holdTimeMs === undefined)) {
    const given = record.holdTimeMs === undefined ? 'arrivalRatePerSecond' : 'holdTimeMs'
    const missing = given === 'holdTimeMs' ? 'arrivalRatePerSecond' : 'holdTimeMs'
    problems.push(`${given} was given without ${missing}; Little's Law needs both`)
  }
  const { serverMaxConnections: max, reservedConnections } = out
  const reserved = reservedConnections ?? DEFAULT_RESERVED_CONNECTIONS
  // Skip when reservedConnections itself was invalid: that problem is already reported.
  const reservedUsable = record.reservedConnections === undefined || reservedConnections !== undefined
  if (max !== undefined && reservedUsable && reserved >= max) {
    problems.push(
      `reservedConnections (${reserved}${reservedConnections === undefined ? ', the default' : ''}) must be less than serverMaxConnections (${max})`,
    )
  }
  if (
    problems.length === 0 &&
    out.arrivalRatePerSecond === undefined &&
    out.dbCores === undefined &&
    max === undefined
  ) {
    problems.push(
      "nothing to size from: give arrivalRatePerSecond and holdTimeMs (Little's Law), dbCores (cores rule) or serverMaxConnections (budget rule)",
    )
  }
  if (problems.length > 0) throw invalid(problems)
  return out
}

/**
 * Round up, ignoring floating-point dust: 100 × 1.1 is 110.00000000000001 in binary floating point,
 * and a plain `Math.ceil` would turn that into 111. Inputs are never negative; `Math.max` keeps a
 * zero from coming out as `-0`.
 */
function ceilTolerant(value: number): number {
  return Math.max(0, Math.ceil(value - 1e-9))
}

/** Short, readable numbers for the reasoning text (0.025, 12.5, 1200); tiny values keep two significant digits. */
function fmt(value: number): string {
  if (Number.isInteger(value)) return String(value)
  const rounded = Number(value.toFixed(3))
  return rounded === 0 ? String(Number(value.toPrecision(2))) : String(rounded)
}

function plural(count: number, word: string): string {
  return `${fmt(count)} ${word}${count === 1 ? '' : 's'}`
}

/**
 * Recommend `min` and `max` for one pool from up to three rules, and explain the result.
 *
 * - **Little's Law** (needs `arrivalRatePerSecond` + `holdTimeMs`): connections in use on average =
 *   arrival rate × hold time; × `burstFactor` (default 1.5) and rounded up, this is the demand.
 * - **Cores rule** (needs `dbCores`): the database server usefully runs about
 *   `dbCores × 2 + effectiveSpindles` queries at once (PostgreSQL wiki, HikariCP "About Pool Sizing"),
 *   shared by `instances`. More connections than that only queue inside the database, so it caps the demand.
 * - **Budget rule** (needs `serverMaxConnections`): `instances × max ≤ serverMaxConnections − reservedConnections`.
 *   This is the hard ceiling; when it cuts the demand, a warning says so.
 *
 * `max` is the demand (or, without load figures, the cores rule, or else the budget), capped by the
 * cores rule and then the budget, and never below 1. `min` is the average number in use (rounded up,
 * at most `max`), or 0 when the load is unknown. Throws a `PoolError` with code `POOL_CONFIG_INVALID`
 * naming each bad field.
 *
 * @example
 * ```ts
 * import { recommendPoolSize } from '@pools/core'
 *
 * const r = recommendPoolSize({
 *   arrivalRatePerSecond: 200, // borrows/s seen by one instance
 *   holdTimeMs: 50,            // each borrow lasts 50 ms
 *   dbCores: 8,                // 8 × 2 + 1 = 17 for the whole database
 *   serverMaxConnections: 100, // (100 − 3) ÷ 1 = 97 for this one instance
 * })
 * r.max // 15: 200 × 0.05 = 10 in use on average, × 1.5 headroom
 * r.min // 10
 * r.warnings // []
 * for (const line of r.reasoning) console.log(line)
 * ```
 */
export function recommendPoolSize(input: RecommendPoolSizeInput): PoolSizeRecommendation {
  const v = validate(input)
  const reasoning: string[] = []
  const warnings: string[] = []
  const instances = v.instances ?? 1
  const perInstance = instances > 1 ? ' per instance' : ''

  let littlesLaw: LittlesLawRule | undefined
  if (v.arrivalRatePerSecond !== undefined && v.holdTimeMs !== undefined) {
    const burstFactor = v.burstFactor ?? DEFAULT_BURST_FACTOR
    // Multiply before dividing so exact inputs (200 × 50 / 1000) stay exact.
    const meanInUse = (v.arrivalRatePerSecond * v.holdTimeMs) / 1000
    littlesLaw = { meanInUse, burstFactor, connections: ceilTolerant(meanInUse * burstFactor) }
    reasoning.push(
      `Little's Law: ${fmt(v.arrivalRatePerSecond)} borrows/s × ${fmt(v.holdTimeMs / 1000)} s held each = ` +
        `${fmt(meanInUse)} connections in use on average${perInstance}; × ${fmt(burstFactor)} burst headroom, ` +
        `rounded up = ${littlesLaw.connections} (the demand).`,
    )
    if (instances > 1) {
      reasoning.push(
        `arrivalRatePerSecond counts the borrows of one instance, so the demand is per instance; ` +
          `across ${instances} instances about ${fmt(meanInUse * instances)} connections are in use on average.`,
      )
    }
  }

  let cores: CoresRule | undefined
  if (v.dbCores !== undefined) {
    const spindles = v.effectiveSpindles ?? DEFAULT_EFFECTIVE_SPINDLES
    const serverConnections = ceilTolerant(v.dbCores * 2 + spindles)
    cores = { serverConnections, connections: ceilTolerant(serverConnections / instances) }
    const share =
      instances > 1 ? `; shared by ${instances} instances, rounded up = ${cores.connections} per instance` : ''
    reasoning.push(
      `Cores rule: ${plural(v.dbCores, 'database core')} × 2 + ${plural(spindles, 'effective spindle')} = ` +
        `${serverConnections} connections the database server can usefully run at once${share}.`,
    )
  }

  let budget: BudgetRule | undefined
  if (v.serverMaxConnections !== undefined) {
    const reserved = v.reservedConnections ?? DEFAULT_RESERVED_CONNECTIONS
    const availableConnections = v.serverMaxConnections - reserved
    budget = { availableConnections, connections: Math.floor(availableConnections / instances) }
    reasoning.push(
      `Budget rule: (${v.serverMaxConnections} max_connections − ${reserved} reserved) ÷ ${plural(instances, 'instance')}, ` +
        `rounded down = ${budget.connections} per instance, the hard ceiling.`,
    )
  }

  // Start from the best estimate of need: measured load first, then the database's capacity, then the budget.
  let max: number
  if (littlesLaw) {
    max = littlesLaw.connections
  } else if (cores) {
    max = cores.connections
    reasoning.push(
      `No load figures (arrivalRatePerSecond, holdTimeMs), so max starts from the cores rule: ${cores.connections}.`,
    )
  } else {
    // validate() guarantees at least one rule ran.
    max = (budget as BudgetRule).connections
    reasoning.push(
      `Only the budget is known, so max is the most this instance may open (${max}), not necessarily what it needs; ` +
        'give arrivalRatePerSecond and holdTimeMs or dbCores for a tighter number.',
    )
  }

  if (max < 1) {
    // Little's Law gives 0 for a zero rate or hold time, but a pool of 0 can never serve anything.
    max = 1
    reasoning.push('Raised to 1: a pool needs at least one connection.')
  }

  if (littlesLaw && cores) {
    if (max > cores.connections) {
      reasoning.push(
        `Capped at ${cores.connections} by the cores rule: the database cannot run more queries in parallel than that, ` +
          'so extra connections would only queue inside the database (adding context switches and lock contention); ' +
          "waiting in the pool's queue is cheaper.",
      )
      max = cores.connections
    } else {
      reasoning.push(`The demand (${max}) is within what the database can run in parallel (${cores.connections}).`)
    }
    const busy = littlesLaw.meanInUse * instances
    if (busy > cores.serverConnections) {
      const breakdown = instances > 1 ? ` (${fmt(littlesLaw.meanInUse)} × ${instances} instances)` : ''
      warnings.push(
        `On average ${fmt(busy)} connections${breakdown} are in use, more than the ~${cores.serverConnections} ` +
          'the database can run in parallel: requests will queue and latency will grow. Shorten hold times ' +
          '(faster queries, shorter transactions), move reads to replicas or use a bigger database server. ' +
          'If much of the hold time is spent outside the database (network, app work inside a transaction), ' +
          'the cores rule is too strict: leave dbCores out and watch the database CPU instead.',
      )
    }
  }

  if (budget) {
    if (budget.connections < 1) {
      max = 1
      reasoning.push(
        `The budget leaves less than one connection per instance, so max is 1, the least that works; ` +
          `together the ${instances} instances can then exceed max_connections.`,
      )
      warnings.push(
        `The budget is oversubscribed: ${plural(instances, 'instance')} need at least one connection each, ` +
          `but only ${budget.availableConnections} are available (max_connections − reserved). ` +
          'Add a pooler such as PgBouncer (or ProxySQL for MySQL) between the apps and the database, reduce instances, ' +
          'or raise max_connections.',
      )
    } else if (max > budget.connections) {
      const before = max
      max = budget.connections
      reasoning.push(
        `Cut to ${budget.connections} by the budget: ${instances} × ${budget.connections} = ` +
          `${instances * budget.connections} of ${budget.availableConnections} available connections.`,
      )
      if (littlesLaw) {
        const coverage =
          littlesLaw.meanInUse > budget.connections
            ? `does not even cover the average load (${fmt(littlesLaw.meanInUse)} in use), so requests will queue steadily`
            : `covers the average load (${fmt(littlesLaw.meanInUse)} in use) but not the burst headroom`
        warnings.push(
          `The connection budget (${budget.connections} per instance) is smaller than the demand (${before}) and ` +
            `${coverage}. Add a pooler such as PgBouncer (or ProxySQL for MySQL), reduce instances, or raise max_connections.`,
        )
      }
    } else {
      reasoning.push(
        `Fits the budget: ${instances} × ${max} = ${instances * max} of ${budget.availableConnections} available connections.`,
      )
    }
  }

  let min = 0
  if (littlesLaw && !(budget && budget.connections < 1)) {
    min = Math.min(max, ceilTolerant(littlesLaw.meanInUse))
    reasoning.push(
      `min = ${min}: enough open connections for the average load, so ordinary traffic never waits for a new ` +
        'connection; bursts grow the pool toward max and idle ones above min close after idleTimeoutMs.',
    )
  } else if (littlesLaw) {
    reasoning.push('min = 0: with an oversubscribed budget, idle instances should not hold connections.')
  } else {
    reasoning.push(
      'min = 0: without load figures, connections are opened on demand. For steady traffic a fixed-size pool ' +
        '(min = max) avoids connect latency, if the budget allows it.',
    )
  }

  // Inputs that only feed a rule that did not run are reported, so a typo'd partner field is noticed.
  if (!littlesLaw && v.burstFactor !== undefined) {
    warnings.push("burstFactor was ignored: it only applies to Little's Law (arrivalRatePerSecond and holdTimeMs).")
  }
  if (!cores && v.effectiveSpindles !== undefined) {
    warnings.push('effectiveSpindles was ignored: the cores rule also needs dbCores.')
  }
  if (!budget && v.reservedConnections !== undefined) {
    warnings.push('reservedConnections was ignored: the budget rule also needs serverMaxConnections.')
  }

  return { max, min, reasoning, rules: { littlesLaw, cores, budget }, warnings }
}

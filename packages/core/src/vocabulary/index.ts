/**
 * The @pools vocabulary: every error code, event name, payload field, destroy reason, health check and
 * status, pool state and stats field, each with a one-line meaning, and the casing rules they follow.
 * docs/vocabulary.md is generated from these; exporters (metrics, logs) read them instead of copying names.
 *
 * @example
 * ```ts
 * import { DESTROY_REASON_MEANINGS, EVENT_NAMES } from '@pools/core'
 * for (const reason of Object.keys(DESTROY_REASON_MEANINGS)) counter.add(0, { reason })
 * ```
 */
export {
  ACQUIRE_PRIORITIES,
  CASING_RULES,
  CONCEPTS,
  DESTROY_REASON_MEANINGS,
  ERROR_CODES,
  EVENT_FIELDS,
  EVENT_NAMES,
  HEALTH_CHECKS,
  HEALTH_RECENT_FIELDS,
  HEALTH_STATUSES,
  KNOWN_EXCEPTIONS,
  LATENCY_FIELDS,
  type NameKind,
  POOL_STATES,
  STATS_COUNTERS,
  STATS_FIELDS,
  VALIDATION_PHASES,
} from './vocabulary.js'

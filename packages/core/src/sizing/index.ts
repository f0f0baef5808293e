export {
  type BudgetRule,
  type CoresRule,
  DEFAULT_BURST_FACTOR,
  DEFAULT_EFFECTIVE_SPINDLES,
  DEFAULT_RESERVED_CONNECTIONS,
  type LittlesLawRule,
  type PoolSizeRecommendation,
  type PoolSizeRules,
  type RecommendPoolSizeInput,
  recommendPoolSize,
} from './recommend-pool-size.js'

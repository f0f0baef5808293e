/**
 * Real-server test harness shared by every integration test in the repo. See docs/testing.md.
 *
 *   import { describeWithPostgres, usePostgres, waitForPgConnections } from '<relative>/test/harness/index.js'
 *
 * Requires `globalSetup: ['test/harness/global-setup.ts']` in the vitest config (the root config has it);
 * without it, only env vars and the default local ports are probed.
 */
export {
  type CountExpectation,
  type CountOptions,
  countMysqlConnections,
  countPgConnections,
  type WaitOptions,
  waitForMysqlConnections,
  waitForPgConnections,
} from './connections.js'
export {
  type CleanupScope,
  describeWithMysql,
  describeWithPostgres,
  describeWithRedis,
  describeWithServices,
  harness,
  registerCleanup,
  requireService,
  serviceStatus,
} from './context.js'
export {
  type MysqlDatabase,
  type PostgresDatabase,
  type RedisConnectionOptions,
  type RedisNamespace,
  type SqlConnectionConfig,
  type TestDatabase,
  type UseOptions,
  useMysql,
  usePostgres,
  useRedis,
} from './databases.js'
export * from './pgbouncer.js'
export {
  type PrivatePostgres,
  type PrivatePostgresOptions,
  type StopMode,
  startPrivatePostgres,
} from './private-postgres.js'
export type {
  AvailableService,
  HarnessContext,
  ServiceName,
  ServiceSource,
  ServiceStatus,
  UnavailableService,
} from './types.js'

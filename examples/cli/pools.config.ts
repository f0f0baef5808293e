// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME:-default} is the config file's interpolation
// A pools config file for the `pools` CLI, against the local services (scripts/start-services.sh).
// Run from the repository root, after `npm run build`:
//   node packages/cli/dist/bin.js config validate --config examples/cli/pools.config.ts
//   node packages/cli/dist/bin.js config print --config examples/cli/pools.config.ts --env production
//   node packages/cli/dist/bin.js doctor --config examples/cli/pools.config.ts --instances 4
//   node packages/cli/dist/bin.js size --rate 200 --hold-ms 50 --cores 8 --max-connections 100 --instances 4
// (`npx pools ...` once @pools/cli is installed.) Exit codes: 0 ok, 1 warnings, 2 errors, 3 bad config.
import { defineConfig } from '@pools/core/config-file'

export default defineConfig({
  pools: {
    primary: { extends: 'web', connection: '${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}', max: 20 },
    orders: {
      connection: {
        driver: 'mysql2',
        host: '127.0.0.1',
        user: 'root',
        password: '${MYSQL_PASSWORD:-}',
        database: 'test',
      },
      min: 2,
      keepaliveIntervalMs: 60_000,
    },
  },
  $production: { pools: { primary: { max: 40, leakDetectionThresholdMs: 30_000 } } },
  $env: { staging: { pools: { primary: { max: 10 } } } },
})

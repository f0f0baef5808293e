// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME:-default} is the config file's interpolation
// The demo service's pools (examples/demo/service.mjs). `npm run demo` runs it with POOLS_ENV=demo.
import { defineConfig } from '@pools/core/config-file'

export default defineConfig({
  pools: {
    // Prisma and Knex run on this one engine: one max, one queue, one set of stats.
    app: {
      extends: 'web',
      // application_name goes to pg as is: the demo finds its connections in pg_stat_activity by it
      connection: { url: '${DATABASE_URL}', application_name: 'pools-demo' },
      max: 10,
      acquireTimeoutMs: 5_000,
    },
  },
  $production: { pools: { app: { max: 40, leakDetectionThresholdMs: 30_000 } } },
  $env: {
    // Small on purpose, so that the load queues and `pools top` has something to show; a leak is
    // reported after 1 s with the line that acquired it; health looks back 5 s (not 60), so the
    // probe is back to "up" soon after the load and the leak.
    demo: {
      pools: {
        app: { max: 5, leakDetectionThresholdMs: 1_000, leakCaptureStack: 'always', health: { windowMs: 5_000 } },
      },
    },
  },
})

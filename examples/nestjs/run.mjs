// A small Nest service on @pools/nestjs: two PostgreSQL pools (primary with Drizzle, replica), readiness
// and liveness probes, graceful shutdown. From the repository root, after `npm run build`:
//
//   node examples/nestjs/run.mjs --smoke   # boots, calls every route, prints the answers, exits 0
//   node examples/nestjs/run.mjs           # serves on PORT (default 3000) until SIGTERM / Ctrl-C
//
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) is used by both pools.
// This script compiles src/ with tsc (decorators need it) into dist/, then starts dist/main.js.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(here, 'tsconfig.json')], { stdio: 'inherit' })
if (compiled.status !== 0) process.exit(compiled.status ?? 1)
await import(path.join(here, 'dist', 'main.js'))

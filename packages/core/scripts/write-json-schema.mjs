// Writes packages/core/pool-config.schema.json from the built package, for editor completion in JSON
// config files. Run after `npm run build -w @pools/core`:
//   node packages/core/scripts/write-json-schema.mjs
// It reads dist/, not src/, so it needs no TypeScript loader.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { poolConfigJsonSchema } from '../dist/config/json-schema.js'

const target = fileURLToPath(new URL('../pool-config.schema.json', import.meta.url))
writeFileSync(target, `${JSON.stringify(poolConfigJsonSchema(), null, 2)}\n`)
console.log(`wrote ${target}`)

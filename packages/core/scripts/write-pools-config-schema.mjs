// Writes packages/core/pools-config.schema.json (the JSON Schema of a pools config file, for editor
// completion in pools.config.json/yaml) from the built package. Run after `npm run build -w @pools/core`:
//   node packages/core/scripts/write-pools-config-schema.mjs
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { poolsConfigJsonSchema } from '../dist/config-file/json-schema.js'

const target = fileURLToPath(new URL('../pools-config.schema.json', import.meta.url))
writeFileSync(target, `${JSON.stringify(poolsConfigJsonSchema(), null, 2)}\n`)
console.log(`wrote ${target}`)

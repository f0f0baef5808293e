// Regenerates the docs that are generated from code, from the built package:
//   - docs/vocabulary.md (from packages/core/src/vocabulary/vocabulary.ts and the config schema)
//   - the option tables block of docs/config-and-presets.md (from the optionDialects tables)
//   - packages/core/pool-config.schema.json (via write-json-schema.mjs)
//   - packages/core/pools-config.schema.json, the config-file schema (via write-pools-config-schema.mjs)
// Run after `npm run build -w @pools/core`:
//   node packages/core/scripts/write-docs.mjs
// Tests (src/vocabulary/vocabulary.test.ts, src/config/render-docs.test.ts) fail when a file is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { withDialectDocs } from '../dist/config/render-docs.js'
import { renderVocabularyMarkdown } from '../dist/vocabulary/render.js'
import './write-json-schema.mjs'
import './write-pools-config-schema.mjs'

const vocabulary = fileURLToPath(new URL('../../../docs/vocabulary.md', import.meta.url))
writeFileSync(vocabulary, renderVocabularyMarkdown())
console.log(`wrote ${vocabulary}`)

const config = fileURLToPath(new URL('../../../docs/config-and-presets.md', import.meta.url))
writeFileSync(config, withDialectDocs(readFileSync(config, 'utf8')))
console.log(`wrote ${config}`)

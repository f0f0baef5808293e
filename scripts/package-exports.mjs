/**
 * Writes the `exports` map and `typesVersions` of a workspace package from one list of entry points,
 * so every subpath gets the same four shapes: ESM (`import`), CommonJS (`require`), their types, and
 * `typesVersions` for TypeScript's classic `node`/`node10` resolution (which ignores `exports`).
 *
 *   node ../../scripts/package-exports.mjs            # rewrite package.json
 *   node ../../scripts/package-exports.mjs --check    # exit 1 if package.json is not what it would write
 *
 * The entry points are `pools.entryPoints` in the package's package.json: subpath -> source file under
 * src/ without extension, e.g. { ".": "index", "./pg": "pg/index" }.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const file = path.join(process.cwd(), 'package.json')
const text = readFileSync(file, 'utf8')
const pkg = JSON.parse(text)
const entries = pkg.pools?.entryPoints
if (!entries || typeof entries !== 'object') {
  console.error(`${file}: no "pools.entryPoints" map`)
  process.exit(1)
}

const exportsMap = {}
const typesVersions = {}
for (const [subpath, source] of Object.entries(entries)) {
  exportsMap[subpath] = {
    import: { types: `./dist/${source}.d.ts`, default: `./dist/${source}.js` },
    require: { types: `./dist/cjs/${source}.d.ts`, default: `./dist/cjs/${source}.js` },
  }
  if (subpath !== '.') typesVersions[subpath.slice(2)] = [`./dist/cjs/${source}.d.ts`]
}
for (const extra of pkg.pools.extraExports ?? []) exportsMap[`./${extra}`] = `./${extra}`
exportsMap['./package.json'] = './package.json'

const next = { ...pkg }
next.main = `./dist/cjs/${entries['.']}.js`
next.types = `./dist/cjs/${entries['.']}.d.ts`
next.exports = exportsMap
if (Object.keys(typesVersions).length > 0) next.typesVersions = { '*': typesVersions }
else delete next.typesVersions
const out = `${JSON.stringify(next, null, 2)}\n`

if (process.argv.includes('--check')) {
  if (out !== text) {
    console.error(`${file}: exports/typesVersions are stale; run: node ../../scripts/package-exports.mjs`)
    process.exit(1)
  }
} else {
  writeFileSync(file, out)
}

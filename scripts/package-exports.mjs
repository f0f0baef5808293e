/**
 * Writes the `exports` map and `typesVersions` of a workspace package from one list of entry points,
 * so every subpath gets the same four shapes: ESM (`import`), CommonJS (`require`), their types, and
 * `typesVersions` for TypeScript's classic `node`/`node10` resolution (which ignores `exports`).
 *
 *   node ../../scripts/package-exports.mjs            # rewrite package.json
 *   node ../../scripts/package-exports.mjs --check    # exit 1 if package.json is not what it would write
 *   node scripts/package-exports.mjs --check --all    # from the root: check every packages/* (npm run lint)
 *
 * The entry points are `pools.entryPoints` in the package's package.json: subpath -> source file under
 * src/ without extension, e.g. { ".": "index", "./pg": "pg/index" }.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const check = process.argv.includes('--check')
if (process.argv.includes('--all')) {
  let stale = 0
  for (const name of readdirSync('packages')) {
    const dir = path.join('packages', name)
    if (existsSync(path.join(dir, 'package.json'))) stale += processPackage(dir) ? 0 : 1
  }
  process.exit(stale > 0 ? 1 : 0)
} else if (!processPackage(process.cwd())) {
  process.exit(1)
}

/** Write (or with --check, compare) one package's entry-point fields; false when stale or broken. */
function processPackage(dir) {
  const file = path.join(dir, 'package.json')
  const text = readFileSync(file, 'utf8')
  const pkg = JSON.parse(text)
  const entries = pkg.pools?.entryPoints
  if (!entries || typeof entries !== 'object') {
    console.error(`${file}: no "pools.entryPoints" map`)
    return false
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

  if (check) {
    if (out !== text) {
      console.error(`${file}: exports/typesVersions are stale; run: node ../../scripts/package-exports.mjs`)
      return false
    }
  } else {
    writeFileSync(file, out)
  }
  return true
}

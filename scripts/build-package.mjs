/**
 * Build one workspace package (run from its folder: `node ../../scripts/build-package.mjs`).
 *
 *   dist/       ES modules and their .d.ts, from tsconfig.build.json (what `import` resolves)
 *   dist/cjs/   CommonJS and its .d.ts, from the same sources with module commonjs, plus a
 *               package.json {"type":"commonjs"} so Node and TypeScript read that folder as CommonJS
 *               (what `require` resolves, and the types TypeScript's node16/nodenext/node10 CommonJS
 *               settings see)
 *
 * Why two builds rather than one ES build behind a `default` condition (Node >= 20.19 can require() it):
 * Jest on Node 20/22 cannot require() an ES module, TypeScript's `module: node16` refuses to let a
 * CommonJS file import ES-module types, and a real CommonJS build has neither problem. The dual-package
 * hazard this brings (an app that loads both copies) is handled in the code: PoolError and the engine
 * are recognised by Symbol.for() brands, not instanceof of one copy's class, and the pool registry and
 * diagnostics channels are process-wide. See docs/architecture.md, "Packaging".
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const cwd = process.cwd()
const require = createRequire(path.join(cwd, 'package.json'))
const tsc = require.resolve('typescript/bin/tsc')

function run(args) {
  const result = spawnSync(process.execPath, [tsc, ...args], { cwd, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

rmSync(path.join(cwd, 'dist'), { recursive: true, force: true })
run(['-p', 'tsconfig.build.json'])
run([
  '-p',
  'tsconfig.build.json',
  '--outDir',
  'dist/cjs',
  '--module',
  'commonjs',
  '--moduleResolution',
  'node10',
  '--verbatimModuleSyntax',
  'false',
  '--declarationMap',
  'false',
])
mkdirSync(path.join(cwd, 'dist/cjs'), { recursive: true })
writeFileSync(path.join(cwd, 'dist/cjs/package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`)

/**
 * What ships: `npm pack` @pools/core and @pools/cli, install both tarballs into an empty ESM project,
 * and run `pools` from node_modules/.bin, with a TypeScript config file (loaded through jiti) and a
 * CommonJS require() of the package. Needs the packages built (npm test builds first).
 */
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { tempDir } from './support.js'

const exec = promisify(execFile)
const repo = path.resolve(import.meta.dirname, '../..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const dir = tempDir('pack')

describe('the packed tarball', () => {
  it('installs and runs the pools bin, from ESM and CommonJS', { timeout: 180_000 }, async () => {
    for (const pkg of ['core', 'cli']) {
      await exec(npm, ['pack', '--pack-destination', dir], { cwd: path.join(repo, 'packages', pkg), timeout: 60_000 })
    }
    const app = path.join(dir, 'app')
    mkdirSync(app)
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
    await exec(
      npm,
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '../pools-core-0.1.0.tgz', '../pools-cli-0.1.0.tgz'],
      { cwd: app, timeout: 120_000 },
    )
    writeFileSync(
      path.join(app, 'pools.config.ts'),
      "import { defineConfig } from '@pools/core/config-file'\nexport default defineConfig({ pools: { primary: { extends: 'serverless', connection: 'postgres://u@127.0.0.1/db' } } })\n",
    )
    const bin = path.join(app, 'node_modules', '.bin', 'pools')
    const version = await exec(bin, ['--version'], { cwd: app })
    expect(version.stdout).toBe('0.1.0\n')
    const validate = await exec(bin, ['config', 'validate'], { cwd: app, env: { PATH: process.env.PATH ?? '' } })
    expect(validate.stdout).toContain('primary: pg, min 0, max 1, extends serverless')
    const cjs = await exec(
      process.execPath,
      ['-e', "require('@pools/cli').runCli(['size', '--cores', '2', '--json']).then((c) => process.exit(c))"],
      { cwd: app },
    )
    expect(JSON.parse(cjs.stdout).max).toBe(5)
    // CommonJS through the config loader too: dist/cjs requires c12, an ES module (require(esm), Node >= 20.19).
    const cjsConfig = await exec(
      process.execPath,
      ['-e', "require('@pools/cli').runCli(['config', 'validate', '--json']).then((c) => process.exit(c))"],
      { cwd: app },
    )
    expect(JSON.parse(cjsConfig.stdout).pools.primary).toEqual({ driver: 'pg', min: 0, max: 1 })
  })
})

import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const run = promisify(execFile)

describe('README', () => {
  it('the engine example runs as printed and prints what its comment says', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8')
    const block = /## The engine in ten lines[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(block).toBeDefined()
    const code = block as string
    expect(code.split('\n').filter((line) => line.trim() !== '').length).toBeLessThanOrEqual(12)
    // run it from inside the repo so `@pools/core` resolves through the workspace
    const dir = await mkdtemp(join(root, 'test', 'docs', '.readme-'))
    try {
      const file = join(dir, 'example.mjs')
      await writeFile(file, code)
      const { stdout } = await run(process.execPath, [file], { timeout: 15_000 })
      const expected = /console\.log\(.*\/\/ (.*)$/m.exec(code)?.[1]
      expect(stdout.trim()).toBe(expected)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('the set-up commands are the ones package.json defines', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8')
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(readme).toContain('npm install && npm run demo')
    expect(readme).toContain('npm test')
    expect(pkg.scripts.demo).toBeDefined()
    expect(pkg.scripts.test).toBeDefined()
  })
})

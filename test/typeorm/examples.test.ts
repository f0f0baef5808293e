/** examples/knex and examples/typeorm run as documented, on PostgreSQL and MariaDB, and exit 0. */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { describeWithMysql, describeWithPostgres, useMysql, usePostgres } from '../harness/index.js'

const root = path.join(import.meta.dirname, '..', '..')
const run = promisify(execFile)

for (const server of ['postgres', 'mysql'] as const) {
  const describeWith = server === 'postgres' ? describeWithPostgres : describeWithMysql
  describeWith(`examples on ${server}`, () => {
    for (const example of ['knex', 'typeorm']) {
      it(`examples/${example}/index.mjs prints the rows and a healthy pool, and exits 0`, async () => {
        const db = server === 'postgres' ? await usePostgres() : await useMysql()
        const { stdout } = await run(process.execPath, [path.join(root, 'examples', example, 'index.mjs')], {
          cwd: root,
          env: { ...process.env, DATABASE_URL: db.url },
          timeout: 30_000,
        })
        expect(stdout).toContain("[ { item: 'tea', qty: 3 }, { item: 'cake', qty: 1 } ]")
        expect(stdout).toMatch(/borrowed: 0.*\} healthy/)
      })
    }
  })
}

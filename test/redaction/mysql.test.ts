/**
 * The redaction sweep over every MySQL/MariaDB entry point, against the shared MariaDB with a user of the
 * test's own whose password is SECRET. See support.ts for what is searched.
 */
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, it } from 'vitest'
import { describeWithMysql, type MysqlDatabase, useMysql } from '../harness/index.js'
import { brokenConfigFiles, type Endpoint, SECRET, scenarios, sweep } from './support.js'

describeWithMysql('no password in any output: MySQL/MariaDB entry points', () => {
  let db: MysqlDatabase
  let endpoint: Endpoint
  const user = `pools_redact_${process.pid}`

  async function admin(sql: string, values: unknown[] = []): Promise<void> {
    const connection = await mysql.createConnection({ ...db.config, database: undefined })
    try {
      await connection.query(sql, values)
    } finally {
      await connection.end()
    }
  }

  beforeAll(async () => {
    db = await useMysql()
    await admin('DROP USER IF EXISTS ?@?', [user, '%'])
    await admin('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', SECRET])
    await admin(`GRANT ALL ON \`${db.name}\`.* TO ?@?`, [user, '%'])
    endpoint = { scheme: 'mysql', host: '127.0.0.1', port: db.config.port ?? 3306, user, database: db.name }
  })

  afterAll(async () => {
    await admin('DROP USER IF EXISTS ?@?', [user, '%'])
  })

  it('@pools/core/mysql2', { timeout: 180_000 }, async () => {
    await sweep('mysql2', scenarios(endpoint))
  })

  it('@pools/core/mysql2/promise', { timeout: 180_000 }, async () => {
    await sweep('mysql2/promise', scenarios(endpoint))
  })

  it('@pools/core/mariadb', { timeout: 180_000 }, async () => {
    await sweep('mariadb', scenarios({ ...endpoint, scheme: 'mariadb' }))
  })

  it('@pools/prisma/mariadb', { timeout: 180_000 }, async () => {
    await sweep('prisma-mariadb', scenarios({ ...endpoint, scheme: 'mariadb' }))
  })

  it('@pools/drizzle/mysql2', { timeout: 180_000 }, async () => {
    await sweep('drizzle-mysql2', scenarios(endpoint))
  })

  it('@pools/knex (mysql2)', { timeout: 180_000 }, async () => {
    await sweep('knex-mysql2', scenarios(endpoint))
  })

  it('@pools/typeorm (mysql)', { timeout: 180_000 }, async () => {
    await sweep('typeorm-mysql', scenarios(endpoint))
  })

  it('@pools/core/config-file and @pools/cli doctor (mysql2)', { timeout: 180_000 }, async () => {
    await sweep('doctor', [
      ...scenarios({ ...endpoint, driver: 'mysql2' }),
      ...brokenConfigFiles({ ...endpoint, driver: 'mysql2' }),
    ])
  })
})

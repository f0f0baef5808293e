/**
 * What a released connection carries to the next borrower. Default ('rollback'): an open transaction
 * is rolled back (only when the server status flags say one may be open), the session is kept.
 * resetOnRelease: true: COM_RESET_CONNECTION, prepared statements still work. false: mysql2's behaviour.
 */
import type { PoolConnection } from 'mysql2'
import { beforeAll, expect, it } from 'vitest'
import { describeWithMysql } from '../harness/index.js'
import { getConnection, inTransaction, query, scalar, sessionStatus, useMysql2Context } from './support.js'

describeWithMysql('@pools/core/mysql2 release and reset', () => {
  const ctx = useMysql2Context()

  beforeAll(async () => {
    const db = ctx.db.name
    await ctx.admin.query(
      `CREATE TABLE \`${db}\`.items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50)) ENGINE=InnoDB`,
    )
    await ctx.admin.query(
      `CREATE PROCEDURE \`${db}\`.open_txn(IN n VARCHAR(50)) BEGIN START TRANSACTION; INSERT INTO items (name) VALUES (n); END`,
    )
  })

  async function committedCount(name: string): Promise<number> {
    const row = await ctx.adminRow<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${ctx.db.name}\`.items WHERE name = ?`, [
      name,
    ])
    return Number(row.n)
  }

  /** Borrow the pool's only connection, run `work`, release without committing; then inspect the next loan. */
  async function leaveOpen(
    options: Parameters<typeof ctx.pool>[0],
    work: (conn: PoolConnection) => Promise<unknown>,
  ): Promise<{ sameConnection: boolean; inTransaction: number; rollbacks: number; pool: ReturnType<typeof ctx.pool> }> {
    const pool = ctx.pool({ connectionLimit: 1, ...options })
    const first = await getConnection(pool)
    const rollbacksBefore = await sessionStatus(first, 'Com_rollback')
    await work(first)
    first.release()
    const next = await getConnection(pool)
    const result = {
      sameConnection: next.threadId === first.threadId,
      inTransaction: await inTransaction(next),
      rollbacks: (await sessionStatus(next, 'Com_rollback')) - rollbacksBefore,
      pool,
    }
    next.release()
    return result
  }

  it('rolls back a transaction left open before the next borrower gets the connection', async () => {
    const outcome = await leaveOpen({}, async (conn) => {
      await new Promise<void>((resolve, reject) => conn.beginTransaction((e) => (e ? reject(e) : resolve())))
      await query(conn, 'INSERT INTO items (name) VALUES (?)', ['left-open'])
    })
    expect(outcome).toMatchObject({ sameConnection: true, inTransaction: 0, rollbacks: 1 })
    expect(await committedCount('left-open')).toBe(0)
    expect(await scalar(outcome.pool, 'SELECT COUNT(*) FROM items WHERE name = ?', ['left-open'])).toBe(0)
  })

  it('costs nothing when the transaction was committed or none was opened', async () => {
    const committed = await leaveOpen({}, async (conn) => {
      const pconn = conn.promise()
      await pconn.beginTransaction()
      await pconn.execute('INSERT INTO items (name) VALUES (?)', ['committed'])
      await pconn.commit()
      await pconn.query('SELECT * FROM items')
    })
    expect(committed).toMatchObject({ sameConnection: true, inTransaction: 0, rollbacks: 0 })
    expect(await committedCount('committed')).toBe(1)
    const plain = await leaveOpen({}, (conn) => query(conn, 'SELECT 1'))
    expect(plain.rollbacks).toBe(0)
  })

  it('catches transactions opened by pool.query, a stored procedure, multiple statements and streaming', async () => {
    const pool = ctx.pool({ connectionLimit: 1, multipleStatements: true })
    // mysql2 would keep this transaction open on the connection, and the next INSERT would never commit
    await query(pool, 'START TRANSACTION')
    await query(pool, 'INSERT INTO items (name) VALUES (?)', ['after-misuse'])
    expect(await committedCount('after-misuse')).toBe(1)

    await query(pool, 'CALL open_txn(?)', ['from-procedure'])
    expect(await inTransaction(pool)).toBe(0)
    expect(await committedCount('from-procedure')).toBe(0)

    await query(pool, "START TRANSACTION; INSERT INTO items (name) VALUES ('multi'); SELECT 1")
    expect(await inTransaction(pool)).toBe(0)
    expect(await committedCount('multi')).toBe(0)

    const conn = await getConnection(pool)
    await query(conn, 'START TRANSACTION')
    await query(conn, "INSERT INTO items (name) VALUES ('streamed')")
    await new Promise<void>((resolve, reject) => {
      conn
        .query('SELECT id FROM items')
        .stream()
        .on('data', () => {})
        .on('error', reject)
        .on('end', resolve)
    })
    conn.release()
    expect(await inTransaction(pool)).toBe(0)
    expect(await committedCount('streamed')).toBe(0)
  })

  it('rolls back after every loan while autocommit is off, and keeps the session setting', async () => {
    const outcome = await leaveOpen({}, async (conn) => {
      await query(conn, 'SET autocommit = 0')
      await query(conn, 'INSERT INTO items (name) VALUES (?)', ['autocommit-off'])
    })
    expect(outcome).toMatchObject({ sameConnection: true, inTransaction: 0, rollbacks: 1 })
    expect(await committedCount('autocommit-off')).toBe(0)
    expect(await scalar(outcome.pool, 'SELECT @@autocommit')).toBe(0)
  })

  it('keeps prepared statements (execute) across releases by default', async () => {
    const pool = ctx.pool({ connectionLimit: 1 })
    const conn = await getConnection(pool)
    const prepares = await sessionStatus(conn, 'Com_stmt_prepare')
    conn.release()
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) =>
        pool.execute('SELECT ? AS i', [i], (error) => (error ? reject(error) : resolve())),
      )
    }
    const after = await getConnection(pool)
    expect((await sessionStatus(after, 'Com_stmt_prepare')) - prepares).toBe(1)
    after.release()
  })

  it('resetOnRelease: true resets the whole session (COM_RESET_CONNECTION) and execute() keeps working', async () => {
    const pool = ctx.pool({ connectionLimit: 1, resetOnRelease: true })
    const first = await getConnection(pool)
    const pfirst = first.promise()
    await pfirst.query("SET @var = 42, SESSION time_zone = '+05:00'")
    await pfirst.query('CREATE TEMPORARY TABLE scratch (a INT)')
    await pfirst.beginTransaction()
    await pfirst.execute('INSERT INTO items (name) VALUES (?)', ['reset-mode'])
    first.release()
    const next = await getConnection(pool)
    expect(next.threadId).toBe(first.threadId)
    const [rows] = await next.promise().query('SELECT @var AS v, @@session.time_zone AS tz')
    expect(rows).toEqual([{ v: null, tz: 'SYSTEM' }])
    expect(await inTransaction(next)).toBe(0)
    await expect(next.promise().query('SELECT * FROM scratch')).rejects.toMatchObject({ code: 'ER_NO_SUCH_TABLE' })
    // the server dropped the prepared statement; mysql2's cache was cleared with it, so execute() re-prepares
    const [executed] = await next.promise().execute('INSERT INTO items (name) VALUES (?)', ['reset-mode-2'])
    expect(executed).toMatchObject({ affectedRows: 1 })
    next.release()
    expect(await committedCount('reset-mode')).toBe(0)
    expect(await committedCount('reset-mode-2')).toBe(1)
    expect(pool.stats().counters.destroyed).toBe(0)
  })

  it("resetOnRelease: false is mysql2's behaviour: the next borrower inherits the open transaction", async () => {
    const outcome = await leaveOpen({ resetOnRelease: false }, async (conn) => {
      await query(conn, 'START TRANSACTION')
      await query(conn, 'INSERT INTO items (name) VALUES (?)', ['inherited'])
    })
    expect(outcome).toMatchObject({ sameConnection: true, inTransaction: 1, rollbacks: 0 })
    const conn = await getConnection(outcome.pool)
    await query(conn, 'ROLLBACK')
    conn.release()
  })

  it('destroys a connection whose ROLLBACK fails instead of reusing it', async () => {
    const pool = ctx.pool({ connectionLimit: 1 })
    const conn = await getConnection(pool)
    // An active XA transaction refuses a plain ROLLBACK (ER_XAER_RMFAIL).
    await query(conn, "XA START 'pools-test'")
    await query(conn, 'INSERT INTO items (name) VALUES (?)', ['xa'])
    const threadId = conn.threadId
    conn.release()
    const next = await getConnection(pool)
    expect(next.threadId).not.toBe(threadId)
    next.release()
    expect(pool.stats().counters.destroyedBy['reset-failed']).toBe(1)
    expect(ctx.warnings.some((w) => w.includes('reset() failed') && w.includes('ROLLBACK on release failed'))).toBe(
      true,
    )
    expect(await committedCount('xa')).toBe(0)
  })
})

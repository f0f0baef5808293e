/**
 * The duplicate-pg trap: @prisma/adapter-pg uses a pool only if it is `instanceof` ITS copy of pg.Pool, and
 * otherwise silently treats it as options and opens a second, plain pg pool. Here adapter-pg is loaded from a
 * copy that has its own nested pg (labelled 8.16.3), as npm installs it when the app's pg does not satisfy
 * adapter-pg's range. @pools/prisma must refuse at construction, naming both copies and the fix.
 */
import { isPoolError } from '@pools/core'
import { Pool } from '@pools/core/pg'
import { prismaAdapter } from '@pools/prisma'
import { PrismaPg } from '@prisma/adapter-pg'
import { afterAll, expect, it, vi } from 'vitest'
import { describeWithPostgres, usePostgres } from '../harness/index.js'

const layout = vi.hoisted(() => {
  // vi.hoisted runs before imports: only node: built-ins here
  const { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs') as typeof import('node:fs')
  const path = require('node:path') as typeof import('node:path')
  const root = path.resolve(__dirname, '../..')
  const base = path.join(root, 'node_modules/.cache/pools-prisma', `duplicate-pg-${process.pid}`)
  const adapter = path.join(base, 'node_modules/@prisma/adapter-pg')
  const nestedPg = path.join(adapter, 'node_modules/pg')
  rmSync(base, { recursive: true, force: true })
  mkdirSync(nestedPg, { recursive: true })
  const realAdapter = path.join(root, 'node_modules/@prisma/adapter-pg')
  cpSync(path.join(realAdapter, 'dist'), path.join(adapter, 'dist'), { recursive: true })
  cpSync(path.join(realAdapter, 'package.json'), path.join(adapter, 'package.json'))
  const realPg = path.join(root, 'node_modules/pg')
  cpSync(path.join(realPg, 'lib'), path.join(nestedPg, 'lib'), { recursive: true })
  cpSync(path.join(realPg, 'esm'), path.join(nestedPg, 'esm'), { recursive: true })
  const pkg = JSON.parse(readFileSync(path.join(realPg, 'package.json'), 'utf8')) as { version: string }
  writeFileSync(path.join(nestedPg, 'package.json'), JSON.stringify({ ...pkg, version: '8.16.3' }))
  return {
    base,
    adapterEntry: path.join(adapter, 'dist/index.mjs'),
    nestedPg,
    rootPg: realPg,
    rootVersion: pkg.version,
  }
})

vi.mock('@prisma/adapter-pg', () => import(layout.adapterEntry))

describeWithPostgres('@pools/prisma with two copies of pg', () => {
  afterAll(async () => {
    const { rmSync } = await import('node:fs')
    rmSync(layout.base, { recursive: true, force: true })
  })

  it('(the trap) plain adapter-pg silently ignores our pool and opens its own', async () => {
    const db = await usePostgres()
    const ours = new Pool({ ...db.config })
    const adapter = await new PrismaPg(ours).connect()
    try {
      expect(adapter.underlyingDriver()).not.toBe(ours)
    } finally {
      await adapter.dispose()
      await ours.end()
    }
  })

  it('prismaAdapter(pool) fails at construction with both copies, their versions and the fix', async () => {
    const db = await usePostgres()
    const ours = new Pool({ ...db.config })
    try {
      let thrown: unknown
      try {
        prismaAdapter(ours)
      } catch (error) {
        thrown = error
      }
      expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
      const message = (thrown as Error).message
      expect(message).toContain(`pg ${layout.rootVersion} at ${layout.rootPg}`)
      expect(message).toContain(`pg 8.16.3 at ${layout.nestedPg}`)
      expect(message).toContain('npm dedupe')
      expect(message).toContain('npm ls pg')
      expect(ours.ending).toBe(false) // not ours to end
    } finally {
      await ours.end()
    }
  })

  it('a URL source fails the same way, and the pool built for it is ended', async () => {
    const db = await usePostgres()
    const ended = vi.spyOn(Pool.prototype, 'end')
    let thrown: unknown
    try {
      prismaAdapter(db.url)
    } catch (error) {
      thrown = error
    }
    expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
    expect(ended).toHaveBeenCalledTimes(1)
    ended.mockRestore()
  })
})

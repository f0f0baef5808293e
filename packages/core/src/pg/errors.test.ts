import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { clientConfigOf } from './driver.js'
import { decorateConnectError, secretsOf, writtenPasswordOf } from './errors.js'

describe('passwords a URL parser misreads', () => {
  it('reads the password as written, up to the last @', () => {
    expect(writtenPasswordOf('postgres://app:s3cret@db:5432/main')).toBe('s3cret')
    expect(writtenPasswordOf('postgres://app:1234/x?y#z@db/main')).toBe('1234/x?y#z')
    expect(writtenPasswordOf('postgres://app@db/main')).toBeUndefined()
    expect(writtenPasswordOf('postgres://db/main')).toBeUndefined()
    expect(writtenPasswordOf(undefined)).toBeUndefined()
  })

  it('a well-formed URL is not misparsed; its password (also percent-decoded) is a secret', () => {
    const secrets = secretsOf({ connectionString: 'postgres://app:p%40ss%2Fword@db:5432/main' })
    expect(secrets.misparsed).toBe(false)
    expect(secrets.values).toEqual(expect.arrayContaining(['p%40ss%2Fword', 'p@ss/word']))
  })

  for (const url of ['postgres://app:5433/pw-x9kq@db:5432/main', 'postgres://app:12#pw-x9kq@db/main']) {
    it(`${url}: the target is not printed, nor any piece of the password`, () => {
      const secrets = secretsOf({ connectionString: url })
      expect(secrets.misparsed).toBe(true)
      // what pg made of it: the password's digits as the port, its tail as the database
      const error = Object.assign(new Error('database "pw-x9kq@db/main" does not exist'), { code: '3D000' })
      const out = decorateConnectError(error, 'api', { user: 'app', host: 'app', port: 5433, database: 'x' }, secrets)
      expect(out.message).toBe(
        'database "***@db/main" does not exist (pool "api" connecting to a connection string whose password is not percent-encoded: encode it with encodeURIComponent)',
      )
      expect(`${out.message}\n${out.stack}\n${inspect(out)}`).not.toMatch(/pw-x9kq|5433/)
    })
  }

  it('the client password and the password option are secrets too', () => {
    const secrets = secretsOf({ password: 'opt-secret' }, { password: 'client-secret' })
    expect(secrets.values).toEqual(['client-secret', 'opt-secret'])
    expect(secretsOf({ password: () => 'x' }, {}).values).toEqual([])
  })
})

describe('what each Client is given', () => {
  it('pool-only keys are dropped; password and ssl secrets stay readable but not enumerable', () => {
    const base = { host: 'db', max: 4, pools: { name: 'x' }, poolerMode: 'session' }
    Object.defineProperty(base, 'password', { value: 'pw-1', enumerable: false })
    const options = Object.create(base)
    options.poolName = 'x'
    options.ssl = { rejectUnauthorized: false, key: 'KEY', passphrase: 'PASS', pfx: 'PFX' }
    const config = clientConfigOf(options)
    expect(Object.keys(config).sort()).toEqual(['host', 'max', 'ssl'])
    expect(config.password).toBe('pw-1')
    const ssl = config.ssl as Record<string, unknown>
    expect([ssl.key, ssl.passphrase, ssl.pfx]).toEqual(['KEY', 'PASS', 'PFX'])
    expect(Object.keys(ssl)).toEqual(['rejectUnauthorized'])
    expect(inspect(config, { depth: 4 })).not.toMatch(/pw-1|KEY|PASS|PFX/)
    expect(JSON.stringify(config)).not.toMatch(/pw-1|KEY|PASS|PFX/)
    // the caller's ssl object is not modified
    expect(Object.keys(options.ssl)).toEqual(['rejectUnauthorized', 'key', 'passphrase', 'pfx'])
  })
})

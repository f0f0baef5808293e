import { describe, expect, it } from 'vitest'
import { splitControl } from '../../bench/lib/control.mjs'

describe('bench/lib/control', () => {
  it('a plain target loads nothing more', () => {
    expect(splitControl('drizzle-mysql:own')).toEqual({ target: 'drizzle-mysql:own', unused: [] })
  })

  it('each +module is loaded, in order, scoped package names included', () => {
    expect(splitControl('typeorm-native+@pools/core+knex')).toEqual({
      target: 'typeorm-native',
      unused: ['@pools/core', 'knex'],
    })
  })

  it('an empty part is refused with the name in the message', () => {
    expect(() => splitControl('typeorm-native+')).toThrow(/typeorm-native\+/)
    expect(() => splitControl('+knex')).toThrow(/no empty part/)
  })
})

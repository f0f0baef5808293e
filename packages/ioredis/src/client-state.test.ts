import { describe, expect, it } from 'vitest'
import { ClientState, type CommandLike, isBlockingCommand } from './client-state.js'

function command(name: string, args: unknown[] = [], promise: Promise<unknown> = Promise.resolve()): CommandLike {
  return { name, args, promise }
}

describe('ClientState', () => {
  it('is clean until a command leaves state behind', () => {
    const state = new ClientState()
    for (const name of ['get', 'set', 'GET', 'incr', 'ping', 'publish', 'unsubscribe']) state.observe(command(name))
    expect(state.dirty).toBe(false)
    expect(state.poisoned).toBe(false)
    expect(state.blocking).toBe(0)
  })

  it('tracks WATCH until EXEC, DISCARD or UNWATCH; EXEC without MULTI keeps the WATCH', () => {
    const state = new ClientState()
    state.observe(command('watch', ['k']))
    expect(state.watching).toBe(true)
    state.observe(command('exec'))
    expect(state.watching).toBe(true) // refused by the server: no MULTI
    state.observe(command('multi'))
    expect(state.inMulti).toBe(true)
    state.observe(command('exec'))
    expect(state.dirty).toBe(false)
    state.observe(command('WATCH', ['k']))
    state.observe(command('UNWATCH'))
    expect(state.watching).toBe(false)
    state.observe(command('multi'))
    state.observe(command('watch', ['k'])) // inside MULTI: refused, never a WATCH
    state.observe(command('discard'))
    expect(state.dirty).toBe(false)
  })

  it('tracks SELECT, CLIENT SETNAME and each kind of subscription', () => {
    const state = new ClientState()
    state.observe(command('select', [3]))
    state.observe(command('client', ['SETNAME', 'x']))
    state.observe(command('subscribe', ['a']))
    state.observe(command('PSUBSCRIBE', ['p*']))
    state.observe(command('ssubscribe', ['s']))
    expect(state).toMatchObject({ selected: true, renamed: true, subscribed: 7 })
    state.clear()
    expect(state.dirty).toBe(false)
    state.observe(command('client', ['GETNAME']))
    expect(state.dirty).toBe(false)
  })

  it('marks connection state it cannot undo', () => {
    for (const [name, args] of [
      ['hello', ['3']],
      ['auth', ['pw']],
      ['monitor', []],
      ['reset', []],
      ['readonly', []],
      ['client', ['TRACKING', 'on']],
      ['client', ['reply', 'off']],
    ] as const) {
      const state = new ClientState()
      state.observe(command(name, [...args]))
      expect(state.poisoned, name).toBe(true)
    }
  })

  it('counts blocking commands until they settle, resolved or rejected', async () => {
    const state = new ClientState()
    let resolve!: () => void
    let reject!: (e: Error) => void
    const ok = new Promise<void>((r) => {
      resolve = r
    })
    const failed = new Promise<void>((_, r) => {
      reject = r
    })
    failed.catch(() => {})
    state.observe(command('blpop', ['q', 0], ok))
    state.observe(command('XREAD', ['BLOCK', 0], failed))
    expect(state.blocking).toBe(2)
    state.observe(command('xread', ['STREAMS', 's', '0'])) // no BLOCK: answers at once
    expect(state.blocking).toBe(2)
    resolve()
    await ok
    await Promise.resolve()
    expect(state.blocking).toBe(1)
    reject(new Error('closed'))
    await failed.catch(() => {})
    await Promise.resolve()
    expect(state.blocking).toBe(0)
  })
})

describe('isBlockingCommand', () => {
  it('knows the blocking commands, in any case, and XREAD only with BLOCK', () => {
    expect(isBlockingCommand({ name: 'blpop', args: ['q', 0] })).toBe(true)
    expect(isBlockingCommand({ name: 'BLMOVE', args: [] })).toBe(true)
    expect(isBlockingCommand({ name: 'xreadgroup', args: ['GROUP', 'g', 'c', 'block', 0] })).toBe(true)
    expect(isBlockingCommand({ name: 'xread', args: ['STREAMS', 's', '0'] })).toBe(false)
    expect(isBlockingCommand({ name: 'lpop', args: ['q'] })).toBe(false)
    expect(isBlockingCommand(undefined)).toBe(false)
    expect(isBlockingCommand({ name: 42 })).toBe(false)
  })
})

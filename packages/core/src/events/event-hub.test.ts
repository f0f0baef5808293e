import { describe, expect, it } from 'vitest'
import { EventHub } from './event-hub.js'

describe('EventHub', () => {
  it('calls listeners in order with the payload; has() says whether anyone listens', () => {
    const hub = new EventHub<string>()
    const calls: string[] = []
    expect(hub.has('acquire')).toBe(false)
    hub.on('acquire', (e) => calls.push(`a ${e.id}`))
    hub.on('acquire', (e) => calls.push(`b ${e.id}`))
    expect(hub.has('acquire')).toBe(true)
    hub.emit('acquire', { id: 7, resource: 'r', waitMs: 0 })
    expect(calls).toEqual(['a 7', 'b 7'])
  })

  it('off() removes one listener; the key disappears with the last one', () => {
    const hub = new EventHub<string>()
    const calls: number[] = []
    const one = () => calls.push(1)
    const two = () => calls.push(2)
    hub.on('resume', one)
    hub.on('resume', two)
    hub.off('resume', one)
    hub.off('resume', one) // already gone
    hub.off('suspend', one) // never added
    hub.emit('resume', {})
    hub.off('resume', two)
    expect(hub.has('resume')).toBe(false)
    expect(hub.listeners.resume).toBeUndefined()
    hub.emit('resume', {})
    expect(calls).toEqual([2])
  })

  it('once() fires once; off() with the original listener removes it before it fires', () => {
    const hub = new EventHub<string>()
    const calls: string[] = []
    const listener = () => calls.push('once')
    hub.once('suspend', listener)
    hub.emit('suspend', {})
    hub.emit('suspend', {})
    expect(calls).toEqual(['once'])
    expect(hub.has('suspend')).toBe(false)
    hub.once('suspend', listener)
    hub.off('suspend', listener)
    hub.emit('suspend', {})
    expect(calls).toEqual(['once'])
  })

  it('a listener added or removed during an emit does not change that emit', () => {
    const hub = new EventHub<string>()
    const calls: string[] = []
    const second = () => calls.push('second')
    hub.on('resume', () => {
      calls.push('first')
      hub.off('resume', second)
      hub.on('resume', () => calls.push('late'))
    })
    hub.on('resume', second)
    hub.emit('resume', {})
    expect(calls).toEqual(['first', 'second'])
    hub.emit('resume', {})
    expect(calls).toEqual(['first', 'second', 'first', 'late'])
  })

  it('a throwing listener is reported as an error event and the others still run', () => {
    const hub = new EventHub<string>()
    const errors: Error[] = []
    const calls: string[] = []
    hub.on('resume', () => {
      throw new Error('bug')
    })
    hub.on('resume', () => calls.push('after'))
    hub.on('error', (e) => errors.push(e.error))
    expect(() => hub.emit('resume', {})).not.toThrow()
    expect(calls).toEqual(['after'])
    expect(errors.map((e) => e.message)).toEqual(['bug'])
  })

  it('a throwing listener goes to the unhandled callback when nobody listens to error', () => {
    const unhandled: [string, string][] = []
    const hub = new EventHub<string>((error, event) => unhandled.push([event, error.message]))
    hub.on('resume', () => {
      throw new Error('bug')
    })
    hub.emit('resume', {})
    expect(unhandled).toEqual([['resume', 'bug']])
    hub.on('error', () => {})
    hub.emit('resume', {})
    expect(unhandled).toHaveLength(1)
  })

  it('an error event without listeners, or with a throwing one, is never thrown', () => {
    const hub = new EventHub<string>()
    expect(() => hub.emit('error', { error: new Error('x'), resource: undefined })).not.toThrow()
    hub.on('resume', () => {
      throw new Error('bug')
    })
    expect(() => hub.emit('resume', {})).not.toThrow()
    hub.on('error', () => {
      throw new Error('error listener bug')
    })
    expect(() => hub.emit('resume', {})).not.toThrow()
    expect(() => hub.emit('error', { error: new Error('x'), resource: undefined })).not.toThrow()
  })
})

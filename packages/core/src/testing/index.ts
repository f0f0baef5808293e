/**
 * Test helpers for code that uses @pools: a fake clock so timeouts, lifetimes
 * and leak thresholds run instantly and deterministically.
 * @module
 */
export { FakeClock, flushMicrotasks } from './fake-clock.js'

import type { Clock, TimerHandle } from '../clock/clock.js'
import type { DestroyReason } from '../stats/pool-stats.js'
import type { PooledResource } from './pooled-resource.js'

/** What the housekeeper needs from the pool. */
export interface HousekeeperHost<T> {
  /** The idle stack: index 0 is the resource idle longest. */
  readonly idle: PooledResource<T>[]
  /** Open resources (idle + used), not counting creates in flight. */
  total(): number
  /** The current `min`. */
  min(): number
  /** Take `idle[index]` out of the idle stack and destroy it. */
  evict(index: number, reason: DestroyReason): void
  /** Take `idle[index]` out of the idle stack and validate it in the background. */
  keepalive(index: number): void
  /** Look for leaks among borrowed resources. */
  scanLeaks(now: number): void
  /** Create whatever `min` needs. */
  refill(): void
}

/** The lifetime limits the housekeeper enforces (resolved config values). */
export interface HousekeepingPolicy {
  intervalMs: number
  idleTimeoutMs: number
  /** Most idle resources kept (`Infinity` = no cap). */
  maxIdle: number
  keepaliveIntervalMs: number
}

/**
 * One unref'd timer for the whole pool: retires idle resources past their
 * lifetime or idle timeout and those above `maxIdle` (never below `min`), validates idle ones due a
 * keepalive, scans for leaks and refills `min`. An idle process can exit
 * while it is armed (serverless).
 */
export class Housekeeper<T> {
  #timer: TimerHandle | undefined
  #running = false
  /** When the armed timer fires (`Infinity` when stopped). */
  dueAt = Number.POSITIVE_INFINITY

  constructor(
    private readonly clock: Clock,
    private readonly policy: HousekeepingPolicy,
    private readonly host: HousekeeperHost<T>,
  ) {}

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#schedule(this.clock.now() + this.policy.intervalMs)
  }

  stop(): void {
    this.#running = false
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.dueAt = Number.POSITIVE_INFINITY
  }

  /** Run no later than `at` (a resource's idle expiry that falls before the next run). */
  wakeBy(at: number): void {
    if (at >= this.dueAt || !this.#running) return
    this.#schedule(at)
  }

  /** One pass; also called directly by tests and after `resize`. */
  run(): void {
    const now = this.clock.now()
    const { idleTimeoutMs, keepaliveIntervalMs } = this.policy
    const host = this.host
    const idle = host.idle
    for (let i = 0; i < idle.length; ) {
      const record = idle[i]!
      if (now >= record.retireAt) {
        host.evict(i, 'max-lifetime')
      } else if (idleTimeoutMs > 0 && now - record.lastUsedAt >= idleTimeoutMs && host.total() > host.min()) {
        host.evict(i, 'idle-timeout')
      } else if (keepaliveIntervalMs > 0 && now - record.lastAliveAt >= keepaliveIntervalMs) {
        host.keepalive(i)
      } else {
        i++
      }
    }
    // the idle cap: longest idle first (the bottom of the stack), never below min
    while (idle.length > this.policy.maxIdle && host.total() > host.min()) host.evict(0, 'max-idle')
    host.scanLeaks(now)
    host.refill()
    if (this.#running) this.#schedule(this.#nextRun(now))
  }

  /**
   * The next pass: one interval from now, or earlier when an idle resource's idle timeout (while
   * above `min`), lifetime or keepalive falls due before that, so it is handled on time rather
   * than up to an interval late.
   */
  #nextRun(now: number): number {
    const { intervalMs, idleTimeoutMs, keepaliveIntervalMs } = this.policy
    let next = now + intervalMs
    const idle = this.host.idle
    const idleExpiry = idleTimeoutMs > 0 && this.host.total() > this.host.min()
    for (let i = 0; i < idle.length; i++) {
      const record = idle[i]!
      if (record.retireAt < next) next = record.retireAt
      if (idleExpiry && record.lastUsedAt + idleTimeoutMs < next) next = record.lastUsedAt + idleTimeoutMs
      if (keepaliveIntervalMs > 0 && record.lastAliveAt + keepaliveIntervalMs < next) {
        next = record.lastAliveAt + keepaliveIntervalMs
      }
    }
    // never a busy loop, whatever the records say
    return next > now ? next : now + 1
  }

  #schedule(at: number): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer)
    this.dueAt = at
    this.#timer = this.clock.setTimeout(
      () => {
        this.#timer = undefined
        this.dueAt = Number.POSITIVE_INFINITY
        if (this.#running) this.run()
      },
      at - this.clock.now(),
      true,
    )
  }
}

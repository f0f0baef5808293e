import type { Clock, Pool as EnginePool, TimerHandle } from '../index.js'

/** generic-pool's eviction settings, read as generic-pool reads them (lib/PoolOptions.js). */
export interface EvictionSettings {
  /** Period of the eviction run; 0 (generic-pool's default) = the evictor never runs. */
  evictionRunIntervalMillis: number
  /** Idle resources examined per run (default 3); the examination resumes where the last run stopped. */
  numTestsPerEvictionRun: number
  /** Idle longer than this: evicted, even below `min` (which is then refilled). Default 30 000. */
  idleTimeoutMillis: number
  /** Idle longer than this: evicted while more than `min` are idle. Default -1 (off). */
  softIdleTimeoutMillis: number
  /** `fifo` (default true): released resources join the end of the idle list, else its front. */
  fifo: boolean
  min: number
}

/** generic-pool's `parseInt(value, 10)`, for values that may be strings. */
function toInt(value: unknown): number {
  return typeof value === 'number' ? Math.trunc(value) : Number.parseInt(String(value), 10)
}

/** generic-pool's `opts.x || default` (a 0, NaN or missing value takes the default), then `parseInt`. */
function orDefault(value: unknown, fallback: number): number {
  if (!value) return fallback
  const n = toInt(value)
  return Number.isNaN(n) ? fallback : n
}

/** Read the eviction options exactly as generic-pool 3.9 does. */
export function evictionSettings(
  options: {
    evictionRunIntervalMillis?: unknown
    numTestsPerEvictionRun?: unknown
    idleTimeoutMillis?: unknown
    softIdleTimeoutMillis?: unknown
    fifo?: unknown
  },
  min: number,
): EvictionSettings {
  return {
    evictionRunIntervalMillis: orDefault(options.evictionRunIntervalMillis, 0),
    numTestsPerEvictionRun: orDefault(options.numTestsPerEvictionRun, 3),
    idleTimeoutMillis: orDefault(options.idleTimeoutMillis, 30_000),
    softIdleTimeoutMillis: orDefault(options.softIdleTimeoutMillis, -1),
    fifo: typeof options.fifo === 'boolean' ? options.fifo : true,
    min,
  }
}

/** One idle resource, as generic-pool's available list holds it. */
interface Entry<T> {
  readonly resource: T
  readonly lastIdleTime: number
}

/**
 * generic-pool's evictor (Pool#_evict with DefaultEvictor), over the engine: every
 * `evictionRunIntervalMillis` it examines up to `numTestsPerEvictionRun` idle resources, resuming where the
 * previous run stopped (generic-pool's persistent list iterator, which starts over from the head after an
 * eviction or at the end of the list), and evicts one idle longer than `idleTimeoutMillis`, or longer than
 * `softIdleTimeoutMillis` while more than `min` are idle. The engine destroys it (destroy reason
 * `idle-timeout`) and refills `min`.
 *
 * The idle list mirrors generic-pool's `_availableObjects` from the engine's events: a resource joins it when
 * created or released (at the end, or the front without `fifo`) and leaves it when lent or destroyed.
 * Timers run on the engine's clock, so tests can use a `FakeClock`.
 */
export class Evictor<T> {
  readonly #engine: EnginePool<T>
  readonly #clock: Clock
  readonly #settings: EvictionSettings
  readonly #available: Entry<T>[] = []
  #timer: TimerHandle | undefined
  #started = false
  #stopped = false
  /** generic-pool's DequeIterator state: not started, on an entry, or done. */
  #cursorStarted = false
  #cursor: Entry<T> | null = null
  #cursorDone = false

  constructor(engine: EnginePool<T>, clock: Clock, settings: EvictionSettings) {
    this.#engine = engine
    this.#clock = clock
    this.#settings = settings
    engine.on('create', ({ resource }) => this.#add(resource, true))
    engine.on('release', ({ resource }) => this.#add(resource, this.#settings.fifo))
    engine.on('acquire', ({ resource }) => this.#remove(resource))
    engine.on('destroy', ({ resource }) => this.#remove(resource))
    engine.on('closed', () => this.stop())
  }

  /** Start the periodic runs (generic-pool's start(): at once, or at the first acquire with `autostart: false`). */
  start(): void {
    if (this.#started || this.#stopped) return
    this.#started = true
    this.#schedule()
  }

  /** Stop for good (drain, close). */
  stop(): void {
    this.#stopped = true
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule(): void {
    const every = this.#settings.evictionRunIntervalMillis
    if (every <= 0 || this.#stopped) return
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined
        this.run()
        this.#schedule()
      },
      every,
      true,
    )
  }

  /** One eviction run (generic-pool's `_evict`). */
  run(): void {
    const settings = this.#settings
    const testsToRun = Math.min(settings.numTestsPerEvictionRun, this.#available.length)
    for (let testsHaveRun = 0; testsHaveRun < testsToRun; ) {
      const entry = this.#next()
      if (entry === undefined) {
        this.#resetCursor()
        if (this.#available.length < 1) return
        continue
      }
      const idleTime = this.#clock.now() - entry.lastIdleTime
      testsHaveRun++
      const evict =
        (settings.softIdleTimeoutMillis > 0 &&
          settings.softIdleTimeoutMillis < idleTime &&
          settings.min < this.#available.length) ||
        settings.idleTimeoutMillis < idleTime
      if (evict) {
        this.#remove(entry.resource)
        this.#engine.invalidate(entry.resource, 'idle-timeout')
      }
    }
  }

  /** The iterator's next entry; undefined when done (end of the list, or its entry left the list). */
  #next(): Entry<T> | undefined {
    if (this.#cursorDone) return undefined
    let next: Entry<T> | undefined
    if (!this.#cursorStarted) {
      this.#cursorStarted = true
      next = this.#available[0]
    } else {
      // generic-pool's cursor is a list node: once it left the list, its `next` is null
      const at = this.#cursor === null ? -1 : this.#available.indexOf(this.#cursor)
      next = at === -1 ? undefined : this.#available[at + 1]
    }
    if (next === undefined) {
      this.#cursorDone = true
      this.#cursor = null
      return undefined
    }
    this.#cursor = next
    return next
  }

  #resetCursor(): void {
    this.#cursorStarted = false
    this.#cursorDone = false
    this.#cursor = null
  }

  #add(resource: T, atEnd: boolean): void {
    // a resource created for a waiter is lent at once ('acquire' follows and removes it)
    this.#remove(resource)
    const entry: Entry<T> = { resource, lastIdleTime: this.#clock.now() }
    if (atEnd) this.#available.push(entry)
    else this.#available.unshift(entry)
  }

  #remove(resource: T): void {
    const index = this.#available.findIndex((entry) => entry.resource === resource)
    if (index !== -1) this.#available.splice(index, 1)
  }
}

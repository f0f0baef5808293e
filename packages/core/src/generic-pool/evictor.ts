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

/** One idle resource: a node of the idle list, as in generic-pool's doubly linked `_availableObjects`. */
interface Node<T> {
  readonly resource: T
  readonly lastIdleTime: number
  prev: Node<T> | null
  next: Node<T> | null
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
 * created or released (at the end, or the front without `fifo`) and leaves it when lent or destroyed. Nothing
 * listens (and nothing runs) when `evictionRunIntervalMillis` is 0, generic-pool's default. Timers run on the
 * engine's clock, so tests can use a `FakeClock`.
 */
export class Evictor<T> {
  readonly #engine: EnginePool<T>
  readonly #clock: Clock
  readonly #settings: EvictionSettings
  readonly #nodes = new Map<T, Node<T>>()
  #head: Node<T> | null = null
  #tail: Node<T> | null = null
  #timer: TimerHandle | undefined
  #started = false
  #stopped = false
  /** generic-pool's DoublyLinkedListIterator: not started, on a node, or done. */
  #cursorStarted = false
  #cursor: Node<T> | null = null
  #cursorDone = false

  constructor(engine: EnginePool<T>, clock: Clock, settings: EvictionSettings) {
    this.#engine = engine
    this.#clock = clock
    this.#settings = settings
    if (settings.evictionRunIntervalMillis <= 0) return
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
    const testsToRun = Math.min(settings.numTestsPerEvictionRun, this.#nodes.size)
    for (let testsHaveRun = 0; testsHaveRun < testsToRun; ) {
      const node = this.#next()
      if (node === null) {
        this.#resetCursor()
        if (this.#nodes.size < 1) return
        continue
      }
      const idleTime = this.#clock.now() - node.lastIdleTime
      testsHaveRun++
      const evict =
        (settings.softIdleTimeoutMillis > 0 &&
          settings.softIdleTimeoutMillis < idleTime &&
          settings.min < this.#nodes.size) ||
        settings.idleTimeoutMillis < idleTime
      if (evict) {
        this.#remove(node.resource)
        this.#engine.invalidate(node.resource, 'idle-timeout')
      }
    }
  }

  /** The iterator's next node; null when done (end of the list, or its node left the list). */
  #next(): Node<T> | null {
    if (this.#cursorDone) return null
    if (!this.#cursorStarted) {
      this.#cursorStarted = true
      this.#cursor = this.#head
    } else {
      // a node that left the list has no `next`: the iteration ends there, as in generic-pool
      this.#cursor = this.#cursor === null ? null : this.#cursor.next
    }
    const cursor = this.#cursor
    if (cursor === null || this.#nodes.get(cursor.resource) !== cursor) {
      this.#cursorDone = true
      return null
    }
    return cursor
  }

  #resetCursor(): void {
    this.#cursorStarted = false
    this.#cursorDone = false
    this.#cursor = null
  }

  #add(resource: T, atEnd: boolean): void {
    // a resource created for a waiter is lent at once ('acquire' follows and removes it)
    this.#remove(resource)
    const node: Node<T> = { resource, lastIdleTime: this.#clock.now(), prev: null, next: null }
    if (atEnd) {
      node.prev = this.#tail
      if (this.#tail !== null) this.#tail.next = node
      else this.#head = node
      this.#tail = node
    } else {
      node.next = this.#head
      if (this.#head !== null) this.#head.prev = node
      else this.#tail = node
      this.#head = node
    }
    this.#nodes.set(resource, node)
  }

  #remove(resource: T): void {
    const node = this.#nodes.get(resource)
    if (node === undefined) return
    this.#nodes.delete(resource)
    if (node.prev !== null) node.prev.next = node.next
    else this.#head = node.next
    if (node.next !== null) node.next.prev = node.prev
    else this.#tail = node.prev
    node.prev = null
    node.next = null
  }
}

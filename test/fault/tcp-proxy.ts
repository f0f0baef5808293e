/**
 * In-process TCP fault-injection proxy for the fault suite.
 *
 * Sits between a client (pool / driver) and a real server on loopback and
 * lets a test switch, at runtime, between forwarding, added latency,
 * black-holing, refusing and TCP resets. See docs/fault-proxy.md.
 *
 * Invariants:
 * - loopback only (listen address and target are validated);
 * - every socket and server has an 'error' listener, so no unhandled errors;
 * - every timer is tracked and cleared by `close()`;
 * - `close()` is idempotent and resolves only once the servers and every
 *   socket (client and upstream side) have emitted 'close'.
 */
import net from 'node:net'
import { performance } from 'node:perf_hooks'

export interface TcpProxyTarget {
  readonly host: string
  readonly port: number
}

export interface TcpProxyOptions {
  readonly target: TcpProxyTarget
  /** Loopback address to listen on. Default `'127.0.0.1'`. */
  readonly listenHost?: '127.0.0.1' | '::1'
  /** Max number of entries kept in `events` (oldest dropped). Default 1000. */
  readonly maxEvents?: number
}

export type TcpProxyMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'resetNew' }
  | { readonly kind: 'resetAfterBytes'; readonly bytes: number; readonly graceMs: number }

export type TcpProxyEventType =
  | 'accept'
  | 'close'
  | 'reset'
  | 'upstream-connect'
  | 'upstream-close'
  | 'client-error'
  | 'upstream-error'
  | 'server-error'

export interface TcpProxyEvent {
  readonly type: TcpProxyEventType
  /** Connection id (1-based, per proxy); 0 for server-level events. */
  readonly conn: number
  /** `performance.now()` timestamp. */
  readonly at: number
  readonly detail?: string
}

export interface ResetAfterBytesOptions {
  /**
   * Time to wait after the last allowed byte has been handed to the kernel
   * before sending the RST. On Linux an RST that arrives while the peer still
   * has unread bytes discards them (or shows up as a clean EOF), so a short
   * grace lets the client read the allowed bytes first. Default 20 ms.
   */
  readonly graceMs?: number
}

export interface TcpProxy {
  /** Address the proxy listens on (`'127.0.0.1'` or `'::1'`). */
  readonly host: string
  /** Port the proxy listens on (stable across `refuse()` / `reopen()`). */
  readonly port: number
  readonly target: TcpProxyTarget
  /** Current mode for new connections. */
  readonly mode: TcpProxyMode
  /** True between `refuse()` and `reopen()`. */
  readonly refusing: boolean
  /** True between `pauseUpstream()` and `resumeUpstream()`. */
  readonly upstreamPaused: boolean
  /** Client sockets currently open. */
  readonly connections: number
  /** Upstream (proxy→server) sockets currently open. */
  readonly upstreamConnections: number
  /** Client connections accepted since creation. */
  readonly totalAccepted: number
  /** Bounded log of connection events, oldest first. */
  readonly events: readonly TcpProxyEvent[]
  readonly closed: boolean

  /** Forward both ways without added latency (new and existing connections). */
  pass(): void
  /** Add `ms` latency to every chunk in both directions, order preserved (new and existing connections). */
  delay(ms: number): void
  /** New connections are accepted but never connected upstream; their bytes are discarded. */
  blackhole(): void
  /** New connections are RST right after accept. */
  resetNew(): void
  /**
   * Every connection (existing: counted from now; new: from accept) is RST
   * after `bytes` server→client bytes have been forwarded. Further server
   * bytes are dropped. `bytes = 0` resets on the first server byte.
   */
  resetAfterBytes(bytes: number, options?: ResetAfterBytesOptions): void
  /** RST every open connection (client and upstream side). Returns how many were reset. */
  resetAll(): number
  /** Stop listening: new connects get ECONNREFUSED. Existing connections are untouched. */
  refuse(): Promise<void>
  /** Listen again on the same port after `refuse()`. */
  reopen(): Promise<void>
  /** Hold client→server bytes (queued, not dropped) on all connections until `resumeUpstream()`. */
  pauseUpstream(): void
  resumeUpstream(): void
  /** Resolve once `predicate()` is true (checked now and after every event); reject after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>
  /** Tear down listener and all sockets. Idempotent. */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

const LOOPBACK_V4 = /^127(?:\.\d{1,3}){3}$/

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || LOOPBACK_V4.test(host)
}

function errorDetail(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code
    return code === undefined ? err.message : `${code}: ${err.message}`
  }
  return String(err)
}

/** RST a socket if possible; fall back to a plain destroy. Never throws. */
function rst(socket: net.Socket): void {
  if (socket.destroyed) return
  if (socket.connecting) {
    socket.destroy()
    return
  }
  try {
    socket.resetAndDestroy()
  } catch {
    socket.destroy()
  }
}

/**
 * One direction of a connection: ordered, optionally delayed and optionally
 * held, with backpressure towards `src`.
 */
class Pipe {
  private readonly queue: Array<{ chunk: Buffer; due: number }> = []
  private timer: NodeJS.Timeout | undefined
  private lastDue = 0
  private ending = false
  private disposed = false
  private pendingWrites = 0
  private waitingDrain = false
  private flushedCallbacks: Array<() => void> = []
  private held = false

  constructor(
    private readonly src: () => net.Socket | null,
    private readonly dest: net.Socket,
  ) {}

  push(chunk: Buffer, delayMs: number): void {
    if (this.disposed || this.ending) return
    const now = performance.now()
    const due = Math.max(now + delayMs, this.lastDue)
    this.lastDue = due
    if (this.queue.length === 0 && !this.held && due <= now) {
      this.write(chunk)
      return
    }
    this.queue.push({ chunk, due })
    this.pump()
  }

  /** Source ended: end `dest` once everything queued has been written. */
  end(): void {
    if (this.disposed || this.ending) return
    this.ending = true
    this.pump()
  }

  hold(): void {
    this.held = true
    this.clearTimer()
  }

  release(): void {
    this.held = false
    this.pump()
  }

  /** Call `cb` once the queue is empty and every write has been handed to the kernel. */
  whenFlushed(cb: () => void): void {
    if (this.disposed) return
    this.flushedCallbacks.push(cb)
    this.checkFlushed()
  }

  dispose(): void {
    this.disposed = true
    this.queue.length = 0
    this.flushedCallbacks = []
    this.clearTimer()
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
  }

  private pump(): void {
    if (this.disposed || this.held) return
    this.clearTimer()
    const now = performance.now()
    for (let head = this.queue[0]; head !== undefined && head.due <= now; head = this.queue[0]) {
      this.queue.shift()
      this.write(head.chunk)
    }
    const next = this.queue[0]
    if (next !== undefined) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(next.due - now)))
      return
    }
    if (this.ending && !this.dest.destroyed && !this.dest.writableEnded) this.dest.end()
    this.checkFlushed()
  }

  private write(chunk: Buffer): void {
    if (this.dest.destroyed || this.dest.writableEnded) return
    this.pendingWrites++
    const ok = this.dest.write(chunk, () => {
      this.pendingWrites--
      this.checkFlushed()
    })
    if (!ok && !this.waitingDrain) {
      const src = this.src()
      if (src === null) return
      this.waitingDrain = true
      src.pause()
      this.dest.once('drain', () => {
        this.waitingDrain = false
        if (!this.disposed && !src.destroyed) src.resume()
      })
    }
  }

  private checkFlushed(): void {
    if (this.disposed || this.queue.length > 0 || this.pendingWrites > 0) return
    const cbs = this.flushedCallbacks
    this.flushedCallbacks = []
    for (const cb of cbs) cb()
  }
}

class Connection {
  upstream: net.Socket | null = null
  up: Pipe | null = null
  down: Pipe
  /** Server→client bytes still allowed before an RST; Infinity = unlimited. */
  budget = Number.POSITIVE_INFINITY
  graceMs = 20
  exhausted = false
  resetTimer: NodeJS.Timeout | undefined
  clientOpen = true

  constructor(
    readonly id: number,
    readonly client: net.Socket,
  ) {
    this.down = new Pipe(() => this.upstream, client)
  }

  dispose(): void {
    this.up?.dispose()
    this.down.dispose()
    if (this.resetTimer !== undefined) {
      clearTimeout(this.resetTimer)
      this.resetTimer = undefined
    }
  }
}

class TcpProxyImpl implements TcpProxy {
  readonly host: string
  readonly target: TcpProxyTarget
  private _port = 0
  private _mode: TcpProxyMode = { kind: 'pass' }
  private server: net.Server | null = null
  private readonly serverClosed: Array<Promise<void>> = []
  private readonly conns = new Set<Connection>()
  /** Every live socket (client and upstream) → resolves on its 'close' event (not `socket.closed`, which flips earlier). */
  private readonly sockets = new Map<net.Socket, Promise<void>>()
  private readonly waiters = new Set<{ check: () => void; fail: (err: Error) => void }>()
  private readonly _events: TcpProxyEvent[] = []
  private readonly maxEvents: number
  private _totalAccepted = 0
  private _connections = 0
  private _upstreamConnections = 0
  private nextId = 1
  private _upstreamPaused = false
  private closing: Promise<void> | null = null
  private reopening: Promise<void> | null = null

  constructor(options: TcpProxyOptions) {
    this.host = options.listenHost ?? '127.0.0.1'
    this.target = { host: options.target.host, port: options.target.port }
    this.maxEvents = options.maxEvents ?? 1000
  }

  get port(): number {
    return this._port
  }
  get mode(): TcpProxyMode {
    return this._mode
  }
  get refusing(): boolean {
    return this.server === null && this.closing === null
  }
  get upstreamPaused(): boolean {
    return this._upstreamPaused
  }
  get connections(): number {
    return this._connections
  }
  get upstreamConnections(): number {
    return this._upstreamConnections
  }
  get totalAccepted(): number {
    return this._totalAccepted
  }
  get events(): readonly TcpProxyEvent[] {
    return this._events
  }
  get closed(): boolean {
    return this.closing !== null
  }

  // ---- modes -------------------------------------------------------------

  pass(): void {
    this.setMode({ kind: 'pass' })
  }

  delay(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`delay must be a finite number >= 0, got ${ms}`)
    this.setMode({ kind: 'delay', ms })
  }

  blackhole(): void {
    this.setMode({ kind: 'blackhole' })
  }

  resetNew(): void {
    this.setMode({ kind: 'resetNew' })
  }

  resetAfterBytes(bytes: number, options: ResetAfterBytesOptions = {}): void {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`bytes must be an integer >= 0, got ${bytes}`)
    const graceMs = options.graceMs ?? 20
    if (!Number.isFinite(graceMs) || graceMs < 0) throw new RangeError(`graceMs must be >= 0, got ${graceMs}`)
    this.setMode({ kind: 'resetAfterBytes', bytes, graceMs })
    for (const conn of this.conns) this.armBudget(conn)
  }

  resetAll(): number {
    let n = 0
    for (const conn of [...this.conns]) {
      // Also RST upstreams still draining after their client left; count only live client sockets.
      if (conn.clientOpen) n++
      this.resetConnection(conn, 'resetAll')
    }
    return n
  }

  async refuse(): Promise<void> {
    this.assertOpen()
    const server = this.server
    if (server === null) return
    this.server = null
    // Closing the listening handle frees the port synchronously; the 'close'
    // event itself waits for this server's accepted sockets, tracked in serverClosed.
    server.close()
  }

  reopen(): Promise<void> {
    this.assertOpen()
    if (this.server !== null) return Promise.resolve()
    this.reopening ??= this.listen(this._port).finally(() => {
      this.reopening = null
    })
    return this.reopening
  }

  pauseUpstream(): void {
    this._upstreamPaused = true
    for (const conn of this.conns) conn.up?.hold()
  }

  resumeUpstream(): void {
    this._upstreamPaused = false
    for (const conn of this.conns) conn.up?.release()
  }

  waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
    if (predicate()) return Promise.resolve()
    if (this.closing !== null) return Promise.reject(new Error('tcp-proxy: closed'))
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        check: () => {
          if (!predicate()) return
          finish()
          resolve()
        },
        fail: (err: Error) => {
          finish()
          reject(err)
        },
      }
      const timer = setTimeout(
        () => waiter.fail(new Error(`tcp-proxy: waitFor timed out after ${timeoutMs} ms`)),
        timeoutMs,
      )
      const finish = () => {
        clearTimeout(timer)
        this.waiters.delete(waiter)
      }
      this.waiters.add(waiter)
    })
  }

  close(): Promise<void> {
    this.closing ??= this.doClose()
    return this.closing
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  // ---- internals ---------------------------------------------------------

  async listen(port: number): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true })
    server.on('connection', (socket) => this.onAccept(socket))
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err)
      server.once('error', onError)
      server.listen({ host: this.host, port, exclusive: true }, () => {
        server.off('error', onError)
        resolve()
      })
    })
    server.on('error', (err) => this.emit('server-error', 0, errorDetail(err)))
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()))
    if (this.closing !== null) {
      // close() ran while we were binding (reopen racing close): do not leave a listener behind.
      server.close()
      await closed
      throw new Error('tcp-proxy: closed')
    }
    this.serverClosed.push(closed)
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('tcp-proxy: unexpected server address')
    this._port = address.port
    this.server = server
  }

  private assertOpen(): void {
    if (this.closing !== null) throw new Error('tcp-proxy: closed')
  }

  private setMode(mode: TcpProxyMode): void {
    this.assertOpen()
    this._mode = mode
    if (mode.kind !== 'resetAfterBytes') {
      for (const conn of this.conns) {
        if (!conn.exhausted) conn.budget = Number.POSITIVE_INFINITY
      }
    }
  }

  private delayMs(): number {
    return this._mode.kind === 'delay' ? this._mode.ms : 0
  }

  private emit(type: TcpProxyEventType, conn: number, detail?: string): void {
    const event: TcpProxyEvent =
      detail === undefined ? { type, conn, at: performance.now() } : { type, conn, at: performance.now(), detail }
    this._events.push(event)
    if (this._events.length > this.maxEvents) this._events.splice(0, this._events.length - this.maxEvents)
    for (const waiter of [...this.waiters]) waiter.check()
  }

  private track(socket: net.Socket): void {
    this.sockets.set(
      socket,
      new Promise((resolve) =>
        socket.once('close', () => {
          this.sockets.delete(socket)
          // Let the other 'close' listeners (counters, peer teardown) run first.
          setImmediate(resolve)
        }),
      ),
    )
  }

  private armBudget(conn: Connection): void {
    if (this._mode.kind !== 'resetAfterBytes' || conn.exhausted) return
    conn.budget = this._mode.bytes
    conn.graceMs = this._mode.graceMs
  }

  private onAccept(client: net.Socket): void {
    const conn = new Connection(this.nextId++, client)
    this._totalAccepted++
    this._connections++
    this.conns.add(conn)
    this.track(client)
    client.on('error', (err) => this.emit('client-error', conn.id, errorDetail(err)))
    client.once('close', (hadError) => {
      conn.clientOpen = false
      this._connections--
      this.onClientClose(conn, hadError)
      this.emit('close', conn.id, hadError ? 'error' : undefined)
    })
    this.emit('accept', conn.id, `${client.remoteAddress}:${client.remotePort}`)

    if (this.closing !== null) {
      client.destroy()
      return
    }
    client.setNoDelay(true)

    switch (this._mode.kind) {
      case 'resetNew':
        this.resetConnection(conn, 'resetNew')
        return
      case 'blackhole':
        // Read and discard so nothing backs up; never connect upstream.
        client.on('data', () => {})
        client.on('end', () => client.destroy())
        return
      default:
        break
    }

    this.armBudget(conn)
    const upstream = net.connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true })
    conn.upstream = upstream
    this._upstreamConnections++
    this.track(upstream)
    upstream.setNoDelay(true)
    conn.up = new Pipe(() => client, upstream)
    if (this._upstreamPaused) conn.up.hold()

    upstream.on('error', (err) => this.emit('upstream-error', conn.id, errorDetail(err)))
    upstream.once('connect', () => this.emit('upstream-connect', conn.id))
    upstream.once('close', (hadError) => {
      this._upstreamConnections--
      this.emit('upstream-close', conn.id, hadError ? 'error' : undefined)
      this.onUpstreamClose(conn, hadError)
    })

    client.on('data', (chunk: Buffer) => conn.up?.push(chunk, this.delayMs()))
    client.on('end', () => conn.up?.end())
    upstream.on('data', (chunk: Buffer) => this.onServerData(conn, chunk))
    upstream.on('end', () => conn.down.end())
  }

  private onServerData(conn: Connection, chunk: Buffer): void {
    if (conn.exhausted) return
    if (chunk.length < conn.budget) {
      if (Number.isFinite(conn.budget)) conn.budget -= chunk.length
      conn.down.push(chunk, this.delayMs())
      return
    }
    const allowed = chunk.subarray(0, conn.budget)
    conn.budget = 0
    conn.exhausted = true
    if (allowed.length > 0) conn.down.push(allowed, this.delayMs())
    // Stop reading from the server; RST the client once the allowed bytes are out.
    conn.upstream?.pause()
    conn.down.whenFlushed(() => {
      if (!conn.clientOpen) return
      conn.resetTimer = setTimeout(() => {
        conn.resetTimer = undefined
        this.resetConnection(conn, 'resetAfterBytes')
      }, conn.graceMs)
    })
  }

  private resetConnection(conn: Connection, reason: string): void {
    this.emit('reset', conn.id, reason)
    conn.dispose()
    rst(conn.client)
    if (conn.upstream !== null) rst(conn.upstream)
  }

  private onClientClose(conn: Connection, hadError: boolean): void {
    conn.down.dispose()
    if (conn.resetTimer !== undefined) {
      clearTimeout(conn.resetTimer)
      conn.resetTimer = undefined
    }
    const upstream = conn.upstream
    if (upstream === null || upstream.destroyed) {
      this.forget(conn)
      return
    }
    if (hadError) {
      // Client connection died abnormally: propagate as an RST.
      conn.up?.dispose()
      rst(upstream)
      return
    }
    // Client closed cleanly: deliver what is queued, then FIN; discard further server bytes.
    upstream.resume()
    if (conn.up === null) {
      upstream.destroy()
      return
    }
    conn.up.end()
    conn.up.whenFlushed(() => upstream.destroySoon())
  }

  private onUpstreamClose(conn: Connection, hadError: boolean): void {
    conn.up?.dispose()
    if (!conn.clientOpen) {
      this.forget(conn)
      return
    }
    if (conn.exhausted) return // resetAfterBytes owns the client now.
    if (hadError) {
      conn.down.dispose()
      rst(conn.client)
      return
    }
    conn.down.end()
  }

  private forget(conn: Connection): void {
    if (conn.clientOpen) return
    if (conn.upstream !== null && !conn.upstream.closed) return
    conn.dispose()
    this.conns.delete(conn)
  }

  private async doClose(): Promise<void> {
    const server = this.server
    this.server = null
    server?.close()
    for (const conn of this.conns) conn.dispose()
    const sockets = [...this.sockets]
    for (const [socket] of sockets) socket.destroy()
    for (const waiter of [...this.waiters]) waiter.fail(new Error('tcp-proxy: closed'))
    await Promise.all([...this.serverClosed, ...sockets.map(([, closed]) => closed)])
    this.conns.clear()
  }
}

/** Start a proxy on a free loopback port forwarding to `target` (mode `pass`). */
export async function createTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const listenHost = options.listenHost ?? '127.0.0.1'
  if (listenHost !== '127.0.0.1' && listenHost !== '::1') {
    throw new Error(`tcp-proxy: listenHost must be 127.0.0.1 or ::1, got ${String(listenHost)}`)
  }
  if (!isLoopback(options.target.host)) {
    throw new Error(`tcp-proxy: target must be a loopback address, got ${options.target.host}`)
  }
  if (!Number.isInteger(options.target.port) || options.target.port <= 0 || options.target.port > 65535) {
    throw new Error(`tcp-proxy: invalid target port ${options.target.port}`)
  }
  const proxy = new TcpProxyImpl(options)
  await proxy.listen(0)
  return proxy
}

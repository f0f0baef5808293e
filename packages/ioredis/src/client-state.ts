/**
 * What a pooled ioredis client did to its connection during a loan, read off the commands it sent.
 *
 * ioredis keeps a little of this itself (`condition.select`, `condition.subscriber`, and since 6.x
 * `condition.watching`), but not the same fields in 5 and 6, and nothing about MULTI, CLIENT SETNAME
 * or blocking commands. Every command of a client, including each command of a pipeline or a
 * `multi()`, goes through its `sendCommand(command, stream)`; the pool wraps that method on each
 * client it creates (an own property in front of the prototype's, as ioredis's monitor mode does) and
 * notes the few commands that leave state behind. The cost is one map lookup per command.
 */

/** The slice of an ioredis `Command` this module reads. */
export interface CommandLike {
  name: string
  args: unknown[]
  promise: Promise<unknown>
  inTransaction?: boolean
}

/** What a command leaves on the connection. */
const Effect = {
  Watch: 1,
  Unwatch: 2,
  Multi: 3,
  EndMulti: 4,
  Select: 5,
  Client: 6,
  Subscribe: 7,
  Blocking: 8,
  /** State that cannot be undone cheaply (HELLO, AUTH, MONITOR, RESET, READONLY...): destroy on release. */
  Poison: 9,
} as const
type Effect = (typeof Effect)[keyof typeof Effect]

const EFFECTS: ReadonlyMap<string, Effect> = new Map([
  ['watch', Effect.Watch],
  ['unwatch', Effect.Unwatch],
  ['multi', Effect.Multi],
  ['exec', Effect.EndMulti],
  ['discard', Effect.EndMulti],
  ['select', Effect.Select],
  ['client', Effect.Client],
  ['subscribe', Effect.Subscribe],
  ['psubscribe', Effect.Subscribe],
  ['ssubscribe', Effect.Subscribe],
  // Commands that hold the connection until the server answers, possibly forever (timeout 0).
  ['blpop', Effect.Blocking],
  ['brpop', Effect.Blocking],
  ['brpoplpush', Effect.Blocking],
  ['blmove', Effect.Blocking],
  ['blmpop', Effect.Blocking],
  ['bzpopmin', Effect.Blocking],
  ['bzpopmax', Effect.Blocking],
  ['bzmpop', Effect.Blocking],
  ['xread', Effect.Blocking],
  ['xreadgroup', Effect.Blocking],
  ['wait', Effect.Blocking],
  ['waitaof', Effect.Blocking],
  ['hello', Effect.Poison],
  ['auth', Effect.Poison],
  ['monitor', Effect.Poison],
  ['reset', Effect.Poison],
  ['readonly', Effect.Poison],
  ['readwrite', Effect.Poison],
  ['quit', Effect.Poison],
])

const X_READ = new Set(['xread', 'xreadgroup'])

/** CLIENT subcommands that change the connection in ways the pool does not undo. */
const POISON_CLIENT_SUBCOMMANDS = new Set(['tracking', 'reply', 'no-evict', 'no-touch', 'caching'])

/** XREAD and XREADGROUP only block with a BLOCK option. */
function blocks(name: string, args: readonly unknown[]): boolean {
  return !X_READ.has(name.toLowerCase()) || args.some((arg) => String(arg).toUpperCase() === 'BLOCK')
}

/**
 * Is `command` one that holds the connection until the server answers (BLPOP, BLMOVE, XREAD BLOCK,
 * WAIT...)? For commands still in ioredis's queue: a client-side timeout (`commandTimeout`, ioredis 6's
 * `blockingTimeout`) settles the promise while the server still blocks.
 */
export function isBlockingCommand(command: { name?: unknown; args?: unknown } | undefined): boolean {
  const raw = command?.name
  if (typeof raw !== 'string') return false
  const effect = EFFECTS.get(raw) ?? EFFECTS.get(raw.toLowerCase())
  return effect === Effect.Blocking && blocks(raw, Array.isArray(command?.args) ? command.args : [])
}

/** Per-client loan state. Flags are set by commands and cleared by the pool's reset. */
export class ClientState {
  /** WATCH sent outside MULTI and not yet cleared by EXEC, DISCARD or UNWATCH. */
  watching = false
  /** MULTI sent and not yet ended by EXEC or DISCARD. */
  inMulti = false
  /** SELECT sent: the database may differ from the configured one. */
  selected = false
  /** CLIENT SETNAME sent. */
  renamed = false
  /** Subscriptions sent: 1 SUBSCRIBE, 2 PSUBSCRIBE, 4 SSUBSCRIBE (bits). */
  subscribed = 0
  /** Blocking commands (BLPOP, XREAD BLOCK, WAIT...) sent and not yet answered. */
  blocking = 0
  /** Connection state the pool cannot undo; the client is destroyed instead of reused. */
  poisoned = false
  /** Lent by `subscriber()`: never lent for commands again. */
  subscriber = false
  /** Listeners the pool (and ioredis) had on the client when it joined the pool, by event. */
  ownListeners: Map<string | symbol, Set<unknown>> = new Map()
  readonly #blockingDone = (): void => {
    this.blocking--
  }

  /** Does the connection need work before the next borrower may see it? */
  get dirty(): boolean {
    return this.watching || this.inMulti || this.selected || this.renamed || this.subscribed !== 0
  }

  /** Note what `command` will leave on the connection. */
  observe(command: CommandLike): void {
    const raw = command.name
    // ioredis's own methods send lower-case names; `call('WATCH')` keeps the caller's case.
    const effect = EFFECTS.get(raw) ?? (raw.charCodeAt(0) < 0x61 ? EFFECTS.get(raw.toLowerCase()) : undefined)
    if (effect === undefined) return
    switch (effect) {
      case Effect.Watch:
        if (!this.inMulti && command.inTransaction !== true) this.watching = true
        return
      case Effect.Unwatch:
        this.watching = false
        return
      case Effect.Multi:
        this.inMulti = true
        return
      case Effect.EndMulti:
        // EXEC or DISCARD without MULTI is refused by the server and leaves a WATCH in place.
        if (this.inMulti) {
          this.inMulti = false
          this.watching = false
        }
        return
      case Effect.Select:
        this.selected = true
        return
      case Effect.Client: {
        const sub = String(command.args[0] ?? '').toLowerCase()
        if (sub === 'setname') this.renamed = true
        else if (POISON_CLIENT_SUBCOMMANDS.has(sub)) this.poisoned = true
        return
      }
      case Effect.Subscribe: {
        const name = raw.toLowerCase()
        this.subscribed |= name === 'psubscribe' ? 2 : name === 'ssubscribe' ? 4 : 1
        return
      }
      case Effect.Blocking:
        if (!blocks(raw, command.args)) return
        this.blocking++
        command.promise.then(this.#blockingDone, this.#blockingDone)
        return
      case Effect.Poison:
        this.poisoned = true
        return
    }
  }

  /** Forget what the reset just undid. */
  clear(): void {
    this.watching = false
    this.inMulti = false
    this.selected = false
    this.renamed = false
    this.subscribed = 0
  }
}

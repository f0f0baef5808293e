import type { PoolError } from '../errors/pool-error.js'
import type { PoolLogger } from './pool-options.js'

/**
 * Logs create outcomes without flooding: the first failure of a streak is a warning, the first
 * success after it an info line; failures in between (one per backoff step) stay quiet.
 */
export class CreateLog {
  #failing = false

  constructor(
    private readonly logger: PoolLogger | undefined,
    private readonly name: string,
  ) {}

  failed(error: PoolError): void {
    if (this.#failing) return
    this.#failing = true
    this.logger?.warn(`[pools:${this.name}] ${error.message} Retrying with backoff.`)
  }

  succeeded(): void {
    if (!this.#failing) return
    this.#failing = false
    this.logger?.info?.(`[pools:${this.name}] creating resources works again`)
  }
}

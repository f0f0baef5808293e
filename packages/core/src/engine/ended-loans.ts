/** Why a loan ended without its borrower. */
export type EndedLoanReason = 'leak-reclaimed' | 'close-forced'

/** A loan that ended without the borrower (reclaimed as a leak, or forced at close). */
export interface EndedLoan {
  id: number
  reason: EndedLoanReason
  borrowedAt: number
}

const LIMIT = 1024

/**
 * Loans the pool ended for their borrowers, so the borrower's late `release()` is accepted quietly
 * instead of failing as a release of a foreign resource. Bounded: the oldest entry goes first.
 */
export class EndedLoans<T> {
  readonly #loans = new Map<T, EndedLoan>()

  remember(resource: T, loan: EndedLoan): void {
    if (this.#loans.size >= LIMIT) {
      const oldest = this.#loans.keys().next()
      if (!oldest.done) this.#loans.delete(oldest.value)
    }
    this.#loans.set(resource, loan)
  }

  /** The ended loan of `resource`, if any (still remembered). */
  get(resource: T): EndedLoan | undefined {
    return this.#loans.get(resource)
  }

  /** The ended loan of `resource`, forgotten now. */
  take(resource: T): EndedLoan | undefined {
    const loan = this.#loans.get(resource)
    if (loan !== undefined) this.#loans.delete(resource)
    return loan
  }
}

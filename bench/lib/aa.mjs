/**
 * The A/A control of the framework benchmarks: a baseline target measured a second time in the same
 * round, named `<baseline>-again`. It runs exactly as its baseline does; its ratio to the baseline is
 * what noise alone gives in that run.
 *
 * @example
 * againOf('typeorm-native')         // 'typeorm-native-again'
 * measuredAs('typeorm-native-again') // 'typeorm-native' (what the worker is asked to run)
 * isAgain('generic-pool-again')     // true
 */
const SUFFIX = '-again'

/** The name of `baseline`'s A/A control. */
export const againOf = (baseline) => `${baseline}${SUFFIX}`

/** Is `target` an A/A control? */
export const isAgain = (target) => target.endsWith(SUFFIX)

/** What a worker runs for `target`: an A/A control runs as its baseline. */
export const measuredAs = (target) => (isAgain(target) ? target.slice(0, -SUFFIX.length) : target)

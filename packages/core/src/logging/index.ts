export type { ConsoleLike, LogFields, NestLoggerLike, StructuredLogger, WinstonLike } from './log-to.js'
export { consoleLog, logTo, nestLog, winstonLog } from './log-to.js'

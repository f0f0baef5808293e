import { performance } from 'node:perf_hooks'
import type { ServerFacts } from './facts.js'

/** `samples` sequential round trips of `ping`; min and median in ms. */
export async function roundTrips(ping: () => Promise<unknown>, samples = 5): Promise<ServerFacts['latency']> {
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    const start = performance.now()
    await ping()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return { minMs: times[0] ?? 0, medianMs: times[Math.floor(times.length / 2)] ?? 0, samples }
}

/** Client-side TLS state of a driver's socket (a `tls.TLSSocket` when encrypted). */
export function tlsOf(socket: unknown): ServerFacts['tls'] {
  const s = socket as {
    encrypted?: boolean
    authorized?: boolean
    getProtocol?: () => string | null
    getCipher?: () => { name?: string } | undefined
  } | null
  if (s?.encrypted !== true) return { encrypted: false }
  return {
    encrypted: true,
    protocol: s.getProtocol?.() ?? undefined,
    cipher: s.getCipher?.()?.name,
    verified: s.authorized === true,
  }
}

/** Reject after `ms` (the doctor never hangs on a silent server). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** A driver error as one line without any secret of the connection in it. */
export function errorText(error: unknown, secrets: readonly (string | undefined)[]): string {
  const code = (error as { code?: unknown } | null)?.code
  let text = error instanceof Error ? error.message : String(error)
  if (text === '' && error instanceof AggregateError)
    text = error.errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')
  if (typeof code === 'string' && !text.includes(code)) text = `${code}: ${text}`
  for (const secret of secrets) if (secret) text = text.split(secret).join('***')
  return text.split('\n')[0] ?? text
}

/**
 * The redaction sweep: every failing-connection scenario (wrong password, unreachable host, malformed
 * URLs, passwords with `@ : / % # ?` and non-ASCII, passwords beginning with digits) runs in a child
 * process (scenario-runner.mjs) over the built packages; every byte it prints (errors with their whole
 * cause chain, events, stats, health, leaks, log lines, a Prometheus scrape, an OpenTelemetry collection)
 * and its stderr are searched for the password in every form it could take.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'vitest'

const exec = promisify(execFile)
const RUNNER = path.resolve(import.meta.dirname, 'scenario-runner.mjs')

/** The real password of the servers' test user: every URL delimiter, a `%xx` that decodes, non-ASCII. */
export const SECRET = 'Kx9qT@Vb2mR:Tr5wQ/Wz7pL%23#Hn4sD?é✓Lp8cF'
/** The wrong password: begins with digits, same delimiters. */
export const WRONG = '734219Zy8Gh@:/%#?üMq3vN'

export interface Scenario {
  label: string
  /** A URL or a connection options object, as the entry point takes it. */
  connection: unknown
  /** `ok`: the query must succeed; `failed`: it must fail. */
  expect: 'ok' | 'failed'
}

export interface Endpoint {
  scheme: string
  host: string
  port: number
  user: string
  database: string | undefined
  /** Extra key for config-file/doctor connection objects (`pg`, `mysql2`). */
  driver?: string
}

const enc = encodeURIComponent

function url(endpoint: Endpoint, password: string, hostPort = `${endpoint.host}:${endpoint.port}`): string {
  const db = endpoint.database === undefined ? '' : `/${enc(endpoint.database)}`
  return `${endpoint.scheme}://${enc(endpoint.user)}:${password}@${hostPort}${db}`
}

function options(endpoint: Endpoint, password: string, port = endpoint.port): Record<string, unknown> {
  const value: Record<string, unknown> = { host: endpoint.host, port, user: endpoint.user, password }
  if (endpoint.database !== undefined) value.database = endpoint.database
  return value
}

/**
 * Every scenario against one endpoint. `forms`: which connection forms the entry point takes
 * (`url` and/or `options`).
 */
export function scenarios(
  endpoint: Endpoint,
  forms: { url?: boolean; options?: boolean } = { url: true, options: true },
): Scenario[] {
  const list: Scenario[] = []
  const withDriver = (o: Record<string, unknown>) =>
    endpoint.driver === undefined ? o : { driver: endpoint.driver, ...o }
  if (forms.url !== false) {
    list.push(
      { label: 'url: right password', connection: url(endpoint, enc(SECRET)), expect: 'ok' },
      { label: 'url: wrong password', connection: url(endpoint, enc(WRONG)), expect: 'failed' },
      { label: 'url: unreachable host', connection: url(endpoint, enc(SECRET), '127.0.0.1:1'), expect: 'failed' },
      { label: 'url: password not encoded', connection: url(endpoint, SECRET), expect: 'failed' },
      { label: 'url: wrong password not encoded', connection: url(endpoint, WRONG), expect: 'failed' },
      { label: 'url: port out of range', connection: url(endpoint, enc(SECRET), '127.0.0.1:99999'), expect: 'failed' },
      {
        label: 'url: password in the query string',
        connection: `${url(endpoint, '').replace(/:@/, '@')}?password=${enc(WRONG)}`,
        expect: 'failed',
      },
      { label: 'url: bad percent-encoding', connection: url(endpoint, `${enc(WRONG)}%E0%A4%A`), expect: 'failed' },
      { label: 'url: broken host', connection: url(endpoint, enc(SECRET), '[127.0.0.1'), expect: 'failed' },
    )
  }
  if (forms.options !== false) {
    list.push(
      { label: 'options: right password', connection: withDriver(options(endpoint, SECRET)), expect: 'ok' },
      { label: 'options: wrong password', connection: withDriver(options(endpoint, WRONG)), expect: 'failed' },
      { label: 'options: unreachable host', connection: withDriver(options(endpoint, SECRET, 1)), expect: 'failed' },
    )
  }
  return list
}

/** Config files that do not parse, with the password on the line the parser complains about (config-file, doctor). */
export function brokenConfigFiles(endpoint: Endpoint): Scenario[] {
  const at = `${endpoint.scheme}://${endpoint.user}:${enc(SECRET)}@${endpoint.host}:${endpoint.port}/${endpoint.database ?? ''}`
  return [
    {
      label: 'file: JSON syntax error',
      connection: { $file: 'pools.config.json', body: `{"pools":{"main":{"connection":"${at}" "max": 3}}}` },
      expect: 'failed',
    },
    {
      label: 'file: YAML syntax error',
      connection: { $file: 'pools.config.yaml', body: `pools:\n  main:\n    connection: ${at}\n   max: [3\n` },
      expect: 'failed',
    },
    {
      label: 'file: TOML syntax error',
      connection: { $file: 'pools.config.toml', body: `[pools.main]\nconnection = "${at}\nmax = 3\n` },
      expect: 'failed',
    },
    {
      label: 'file: a bad port beside the password',
      connection: {
        $file: 'pools.config.json',
        body: JSON.stringify({
          pools: {
            main: { connection: { driver: endpoint.driver, host: endpoint.host, port: 'x', password: SECRET } },
          },
        }),
      },
      expect: 'failed',
    },
    {
      label: 'file: password where a number goes',
      connection: {
        $file: 'pools.config.json',
        body: JSON.stringify({ pools: { main: { connection: at, max: SECRET } } }),
      },
      expect: 'failed',
    },
  ]
}

/** Every form a password can take in output: as is, percent-encoded (any case), JSON-escaped, and each 5+ character run of letters and digits in it. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret, enc(secret), encodeURI(secret), JSON.stringify(secret).slice(1, -1)])
  forms.add(enc(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()))
  const viaUrl = new URL('http://u@h')
  viaUrl.password = secret
  forms.add(viaUrl.password)
  forms.add(Buffer.from(secret).toString('base64'))
  for (const chunk of secret.split(/[^A-Za-z0-9]+/)) if (chunk.length >= 5) forms.add(chunk)
  return [...forms]
}

export interface RunResult {
  output: string
}

/** Run `scenarios` through `target` in a child process; assert nothing it printed holds a password, and that each scenario ended as expected. */
export async function sweep(target: string, list: Scenario[]): Promise<RunResult> {
  let stdout = ''
  let stderr = ''
  try {
    const result = await exec(process.execPath, [RUNNER, JSON.stringify({ target, scenarios: list })], {
      timeout: 170_000,
      maxBuffer: 512 * 1024 * 1024,
      env: { ...process.env, NODE_ENV: 'test' },
    })
    stdout = result.stdout
    stderr = result.stderr
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string }
    stdout = e.stdout ?? ''
    stderr = e.stderr ?? ''
    throw new Error(`runner failed for ${target}: ${e.message}\n${stderr.slice(-4000)}`)
  }
  const output = `${stdout}\n${stderr}`
  // POOLS_REDACTION_DUMP=<folder>: keep each entry point's output there, to read what was searched.
  const { POOLS_REDACTION_DUMP: dumpDir } = process.env
  if (dumpDir) writeFileSync(path.join(dumpDir, `${target.replace('/', '-')}.log`), output)
  const found: string[] = []
  for (const secret of [SECRET, WRONG]) {
    for (const form of secretForms(secret)) {
      let at = output.indexOf(form)
      while (at !== -1 && found.length < 30) {
        const scenario = output.lastIndexOf('=== scenario', at)
        const header = output.slice(scenario, output.indexOf('\n', scenario))
        const lineStart = output.lastIndexOf('\n', at) + 1
        found.push(`${header} | ${JSON.stringify(form)} in: ${output.slice(Math.max(lineStart, at - 200), at + 120)}`)
        at = output.indexOf(form, at + form.length)
      }
    }
  }
  expect(found, `${target}: a password appeared in the output`).toEqual([])
  expect(output).toContain('=== done')
  const results = output
    .split('\n')
    .filter((line) => line.startsWith('result '))
    .map((line) => line.replace(/ (ok|failed).*$/, ' $1'))
  expect(results, `${target}: how each scenario ended`).toEqual(list.map((s) => `result ${s.label} ${s.expect}`))
  // The failing scenarios really printed their errors (so the search above searched something).
  expect(output.split('--- error ').length - 1).toBeGreaterThanOrEqual(list.filter((s) => s.expect === 'failed').length)
  return { output }
}

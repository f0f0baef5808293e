/** examples/ioredis/queue.mjs runs as documented against the test Redis and exits 0 by itself. */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { describeWithRedis, requireService } from '../harness/index.js'

const root = join(import.meta.dirname, '..', '..')
const run = promisify(execFile)

describeWithRedis('examples/ioredis', () => {
  it('queue.mjs processes every job exactly once and exits 0 within a few seconds', async () => {
    const { url } = requireService('redis')
    const { stdout } = await run(process.execPath, [join(root, 'examples/ioredis/queue.mjs')], {
      cwd: root,
      env: { ...process.env, REDIS_URL: url },
      timeout: 15_000,
    })
    expect(stdout).toContain('40 of 40 jobs processed exactly once')
    expect(stdout).toContain('finished counter: 40, still processing: 0')
  })
})

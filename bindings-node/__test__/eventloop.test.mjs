// Git work runs on the libuv pool: a timer keeps firing on time meanwhile.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import * as opskit from '../index.js'
import { makeBigRepo } from './helpers.mjs'

test('a large changelog does not block the event loop', async () => {
  const repo = makeBigRepo(20000)
  let ticks = 0
  let worstLag = 0
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    worstLag = Math.max(worstLag, now - last - 5)
    last = now
    ticks++
  }, 5)
  const start = performance.now()
  const log = await opskit.version.changelog(repo, { range: 'all' })
  const elapsed = performance.now() - start
  clearInterval(timer)
  assert.equal(log.releases.length, 200)
  // A blocked loop would show no ticks and a lag as long as the call itself.
  assert.ok(ticks >= 3, `only ${ticks} ticks in ${elapsed.toFixed(0)} ms`)
  assert.ok(worstLag < elapsed / 2, `timer lagged ${worstLag.toFixed(0)} ms during a ${elapsed.toFixed(0)} ms call`)
})

// Git work runs on the libuv pool: a timer keeps firing on time meanwhile.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import * as opskit from '../index.js'
import { makeBigRepo, timerLag } from './helpers.mjs'

test('a large changelog does not block the event loop', async () => {
  const repo = makeBigRepo(20000)
  const { worst: worstLag, ticks, elapsed, result: log } = await timerLag(5, () =>
    opskit.version.changelog(repo, { range: 'all' }))
  assert.equal(log.releases.length, 200)
  // A blocked loop would show no ticks and a lag as long as the call itself.
  assert.ok(ticks >= 3, `only ${ticks} ticks in ${elapsed.toFixed(0)} ms`)
  assert.ok(worstLag < elapsed / 2, `timer lagged ${worstLag.toFixed(0)} ms during a ${elapsed.toFixed(0)} ms call`)
})

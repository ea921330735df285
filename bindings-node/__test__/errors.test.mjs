// Every error kind reaches JS with its code, thrown or rejected; panics too.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'

import * as opskit from '../index.js'
import { tempDir } from './helpers.mjs'

const CODES = {
  10: 'ERR_OPSKIT_INVALID_INPUT',
  20: 'ERR_OPSKIT_NOT_FOUND',
  21: 'ERR_OPSKIT_PERMISSION',
  22: 'ERR_OPSKIT_IO',
  30: 'ERR_OPSKIT_GIT',
  40: 'ERR_OPSKIT_INTEGRITY',
  50: 'ERR_OPSKIT_TIMEOUT',
  60: 'ERR_OPSKIT_UNSUPPORTED',
}

test('the mapping is total, for throws and rejections', async () => {
  assert.deepEqual(Object.values(opskit.errorCodes()).sort(), Object.values(CODES).sort())
  for (const [num, code] of Object.entries(CODES)) {
    assert.throws(() => opskit._testError(Number(num)), (e) => e instanceof Error && e.code === code && /test error/.test(e.message))
    await assert.rejects(opskit._testErrorAsync(Number(num)), (e) => e instanceof Error && e.code === code && /test error/.test(e.message))
  }
})

test('panics surface as ERR_OPSKIT_PANIC', async () => {
  assert.throws(() => opskit._testPanic(), { code: 'ERR_OPSKIT_PANIC' })
  await assert.rejects(opskit._testPanicAsync(), { code: 'ERR_OPSKIT_PANIC' })
})

test('real errors carry codes and messages that name the input', async () => {
  assert.throws(() => opskit.version.parseVersion('v1.2.3'), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /prefix/ })
  assert.throws(() => opskit.version.bump('1.2.3', 'huge'), { code: 'ERR_OPSKIT_INVALID_INPUT' })
  const empty = tempDir('opskit-node-empty-')
  await assert.rejects(opskit.version.nextVersion(empty), { code: 'ERR_OPSKIT_NOT_FOUND', message: /no git repository/ })
  assert.throws(() => opskit.version.nextVersionSync(empty), { code: 'ERR_OPSKIT_NOT_FOUND' })
  await assert.rejects(opskit.version.releases(join(empty, 'missing')), { code: 'ERR_OPSKIT_NOT_FOUND', message: /missing/ })
  await assert.rejects(opskit.version.nextVersion(empty, { bogus: 1 }), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /unknown field `bogus`/ })
  assert.throws(() => opskit.version.releasesSync(empty, { tagPattern: 'v' }), { code: 'ERR_OPSKIT_INVALID_INPUT' })
})

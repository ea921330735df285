// One call of each family through require('opskit') from an npm install of
// the two tarballs. Usage: node smoke.cjs VERSION
const assert = require('node:assert/strict')
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const opskit = require('opskit')

assert.equal(opskit.VERSION, process.argv[2])
assert.ok(require.resolve('opskit').includes('node_modules'))
const { version, health, backup, docs } = opskit
assert.equal(version.bump('1.2.3', 'minor'), '1.3.0')
const s = new health.Collector().snapshot()
assert.ok(s.memory.totalBytes > 0)
;(async () => {
  const d = mkdtempSync(join(tmpdir(), 'opskit-smoke-'))
  writeFileSync(join(d, 'README.md'), '# KB\n\n[gone](gone.md)\n')
  const m = await backup.buildManifest(d)
  assert.equal((await backup.verifyTree(d, m)).exact, true)
  const a = await docs.audit(d, { requiredMetadata: [] })
  assert.deepEqual(a.findings.map((f) => f.rule), ['broken-link'])
  rmSync(d, { recursive: true })
  assert.throws(() => version.bump('x', 'minor'), { code: 'ERR_OPSKIT_INVALID_INPUT' })
  console.log(`PASS smoke.cjs against opskit ${opskit.VERSION}`)
})()

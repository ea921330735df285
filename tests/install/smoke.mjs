// The same from ESM: named imports of an installed CommonJS package.
// Usage: node smoke.mjs VERSION
import assert from 'node:assert/strict'
import { VERSION, version, health, backup, docs } from 'opskit'
import opskit from 'opskit'

assert.equal(VERSION, process.argv[2])
assert.equal(opskit.version, version)
assert.equal(version.bump('1.2.3', 'major'), '2.0.0')
assert.ok(new health.Collector().snapshot().memory.totalBytes > 0)
assert.equal(typeof backup.buildManifest, 'function')
assert.deepEqual(docs.slugs(['A b', 'A b']), ['a-b', 'a-b-1'])
console.log(`PASS smoke.mjs against opskit ${VERSION}`)

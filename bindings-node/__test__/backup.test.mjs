// Every export of the backup family, Promise and Sync forms, on real trees.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { backup } from '../index.js'
import { tempDir } from './helpers.mjs'

const B3_ABC = '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85'
const CONFORMANCE = new URL('../../tests/conformance/', import.meta.url).pathname

function tree () {
  const dir = tempDir('opskit-node-backup-')
  const t = join(dir, 'tree')
  mkdirSync(join(t, 'db'), { recursive: true })
  writeFileSync(join(t, 'db/orders.sql'), 'abc')
  writeFileSync(join(t, 'db/users.sql'), 'insert 2;\n')
  symlinkSync('db/orders.sql', join(t, 'latest.sql'))
  return { dir, t }
}

test('build, write, read, canonical text; labels keep their keys', async () => {
  const { dir, t } = tree()
  const labels = { database: 'orders', encryption_key_id: 'kms:1', keyId: 'x' }
  const m = await backup.buildManifest(t, { algorithms: ['blake3', 'sha256'], labels, created: '2026-12-02T00:00:00Z' })
  const by = Object.fromEntries(m.entries.map((e) => [e.path, e]))
  assert.equal(by['db/orders.sql'].blake3, B3_ABC)
  assert.equal(by['db/orders.sql'].sha256, createHash('sha256').update('abc').digest('hex'))
  assert.equal(by['latest.sql'].target, 'db/orders.sql')
  assert.deepEqual(m.labels, labels)
  assert.deepEqual(m.totals, { files: 2, dirs: 1, symlinks: 1, other: 0, bytes: 13 })
  assert.deepEqual(backup.buildManifestSync(t, { algorithms: ['blake3', 'sha256'], labels, created: '2026-12-02T00:00:00Z' }), m)
  const file = join(dir, 'm.json')
  await backup.writeManifest(m, file)
  assert.deepEqual(await backup.readManifest(file), m)
  assert.deepEqual(backup.readManifestSync(file), m)
  const text = backup.manifestToJson(m)
  assert.equal(readFileSync(file, 'utf8'), text)
  assert.deepEqual(backup.manifestFromJson(text), m)
  assert.match(backup.chainHash(m), /^blake3:[0-9a-f]{64}$/)
  assert.throws(() => backup.manifestFromJson(text.replace('"db/orders.sql"', '"/etc/passwd"')), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /absolute/ })
  assert.throws(() => backup.manifestFromJson(text.replace('"version": 2', '"version": 4')), { code: 'ERR_OPSKIT_UNSUPPORTED' })
  await assert.rejects(backup.buildManifest(join(dir, 'missing')), { code: 'ERR_OPSKIT_NOT_FOUND' })
  await assert.rejects(backup.buildManifest(t, { algorithm: 'md5' }), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /unknown field/ })
})

test('verify and diff, with progress from the Promise and the Sync forms', async () => {
  const { t } = tree()
  const m = backup.buildManifestSync(t)
  const seen = []
  const r = await backup.verifyTree(t, m, null, (p) => seen.push(p))
  assert.equal(r.exact, true)
  assert.equal(r.filesHashed, 2)
  // Thread-safe calls are queued to the event loop; let them run.
  await new Promise((resolve) => setImmediate(resolve))
  assert.ok(seen.length > 0, 'progress reached JS')
  assert.deepEqual(Object.keys(seen.at(-1)).sort(), ['bytesDone', 'bytesTotal', 'filesDone', 'filesTotal'])
  assert.equal(seen.at(-1).bytesDone, 13)
  const seenSync = []
  assert.equal(backup.verifyTreeSync(t, m, { mode: 'fast' }, (p) => seenSync.push(p)).filesHashed, 0)
  assert.ok(seenSync.length > 0)
  writeFileSync(join(t, 'db/orders.sql'), 'abd')
  writeFileSync(join(t, 'new'), 'n')
  const bad = await backup.verifyTree(t, m)
  assert.equal(bad.exact, false)
  assert.deepEqual(bad.differences.filter((d) => d.problem !== 'mtime').map((d) => [d.path, d.problem]), [['db/orders.sql', 'content'], ['new', 'extra']])
  assert.equal(bad.counts.content, 1)
  const d = backup.diffManifests(m, backup.buildManifestSync(t))
  assert.deepEqual(d.added.map((i) => i.path), ['new'])
  assert.deepEqual(d.modified.map((i) => i.path), ['db/orders.sql'])
})

test('hashing does not block the event loop', async () => {
  const dir = tempDir('opskit-node-big-')
  const block = randomBytes(1 << 20)
  const parts = []
  for (let i = 0; i < 200; i++) parts.push(block)
  writeFileSync(join(dir, 'big.bin'), Buffer.concat(parts))
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 1)
  const started = Date.now()
  await backup.buildManifest(dir, { algorithms: ['sha256'] })
  const elapsed = Date.now() - started
  clearInterval(timer)
  assert.ok(ticks >= 5, `only ${ticks} ticks in ${elapsed} ms`)
})

test('retention, signatures, chains and checksum lines', () => {
  const { dir, t } = tree()
  const snaps = [{ id: 'a', time: '2026-12-01T01:00:00Z', tags: [] }, { id: 'b', time: '2026-11-30T01:00:00Z', tags: [] }]
  const plan = backup.planRetention(snaps, { keepDaily: 1 }, '2026-12-02T00:00:00Z')
  assert.deepEqual(plan.keep.map((k) => k.snapshot.id), ['a'])
  assert.deepEqual(plan.keep[0].counters, {})
  assert.deepEqual(backup.planRetention(JSON.stringify(snaps), { keepLast: 2 }).keep.length, 2)
  assert.throws(() => backup.planRetention(snaps, {}), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /keeps nothing/ })
  const cases = JSON.parse(readFileSync(join(CONFORMANCE, 'restic-forget/cases.json'), 'utf8'))
  const c = cases.cases.find((x) => x.name === 'policy_keep_snapshots_39')
  const toCamel = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, x) => x.toUpperCase()), v]))
  // restic's suite plans the whole list as one group (its ApplyPolicy).
  const p39 = backup.planRetention(cases.snapshots, { ...toCamel(c.policy), groupBy: '' }, '2026-12-02T00:00:00Z')
  assert.deepEqual(p39.keep.map((k) => k.snapshot.time), c.keep)
  assert.deepEqual(p39.keep[0].reasons, c.reasons[0].matches)

  const m = backup.buildManifestSync(t, { created: '2026-12-02T00:00:00Z' })
  const key = Buffer.from('0123456789abcdef0123456789abcdef')
  const sig = backup.signManifest(m, key, 'daily')
  assert.equal(sig.algorithm, 'hmac-sha256')
  backup.checkSignature(m, sig, key)
  const forged = structuredClone(m)
  forged.labels.database = 'forged'
  assert.throws(() => backup.checkSignature(forged, sig, key), { code: 'ERR_OPSKIT_INTEGRITY', message: /changed/ })
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(dir, 'k.pem')])
  execFileSync('openssl', ['pkey', '-in', join(dir, 'k.pem'), '-pubout', '-out', join(dir, 'k.pub')])
  const ed = backup.signManifest(m, readFileSync(join(dir, 'k.pem')), 'auditor', 'ed25519')
  backup.checkSignature(m, ed, readFileSync(join(dir, 'k.pub'), 'utf8'))
  const next = backup.buildManifestSync(t, { previous: backup.chainHash(m) })
  backup.checkChain([m, next])
  assert.throws(() => backup.checkChain([next, m]), { code: 'ERR_OPSKIT_INTEGRITY' })
  const sha = backup.buildManifestSync(t, { algorithms: ['sha256'] })
  writeFileSync(join(dir, 'SUMS'), backup.checksumLines(sha, 'sha256sum'))
  execFileSync('sha256sum', ['-c', join(dir, 'SUMS')], { cwd: t })
  assert.throws(() => backup.checksumLines(sha, 'b3sum'), { code: 'ERR_OPSKIT_INVALID_INPUT' })
})

test('bags and restore drills', async () => {
  const { dir, t } = tree()
  const r = await backup.makeBag(t, { dest: join(dir, 'bag'), info: [['Source-Organization', 'Ops']] })
  assert.equal(r.files, 2)
  assert.equal((await backup.validateBag(join(dir, 'bag'))).valid, true)
  assert.equal(backup.validateBagSync(join(CONFORMANCE, 'bagit/v1.0/valid/basicBag')).valid, true)
  const bad = backup.validateBagSync(join(CONFORMANCE, 'bagit/v0.97/invalid/extra-file-in-bag'))
  assert.equal(bad.valid, false)
  assert.ok(bad.errors.length > 0)
  const m = backup.buildManifestSync(t)
  const d = await backup.restoreDrill(t, m, { rto: '1h', restoreTime: '10m' })
  assert.equal(d.passed, true)
  assert.match(d.summary, /^restore drill PASSED/)
  assert.equal(backup.restoreDrillSync(t, m, { rto: '5m', restoreTime: '10m' }).metRto, false)
  // setuid added: the content is exact, the default metadata policy fails it.
  chmodSync(join(t, 'db/orders.sql'), 0o4644)
  const f = await backup.restoreDrill(t, m)
  assert.equal(f.passed, false)
  assert.equal(f.exact, true)
  assert.match(f.summary, /metadata the policy fails: 1 special/)
  assert.deepEqual(f.verify.metadata.map((x) => [x.kind, x.action, x.count]), [['special', 'fail', 1]])
  assert.equal((await backup.restoreDrill(t, m, { verify: { metadata: 'special=warn' } })).passed, true)
  assert.equal(backup.verifyTreeSync(t, m, { metadata: { special: 'ignore' } }).passed, true)
  assert.throws(() => backup.verifyTreeSync(t, m, { metadata: 'specials=warn' }), { code: 'ERR_OPSKIT_INVALID_INPUT' })
})

// The same calls at once — many Promises in flight on the libuv pool, and
// worker threads each loading the addon — give the same results as one at a
// time; each caller's errors are its own.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import { backup, docs, version } from '../index.js'
import { makeRepo, tempDir } from './helpers.mjs'

function fixtures () {
  const root = tempDir('opskit-conc-')
  for (let i = 0; i < 60; i++) {
    mkdirSync(join(root, 'tree', `d${i % 5}`), { recursive: true })
    writeFileSync(join(root, 'tree', `d${i % 5}`, `f${i}.txt`), Buffer.alloc(i * 997, i))
  }
  mkdirSync(join(root, 'kb'))
  for (let i = 0; i < 40; i++) {
    const links = Array.from({ length: 5 }, (_, k) => `[l](p${i + k}.md#p${i + k}) `).join('')
    writeFileSync(join(root, 'kb', `p${i}.md`), `# P${i}\n\n${links}\n`)
  }
  return root
}

test('many Promises at once give what the Sync twins give one at a time', async () => {
  const repo = makeRepo()
  const root = fixtures()
  const calls = [
    [() => version.nextVersion(repo), () => version.nextVersionSync(repo)],
    [() => version.changelog(repo, { range: 'all' }), () => version.changelogSync(repo, { range: 'all' })],
    [async () => (await backup.buildManifest(join(root, 'tree'))).entries, () => backup.buildManifestSync(join(root, 'tree')).entries],
    [() => docs.audit(join(root, 'kb'), { requiredMetadata: [], entryPoints: [] }), () => docs.auditSync(join(root, 'kb'), { requiredMetadata: [], entryPoints: [] })]
  ]
  const alone = calls.map(([, sync]) => sync())
  const together = await Promise.all(Array.from({ length: 8 * calls.length }, (_, i) => calls[i % calls.length][0]()))
  together.forEach((r, i) => assert.deepEqual(r, alone[i % calls.length], `call ${i % calls.length}`))
  const errors = await Promise.allSettled(Array.from({ length: 32 }, (_, i) => version.nextVersion(repo, { tagPattern: `bad-${i}` })))
  errors.forEach((e, i) => {
    assert.equal(e.status, 'rejected')
    assert.match(e.reason.message, new RegExp(`bad-${i}\\b`))
  })
  rmSync(root, { recursive: true })
})

test('worker threads each load the addon and agree with the main thread', async () => {
  const repo = makeRepo()
  const root = fixtures()
  const here = JSON.stringify({
    next: version.nextVersionSync(repo),
    audit: docs.auditSync(join(root, 'kb'), { requiredMetadata: [], entryPoints: [] }),
    entries: backup.buildManifestSync(join(root, 'tree')).entries
  })
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    const { version, docs, backup } = require(workerData.addon)
    const out = []
    for (let i = 0; i < 3; i++) {
      out.push(JSON.stringify({
        next: version.nextVersionSync(workerData.repo),
        audit: docs.auditSync(workerData.kb, { requiredMetadata: [], entryPoints: [] }),
        entries: backup.buildManifestSync(workerData.tree).entries
      }))
    }
    parentPort.postMessage(out)`
  const addon = new URL('../index.js', import.meta.url).pathname
  const results = await Promise.all(Array.from({ length: 4 }, () => new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { addon, repo, kb: join(root, 'kb'), tree: join(root, 'tree') } })
    w.once('message', resolve)
    w.once('error', reject)
  })))
  for (const out of results) for (const r of out) assert.equal(r, here)
  rmSync(root, { recursive: true })
})

// The docs family from Node: audits of fixture trees written by the test,
// the Promise form on the pool (the event loop keeps turning), reports,
// baselines, slugs and policies.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createServer } from 'node:http'
import { once } from 'node:events'

import { docs } from '../index.js'
import { tempDir } from './helpers.mjs'

const INVALID = 'ERR_OPSKIT_INVALID_INPUT'

function tree () {
  const root = tempDir('opskit-docs-')
  const write = (rel, text) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true })
    writeFileSync(join(root, rel), text)
  }
  write('README.md', '# KB\n\n[deploy](ops/deploy.md#roll-back) [Case](ops/deploy.md#Roll-Back) [gone](ops/gone.md) [web](https://example.com/A_B)\n')
  write('ops/deploy.md', '---\nlast_reviewed: 2026-01-05\n---\n# Deploy\n\n## Roll back\n')
  return { root, write }
}

test('auditSync and audit find the same, keyed camelCase; data maps keep their keys', async () => {
  const { root } = tree()
  const a = docs.auditSync(root, { requiredMetadata: [], asOf: '2026-02-01' })
  assert.deepEqual(a.findings.map((f) => [f.rule, f.ruleId, f.target]), [
    ['anchor-case', 'DOCS003', 'ops/deploy.md#Roll-Back'],
    ['broken-link', 'DOCS001', 'ops/gone.md']
  ])
  assert.deepEqual(a.externalLinks, { 'https://example.com/A_B': 1 })
  assert.deepEqual(await docs.audit(root, { requiredMetadata: [], asOf: '2026-02-01' }), a)
  assert.match(docs.toText(a), /^.*: 1 error\(s\), 1 warning\(s\), \d+ note\(s\)\n/)
  const sarif = docs.toSarif(a)
  assert.equal(sarif.version, '2.1.0')
  assert.deepEqual(sarif.runs[0].results.map((r) => r.ruleId), ['DOCS003', 'DOCS001'])
  assert.deepEqual(docs.applyBaseline(a, a).findings, [])
  assert.deepEqual(docs.applyBaseline(a, [a.findings[0].fingerprint]).findings, a.findings.slice(1))
  assert.equal(docs.applyBaseline(a, a).baselined, a.findings.length)
  // A SARIF log or other JSON is not a baseline: refused, not silently empty.
  assert.throws(() => docs.applyBaseline(a, sarif), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /SARIF log/ })
  assert.throws(() => docs.applyBaseline(a, { foo: 1 }), { code: 'ERR_OPSKIT_INVALID_INPUT' })
  const page = docs.scanMarkdown('ops/deploy.md', '---\nlast_reviewed: 2026-01-05\n---\n# Deploy\n')
  assert.deepEqual(page.frontMatter, { last_reviewed: '2026-01-05' })
  assert.deepEqual(docs.auditSync(root, { exclude: ['ops/**'], anchorCaseWarning: false, requiredMetadata: [], asOf: '2026-02-01' }).findings.map((f) => f.rule), ['broken-link'])
  assert.throws(() => docs.auditSync(root, { colour: 1 }), (e) => e.code === INVALID && /unknown field/.test(e.message))
  await assert.rejects(docs.audit(join(root, 'missing')), { code: 'ERR_OPSKIT_NOT_FOUND' })
  rmSync(root, { recursive: true })
})

test('the Promise form runs on the pool: the event loop keeps turning', async () => {
  const { root, write } = tree()
  for (let i = 0; i < 300; i++) {
    write(`p${i}.md`, `# P${i}\n\n` + Array.from({ length: 60 }, (_, j) => `[l](p${j}.md#p${j})\n`).join(''))
  }
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 1)
  const a = await docs.audit(root, { requiredMetadata: [], entryPoints: [] })
  clearInterval(timer)
  assert.equal(a.pages, 302)
  assert.equal(a.checked, 18000 + 3) // README's web link is external
  assert.ok(ticks >= 3, `ticks ${ticks}`)
  rmSync(root, { recursive: true })
})

test('slugs, policies and rules', () => {
  assert.deepEqual(docs.slugs(['dup', 'dup', 'dup-1']), ['dup', 'dup-1', 'dup-1-1'])
  assert.deepEqual(docs.parsePolicy('repo_url = "https://github.com/org/repo"\n').repoUrl, 'https://github.com/org/repo')
  assert.throws(() => docs.parsePolicy('colour = 1\n'), { code: INVALID })
  assert.deepEqual(docs.rules().map((r) => r.id).slice(0, 2), ['DOCS001', 'DOCS002'])
  // Severity keys are rule names or ids: they cross unchanged.
  const { root } = tree()
  const quiet = docs.auditSync(root, { requiredMetadata: [], asOf: '2026-02-01', severity: { DOCS001: 'off', 'anchor-case': 'note' } })
  assert.deepEqual(quiet.findings.map((f) => [f.rule, f.severity]), [['anchor-case', 'note']])
  rmSync(root, { recursive: true })
})

test('external links against a server in this process: the Promise form leaves the event loop free to answer', async () => {
  const seen = []
  const server = createServer((req, res) => {
    seen.push([req.method, req.url])
    const code = req.url === '/ok' ? 200 : req.url === '/no-head' ? (req.method === 'HEAD' ? 405 : 200) : 404
    if (req.url === '/stall') {
      setTimeout(() => res.writeHead(200).end(), 3000)
    } else {
      res.writeHead(code).end()
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const closed = createServer()
  closed.listen(0, '127.0.0.1')
  await once(closed, 'listening')
  const dead = `http://127.0.0.1:${closed.address().port}`
  closed.close()
  const base = `http://127.0.0.1:${server.address().port}`
  const { root, write } = tree()
  write('README.md', `# KB\n\n[ok](${base}/ok) [ok again](${base}/ok#frag) [gone](${base}/gone)\n[no head](${base}/no-head) [stall](${base}/stall)\n[dead](${dead}/x)\n`)
  const cacheFile = join(root, 'links.json')
  const opts = {
    requiredMetadata: [],
    entryPoints: [],
    exclude: ['ops/**'],
    checkExternal: true,
    external: { timeoutSeconds: 1, perHostDelaySeconds: 0, cacheFile }
  }
  try {
    const started = Date.now()
    const a = await docs.audit(root, opts)
    assert.ok(Date.now() - started < 4000, `${Date.now() - started} ms`)
    const got = a.findings.map((f) => [f.rule, f.line, f.message.replaceAll(base, 'B').replaceAll(dead, 'D')])
    assert.deepEqual(got.slice(0, 2), [
      ['broken-external-link', 3, 'B/gone answered HTTP 404'],
      ['broken-external-link', 4, 'B/stall did not answer in time']
    ])
    assert.equal(got.length, 3, JSON.stringify(got))
    assert.deepEqual(got[2].slice(0, 2), ['broken-external-link', 5])
    assert.ok(got[2][2].startsWith('D/x '), got[2][2])
    assert.equal(a.externalChecked, 5)
    assert.equal(a.externalLinks[`${base}/ok`], 1)
    // Each URL once (a fragment is not a new URL); GET after a failed HEAD.
    assert.deepEqual(seen.map(String).sort(), ['GET,/gone', 'GET,/no-head', 'HEAD,/gone', 'HEAD,/no-head', 'HEAD,/ok', 'HEAD,/stall'])
    // The second run, sync this time, answers from the cache file: no request.
    const asked = seen.length
    assert.deepEqual(docs.auditSync(root, opts).findings, a.findings)
    assert.equal(seen.length, asked)
    // Offline by default.
    const offline = docs.auditSync(root, { requiredMetadata: [], entryPoints: [], exclude: ['ops/**'] })
    assert.deepEqual([offline.findings, offline.externalChecked], [[], 0])
    assert.throws(() => docs.auditSync(root, { checkExternal: true, external: { concurrency: 0 } }), (e) => e.code === INVALID && /concurrency/.test(e.message))
    assert.throws(() => docs.auditSync(root, { external: { timeout: 1 } }), (e) => e.code === INVALID && /unknown field/.test(e.message))
  } finally {
    server.closeAllConnections()
    server.close()
    rmSync(root, { recursive: true })
  }
})

// The hostile-input matrix (tests/cases/bad_inputs.json) through Node: each
// case throws (or rejects) with its err.code, or returns its result, within
// its deadline. Calls with a Promise form run both forms.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'

import { backup, docs, health, version } from '../index.js'
import { subset, toCamel, tempDir } from './helpers.mjs'

const MATRIX = JSON.parse(readFileSync(new URL('../../tests/cases/bad_inputs.json', import.meta.url), 'utf8'))
const CASES = MATRIX.cases.filter((c) => (c.fronts ?? ['node']).includes('node'))

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))

let root
const servers = {}
let stalled

before(async () => {
  const gone = createServer()
  servers.dead = `http://127.0.0.1:${await listen(gone)}/`
  await new Promise((resolve) => gone.close(resolve))
  // Accepts and never answers (the other fronts leave the socket
  // unaccepted; Node accepts on its own, so the socket is held instead).
  const held = []
  stalled = createServer((s) => held.push(s))
  stalled.held = held
  servers.stalled = `http://127.0.0.1:${await listen(stalled)}/`

  root = tempDir('opskit-node-bad-')
  const f = MATRIX.fixture
  const put = (rel, data) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true })
    writeFileSync(join(root, rel), data)
  }
  for (const [rel, text] of Object.entries(f.files)) {
    put(rel, text.replaceAll('{dead_url}', servers.dead).replaceAll('{stalled_url}', servers.stalled))
  }
  for (const [rel, hex] of Object.entries(f.hex_files)) put(rel, Buffer.from(hex, 'hex'))
  for (const [rel, target] of Object.entries(f.symlinks)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true })
    symlinkSync(target, join(root, rel))
  }
  for (const rel of f.dirs) mkdirSync(join(root, rel), { recursive: true })
  const repo = join(root, 'repo')
  mkdirSync(repo)
  const git = (...args) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: repo })
  git('init', '-q', '-b', 'main')
  f.repo.forEach((c, i) => {
    writeFileSync(join(repo, `f${i}.txt`), 'x')
    git('add', '-A')
    git('commit', '-q', '-m', c.message)
  })
})

after(() => {
  for (const s of stalled.held) s.destroy()
  stalled.close()
})

function expand (x) {
  if (Array.isArray(x)) return x.map(expand)
  if (x && typeof x === 'object') {
    if ('$path' in x) return join(root, x.$path)
    if ('$repeat' in x) return x.$repeat.repeat(x.times)
    if ('$repeat_value' in x) return Array.from({ length: x.times }, () => expand(x.$repeat_value))
    if ('$nest' in x) return x.$nest[0].repeat(x.depth) + expand(x.inner) + x.$nest[1].repeat(x.depth)
    if ('$url' in x) return servers[x.$url]
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, expand(v)]))
  }
  return x
}

// Each call: [sync, async or undefined]. Options objects go in camelCase.
const o = (a) => toCamel(a.options)
const CALLS = {
  parse_version: [(a) => version.parseVersion(a.version)],
  bump: [(a) => version.bump(a.version, a.level, a.channel)],
  satisfies: [(a) => version.satisfies(a.version, a.range)],
  sort_versions: [(a) => version.sortVersions(a.versions)],
  parse_commit_message: [(a) => version.parseCommitMessage(a.message)],
  next_version: [(a) => version.nextVersionSync(a.path, o(a)), (a) => version.nextVersion(a.path, o(a))],
  changelog: [(a) => version.changelogSync(a.path, o(a)), (a) => version.changelog(a.path, o(a))],
  check_branch: [(a) => version.checkBranch(a.name, o(a))],
  build_manifest: [(a) => backup.buildManifestSync(a.path, o(a)), (a) => backup.buildManifest(a.path, o(a))],
  read_manifest: [(a) => backup.readManifestSync(a.path), (a) => backup.readManifest(a.path)],
  manifest_from_json: [(a) => backup.manifestFromJson(a.text)],
  verify_tree: [(a) => backup.verifyTreeSync(a.path, backup.readManifestSync(a.manifest), o(a))],
  plan_retention: [(a) => backup.planRetention(a.snapshots, toCamel(a.policy), a.now)],
  validate_bag: [(a) => backup.validateBagSync(a.path, o(a)), (a) => backup.validateBag(a.path, o(a))],
  parse_policy: [(a) => health.parsePolicy(a.text)],
  evaluate: [(a) => { new health.Evaluator(toCamel(a.rules)); return null }],
  run_probes: [(a) => health.runProbesSync(toCamel(a.probes), a.deadline), (a) => health.runProbes(toCamel(a.probes), a.deadline)],
  availability: [(a) => health.availability(toCamel(a.samples), o(a))],
  validate_event: [(a) => health.validateEvent(a.event) ?? null],
  audit: [(a) => docs.auditSync(a.path, o(a)), (a) => docs.audit(a.path, o(a))],
  scan_markdown: [(a) => docs.scanMarkdown(a.path, a.text)],
  scan_html: [(a) => docs.scanHtml(a.path, a.text)],
  slugs: [(a) => docs.slugs(a.headings)],
}

test('every call of the matrix has a runner', () => {
  for (const c of MATRIX.cases) assert.ok(CALLS[c.call], c.call)
})

for (const c of CASES) {
  test(`bad input: ${c.name}`, async () => {
    const args = expand(c.args)
    const deadline = (c.deadline_seconds ?? MATRIX.deadline_seconds) * 1000
    for (const form of CALLS[c.call]) {
      if (!form) continue
      const started = Date.now()
      if (c.error) {
        await assert.rejects(async () => form(args), (e) => {
          assert.equal(e.code, c.error, e.message)
          return true
        })
      } else {
        const got = await form(args)
        if (c.result !== undefined) {
          assert.ok(subset(got, toCamel(c.result)), JSON.stringify(got).slice(0, 500))
        }
      }
      const took = Date.now() - started
      assert.ok(took < deadline, `took ${took} ms, past its ${deadline} ms deadline`)
    }
  })
}

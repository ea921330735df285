// Every export of the versioning family, sync and async, on real repositories.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'

import * as opskit from '../index.js'
import opskitDefault, { version as namedVersion, backup as namedBackup } from '../index.js'
import { git, makeRepo, tempDir } from './helpers.mjs'

const require = createRequire(import.meta.url)

test('works with require() and ESM import alike', () => {
  const cjs = require('../index.js')
  assert.equal(cjs.version.bump, opskit.version.bump)
  assert.equal(opskitDefault.version.nextVersion, cjs.version.nextVersion)
  // One namespace per family, as Python has one module per family.
  const { version, backup } = cjs
  assert.equal(namedVersion.nextVersion, version.nextVersion)
  assert.equal(namedBackup.buildManifest, backup.buildManifest)
  assert.equal(typeof version.nextVersion, 'function')
  assert.equal(typeof backup.verifyTree, 'function')
})

test('VERSION is the workspace version', () => {
  const cargo = readFileSync(new URL('../../Cargo.toml', import.meta.url), 'utf8')
  const version = cargo.match(/^version = "(.+)"$/m)[1]
  assert.equal(opskit.VERSION, version)
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  assert.equal(pkg.version, version, 'package.json moves in lockstep with the workspace version')
})

test('pure functions are synchronous', () => {
  assert.deepEqual(opskit.version.parseVersion('1.2.3-rc.1+b.5'), {
    version: '1.2.3-rc.1+b.5', major: 1, minor: 2, patch: 3, pre: ['rc', '1'], build: ['b', '5'], prerelease: true,
    scheme: 'semver', epoch: 0, release: [1, 2, 3], post: null, dev: null,
  })
  // PEP 440 by argument; the default stays SemVer.
  assert.equal(opskit.version.parseVersion('1.0.post1', 'pep440').post, 1)
  assert.equal(opskit.version.bump('1.2.3', 'preminor', 'rc', 'pep440'), '1.3.0rc1')
  assert.deepEqual(opskit.version.sortVersions(['1.0', '1.0rc1'], 'auto'), ['1.0rc1', '1.0'])
  assert.throws(() => opskit.version.compare('1.0', '1.0', 'calver'), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /semver, pep440 or auto/ })
  assert.equal(opskit.version.compare('1.0.0-rc.1', '1.0.0'), -1)
  assert.equal(opskit.version.compare('1.0.0+a', '1.0.0+b'), 0)
  assert.deepEqual(opskit.version.sortVersions(['1.10.0', '1.2.0', '1.2.0-rc.1']), ['1.2.0-rc.1', '1.2.0', '1.10.0'])
  assert.equal(opskit.version.bump('1.2.3', 'preminor', 'rc'), '1.3.0-rc.1')
  assert.equal(opskit.version.bump('1.3.0-rc.1', 'prerelease'), '1.3.0-rc.2')
  assert.equal(opskit.version.satisfies('1.4.2', '^1.2'), true)
  assert.equal(opskit.version.satisfies('2.0.0', '^1.2'), false)
  const m = opskit.version.parseCommitMessage('feat(api)!: drop v1\n\nBREAKING CHANGE: gone')
  assert.equal(m.type, 'feat')
  assert.equal(m.breakingDescription, 'gone')
  assert.equal(opskit.version.checkBranch('feature/login').matched, 'feature/*')
  assert.equal(opskit.version.checkBranch('wip', { allowed: ['main'] }).valid, false)
})

test('releases, latest, current and rollback targets', async () => {
  const repo = makeRepo()
  const rel = await opskit.version.releases(repo)
  assert.deepEqual(rel.map((r) => r.tag), ['v1.0.0', 'v1.1.0-rc.1'])
  assert.equal(rel[1].annotated, true)
  assert.deepEqual(opskit.version.releasesSync(repo, { includePrereleases: false }).map((r) => r.tag), ['v1.0.0'])
  assert.equal((await opskit.version.latestRelease(repo)).tag, 'v1.1.0-rc.1')
  assert.equal(opskit.version.latestReleaseSync(repo).tag, 'v1.1.0-rc.1')
  assert.equal((await opskit.version.currentRelease(repo, { rev: 'production' })).tag, 'v1.0.0')
  // Without a channel the current release is the last stable one.
  assert.equal(opskit.version.currentReleaseSync(repo).tag, 'v1.0.0')
  assert.equal(opskit.version.currentReleaseSync(repo, { channel: 'rc' }).tag, 'v1.1.0-rc.1')
  assert.equal((await opskit.version.rollbackTarget(repo, 'v1.1.0-rc.1')).tag, 'v1.0.0')
  assert.equal(opskit.version.rollbackTargetSync(repo, '1.0.0'), null)
})

test('next version, sync and async agree', async () => {
  const repo = makeRepo()
  const n = await opskit.version.nextVersion(repo)
  assert.equal(n.next, '1.1.0')
  assert.equal(n.currentTag, 'v1.0.0')
  assert.equal(n.bump, 'minor')
  assert.deepEqual(n.notes, [])
  assert.equal(n.commits[0].shortId.length, 7)
  assert.deepEqual(opskit.version.nextVersionSync(repo), n)
  assert.equal((await opskit.version.nextVersion(repo, { channel: 'rc' })).nextTag, 'v1.1.0-rc.2')
  const cliff = opskit.version.nextVersionSync(repo, { preset: 'git-cliff', policy: { noBumpTypes: ['fix', 'feat'], otherTypes: null } })
  assert.equal(cliff.next, null)
  assert.equal(cliff.ignored[0].reason, 'no_release_type')
})

test('changelog as data and as markdown', async () => {
  const repo = makeRepo()
  const log = await opskit.version.changelog(repo, { range: 'all' })
  assert.deepEqual(log.releases.map((r) => r.version), [null, '1.1.0-rc.1', '1.0.0'])
  assert.equal(log.releases[1].previousTag, 'v1.0.0')
  assert.deepEqual(opskit.version.changelogSync(repo, { range: 'all' }), log)
  const one = opskit.version.changelogSync(repo, { range: { release: '1.1.0-rc.1' } })
  assert.equal(one.releases.length, 1)
  const md = await opskit.version.changelogMarkdown(repo)
  assert.match(md, /^# Changelog\n/)
  assert.match(md, /## \[Unreleased\]\n\n### Bug Fixes\n\n- cart \(/)
  assert.equal(opskit.version.changelogMarkdownSync(repo), md)
})

test('channel bumps, default groups and status', async () => {
  assert.equal(opskit.version.bumpOnChannel('1.2.3', 'minor', 'rc'), '1.3.0-rc.1')
  assert.throws(() => opskit.version.bumpOnChannel('1.2.3', 'minor', 'r c'), { code: 'ERR_OPSKIT_INVALID_INPUT' })
  assert.deepEqual(opskit.version.defaultGroups()[1], { title: 'Features', types: ['feat'] })
  const repo = makeRepo()
  const st = await opskit.version.status(repo, { tagPattern: 'v{version}' }, { allowed: ['main'] })
  assert.equal(st.branch, 'main')
  assert.equal(st.branchCheck.valid, true)
  assert.equal(st.current.tag, 'v1.0.0')
  assert.equal(st.next.next, '1.1.0')
  const rc = await opskit.version.status(repo, { channel: 'rc' })
  assert.equal(rc.current.tag, 'v1.1.0-rc.1')
  assert.equal(rc.next.next, '1.1.0-rc.2')
  assert.equal(opskit.version.nextVersionSync(repo, { scopes: ['api'] }).commits[0].scope, 'api')
  await assert.rejects(opskit.version.nextVersion(repo, { componentMatch: 'scopes' }), { code: 'ERR_OPSKIT_INVALID_INPUT' })
  assert.deepEqual(opskit.version.statusSync(repo, null, { allowed: ['main'] }), st)
})

test('promotion checks', async () => {
  const repo = makeRepo()
  const p = await opskit.version.promoteCheck('staging', 'production', repo)
  assert.equal(p.fastForward, true)
  assert.equal(p.ahead, 2)
  const back = opskit.version.promoteCheckSync('production', 'staging', repo)
  assert.equal(back.fastForward, false)
  assert.equal(back.targetOnly.length, 2)
})

/** A repository on main with a release identity: `files` committed and
 * tagged `tag`, then index.js committed as `since`. */
function taggedRepo (prefix, files, tag, since) {
  const dir = tempDir(prefix)
  git(dir, 'init', '-q', '-b', 'main')
  git(dir, 'config', 'user.name', 'Release Bot')
  git(dir, 'config', 'user.email', 'release@example.com')
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  git(dir, 'add', '.')
  git(dir, 'commit', '-q', '-m', 'feat: svc')
  git(dir, 'tag', tag)
  writeFileSync(join(dir, 'index.js'), 'module.exports = 1\n')
  git(dir, 'add', '.')
  git(dir, 'commit', '-q', '-m', since)
  return dir
}

test('release: without files it finds the root version files, and names the one it leaves alone', async () => {
  const dir = taggedRepo('opskit-node-detect-', {
    'package.json': '{\n  "name": "svc",\n  "version": "2.0.0"\n}\n',
    'Cargo.toml': '[package]\nname = "svc"\nversion = "1.9.0"\n'
  }, 'v2.0.0', 'fix: paging')
  const plan = await opskit.version.cutRelease(dir, { dryRun: true, date: '2026-03-01' })
  assert.deepEqual(plan.files.map((f) => [f.path, f.oldVersion, f.newVersion]), [
    ['CHANGELOG.md', null, null],
    ['package.json', '2.0.0', '2.0.1']
  ])
  assert.deepEqual(plan.skippedFiles.map((f) => [f.path, f.version]), [['Cargo.toml', '1.9.0']])
  assert.match(plan.skippedFiles[0].reason, /not the current release 2\.0\.0/)
  const none = opskit.version.cutReleaseSync(dir, { dryRun: true, detectFiles: false })
  assert.deepEqual(none.files.map((f) => f.path), ['CHANGELOG.md'])
  assert.deepEqual(none.skippedFiles, [])
})

test('release: a dry run (Promise), then the release (sync) that git sees as done', async () => {
  const pkg = '{\n\t"name": "svc",\n\t"version": "1.0.0",\n\t"dependencies": { "x": "1.0.0" }\n}\n'
  const dir = taggedRepo('opskit-node-release-', { 'package.json': pkg }, 'v1.0.0', 'feat(api): paging')
  const options = { files: [{ path: 'package.json' }], date: '2026-03-01' }

  const plan = await opskit.version.cutRelease(dir, { ...options, dryRun: true })
  assert.deepEqual([plan.tag, plan.previousTag, plan.dryRun, plan.commit], ['v1.1.0', 'v1.0.0', true, null])
  assert.deepEqual(plan.files.map((f) => [f.path, f.kind, f.created, f.oldVersion, f.newVersion]), [
    ['CHANGELOG.md', 'changelog', true, null, null],
    ['package.json', 'npm', false, '1.0.0', '1.1.0']
  ])
  assert.ok(plan.section.startsWith('## [1.1.0] - 2026-03-01\n\n### Features\n\n- **api:** paging ('), plan.section)
  assert.equal(git(dir, 'status', '--porcelain'), '')
  assert.equal(readFileSync(join(dir, 'package.json'), 'utf8'), pkg)

  const done = opskit.version.cutReleaseSync(dir, options)
  assert.deepEqual({ ...done, commit: null, dryRun: true }, plan)
  assert.equal(git(dir, 'status', '--porcelain'), '')
  assert.equal(git(dir, 'rev-parse', 'HEAD').trim(), done.commit)
  assert.equal(git(dir, 'cat-file', '-t', 'v1.1.0').trim(), 'tag')
  assert.equal(readFileSync(join(dir, 'package.json'), 'utf8'), pkg.replace('"version": "1.0.0"', '"version": "1.1.0"'))
  await assert.rejects(opskit.version.cutRelease(dir, options), (e) => e.code === 'ERR_OPSKIT_INVALID_INPUT' && /nothing to release/.test(e.message))
  assert.throws(() => opskit.version.cutReleaseSync(dir, { files: [{ path: 'package.json', kind: 'maven' }] }), (e) => e.code === 'ERR_OPSKIT_INVALID_INPUT' && /maven/.test(e.message))
})

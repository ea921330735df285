// Every export of the versioning family, sync and async, on real repositories.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

import * as opskit from '../index.js'
import opskitDefault, { nextVersion as namedNextVersion } from '../index.js'
import { makeRepo } from './helpers.mjs'

const require = createRequire(import.meta.url)

test('works with require() and ESM import alike', () => {
  const cjs = require('../index.js')
  assert.equal(cjs.bump, opskit.bump)
  assert.equal(opskitDefault.nextVersion, cjs.nextVersion)
  assert.equal(namedNextVersion, cjs.nextVersion)
  assert.equal(typeof namedNextVersion, 'function')
})

test('version() is the workspace version', () => {
  const cargo = readFileSync(new URL('../../Cargo.toml', import.meta.url), 'utf8')
  const version = cargo.match(/^version = "(.+)"$/m)[1]
  assert.equal(opskit.version(), version)
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  assert.equal(pkg.version, version, 'package.json moves in lockstep with the workspace version')
})

test('pure functions are synchronous', () => {
  assert.deepEqual(opskit.parseVersion('1.2.3-rc.1+b.5'), {
    version: '1.2.3-rc.1+b.5', major: 1, minor: 2, patch: 3, pre: ['rc', '1'], build: ['b', '5'], prerelease: true,
  })
  assert.equal(opskit.compare('1.0.0-rc.1', '1.0.0'), -1)
  assert.equal(opskit.compare('1.0.0+a', '1.0.0+b'), 0)
  assert.deepEqual(opskit.sortVersions(['1.10.0', '1.2.0', '1.2.0-rc.1']), ['1.2.0-rc.1', '1.2.0', '1.10.0'])
  assert.equal(opskit.bump('1.2.3', 'preminor', 'rc'), '1.3.0-rc.1')
  assert.equal(opskit.bump('1.3.0-rc.1', 'prerelease'), '1.3.0-rc.2')
  assert.equal(opskit.satisfies('1.4.2', '^1.2'), true)
  assert.equal(opskit.satisfies('2.0.0', '^1.2'), false)
  const m = opskit.parseCommitMessage('feat(api)!: drop v1\n\nBREAKING CHANGE: gone')
  assert.equal(m.type, 'feat')
  assert.equal(m.breakingDescription, 'gone')
  assert.equal(opskit.checkBranch('feature/login').matched, 'feature/*')
  assert.equal(opskit.checkBranch('wip', { allowed: ['main'] }).valid, false)
})

test('releases, latest, current and rollback targets', async () => {
  const repo = makeRepo()
  const rel = await opskit.releases(repo)
  assert.deepEqual(rel.map((r) => r.tag), ['v1.0.0', 'v1.1.0-rc.1'])
  assert.equal(rel[1].annotated, true)
  assert.deepEqual(opskit.releasesSync(repo, { includePrereleases: false }).map((r) => r.tag), ['v1.0.0'])
  assert.equal((await opskit.latestRelease(repo)).tag, 'v1.1.0-rc.1')
  assert.equal(opskit.latestReleaseSync(repo).tag, 'v1.1.0-rc.1')
  assert.equal((await opskit.currentRelease(repo, { rev: 'production' })).tag, 'v1.0.0')
  // Without a channel the current release is the last stable one.
  assert.equal(opskit.currentReleaseSync(repo).tag, 'v1.0.0')
  assert.equal(opskit.currentReleaseSync(repo, { channel: 'rc' }).tag, 'v1.1.0-rc.1')
  assert.equal((await opskit.rollbackTarget(repo, 'v1.1.0-rc.1')).tag, 'v1.0.0')
  assert.equal(opskit.rollbackTargetSync(repo, '1.0.0'), null)
})

test('next version, sync and async agree', async () => {
  const repo = makeRepo()
  const n = await opskit.nextVersion(repo)
  assert.equal(n.next, '1.1.0')
  assert.equal(n.currentTag, 'v1.0.0')
  assert.equal(n.bump, 'minor')
  assert.deepEqual(n.notes, [])
  assert.equal(n.commits[0].shortId.length, 7)
  assert.deepEqual(opskit.nextVersionSync(repo), n)
  assert.equal((await opskit.nextVersion(repo, { channel: 'rc' })).nextTag, 'v1.1.0-rc.2')
  const cliff = opskit.nextVersionSync(repo, { preset: 'git-cliff', policy: { noBumpTypes: ['fix', 'feat'], otherTypes: null } })
  assert.equal(cliff.next, null)
  assert.equal(cliff.ignored[0].reason, 'no_release_type')
})

test('changelog as data and as markdown', async () => {
  const repo = makeRepo()
  const log = await opskit.changelog(repo, { range: 'all' })
  assert.deepEqual(log.releases.map((r) => r.version), [null, '1.1.0-rc.1', '1.0.0'])
  assert.equal(log.releases[1].previousTag, 'v1.0.0')
  assert.deepEqual(opskit.changelogSync(repo, { range: 'all' }), log)
  const one = opskit.changelogSync(repo, { range: { release: '1.1.0-rc.1' } })
  assert.equal(one.releases.length, 1)
  const md = await opskit.changelogMarkdown(repo)
  assert.match(md, /^# Changelog\n/)
  assert.match(md, /## \[Unreleased\]\n\n### Bug Fixes\n\n- cart \(/)
  assert.equal(opskit.changelogMarkdownSync(repo), md)
})

test('channel bumps, default groups and status', async () => {
  assert.equal(opskit.bumpOnChannel('1.2.3', 'minor', 'rc'), '1.3.0-rc.1')
  assert.throws(() => opskit.bumpOnChannel('1.2.3', 'minor', 'r c'), { code: 'ERR_OPSKIT_INVALID_INPUT' })
  assert.deepEqual(opskit.defaultGroups()[1], { title: 'Features', types: ['feat'] })
  const repo = makeRepo()
  const st = await opskit.status(repo, { tagPattern: 'v{version}' }, { allowed: ['main'] })
  assert.equal(st.branch, 'main')
  assert.equal(st.branchCheck.valid, true)
  assert.equal(st.current.tag, 'v1.0.0')
  assert.equal(st.next.next, '1.1.0')
  const rc = await opskit.status(repo, { channel: 'rc' })
  assert.equal(rc.current.tag, 'v1.1.0-rc.1')
  assert.equal(rc.next.next, '1.1.0-rc.2')
  assert.equal(opskit.nextVersionSync(repo, { scopes: ['api'] }).commits[0].scope, 'api')
  await assert.rejects(opskit.nextVersion(repo, { componentMatch: 'scopes' }), { code: 'ERR_OPSKIT_INVALID_INPUT' })
  assert.deepEqual(opskit.statusSync(repo, null, { allowed: ['main'] }), st)
})

test('promotion checks', async () => {
  const repo = makeRepo()
  const p = await opskit.promoteCheck('staging', 'production', repo)
  assert.equal(p.fastForward, true)
  assert.equal(p.ahead, 2)
  const back = opskit.promoteCheckSync('production', 'staging', repo)
  assert.equal(back.fastForward, false)
  assert.equal(back.targetOnly.length, 2)
})

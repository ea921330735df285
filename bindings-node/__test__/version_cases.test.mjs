// The cross-language cases in tests/cases/version.json, through Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import * as opskit from '../index.js'
import { buildCaseRepo, subset, toCamel, undeclaredKeys } from './helpers.mjs'

const { cases } = JSON.parse(readFileSync(new URL('../../tests/cases/version.json', import.meta.url), 'utf8'))

const calls = {
  bump: (a) => opskit.version.bump(a.version, a.level, a.channel, a.scheme),
  compare: (a) => opskit.version.compare(a.a, a.b, a.scheme),
  satisfies: (a) => opskit.version.satisfies(a.version, a.range),
  sort_versions: (a) => opskit.version.sortVersions(a.versions, a.scheme),
  parse_version: (a) => opskit.version.parseVersion(a.version, a.scheme),
  parse_commit_message: (a) => opskit.version.parseCommitMessage(a.message),
  check_branch: (a) => opskit.version.checkBranch(a.name, a.allowed === null ? undefined : { allowed: a.allowed }),
}

test('version cases', () => {
  assert.ok(cases.length >= 25)
  for (const c of cases) {
    const run = () => calls[c.call](c.args)
    if (c.error) {
      assert.throws(run, { code: c.error }, JSON.stringify(c))
    } else {
      assert.deepEqual(run(), toCamel(c.result), JSON.stringify(c))
    }
  }
})

const { history } = JSON.parse(readFileSync(new URL('../../tests/cases/version.json', import.meta.url), 'utf8'))

const historyCalls = {
  next_version: (dir, a) => opskit.version.nextVersion(dir, toCamel(a.options)),
  current_release: (dir, a) => opskit.version.currentRelease(dir, toCamel(a.options)),
  rollback_target: (dir, a) => opskit.version.rollbackTarget(dir, a.of, toCamel(a.options)),
  changelog: (dir, a) => opskit.version.changelog(dir, toCamel(a.options)),
}

for (const c of history) {
  test(`version history case: ${c.name}`, async () => {
    const dir = buildCaseRepo(c.repo)
    const run = () => historyCalls[c.call](dir, c.args)
    if (c.error) {
      await assert.rejects(run, { code: c.error })
    } else {
      const got = await run()
      assert.ok(subset(got, toCamel(c.result)), JSON.stringify(got, null, 1))
      assert.deepEqual(undeclaredKeys(got), [], 'every result key is declared in types.d.ts')
    }
  })
}

test('types.d.ts declares camelCase keys, as the runtime objects have', async () => {
  const { snakeCaseDeclarations } = await import('./helpers.mjs')
  assert.deepEqual(snakeCaseDeclarations(), [])
})

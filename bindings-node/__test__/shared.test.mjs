// The cross-language cases in tests/cases/version.json, through Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import * as opskit from '../index.js'

const { cases } = JSON.parse(readFileSync(new URL('../../tests/cases/version.json', import.meta.url), 'utf8'))
const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
const toCamel = (v) => Array.isArray(v) ? v.map(toCamel)
  : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), toCamel(x)]))
  : v

const calls = {
  bump: (a) => opskit.bump(a.version, a.level, a.channel),
  compare: (a) => opskit.compare(a.a, a.b),
  satisfies: (a) => opskit.satisfies(a.version, a.range),
  sort_versions: (a) => opskit.sortVersions(a.versions),
  parse_version: (a) => opskit.parseVersion(a.version),
  parse_commit_message: (a) => opskit.parseCommitMessage(a.message),
  check_branch: (a) => opskit.checkBranch(a.name, a.allowed === null ? undefined : { allowed: a.allowed }),
}

test('shared cases', () => {
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

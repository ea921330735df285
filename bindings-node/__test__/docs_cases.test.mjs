// The cross-language cases in tests/cases/docs.json, through Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

import { docs } from '../index.js'
import { subset, toCamel, undeclaredKeys, tempDir } from './helpers.mjs'

const { cases } = JSON.parse(readFileSync(new URL('../../tests/cases/docs.json', import.meta.url), 'utf8'))

// Results come back camelCase, except data maps (external URLs, front matter).
const calls = {
  slugs: (a) => docs.slugs(a.headings),
  scan_markdown: (a) => docs.scanMarkdown(a.path, a.text),
  scan_html: (a) => docs.scanHtml(a.path, a.text),
  audit: (a) => {
    const root = tempDir('opskit-docs-case-')
    try {
      for (const [rel, text] of Object.entries(a.files)) {
        mkdirSync(dirname(join(root, rel)), { recursive: true })
        writeFileSync(join(root, rel), text)
      }
      return docs.auditSync(root, toCamel(a.options))
    } finally {
      rmSync(root, { recursive: true })
    }
  }
}

for (const c of cases) {
  test(`docs case: ${c.name}`, () => {
    const run = () => calls[c.call](c.args)
    if (c.error) {
      assert.throws(run, { code: c.error })
    } else {
      const got = run()
      assert.ok(subset(got, toCamel(c.result)), JSON.stringify(got, null, 1))
      assert.deepEqual(undeclaredKeys(got), [], 'every result key is declared in types.d.ts')
    }
  })
}

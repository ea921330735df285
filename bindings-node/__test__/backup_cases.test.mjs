// The cross-language cases in tests/cases/backup.json, through Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

import { backup } from '../index.js'
import { subset, toCamel, undeclaredKeys, tempDir } from './helpers.mjs'

const { cases } = JSON.parse(readFileSync(new URL('../../tests/cases/backup.json', import.meta.url), 'utf8'))
const CONFORMANCE = new URL('../../tests/conformance/', import.meta.url).pathname

function writeTree (root, files) {
  for (const [rel, text] of Object.entries(files ?? {})) {
    const p = join(root, rel)
    if (text === null) {
      rmSync(p, { force: true })
    } else {
      mkdirSync(dirname(p), { recursive: true })
      writeFileSync(p, text)
    }
  }
}

const calls = {
  build_manifest: (root, c) => backup.buildManifestSync(root, toCamel(c.args.options)),
  verify_tree: (root, c) => {
    const m = backup.buildManifestSync(root)
    writeTree(root, c.change)
    for (const [rel, mode] of Object.entries(c.chmod ?? {})) chmodSync(join(root, rel), parseInt(mode, 8))
    return backup.verifyTreeSync(root, m, toCamel(c.args.options))
  },
  diff_manifests: (root, c) => {
    const before = backup.buildManifestSync(root)
    writeTree(root, c.change)
    return backup.diffManifests(before, backup.buildManifestSync(root))
  },
  checksum_lines: (root, c) => backup.checksumLines(backup.buildManifestSync(root, toCamel(c.args.options)), c.args.format).toString(),
  manifest_from_json: (root, c) => backup.manifestFromJson(c.args.text),
  sign_manifest: (root, c) => backup.signManifest(backup.manifestFromJson(c.args.manifest), Buffer.from(c.args.key), c.args.key_id, c.args.algorithm),
  check_signature: (root, c) => backup.checkSignature(backup.manifestFromJson(c.args.manifest), toCamel(c.args.signature), c.args.key) ?? null,
  plan_retention: (root, c) => backup.planRetention(c.args.snapshots, toCamel(c.args.policy), c.args.now),
  make_bag: (root, c) => {
    const made = backup.makeBagSync(root, toCamel(c.args.options))
    return { made, validated: backup.validateBagSync(root) }
  },
  validate_bag: (root, c) => backup.validateBagSync(join(CONFORMANCE, c.args.bag), toCamel(c.args.options)),
}

for (const c of cases) {
  test(`backup case: ${c.name}`, () => {
    const root = join(tempDir('opskit-node-case-'), 'tree')
    mkdirSync(root)
    writeTree(root, c.tree)
    const run = () => calls[c.call](root, c)
    if (c.error) {
      assert.throws(run, { code: c.error })
    } else {
      const got = run()
      assert.ok(subset(got, toCamel(c.result)), JSON.stringify(got, null, 1))
      // make_bag's result pairs two declared results.
      for (const part of c.call === 'make_bag' ? [got.made, got.validated] : [got]) {
        assert.deepEqual(undeclaredKeys(part), [], 'every result key is declared in types.d.ts')
      }
    }
  })
}

// The cross-language cases in tests/cases/health.json, through Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import { health } from '../index.js'
import { subset, toCamel, undeclaredKeys } from './helpers.mjs'

const { snapshot: FIXTURE, cases } = JSON.parse(readFileSync(new URL('../../tests/cases/health.json', import.meta.url), 'utf8'))

// `patch` deep-merged into `base`: objects merge, anything else replaces.
const merge = (base, patch) => {
  if (base && patch && typeof base === 'object' && typeof patch === 'object' && !Array.isArray(base) && !Array.isArray(patch)) {
    const out = { ...base }
    for (const [k, v] of Object.entries(patch)) out[k] = merge(base[k], v)
    return out
  }
  return structuredClone(patch)
}
const snapshot = (patch) => toCamel(patch == null ? FIXTURE : merge(FIXTURE, patch))

// Results Node gives camelCase (compare with camelCase wants) or as the
// wire format spells them (health+json, PagerDuty bodies, text).
const calls = {
  evaluate: (a) => {
    const e = new health.Evaluator(a.rules === null ? null : toCamel(a.rules))
    return [a.steps.map((st) => e.evaluate(snapshot(st.snapshot), st.now)), true]
  },
  health_json: (a) => [health.healthJson(snapshot(a.snapshot), a.checks, a.draining), false],
  exposition: (a) => [health.exposition(snapshot(a.snapshot), a.checks, a.accept, a.names), false],
  availability: (a) => [health.availability(a.samples, toCamel(a.options)), true],
  pagerduty: (a) => {
    const pd = new health.PagerDuty()
    return [a.steps.map((st) => pd.events(st.checks, a.host, st.time, toCamel(a.options))), false]
  },
  parse_policy: (a) => [health.parsePolicy(a.toml), true],
  // PagerDuty bodies are the API's own JSON: they cross unchanged.
  validate_event: (a) => [health.validateEvent(a.body) ?? null, false],
  prometheus_rules: (a) => [health.prometheusRules(a.rules === null ? null : toCamel(a.rules), a.group), false],
}

for (const c of cases) {
  test(`health case: ${c.name}`, () => {
    const run = () => calls[c.call](c.args)
    if (c.error) {
      assert.throws(run, { code: c.error })
    } else if (c.contains) {
      const [text] = run()
      for (const want of c.contains) assert.ok(text.includes(want), `no ${JSON.stringify(want)} in\n${text}`)
      for (const not of c.excludes ?? []) assert.ok(!text.includes(not), `${JSON.stringify(not)} in\n${text}`)
    } else {
      const [got, camelCase] = run()
      const want = camelCase ? toCamel(c.result) : c.result
      assert.ok(subset(got, want), JSON.stringify(got, null, 1))
      // Results in others' formats (health+json, PagerDuty) cross unchanged; ours are declared.
      if (camelCase) assert.deepEqual(undeclaredKeys(got), [], 'every result key is declared in types.d.ts')
    }
  })
}

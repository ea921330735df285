// The cross-language SLO cases in tests/cases/apm.json, through Node: the
// tracker replays each request history minute by minute and gives the
// verdicts promtool gives the exported rules on the same history.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import { apm } from '../index.js'
import { subset, toCamel } from './helpers.mjs'

const { start, cases } = JSON.parse(readFileSync(new URL('../../tests/cases/apm.json', import.meta.url), 'utf8'))

for (const c of cases) {
  test(c.name, () => {
    const tracker = new apm.SloTracker(c.policy)
    let minute = 0
    for (const e of c.expect) {
      for (; minute < e.minute; minute++) {
        for (const seg of c.traffic) {
          if (minute < seg.from || minute >= seg.to) continue
          const n = seg.per_minute
          for (let i = 0; i < n; i++) {
            const bad = i < seg.bad
            const status = bad ? seg.bad_status : seg.status
            const seconds = bad ? seg.bad_seconds : seg.seconds
            tracker.record(seg.route, status, seconds, start + 60 * minute + (60 * (i + 0.5)) / n)
          }
        }
      }
      const [state] = tracker.evaluate(start + 60 * e.minute)
      const fires = (sev) => state.alerts.some((a) => a.severity === sev && a.fires)
      const got = { ...state, page: fires('page'), ticket: fires('ticket') }
      const want = toCamel({ page: e.page, ticket: e.ticket, ...e.state })
      assert.ok(subset(got, want), `minute ${e.minute}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`)
    }
  })
}

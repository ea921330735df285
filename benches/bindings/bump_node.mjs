// Cost of one cheap call (bump) from Node, best of 5 loops; and of a health
// snapshot (a real /proc read plus the conversion to an object), median of
// 2,000 calls, to set beside criterion's figure for the Rust call.
import { health, version } from '../../bindings-node/index.js'

const N = 200_000
let best = Infinity
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) version.bump('1.2.3', 'minor')
  const dt = Number(process.hrtime.bigint() - t0)
  best = Math.min(best, dt / N)
}
console.log(`node    bump: ${best.toFixed(0).padStart(8)} ns/call`)

const c = new health.Collector()
c.snapshot()
const times = []
for (let i = 0; i < 2000; i++) {
  const t0 = process.hrtime.bigint()
  c.snapshot()
  times.push(Number(process.hrtime.bigint() - t0))
}
times.sort((a, b) => a - b)
console.log(`node    health snapshot: ${(times[1000] / 1e3).toFixed(1).padStart(8)} µs/call (median)`)

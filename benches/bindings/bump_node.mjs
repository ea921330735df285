// Cost of one cheap call (bump) from Node: best of 5 loops, process.hrtime.bigint.
import { bump } from '../../bindings-node/index.js'

const N = 200_000
let best = Infinity
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) bump('1.2.3', 'minor')
  const dt = Number(process.hrtime.bigint() - t0)
  best = Math.min(best, dt / N)
}
console.log(`node    bump: ${best.toFixed(0).padStart(8)} ns/call`)

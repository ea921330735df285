// Cost of one recorded observation from Node, opskit beside prom-client
// (best of 5 loops of 200,000), and of one whole request through opskit's
// HttpServerMetrics (the methods started + finished, and the slot
// functions opskit/middleware calls).
//
//   NODE_PATH=<dir with prom-client> node benches/bindings/apm_node.mjs
import { createRequire } from 'node:module'
import { apm } from '../../bindings-node/index.js'

const require = createRequire(import.meta.url)
const client = require('prom-client')
const N = 200_000

function best(f) {
  let out = Infinity
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint()
    f()
    out = Math.min(out, Number(process.hrtime.bigint() - t0) / N)
  }
  return out
}

const h = new apm.Registry().histogram('d_seconds', 'Duration.', { labels: ['http_route', 'http_response_status_code'] })
const labels = ['/users/:id', '200']
const ours = best(() => { for (let i = 0; i < N; i++) h.observe(0.042, labels) })

const ph = new client.Histogram({
  name: 'd_seconds', help: 'Duration.', labelNames: ['http_route', 'http_response_status_code'], registers: [new client.Registry()],
})
const theirs = best(() => { for (let i = 0; i < N; i++) ph.observe({ http_route: '/users/:id', http_response_status_code: '200' }, 0.042) })
const child = ph.labels('/users/:id', '200')
const theirsChild = best(() => { for (let i = 0; i < N; i++) child.observe(0.042) })

const m = new apm.HttpServerMetrics(new apm.Registry())
const outcome = { method: 'GET', route: '/users/:id', status: 200, durationSeconds: 0.042, responseBytes: 512 }
const request = best(() => { for (let i = 0; i < N; i++) { m.started('GET'); m.finished(outcome) } })
const slot = m.slot
const requestWith = best(() => {
  for (let i = 0; i < N; i++) {
    apm.httpRequestStarted(slot, 'GET')
    apm.httpRequestFinished(slot, 'GET', '/users/:id', 200, undefined, 0.042, undefined, 512)
  }
})

const f = (ns) => ns.toFixed(0).padStart(7)
console.log(`node    observe, labels given: opskit ${f(ours)} ns   prom-client ${f(theirs)} ns`)
console.log(`node    observe on a bound child:                prom-client ${f(theirsChild)} ns`)
console.log(`node    one request through HttpServerMetrics (started + finished): ${f(request)} ns; (httpRequestStarted + httpRequestFinished, as the middleware does): ${f(requestWith)} ns`)

// An Express app instrumented by opskit's middleware, with a Fastify app
// and a bare `http` listener in the same registry, serves real requests on
// 127.0.0.1; its live /metrics answer (host, process and application
// series) is printed for `promtool check metrics` (make apm-test).
//
//   node tests/apm/express_metrics.mjs > metrics.txt
import http from 'node:http'
import { once } from 'node:events'
import { createRequire } from 'node:module'

const require = createRequire(new URL('../../bindings-node/package.json', import.meta.url))
const { apm, health } = require('./index.js')
const middleware = require('./middleware.js')
const express = require('express')
const Fastify = require('fastify')

const registry = new apm.Registry()
const slo = new apm.SloTracker('[[slo]]\nname = "users"\nobjective_percent = 99\nroute = "/users/:id"\n')
const metrics = new apm.HttpServerMetrics(registry, null, slo)
const rt = middleware.runtime(registry)

const app = express()
app.use(middleware.express(metrics))
app.get('/users/:id', (req, res) => res.status(Number(req.params.id) % 7 ? 200 : 503).send('x'))
app.get('/boom', () => { throw new TypeError('boom') })
app.get('/metrics', middleware.metricsHandler(registry, new health.Collector()))
app.use(middleware.expressErrors())
const fastify = middleware.fastify(Fastify(), metrics)
fastify.get('/items/:id', async () => 'x')
const bare = http.createServer(middleware.wrap((req, res) => res.end('hi'), metrics))

const server = app.listen(0, '127.0.0.1')
await once(server, 'listening')
await fastify.listen({ port: 0, host: '127.0.0.1' })
bare.listen(0, '127.0.0.1')
await once(bare, 'listening')
const base = `http://127.0.0.1:${server.address().port}`
for (let i = 0; i < 50; i++) await (await fetch(`${base}/users/${i}`)).text()
await (await fetch(`${base}/boom`)).text()
for (let i = 0; i < 5; i++) await (await fetch(`http://127.0.0.1:${fastify.server.address().port}/items/${i}`)).text()
await (await fetch(`http://127.0.0.1:${bare.address().port}/anything`)).text()
rt.collect()
const text = await (await fetch(`${base}/metrics`)).text()
for (const want of ['http_route="/users/:id"', 'http_route="/items/:id"', 'nodejs_eventloop_lag_p99_seconds', 'opskit_load1 ']) {
  if (!text.includes(want)) {
    console.error(`FAIL: /metrics has no ${want}`)
    process.exit(1)
  }
}
process.stdout.write(text)
rt.stop()
server.close()
bare.close()
await fastify.close()

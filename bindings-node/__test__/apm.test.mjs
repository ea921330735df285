// The APM family in real Node servers on 127.0.0.1: Express, Fastify and a
// bare `http` listener answering real requests (route templates, an
// exception, a client abort), the registry from worker threads and many
// Promises at once, its series cap, and SLOs with their rules.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import v8 from 'node:v8'
import vm from 'node:vm'
import { createRequire } from 'node:module'

import { apm, health } from '../index.js'

const require = createRequire(import.meta.url)
const middleware = require('../middleware.js')
const express = require('express')
const Fastify = require('fastify')

const POLICY = '[[slo]]\nname = "users"\nobjective_percent = 99\nroute = "/users/:id"\n'

/** The value of the one sample line that starts with `prefix`. */
function value(text, prefix) {
  const lines = text.split('\n').filter((l) => l.startsWith(prefix))
  assert.equal(lines.length, 1, `${prefix}\n${text}`)
  return Number(lines[0].slice(lines[0].lastIndexOf(' ') + 1))
}

const count = (method, route, status, error = '') =>
  `http_server_request_duration_seconds_count{http_request_method="${method}",http_route="${route}",http_response_status_code="${status}",error_type="${error}"}`

/** GET `path`, read the status line, and hang up before the body ends. */
async function abortAfterHeaders(port, path) {
  const req = http.get({ host: '127.0.0.1', port, path })
  const [res] = await once(req, 'response')
  assert.equal(res.statusCode, 200)
  req.destroy()
}

/** How many requests the registry has recorded, over every label set. */
const recorded = (registry) => registry.exposition().split('\n')
  .filter((l) => l.startsWith('http_server_request_duration_seconds_count{'))
  .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)

async function waitFor(check, what) {
  for (let i = 0; i < 100; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.fail(what)
}

// The same app instrumented both ways: a middleware layer, and the app's
// own handle wrapped (no layer).
const EXPRESS_WAYS = {
  'app.use(express(metrics))': (app, metrics) => app.use(middleware.express(metrics)),
  'expressApp(app, metrics)': (app, metrics) => middleware.expressApp(app, metrics),
}

for (const [way, instrument] of Object.entries(EXPRESS_WAYS)) test(`express, ${way}: route templates, a mounted router, an exception, a 404 and a client abort`, async () => {
  const registry = new apm.Registry()
  const slo = new apm.SloTracker(POLICY)
  const metrics = new apm.HttpServerMetrics(registry, null, slo)
  const app = express()
  instrument(app, metrics)
  app.get('/users/:id', (req, res) => res.json({ id: req.params.id }))
  const api = express.Router()
  api.get('/items/:item', (req, res) => res.send('item'))
  app.use('/api/v1', api)
  app.post('/orders', (req, res) => res.status(201).send('created'))
  app.get('/boom', () => { throw new TypeError('x') })
  app.get('/stream', (req, res) => {
    res.write('start')
    const timer = setInterval(() => res.write('x'.repeat(65536)), 10)
    res.on('close', () => clearInterval(timer))
  })
  app.get('/metrics', middleware.metricsHandler(registry))
  app.use(middleware.expressErrors())
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  const base = `http://127.0.0.1:${port}`
  try {
    // Many requests in flight at once, from Promises.
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`${base}/users/${i}`)))
    assert.ok(answers.every((r) => r.status === 200))
    assert.equal((await fetch(`${base}/orders`, { method: 'POST', body: 'x'.repeat(2000) })).status, 201)
    assert.equal((await fetch(`${base}/boom`)).status, 500)
    assert.equal((await fetch(`${base}/nowhere/7`)).status, 404)
    assert.equal((await fetch(`${base}/api/v1/items/9`)).status, 200)
    await abortAfterHeaders(port, '/stream')
    await waitFor(() => registry.exposition().includes(count('GET', '/stream', '', 'aborted')), 'the abort is recorded')
    const scraped = await fetch(`${base}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
    assert.match(scraped.headers.get('content-type'), /openmetrics/)
    assert.ok((await scraped.text()).endsWith('# EOF\n'))
    // A request is recorded on 'finish', which may come just after the
    // client has its answer: wait for all 56 (the scrape included).
    await waitFor(() => recorded(registry) === 56, 'every request is recorded')
  } finally {
    server.close()
    server.closeAllConnections()
  }
  const text = registry.exposition()
  assert.equal(value(text, count('GET', '/users/:id', '200')), 50)
  assert.equal(value(text, count('POST', '/orders', '201')), 1)
  assert.equal(value(text, count('GET', '/boom', '500', 'TypeError')), 1)
  assert.equal(value(text, count('GET', '', '404')), 1)
  assert.equal(value(text, count('GET', '/api/v1/items/:item', '200')), 1)
  assert.equal(value(text, count('GET', '/stream', '', 'aborted')), 1)
  assert.equal(value(text, 'http_server_request_body_size_bytes_bucket{http_request_method="POST",http_route="/orders",http_response_status_code="201",error_type="",le="10000.0"}'), 1)
  assert.doesNotMatch(text, /http_route="\/users\/\d/)
  const [users] = slo.evaluate()
  assert.deepEqual([users.total, users.good, users.status], [50, 50, 'ok'])
})

test('fastify and a bare http listener', async () => {
  const registry = new apm.Registry()
  const metrics = new apm.HttpServerMetrics(registry)
  const app = Fastify()
  middleware.fastify(app, metrics)
  app.get('/users/:id', async (request) => ({ id: request.params.id }))
  app.get('/boom', async () => { throw new RangeError('x') })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const fport = app.server.address().port
  const bare = http.createServer(middleware.wrap((req, res) => {
    if (req.url === '/throw') throw new SyntaxError('x')
    res.end('ok')
  }, metrics, { route: (req) => (req.url.startsWith('/items/') ? '/items/{id}' : undefined) }))
  bare.listen(0, '127.0.0.1')
  await once(bare, 'listening')
  const bport = bare.address().port
  try {
    for (let i = 0; i < 10; i++) assert.equal((await fetch(`http://127.0.0.1:${fport}/users/${i}`)).status, 200)
    assert.equal((await fetch(`http://127.0.0.1:${fport}/boom`)).status, 500)
    assert.equal((await fetch(`http://127.0.0.1:${fport}/none`)).status, 404)
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`http://127.0.0.1:${bport}/items/${i}`)).status, 200)
    assert.equal((await fetch(`http://127.0.0.1:${bport}/throw`)).status, 500)
    await waitFor(() => recorded(registry) === 18, 'every request is recorded')
  } finally {
    await app.close()
    bare.close()
    bare.closeAllConnections()
  }
  const text = registry.exposition()
  assert.equal(value(text, count('GET', '/users/:id', '200')), 10)
  assert.equal(value(text, count('GET', '/boom', '500', 'RangeError')), 1)
  assert.equal(value(text, count('GET', '', '404')), 1)
  assert.equal(value(text, count('GET', '/items/{id}', '200')), 5)
  assert.equal(value(text, count('GET', '', '500', 'SyntaxError')), 1)
  assert.equal(value(text, 'http_server_active_requests{http_request_method="GET"}'), 0)
})

test('worker threads record into the shared registry; totals are exact', async () => {
  const code = `
    const { workerData } = require('node:worker_threads')
    const { apm } = require(workerData.addon)
    const c = apm.Registry.global().counter('worker_jobs', 'Jobs.', { labels: ['queue'] })
    for (let i = 0; i < 10000; i++) c.inc(['mail'])
  `
  const addon = require.resolve('../index.js')
  const workers = Array.from({ length: 4 }, () => new Worker(code, { eval: true, workerData: { addon } }))
  const main = apm.Registry.global().counter('worker_jobs', 'Jobs.', { labels: ['queue'] })
  for (let i = 0; i < 10000; i++) main.inc(['mail'])
  await Promise.all(workers.map((w) => once(w, 'exit')))
  assert.equal(value(apm.Registry.global().exposition(), 'worker_jobs_total{queue="mail"}'), 50000)
})

test('the series cap holds, bad input is refused, SLOs burn and export rules', () => {
  const registry = new apm.Registry()
  const raw = registry.counter('raw', 'Raw paths.', { labels: ['path'], maxSeries: 100 })
  for (let i = 0; i < 100000; i++) raw.inc([`/users/${i}`])
  const text = registry.exposition()
  assert.equal(value(text, 'raw_total{path="other"}'), 99900)
  assert.equal(value(text, 'opskit_apm_series_overflow_total{metric="raw"}'), 99900)
  assert.throws(() => registry.counter('x_total', ''), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /without _total/ })
  assert.throws(() => raw.inc(['/'], -1), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /only goes up/ })
  assert.throws(() => registry.histogram('h', '', { labels: [], bogus: 1 }), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /unknown field/ })
  const slo = new apm.SloTracker({ slo: [{ name: 'users', objectivePercent: 99, route: '/users/:id' }] })
  const t0 = 1767225600
  for (let m = 0; m < 61; m++) for (let i = 0; i < 100; i++) slo.record('/users/:id', i < 20 ? 503 : 200, 0.01, t0 + m * 60 + i * 0.6)
  const [state] = slo.evaluate(t0 + 61 * 60 - 1)
  assert.deepEqual([state.status, state.total, state.good], ['page', 6100, 4880])
  assert.equal(state.alerts[0].severity, 'page')
  assert.match(apm.sloRules(POLICY), /alert: OpskitSLOBurnPage/)
  assert.throws(() => new apm.SloTracker('[[slo]]\nname = "a"\nobjective_percent = 100\n'), { code: 'ERR_OPSKIT_INVALID_INPUT', message: /below 100/ })
})

test('one /metrics answer holds host, process and application series', async () => {
  const { health } = await import('../index.js')
  const registry = new apm.Registry()
  registry.counter('jobs', 'Jobs.').inc()
  const server = http.createServer(middleware.metricsHandler(registry, new health.Collector()))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    const r = await fetch(`http://127.0.0.1:${server.address().port}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
    assert.match(r.headers.get('content-type'), /^application\/openmetrics-text/)
    const text = await r.text()
    assert.equal(text.split('# EOF').length, 2)
    assert.ok(text.endsWith('# EOF\n'))
    assert.equal(value(text, 'jobs_total'), 1)
    assert.ok(text.includes('\nopskit_load1 ') && text.includes('\nprocess_resident_memory_bytes '))
  } finally {
    server.close()
    server.closeAllConnections()
  }
  assert.ok(!registry.exposition().includes('opskit_load1'))
})

test('runtime health: a 200 ms block in the delay histogram, GC pauses by kind, heap, resources', async () => {
  const registry = new apm.Registry()
  const rt = middleware.runtime(registry, { intervalMs: 1000 })
  try {
    // Block the loop for 200 ms, then make garbage until a collection runs.
    await new Promise((r) => setTimeout(r, 20))
    const until = Date.now() + 200
    while (Date.now() < until) {}
    await new Promise((r) => setTimeout(r, 20))
    let keep = []
    for (let i = 0; i < 200; i++) {
      keep = Array.from({ length: 10000 }, (_, j) => ({ j }))
      await new Promise((r) => setImmediate(r))
    }
    assert.ok(keep.length)
    await waitFor(() => registry.exposition().includes('nodejs_gc_duration_seconds_count{kind='), 'a collection is recorded')
    const pending = setTimeout(() => {}, 60000)
    rt.collect()
    clearTimeout(pending)
  } finally {
    rt.stop()
  }
  const text = registry.exposition()
  // The 200 ms block, less the monitor's 10 ms resolution.
  assert.ok(value(text, 'nodejs_eventloop_lag_max_seconds') >= 0.19, text)
  assert.ok(value(text, 'nodejs_eventloop_lag_p99_seconds') > 0)
  assert.ok(value(text, 'nodejs_heap_size_used_bytes') > 0)
  assert.ok(value(text, 'nodejs_active_resources{type="Timeout"}') >= 1, text)
  const utilization = value(text, 'nodejs_eventloop_utilization_ratio')
  assert.ok(utilization > 0 && utilization <= 1, String(utilization))
})

test('a burning SLO shows in /health without failing it and pages through PagerDuty', async () => {
  const registry = new apm.Registry()
  const slo = new apm.SloTracker(POLICY)
  const metrics = new apm.HttpServerMetrics(registry, null, slo)
  const app = express()
  app.use(middleware.express(metrics))
  app.get('/users/:id', (req, res) => res.status(Number(req.params.id) % 2 ? 503 : 200).send('x'))
  app.get('/health', middleware.healthHandler(new health.Collector(), { evaluator: new health.Evaluator([]), slo }))
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const base = `http://127.0.0.1:${server.address().port}`
  let doc, res
  try {
    for (let i = 0; i < 20; i++) await (await fetch(`${base}/users/${i}`)).text()
    await waitFor(() => slo.evaluate()[0].total === 20, 'every request is recorded')
    res = await fetch(`${base}/health`)
    doc = await res.json()
  } finally {
    server.close()
  }
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-type'), 'application/health+json')
  assert.equal(doc.status, 'warn')
  const entry = doc.checks['slo:burnRate'][0]
  assert.equal(entry.componentId, 'users')
  assert.equal(entry.status, 'fail')
  assert.ok(Math.abs(entry.observedValue - 50) < 1e-9, JSON.stringify(entry))

  // The same checks through the PagerDuty sender, to a local Events API.
  const bodies = []
  const pd = http.createServer((req, res) => {
    let data = ''
    req.on('data', (c) => { data += c })
    req.on('end', () => {
      bodies.push(JSON.parse(data))
      res.writeHead(202, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ status: 'success', dedup_key: bodies.at(-1).dedup_key }))
    })
  })
  pd.listen(0, '127.0.0.1')
  await once(pd, 'listening')
  try {
    const pager = new health.PagerDuty()
    const options = { routingKey: 'S'.repeat(32), source: 'users-api' }
    const events = pager.events(health.sloChecks(slo.evaluate()), 'web-1', Date.now() / 1000, options)
    assert.deepEqual(events.map((e) => e.event_action), ['trigger'])
    for (const e of events) {
      health.validateEvent(e)
      await health.sendEvent(e, { url: `http://127.0.0.1:${pd.address().port}/v2/enqueue` })
    }
    assert.deepEqual(pager.events(health.sloChecks(slo.evaluate()), 'web-1', Date.now() / 1000, options), [])
  } finally {
    pd.close()
  }
  assert.equal(bodies.length, 1)
  assert.equal(bodies[0].dedup_key, 'users-api/slo:users')
  assert.equal(bodies[0].payload.severity, 'critical')
  assert.equal(bodies[0].payload.component, 'slo')
})

test('the slot functions record what the methods record, and refuse what they refuse', async () => {
  const a = new apm.Registry()
  const b = new apm.Registry()
  const viaObject = new apm.HttpServerMetrics(a)
  const viaSlot = new apm.HttpServerMetrics(b)
  assert.notEqual(viaObject.slot, viaSlot.slot)
  const outcomes = [
    ['GET', '/users/:id', 200, undefined, 0.012, undefined, 512],
    ['post', '/orders', 201, undefined, 0.3, 2000, 10],
    ['BREW', undefined, 500, 'TypeError', 1.5, undefined, undefined],
    ['GET', '/stream', undefined, 'aborted', 2, undefined, undefined],
  ]
  const keys = ['method', 'route', 'status', 'error', 'durationSeconds', 'requestBytes', 'responseBytes']
  for (const o of outcomes) {
    viaObject.started(o[0])
    viaObject.finished(Object.fromEntries(keys.map((k, i) => [k, o[i]]).filter(([, v]) => v !== undefined)))
    apm.httpRequestStarted(viaSlot.slot, o[0])
    apm.httpRequestFinished(viaSlot.slot, ...o)
  }
  assert.equal(b.exposition(), a.exposition())
  const s = viaSlot.slot
  assert.throws(() => apm.httpRequestFinished(s, 'GET', '/x', 70000, null, 0.1, null, null), /status 70000 is out of range/)
  assert.throws(() => apm.httpRequestFinished(s, 'GET', '/x', -1, null, 0.1, null, null), /status -1 is out of range/)
  assert.throws(() => apm.httpRequestFinished(s, 'GET', '/x', 200, null, 0.1, 1.5, null), /requestBytes 1.5 is no whole number/)
  assert.throws(() => viaObject.finished({ method: 'GET', durationSeconds: 0.1, requestBytes: 1.5 }), /invalid request outcome/)
  assert.throws(() => apm.httpRequestStarted(1_000_000, 'GET'), /no HTTP server metrics in slot 1000000/)
  assert.throws(() => middleware.express({ started() {} }), /pass an apm.HttpServerMetrics/)
  assert.throws(() => middleware.expressApp({}, viaSlot), /takes an Express app/)
})

test('a collected HttpServerMetrics frees its slot for the next one', async () => {
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc')
  const registry = new apm.Registry()
  let gone = new apm.HttpServerMetrics(registry)
  const slot = gone.slot
  gone = undefined
  for (let i = 0; i < 10 && (() => { try { apm.httpRequestStarted(slot, 'GET'); return true } catch { return false } })(); i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  assert.throws(() => apm.httpRequestStarted(slot, 'GET'), /no HTTP server metrics in slot/)
  // Slots are reused lowest first: the table never outgrows the live objects.
  const next = new apm.HttpServerMetrics(registry)
  assert.ok(next.slot <= slot, `slot ${next.slot} after ${slot} was freed`)
})

// Request metrics for Node HTTP servers: Express middleware, Fastify hooks,
// a wrapper for a bare `http` request listener, and /metrics and /health
// handlers.
// The metric names, labels, buckets and the method, route and error rules
// live in the Rust core (opskit.apm.HttpServerMetrics); this file only reads
// what each framework knows — method, route template, status, sizes, time —
// and hands it over once per request.
'use strict'

const { performance, monitorEventLoopDelay, PerformanceObserver, constants } = require('node:perf_hooks')
const { apm, health } = require('./loader.js')

const bytes = (v) => {
  const n = Number(Array.isArray(v) ? v[0] : v)
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

/**
 * The two calls a request makes, as plain functions of the metrics' slot:
 * through napi-rs a class method costs ~180 ns more than a function. Holds
 * `metrics`, so its slot stays open while the middleware lives.
 */
class Recorder {
  constructor(metrics) {
    if (!(metrics instanceof apm.HttpServerMetrics)) {
      throw new TypeError('opskit/middleware: pass an apm.HttpServerMetrics (new apm.HttpServerMetrics(registry))')
    }
    this.metrics = metrics
    this.slot = metrics.slot
  }

  started(method) {
    apm.httpRequestStarted(this.slot, method)
  }

  finished(method, route, status, error, seconds, requestBytes, responseBytes) {
    apm.httpRequestFinished(this.slot, method, route, status, error, seconds, requestBytes, responseBytes)
  }
}

/**
 * Track request/response pairs of Node's `http` module: `start(req, res,
 * errorOf)` records one as started now; it finishes once, when the
 * response closes — sent in full, or cut short by the client (`aborted`).
 * `routeOf()` is read then, when the framework has matched its route;
 * `errorOf()` names an exception. Body sizes are what Content-Length says,
 * as OpenTelemetry's instrumentations take them (nothing is wrapped or
 * counted per chunk). The state lives in one closure a request: a property
 * or symbol added to the response object changes its shape, and Express
 * and Node's http then cost twice opskit's whole recording (measured).
 */
function tracker(recorder, routeOf, errorOf) {
  return function start(req, res, errorOfThis = errorOf) {
    const started = performance.now()
    const method = req.method
    recorder.started(method)
    // One listener, no wrapper: 'close' comes once, after 'finish' or instead of it.
    res.on('close', () => {
      const aborted = !res.writableFinished
      recorder.finished(
        method,
        routeOf(req, res),
        aborted ? undefined : res.statusCode,
        aborted ? 'aborted' : errorOfThis(req, res),
        (performance.now() - started) / 1000,
        bytes(req.headers['content-length']),
        aborted ? undefined : bytes(res.getHeader('content-length')),
      )
    })
  }
}

// What Express knows once a request is done: read then, defined once.
// (A mounted router's prefix is joined only when there is one: no string is
// built for the common case.)
const expressRoute = (req) => (req.route ? (req.baseUrl ? req.baseUrl + req.route.path : req.route.path) : undefined)
const expressError = (req, res) => res.locals?.opskitError

/** Express middleware: `app.use(express(metrics))`, before the routes. The
 * route template is Express's (`req.baseUrl + req.route.path`, `/users/:id`). */
function express(metrics) {
  const start = tracker(new Recorder(metrics), expressRoute, expressError)
  return function opskitRequestMetrics(req, res, next) {
    start(req, res)
    next()
  }
}

/** Express, without a middleware layer: `expressApp(app, metrics)` records
 * every request the app handles by wrapping its `handle` once (Express 4
 * and 5), which saves the router's dispatch of one more layer a request.
 * Same series as `app.use(express(metrics))`. */
function expressApp(app, metrics) {
  if (typeof app?.handle !== 'function') {
    throw new TypeError('opskit/middleware: expressApp(app, metrics) takes an Express app (express())')
  }
  const start = tracker(new Recorder(metrics), expressRoute, expressError)
  const handle = app.handle
  app.handle = function opskitRequestMetrics(req, res, callback) {
    start(req, res)
    return handle.call(this, req, res, callback)
  }
  return app
}

/** Express error middleware, after the routes: names the exception of a
 * failed request (`error_type="TypeError"`) and passes it on. */
function expressErrors() {
  return function opskitErrorType(err, req, res, next) {
    res.locals.opskitError = err?.name || typeof err
    next(err)
  }
}

/** Fastify: `fastify(app, metrics)` adds hooks to the root instance (every
 * route); the route template is Fastify's (`/users/:id`). */
function fastify(app, metrics) {
  const recorder = new Recorder(metrics)
  const requests = new WeakMap()
  app.addHook('onRequest', async (request, reply) => {
    requests.set(request, { started: performance.now(), error: undefined })
    recorder.started(request.method)
  })
  app.addHook('onError', async (request, reply, error) => {
    const r = requests.get(request)
    if (r) r.error = error?.name || typeof error
  })
  const finish = (request, reply, aborted) => {
    const r = requests.get(request)
    if (!r) return
    requests.delete(request)
    recorder.finished(
      request.method,
      request.routeOptions?.url,
      aborted ? undefined : reply.statusCode,
      aborted ? 'aborted' : r.error,
      (performance.now() - r.started) / 1000,
      bytes(request.headers['content-length']),
      aborted ? undefined : bytes(reply.getHeader('content-length')),
    )
  }
  app.addHook('onResponse', async (request, reply) => finish(request, reply, false))
  app.addHook('onRequestAbort', async (request) => finish(request, undefined, true))
  return app
}

/** A bare `http` request listener recorded: `http.createServer(wrap(handler,
 * metrics, { route: (req) => template }))`. Without `route` the template
 * stays empty (never the raw path). A handler that throws is recorded with
 * the error's name and answered 500. */
function wrap(handler, metrics, options = {}) {
  const route = options.route
  const start = tracker(new Recorder(metrics), (req) => route?.(req))
  return function (req, res) {
    let error
    start(req, res, () => error)
    const failed = (e) => {
      error = e?.name || typeof e
      if (!res.headersSent) res.statusCode = 500
      res.end()
    }
    try {
      const result = handler(req, res)
      if (result && typeof result.catch === 'function') result.catch(failed)
    } catch (e) {
      failed(e)
    }
  }
}

/** A /metrics handler for any of them: Prometheus text, or OpenMetrics
 * when the scraper asks; `registry` defaults to the process's shared one;
 * with a `health.Collector`, the host's and process's series come first. */
function metricsHandler(registry = apm.Registry.global(), collector = undefined) {
  return function (req, res) {
    const accept = req.headers.accept
    res.setHeader('Content-Type', registry.contentType(accept))
    res.end(registry.exposition(accept, collector ? collector.snapshot() : undefined))
  }
}

/** A /health handler for load balancers: health+json with the checks of
 * `evaluator` (a `health.Evaluator`) on the `collector`'s snapshot and each
 * SLO of `slo` (an `apm.SloTracker`) as `slo:burnRate`. 503 when a host
 * check fails; a burning SLO shows as warn and never fails the answer
 * (every instance of the service shares it). */
function healthHandler(collector, { evaluator, slo } = {}) {
  return function (req, res) {
    const snapshot = collector.snapshot()
    const checks = evaluator ? evaluator.evaluate(snapshot) : []
    if (slo) checks.push(...health.sloChecks(slo.evaluate()))
    const { body, status } = health.healthJson(snapshot, checks)
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'Content-Type': 'application/health+json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    })
    res.end(text)
  }
}

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
}

/** Record this process's runtime health in `registry` under prom-client's
 * names: event-loop delay (min, max, mean, stddev, p50, p90, p99) and
 * utilisation, GC pauses by kind, heap and external memory, and active
 * resources by type. Readings are taken every `intervalMs` (default 5 s,
 * the timer does not keep the process alive) and on `collect()`; `stop()`
 * ends it. */
function runtime(registry = apm.Registry.global(), { intervalMs = 5000 } = {}) {
  const rt = new apm.NodeRuntime(registry)
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  let elu = performance.eventLoopUtilization()
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) rt.gc(GC_KINDS[e.detail?.kind ?? e.kind] ?? 'other', e.duration / 1000)
  })
  gc.observe({ entryTypes: ['gc'] })
  const seconds = (ns) => (Number.isFinite(ns) ? ns / 1e9 : 0)
  function collect() {
    const now = performance.eventLoopUtilization(elu)
    elu = performance.eventLoopUtilization()
    rt.eventLoop({
      min: seconds(delay.min), max: seconds(delay.max), mean: seconds(delay.mean), stddev: seconds(delay.stddev),
      p50: seconds(delay.percentile(50)), p90: seconds(delay.percentile(90)), p99: seconds(delay.percentile(99)),
      utilization: now.utilization,
    })
    delay.reset()
    const m = process.memoryUsage()
    rt.memory(m.heapTotal, m.heapUsed, m.external, process.getActiveResourcesInfo?.() ?? [])
  }
  const timer = setInterval(collect, intervalMs)
  timer.unref()
  return {
    collect,
    stop() {
      clearInterval(timer)
      gc.disconnect()
      delay.disable()
    },
  }
}

module.exports = {
  express, expressApp, expressErrors, fastify, wrap, metricsHandler, healthHandler, runtime }

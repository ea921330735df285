// One Express app for the HTTP benchmark (benches/apm_http.py): GET
// /users/:id answers a small JSON body, with no metrics (`plain`), with
// opskit (`opskit`: expressApp; `opskit-use`: app.use(express(...))), or with express-prom-bundle on
// prom-client (`bundle`, the ecosystem's usual choice); /metrics serves
// the instrumented ones' series.
//
//   node benches/apm/node_app.js MODE PORT   (NODE_PATH holds the peers)
'use strict'
const path = require('node:path')
const [mode, port] = process.argv.slice(2)
const express = require('express')
const app = express()

if (mode === 'opskit' || mode === 'opskit-use') {
  const root = path.join(__dirname, '..', '..', 'bindings-node')
  const { apm } = require(path.join(root, 'index.js'))
  const middleware = require(path.join(root, 'middleware.js'))
  const registry = new apm.Registry()
  const metrics = new apm.HttpServerMetrics(registry)
  // `opskit`: the app's handle wrapped; `opskit-use`: a middleware layer.
  if (mode === 'opskit') middleware.expressApp(app, metrics)
  else app.use(middleware.express(metrics))
  app.get('/metrics', middleware.metricsHandler(registry))
} else if (mode === 'bundle') {
  const promBundle = require('express-prom-bundle')
  // Route templates as label values, like opskit's http_route.
  app.use(promBundle({ includeMethod: true, includePath: true, normalizePath: (req) => req.route?.path ?? req.path }))
} else if (mode !== 'plain') {
  throw new Error(`mode ${mode}: plain, opskit, opskit-use or bundle`)
}
app.get('/users/:id', (req, res) => res.json({ id: req.params.id, name: 'ann' }))
app.listen(Number(port), '127.0.0.1', () => console.log('listening'))

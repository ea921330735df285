// Serve /metrics (Prometheus, by the scraper's Accept header) and /health
// (health+json, 200 or 503) from an Express app with opskit's health family.
//
//   node health-server.mjs [PORT]   # default 9466; 0 picks a free one
//
// The collector and evaluator live as long as the app: CPU rates and rule
// `for` timers carry from one request to the next. A snapshot is cheap and
// synchronous; probes (health.runProbes) return a Promise.
import express from 'express'
import { health } from 'opskit'

const collector = new health.Collector()
const evaluator = new health.Evaluator() // the default rules; pass your own array of rules
const app = express()

function sample () {
  const snapshot = collector.snapshot()
  return { snapshot, checks: evaluator.evaluate(snapshot) }
}

app.get('/metrics', (req, res) => {
  const { snapshot, checks } = sample()
  res.type(health.expositionContentType(req.get('accept')))
  res.send(health.exposition(snapshot, checks, req.get('accept')))
})

app.get('/health', (req, res) => {
  const { snapshot, checks } = sample()
  const { body, status } = health.healthJson(snapshot, checks)
  res.status(status).type('application/health+json').send(JSON.stringify(body))
})

const server = app.listen(Number(process.argv[2] ?? 9466), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
process.on('SIGTERM', () => server.close())

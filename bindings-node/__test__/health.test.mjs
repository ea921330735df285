// Every export of the health family on this machine's real metrics, real
// listeners on 127.0.0.1 and a real HTTP server serving the renderers.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:http'
import { once } from 'node:events'

import { health } from '../index.js'
import { tempDir } from './helpers.mjs'

const INVALID = { code: 'ERR_OPSKIT_INVALID_INPUT' }

function meminfo (key) {
  const line = readFileSync('/proc/meminfo', 'utf8').split('\n').find((l) => l.startsWith(key + ':'))
  return Number(line.split(/\s+/)[1]) * 1024
}

test('collector agrees with /proc; rates come from the second snapshot', async () => {
  const c = new health.Collector({ firstSampleSeconds: 0 })
  const s = c.snapshot()
  assert.equal(s.first, true)
  assert.equal(s.cpu.usagePercent, null)
  assert.equal(s.memory.totalBytes, meminfo('MemTotal'))
  const load1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
  assert.ok(Math.abs(s.load.one - load1) < 1.0)
  assert.ok(s.load.perCoreOne >= 0)
  assert.equal(s.process.pid, process.pid)
  assert.ok(s.process.openFds > 0)
  assert.ok(s.filesystems.length > 0 && s.filesystems[0].mountpoint.startsWith('/'))
  await new Promise((resolve) => setTimeout(resolve, 250))
  const s2 = c.snapshot()
  assert.equal(s2.first, false)
  assert.ok(s2.cpu.usagePercent >= 0 && s2.cpu.usagePercent <= 100)
  assert.throws(() => new health.Collector({ procRoot: '/nonexistent' }), { code: 'ERR_OPSKIT_UNSUPPORTED' })
  assert.throws(() => new health.Collector({ proc: '/proc' }), (e) => e.code === INVALID.code && /unknown field/.test(e.message))
})

test('maintenance: reboot-required with its packages, upgrades checked in the background or waited for', () => {
  const dir = tempDir('opskit-reboot-')
  const flag = join(dir, 'reboot-required')
  const c = new health.Collector({ rebootRequiredFile: flag, mountTimeoutSeconds: 0.5 })
  assert.deepEqual(c.snapshot().maintenance, { rebootRequired: false, rebootPackages: [], upgrades: null })
  writeFileSync(flag, '*** System restart required ***\n')
  writeFileSync(flag + '.pkgs', 'linux-base\nlibc6\n')
  const s = c.snapshot()
  assert.equal(s.maintenance.rebootRequired, true)
  assert.deepEqual(s.maintenance.rebootPackages, ['libc6', 'linux-base'])
  const check = new health.Evaluator().evaluate(s).find((r) => r.name === 'reboot_required')
  assert.equal(check.status, 'warn')
  assert.ok(health.exposition(s, []).includes('\nopskit_reboot_required 1\n'))
  assert.throws(() => new health.Collector({ mountTimeoutSeconds: -1 }), (e) => e.code === INVALID.code && /mount_timeout_seconds/.test(e.message))
  assert.throws(() => new health.Collector({ aptUpgrades: 'sometimes' }), (e) => e.code === INVALID.code && /unknown variant/.test(e.message))
  const started = performance.now()
  assert.equal(new health.Collector({ aptUpgrades: 'background' }).snapshot().maintenance.upgrades, null)
  assert.ok(performance.now() - started < 1000, 'a background check does not hold the snapshot')
  const u = new health.Collector({ aptUpgrades: 'wait' }).snapshot().maintenance.upgrades
  assert.equal(u.error, undefined)
  assert.equal(u.pending, u.groups.reduce((n, g) => n + g.count, 0))
  for (const g of u.groups) assert.deepEqual(Object.keys(g).sort(), ['arch', 'count', 'origin'])
  rmSync(dir, { recursive: true })
})

test('rules with a fake clock; snapshots round-trip through every renderer', () => {
  const s = new health.Collector().snapshot()
  const rule = { name: 'mem', metric: 'memory.used_percent', warn: -1, critical: 1000, for: '5m' }
  const e = new health.Evaluator([rule])
  assert.equal(e.evaluate(s, 0)[0].status, 'pass') // pending
  const checks = e.evaluate(s, 301)
  assert.equal(checks[0].status, 'warn')
  assert.deepEqual(Object.keys(checks[0]).sort(), ['name', 'output', 'since', 'status', 'threshold', 'unit', 'value'])
  let { body, status } = health.healthJson(s, checks)
  assert.equal(status, 200)
  assert.equal(body.status, 'warn')
  assert.ok('mem' in body.checks || Object.keys(body.checks).some((k) => k.startsWith('mem')), JSON.stringify(body.checks))
  ;({ body, status } = health.healthJson(s, checks, true))
  assert.equal(status, 503)
  assert.equal(body.output, 'draining')
  const text = health.exposition(s, checks)
  assert.match(text, /# TYPE opskit_cpu_seconds_total counter/)
  assert.match(text, /opskit_check_level\{check="mem"\} 1/)
  const om = 'application/openmetrics-text;version=1.0.0'
  assert.ok(health.exposition(s, checks, om).endsWith('# EOF\n'))
  assert.match(health.expositionContentType(om), /^application\/openmetrics-text/)
  assert.match(health.expositionContentType(), /^text\/plain; version=0.0.4/)
  const rules = health.defaultRules()
  assert.deepEqual(rules.slice(0, 2).map((r) => r.name), ['cpu_overload', 'memory_pressure'])
  assert.ok(rules.every((r) => typeof r.source === 'string' && r.source.length > 0))
  // The default rules evaluate against a real snapshot, load-per-core included.
  const all = new health.Evaluator().evaluate(s)
  assert.equal(all[0].name, 'cpu_overload')
  assert.ok(all.some((c) => c.name === 'high_load'), all.map((c) => c.name).join(','))
  assert.throws(() => new health.Evaluator([{ name: 'x', metric: 'cpu.bogus', warn: 1 }]), (er) => er.code === INVALID.code && /unknown metric/.test(er.message))
  assert.throws(() => new health.Evaluator([{ name: 'x', metric: 'cpu.usage_percent', warn: 9, critical: 1 }]), /beyond critical/)
  assert.throws(() => e.evaluate({ timeSeconds: 1 }), INVALID)
})

test('an http server serves /metrics and /health from the renderers', async () => {
  const collector = new health.Collector()
  const evaluator = new health.Evaluator()
  const server = createServer((req, res) => {
    const s = collector.snapshot()
    const checks = evaluator.evaluate(s)
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': health.expositionContentType(req.headers.accept) })
      res.end(health.exposition(s, checks, req.headers.accept))
    } else {
      const { body, status } = health.healthJson(s, checks)
      res.writeHead(status, { 'content-type': 'application/health+json' })
      res.end(JSON.stringify(body))
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const base = `http://127.0.0.1:${server.address().port}`
  try {
    const m = await fetch(`${base}/metrics`)
    assert.equal(m.status, 200)
    assert.match(m.headers.get('content-type'), /version=0.0.4/)
    assert.match(await m.text(), /^opskit_memory_total_bytes \d+$/m)
    const h = await fetch(`${base}/health`)
    assert.ok([200, 503].includes(h.status))
    const doc = await h.json()
    assert.ok(['pass', 'warn', 'fail'].includes(doc.status))
    assert.equal(h.status === 503, doc.status === 'fail')
  } finally {
    server.close()
  }
})

test('probes run on the pool without blocking the loop, within the deadline', async () => {
  const open = createServer((req, res) => res.end('ok'))
  open.listen(0, '127.0.0.1')
  await once(open, 'listening')
  const stall = createServer(() => {}) // accepts, never answers
  stall.listen(0, '127.0.0.1')
  await once(stall, 'listening')
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 10)
  const started = performance.now()
  try {
    const r = await health.runProbes([
      { name: 'open', type: 'tcp', host: '127.0.0.1', port: open.address().port },
      { name: 'api', type: 'http', url: `http://127.0.0.1:${open.address().port}/`, bodyContains: 'ok' },
      { name: 'stall', type: 'http', url: `http://127.0.0.1:${stall.address().port}/`, timeout: '5s' },
    ], 1.0)
    const took = performance.now() - started
    assert.deepEqual(r.map((x) => [x.name, x.status]), [['open', 'pass'], ['api', 'pass'], ['stall', 'fail']])
    assert.ok(took < 2000 && ticks >= 20, `took ${took} ms, ${ticks} ticks`)
    const sync = health.runProbesSync([{ name: 'me', type: 'process', cmdlineContains: 'health.test', minCount: 1 }])
    assert.equal(sync[0].status, 'pass', sync[0].output)
    await assert.rejects(health.runProbes([{ name: 'x', type: 'smtp' }]), INVALID)
    assert.throws(() => health.runProbesSync([], -1), INVALID)
  } finally {
    clearInterval(timer)
    open.closeAllConnections()
    stall.closeAllConnections()
    open.close()
    stall.close()
  }
})

test('availability, PagerDuty events and policies', () => {
  const samples = Array.from({ length: 101 }, (_, m) => ({ time: m * 60, up: ![10, 11, 12].includes(m) }))
  const a = health.availability(samples, { sloPercent: 99 })
  assert.equal(a.uptimePercent, 97)
  assert.equal(a.mttrSeconds, 180)
  assert.equal(a.incidents[0].downSeconds, 180)
  assert.throws(() => health.availability(samples, { sloPercent: 100 }), INVALID)
  const pd = new health.PagerDuty()
  const check = { name: 'disk_full:/', status: 'fail', value: 97, unit: 'percent', threshold: 95, since: null, output: 'disk full' }
  const ev = pd.events([check], 'web-01', 0, { routingKey: 'k'.repeat(32) })
  assert.equal(ev[0].event_action, 'trigger')
  assert.equal(ev[0].dedup_key, 'web-01/disk_full:/')
  assert.equal(ev[0].routing_key, 'k'.repeat(32))
  assert.equal(pd.events([check], 'web-01', 30, { routingKey: 'k'.repeat(32) }).length, 0) // no change, no event
  check.status = 'pass'
  assert.equal(pd.events([check], 'web-01', 60, { routingKey: 'k'.repeat(32) })[0].event_action, 'resolve')
  assert.throws(() => pd.events([check], 'web-01', 0, {}), INVALID)
  const p = health.parsePolicy('probe_deadline = "3s"\n[[probe]]\nname = "api"\ntype = "http"\nurl = "http://127.0.0.1/"\nbody_contains = "ok"\n')
  assert.equal(p.probeDeadline, '3s')
  assert.equal(p.probe[0].bodyContains, 'ok')
  assert.throws(() => health.parsePolicy('colour = 1\n'), (e) => e.code === INVALID.code && /unknown field/.test(e.message))
})

test('sendEvent retries a 429 on the pool, and sendEventSync reports a dead endpoint without the key', async () => {
  const answers = [[429, '{}'], [202, '{"status":"success","dedup_key":"web-01/disk_full:/"}']]
  const bodies = []
  const server = createServer((req, res) => {
    let data = ''
    req.on('data', (c) => { data += c })
    req.on('end', () => {
      bodies.push(JSON.parse(data))
      const [code, body] = answers.shift()
      res.writeHead(code, { 'content-type': 'application/json', 'retry-after': '0' })
      res.end(body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    const check = { name: 'disk_full:/', status: 'fail', value: 97, unit: 'percent', threshold: 95, since: null, output: 'disk full' }
    const [ev] = new health.PagerDuty().events([check], 'web-01', 0, { routingKey: 'S'.repeat(32) })
    const r = await health.sendEvent(ev, { url: `http://127.0.0.1:${server.address().port}/v2/enqueue`, initialBackoffSeconds: 0.01 })
    assert.deepEqual(r, { attempts: 2, status: 202, dedupKey: 'web-01/disk_full:/' })
    assert.deepEqual(bodies, [ev, ev])
    assert.throws(() => health.sendEventSync(ev, { url: 'http://127.0.0.1:1/', attempts: 1 }),
      (e) => e.code === 'ERR_OPSKIT_IO' && !e.message.includes('S'.repeat(32)))
    assert.throws(() => health.sendEventSync(ev, { retries: 3 }), INVALID)
  } finally {
    server.close()
  }
})

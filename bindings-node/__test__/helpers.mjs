// Real git repositories for the tests, made with the git CLI in temp dirs.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
}

const made = []
process.on('exit', () => { for (const dir of made) rmSync(dir, { recursive: true, force: true }) })

/** A new folder under the system temp dir, removed when the test process exits. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

/**
 * Run `work` (async) while an interval timer of `ms` ticks: how late the
 * timer ran at worst (ms past its interval), how many times it fired, the
 * elapsed time and `work`'s result. A blocked event loop shows as a lag as
 * long as the blocking call.
 */
export async function timerLag(ms, work) {
  const lags = []
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    lags.push(now - last - ms)
    last = now
  }, ms)
  const start = performance.now()
  try {
    const result = await work()
    lags.sort((a, b) => b - a)
    // `lags`: every tick's lateness, worst first.
    return { worst: lags[0] ?? 0, lags, ticks: lags.length, elapsed: performance.now() - start, result }
  } finally {
    clearInterval(timer)
  }
}

export const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' })

/** init (v1.0.0) → feat(api) (v1.1.0-rc.1, annotated) → fix; production at init, staging at HEAD. */
export function makeRepo() {
  const dir = tempDir('opskit-node-')
  git(dir, 'init', '-q', '-b', 'main')
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'chore: init')
  git(dir, 'tag', 'v1.0.0')
  git(dir, 'branch', 'production')
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'feat(api): orders')
  git(dir, 'tag', '-a', 'v1.1.0-rc.1', '-m', 'first rc')
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'fix: cart\n\nRefs #7')
  git(dir, 'branch', 'staging')
  return dir
}

/** A repository of `n` commits with a tag every 100, written with git fast-import. */
export function makeBigRepo(n) {
  const dir = tempDir('opskit-node-big-')
  git(dir, 'init', '-q', '-b', 'main')
  const parts = []
  for (let i = 0; i < n; i++) {
    const msg = i % 3 ? `feat: change ${i}\n` : `fix: repair ${i}\n`
    const content = `${i}\n`
    parts.push(`commit refs/heads/main\ncommitter T <t@example.com> ${1600000000 + i} +0000\n` +
      `data ${Buffer.byteLength(msg)}\n${msg}M 100644 inline f.txt\ndata ${content.length}\n${content}\n`)
    if (i % 100 === 99) parts.push(`reset refs/tags/v1.${Math.floor(i / 100)}.0\nfrom refs/heads/main\n\n`)
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: parts.join('') })
  return dir
}

/** The repository of a shared `history` case: the git CLI on its steps, fixed identity, dates an hour apart. */
export function buildCaseRepo(steps) {
  const dir = tempDir('opskit-node-case-')
  const run = (n, ...args) => {
    const date = `@${1767225600 + n * 3600} +0000`
    const caseEnv = {
      PATH: process.env.PATH, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test Author', GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test Author', GIT_COMMITTER_EMAIL: 'test@example.com',
      GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date,
    }
    return execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args],
      { cwd: dir, env: caseEnv, encoding: 'utf8' })
  }
  run(0, 'init', '-q', '-b', 'main')
  steps.forEach(([op, ...rest], i) => {
    const n = i + 1
    if (op === 'commit') {
      const [template, file = 'file.txt'] = rest
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), `change ${n}\n`)
      const msg = template.includes('{HEAD}') ? template.replace('{HEAD}', run(n, 'rev-parse', 'HEAD').trim()) : template
      run(n, 'add', file)
      run(n, 'commit', '-q', '--cleanup=verbatim', '-m', msg)
    } else if (op === 'tag' || op === 'branch') {
      run(n, op, rest[0])
    } else if (op === 'checkout') {
      run(n, 'checkout', '-q', rest[0])
    } else if (op === 'merge') {
      run(n, 'merge', '-q', '--no-ff', '-m', `Merge branch '${rest[0]}'`, rest[0])
    } else {
      throw new Error(`unknown step ${op}`)
    }
  })
  return dir
}

/** Does `got` contain `want`? Every key given must match; arrays element by element. */
export const subset = (got, want) => {
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => subset(got[i], w))
  if (want && typeof want === 'object') return !!got && typeof got === 'object' && Object.entries(want).every(([k, w]) => k in got && subset(got[k], w))
  return got === want
}

// snake_case → camelCase as the binding converts keys (a digit after `_` too).
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
// Keys of the fields types.d.ts declares as maps are data and cross
// unchanged (as in the binding, whose list a Rust test holds to the same
// declarations).
const snake = (s) => s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
const DATA_MAPS = new Set(
  [...readFileSync(new URL('../types.d.ts', import.meta.url), 'utf8')
    .matchAll(/(\w+)\??: (?:\{ \[key in string\]|Record<string)/g)].map((m) => snake(m[1])))
/** A case file's snake_case value with the keys the binding would give. */
export const toCamel = (v) => Array.isArray(v) ? v.map(toCamel)
  : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), DATA_MAPS.has(k) ? x : toCamel(x)]))
  : v

// --- The declared result keys (types.d.ts) against the runtime objects ---

import { fileURLToPath } from 'node:url'

/** Field names declared in types.d.ts, and those whose values are data maps (keys are data). */
function declarations() {
  const text = readFileSync(fileURLToPath(new URL('../types.d.ts', import.meta.url)), 'utf8')
    .replace(/\/\*\*[\s\S]*?\*\//g, '') // doc comments
  const fields = new Set()
  const maps = new Set()
  // `name: type,` or `name?: type,` at the start of a line inside `export type X = { ... }`.
  for (const m of text.matchAll(/^"?([A-Za-z_][A-Za-z0-9_]*)"?\??: (.*)$/gm)) {
    fields.add(m[1])
    if (/^(\{ \[key in string\]|Record<string|Partial<\{ \[key in)/.test(m[2])) maps.add(m[1])
  }
  return { fields, maps }
}

const declared = declarations()

/** Every declared field name is camelCase, as the runtime objects are. */
export function snakeCaseDeclarations() {
  return [...declared.fields].filter((f) => f.includes('_'))
}

/**
 * Every key of a result object, walked recursively, is a declared field
 * (values of data-map fields are skipped: their keys are data). Returns the
 * keys that are not declared, with where they were found.
 */
export function undeclaredKeys(value, where = '$', out = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => undeclaredKeys(v, `${where}[${i}]`, out))
  } else if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (!declared.fields.has(k)) out.push(`${where}.${k}`)
      if (!declared.maps.has(k)) undeclaredKeys(v, `${where}.${k}`, out)
    }
  }
  return out
}

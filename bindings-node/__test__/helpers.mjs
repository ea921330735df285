// Real git repositories for the tests, made with the git CLI in temp dirs.
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
}

export const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' })

/** init (v1.0.0) → feat(api) (v1.1.0-rc.1, annotated) → fix; production at init, staging at HEAD. */
export function makeRepo() {
  const dir = mkdtempSync(join(tmpdir(), 'opskit-node-'))
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
  const dir = mkdtempSync(join(tmpdir(), 'opskit-node-big-'))
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

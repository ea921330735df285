// Type-checked with `tsc --noEmit` against the generated index.d.ts: results
// are typed (not `any`), options are checked, and mistakes are errors.
import { backup, version } from '../index.js'
import type { Manifest, NextVersion, Release, VerifyReport } from '../index.js'

const { bump, changelogMarkdown, nextVersion, nextVersionSync, releases } = version

async function main(): Promise<void> {
  const next: NextVersion = await nextVersion('.', { tagPattern: 'api-v{version}', paths: ['services/api'], channel: 'rc' })
  const tag: string | null = next.nextTag
  const reasons: string[] = next.ignored.map((c) => `${c.shortId} ${c.reason}`)
  const list: Release[] = await releases('.', { includePrereleases: false })
  const md: string = await changelogMarkdown('.', { range: { release: '1.2.0' } })
  const v: string = bump('1.2.3', 'preminor', 'rc')
  console.log(tag, reasons, list.length, md.length, v)

  // @ts-expect-error: results use camelCase keys
  console.log(next.next_tag)
  // @ts-expect-error: an unknown bump level
  bump('1.2.3', 'huge')
  // @ts-expect-error: options are typed
  nextVersionSync('.', { tagPattern: 42 })
  // @ts-expect-error: the Promise must be awaited before use
  console.log((nextVersion('.')).nextTag)

  const m: Manifest = await backup.buildManifest('/srv/backup', { algorithms: ['blake3', 'sha256'] }, (p) => {
    const done: number = p.bytesDone
    console.log(done)
  })
  const r: VerifyReport = await backup.verifyTree('/restore', m, { mode: 'fast' })
  console.log(r.exact, m.totals.bytes)
  // @ts-expect-error: an unknown hash algorithm
  backup.buildManifestSync('.', { algorithms: ['md5'] })
  // @ts-expect-error: the manifest's fields are typed
  console.log(m.entries[0].sha1)
}

void main()

// Type-checked with `tsc --noEmit` against the generated index.d.ts: results
// are typed (not `any`), options are checked, and mistakes are errors.
import { bump, changelogMarkdown, nextVersion, nextVersionSync, releases } from '../index.js'
import type { NextVersion, Release } from '../index.js'

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
}

void main()

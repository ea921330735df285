// Print the next version and the unreleased changelog of a repository.
//
//     node examples/node/next-version.mjs [PATH]
import { version } from 'opskit'

const { changelogMarkdown, nextVersion } = version

const path = process.argv[2] ?? '.'
const n = await nextVersion(path)
console.log(`current: ${n.currentTag ?? 'none'}`)
console.log(`next:    ${n.nextTag ?? 'none (no commit calls for a release)'}${n.bump ? ` (${n.bump})` : ''}`)
console.log(`ignored: ${n.ignored.length} commit(s)\n`)
process.stdout.write(await changelogMarkdown(path))

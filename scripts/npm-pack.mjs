// Pack the npm packages the way napi-rs projects ship them (what `make dist`
// runs): `opskit` (the JS loader and types, no binary) with the platform
// package `opskit-linux-x64-gnu` (the prebuilt release .node) as an
// optionalDependency, each as a tarball in DIST.
// Usage: node scripts/npm-pack.mjs DIST
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const dist = resolve(process.argv[2] ?? 'dist')
const node = resolve(import.meta.dirname, '../bindings-node')
const pkg = JSON.parse(readFileSync(join(node, 'package.json'), 'utf8'))
const stage = join(dist, 'npm-stage')
rmSync(stage, { recursive: true, force: true })
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] })

const triple = 'linux-x64-gnu'
const binary = `${pkg.napi.binaryName}.${triple}.node`

// The release addon, built into the stage (the committed index.js and
// index.d.ts, which `make node-test` keeps in step, are the loader and
// types). With CARGO_ZIGBUILD (as `make dist` runs it), it is linked by zig
// against the glibc GLIBC_FLOOR, as every release artifact is.
if (process.env.CARGO_ZIGBUILD) {
  const target = `x86_64-unknown-linux-gnu.${process.env.GLIBC_FLOOR ?? '2.17'}`
  run(process.env.CARGO_ZIGBUILD, ['zigbuild', '--release', '--locked', '-p', 'opskit-node', '--target', target], resolve(node, '..'))
  mkdirSync(join(stage, 'native'), { recursive: true })
  const built = resolve(node, '../target/x86_64-unknown-linux-gnu/release/libopskit_node.so')
  copyFileSync(built, join(stage, 'native', binary))
  run('strip', ['--strip-unneeded', join(stage, 'native', binary)], node)
} else {
  run('npx', ['napi', 'build', '--platform', '--release', '--strip', '--no-js', '-o', join(stage, 'native')], node)
}
const platformName = `${pkg.name}-${triple}`
const common = { version: pkg.version, license: pkg.license, engines: pkg.engines }

const platformDir = join(stage, triple)
mkdirSync(platformDir, { recursive: true })
copyFileSync(join(stage, 'native', binary), join(platformDir, binary))
writeFileSync(join(platformDir, 'package.json'), JSON.stringify({
  name: platformName,
  ...common,
  description: `The ${triple} binary of ${pkg.name}`,
  os: ['linux'],
  cpu: ['x64'],
  libc: ['glibc'],
  main: binary,
  files: [binary]
}, null, 2) + '\n')
writeFileSync(join(platformDir, 'README.md'), `# ${platformName}\n\nThe prebuilt \`${triple}\` binary of [${pkg.name}](https://www.npmjs.com/package/${pkg.name}); install \`${pkg.name}\`, not this.\n`)

const mainDir = join(stage, 'main')
mkdirSync(mainDir, { recursive: true })
for (const f of ['loader.js', 'index.js', 'index.d.ts', 'middleware.js', 'middleware.d.ts', 'README.md']) copyFileSync(join(node, f), join(mainDir, f))
const { devDependencies, scripts, ...published } = pkg
writeFileSync(join(mainDir, 'package.json'), JSON.stringify({
  ...published,
  files: ['loader.js', 'index.js', 'index.d.ts', 'middleware.js', 'middleware.d.ts'],
  optionalDependencies: { [platformName]: pkg.version }
}, null, 2) + '\n')

for (const dir of [platformDir, mainDir]) run('npm', ['pack', '--silent', '--pack-destination', dist], dir)
rmSync(stage, { recursive: true, force: true })

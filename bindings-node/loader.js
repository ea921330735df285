// The package's entry point: the napi-rs loader (index.js, generated), with
// a message that says which package is missing when the native binary of
// this platform is not installed (npm skips optional dependencies with
// --omit=optional, or when the lockfile was made on another platform).
'use strict'

const { name, version } = require('./package.json')

/** The napi-rs platform suffix of this machine, e.g. `linux-x64-gnu`. */
function platformSuffix() {
  const { platform, arch } = process
  if (platform !== 'linux') return `${platform}-${arch}`
  const glibc = process.report?.getReport?.()?.header?.glibcVersionRuntime
  return `${platform}-${arch}-${glibc ? 'gnu' : 'musl'}`
}

const SUPPORTED = ['linux-x64-gnu']

try {
  module.exports = require('./index.js')
} catch (cause) {
  const suffix = platformSuffix()
  const pkg = `${name}-${suffix}`
  const message = SUPPORTED.includes(suffix)
    ? `${name}: the native binary for this platform (${suffix}) is not installed: ` +
      `its package ${pkg}@${version} is missing (npm leaves optional dependencies out with ` +
      `--omit=optional or a lockfile made on another platform). Install it: npm install ${pkg}@${version}`
    : `${name}: there is no prebuilt binary for ${suffix}; ${name} ${version} ships ${SUPPORTED.join(', ')}` +
      ` (build from source for others: npm run build in the repository's bindings-node)`
  const err = new Error(message, { cause })
  err.code = 'ERR_OPSKIT_NATIVE_MISSING'
  throw err
}

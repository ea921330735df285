#!/usr/bin/env bash
# Install every artifact of `make dist` into a fresh place and call each
# family from there, with no Rust toolchain and no source tree on the path:
#   Python: a new venv, `pip install --no-index` of the wheel;
#   Node:   a new npm project, the two tarballs installed offline, used from
#           CommonJS and ESM;
#   C:      `make install`'s layout (the SDK tarball unpacked, and a
#           `scripts/install-c.sh PREFIX` copy), programs built with
#           pkg-config dynamically and statically, the CLI, man page and
#           completions;
#   Docs:   every example of the README, docs/ and the package READMEs,
#           run from scratch files against those installs (tests/docs/examples.py).
# Usage: tests/install/run.sh DIST VERSION
set -euo pipefail
dist=$(cd "$1" && pwd) version=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/opskit-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home"
# A clean environment: the system PATH only (no ~/.cargo/bin, no pyenv shims).
clean() { env -i HOME="$work/home" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@"; }
if clean sh -c 'command -v cargo || command -v rustc' >/dev/null; then
  echo "FAIL a Rust toolchain is on the clean PATH" >&2; exit 1
fi

wheel=$(ls "$dist"/opskit-"$version"-cp39-abi3-manylinux*_x86_64.whl)
sdist=$dist/opskit-$version.tar.gz
npm_main=$dist/opskit-$version.tgz
npm_platform=$dist/opskit-linux-x64-gnu-$version.tgz
sdk=$dist/opskit-$version-linux-x64.tar.gz
for f in "$wheel" "$sdist" "$npm_main" "$npm_platform" "$sdk"; do
  [ -s "$f" ] || { echo "FAIL missing artifact $f" >&2; exit 1; }
done
# The sdist holds the sources a build needs (core and the binding).
tar -tzf "$sdist" > "$work/sdist.txt"
grep -q '^opskit-'"$version"'/core/src/lib.rs$' "$work/sdist.txt"
grep -q '^opskit-'"$version"'/bindings-python/src/lib.rs$' "$work/sdist.txt"

# --- Python
python3 -m venv "$work/venv"
clean "$work/venv/bin/pip" install -q --no-index --disable-pip-version-check "$wheel"
(cd "$work" && clean "$work/venv/bin/python" "$here/smoke.py" "$version")
echo "PASS python: $(basename "$wheel") in a fresh venv"

# --- Node
mkdir -p "$work/app"
cp "$here/smoke.cjs" "$here/smoke.mjs" "$work/app/"
(cd "$work/app" && printf '{"name":"app","version":"1.0.0","private":true}\n' > package.json &&
  clean npm install --offline --no-audit --no-fund --loglevel=error "$npm_platform" "$npm_main" &&
  [ ! -e node_modules/opskit/opskit.linux-x64-gnu.node ] &&
  [ -e node_modules/opskit-linux-x64-gnu/opskit.linux-x64-gnu.node ] &&
  clean node smoke.cjs "$version" && clean node smoke.mjs "$version")
echo "PASS node: the two tarballs in a fresh npm project (CommonJS and ESM)"
# The loader alone (its platform package left out, as --omit=optional does):
# the error names the missing package and how to install it.
mkdir -p "$work/app-no-binary"
(cd "$work/app-no-binary" && printf '{"name":"app","version":"1.0.0","private":true}\n' > package.json &&
  clean npm install --offline --no-audit --no-fund --loglevel=error --omit=optional "$npm_main" &&
  [ ! -e node_modules/opskit-linux-x64-gnu ] &&
  ! clean node -e "require('opskit')" 2> err.txt &&
  grep -q "ERR_OPSKIT_NATIVE_MISSING" err.txt &&
  grep -q "npm install opskit-linux-x64-gnu@$version" err.txt) ||
  { echo "FAIL node: a missing platform package is not named" >&2; cat "$work/app-no-binary/err.txt" >&2; exit 1; }
echo "PASS node: without its platform package, require('opskit') names opskit-linux-x64-gnu@$version"

# --- C: the SDK tarball unpacked elsewhere, and `make install`'s prefix
c_check() {
  local prefix=$1 name=$2 out=$work/c-$2
  mkdir -p "$out"
  local pc=PKG_CONFIG_PATH=$prefix/lib/pkgconfig
  clean env "$pc" sh -c 'cc -std=c11 -Wall -Wextra -Werror "$1" $(pkg-config --cflags --libs opskit) -Wl,-rpath,$(pkg-config --variable=libdir opskit) -o "$2"' \
    _ "$here/smoke.c" "$out/shared"
  readelf -d "$out/shared" | grep -q 'NEEDED.*\[libopskit\.so\.0\]'
  (cd "$out" && clean ./shared "$version")
  # The README's static command, exactly (with the shared library beside it).
  clean env "$pc" sh -c 'cc -std=c11 -Wall -Wextra -Werror "$1" $(pkg-config --cflags --libs opskit-static) -o "$2"' \
    _ "$here/smoke.c" "$out/static"
  if readelf -d "$out/static" | grep -q libopskit; then echo "FAIL $name: the static build needs libopskit.so" >&2; exit 1; fi
  (cd "$out" && clean ./static "$version")
  readelf -d "$prefix/lib/libopskit.so.$version" | grep -q 'SONAME.*\[libopskit\.so\.0\]'
  [ "$(readlink "$prefix/lib/libopskit.so")" = libopskit.so.0 ]
  [ "$(readlink "$prefix/lib/libopskit.so.0")" = "libopskit.so.$version" ]
  [ "$(clean "$prefix/bin/opskit" --version)" = "opskit $version" ]
  grep -q '^\.TH opskit 1' "$prefix/share/man/man1/opskit.1"
  bash -n "$prefix/share/bash-completion/completions/opskit"
  grep -q 'opskit' "$prefix/share/zsh/site-functions/_opskit"
  grep -q 'opskit' "$prefix/share/fish/vendor_completions.d/opskit.fish"
  echo "PASS c ($name): pkg-config builds, shared (NEEDED libopskit.so.0) and static; CLI, man page, completions"
}
mkdir -p "$work/elsewhere" && tar -C "$work/elsewhere" -xzf "$sdk"
grep -qx 'prefix=${pcfiledir}/../..' "$work/elsewhere/opskit-$version-linux-x64/lib/pkgconfig/opskit.pc"
c_check "$work/elsewhere/opskit-$version-linux-x64" "SDK tarball"
if [ -n "${3:-}" ]; then
  grep -qx "prefix=$3" "$3/lib/pkgconfig/opskit.pc"
  c_check "$3" "make install PREFIX=$3"
fi

# --- The docs' examples, each from a scratch file, against what was installed
# above (the venv, the npm project, the SDK unpacked elsewhere). The apm
# page's examples run in the frameworks they instrument, which a user
# installs from the registries beside opskit.
"$work/venv/bin/pip" install -q --disable-pip-version-check "flask>=3,<4" "fastapi>=0.110" "uvicorn>=0.30"
(cd "$work/app" && npm install --no-audit --no-fund --loglevel=error "express@^5" "fastify@^5")
root=$(cd "$here/../.." && pwd)
python3 "$root/tests/docs/examples.py" --python "$work/venv/bin/python" \
  --node-modules "$work/app/node_modules" --prefix "$work/elsewhere/opskit-$version-linux-x64" \
  "$root/README.md" "$root"/docs/*.md "$root/bindings-python/README.md" "$root/bindings-node/README.md"
echo "PASS install tests from dist/ alone"

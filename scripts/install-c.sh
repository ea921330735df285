#!/usr/bin/env bash
# Install the C SDK and the CLI into a prefix (what `make install` runs):
#   lib/libopskit.so.X.Y.Z (SONAME libopskit.so.X) with its two links,
#   lib/libopskit.a, lib/pkgconfig/opskit.pc and opskit-static.pc, include/opskit.h, bin/opskit,
#   share/man/man1/opskit.1 and shell completions for bash, zsh and fish.
# Usage: scripts/install-c.sh PREFIX BUILD_DIR VERSION [--relocatable]
# --relocatable writes opskit.pc with prefix=${pcfiledir}/../.. (a tarball
# unpacked anywhere); otherwise prefix is PREFIX itself.
set -euo pipefail
prefix=$1 build=$2 version=$3 relocatable=${4:-}
major=${version%%.*}
root=$(cd "$(dirname "$0")/.." && pwd)

case $prefix in
  /*) ;;
  *) prefix=$(pwd)/$prefix ;;
esac
# Nothing is copied unless the whole prefix can be written.
if ! mkdir -p "$prefix" 2>/dev/null || ! [ -w "$prefix" ]; then
  echo "install: cannot write to PREFIX=$prefix: choose a folder you can write (make install PREFIX=\$HOME/.local) or run as a user who can" >&2
  exit 1
fi
for f in "$build/libopskit.so" "$build/libopskit.a" "$build/opskit" "$root/include/opskit.h"; do
  [ -f "$f" ] || { echo "install: $f is missing: build it first (make release-build)" >&2; exit 1; }
done

install -d "$prefix/lib/pkgconfig" "$prefix/include" "$prefix/bin" "$prefix/share/man/man1" \
  "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
  "$prefix/share/fish/vendor_completions.d"
# Stripped of debug info (the release profile keeps line tables for backtraces in development).
install -m 755 "$build/libopskit.so" "$prefix/lib/libopskit.so.$version"
strip --strip-unneeded "$prefix/lib/libopskit.so.$version"
ln -sfn "libopskit.so.$version" "$prefix/lib/libopskit.so.$major"
ln -sfn "libopskit.so.$major" "$prefix/lib/libopskit.so"
install -m 644 "$build/libopskit.a" "$prefix/lib/libopskit.a"
strip --strip-debug "$prefix/lib/libopskit.a"
install -m 644 "$root/include/opskit.h" "$prefix/include/opskit.h"
install -m 755 -s "$build/opskit" "$prefix/bin/opskit"
"$build/opskit" manpage > "$prefix/share/man/man1/opskit.1"
"$build/opskit" completions bash > "$prefix/share/bash-completion/completions/opskit"
"$build/opskit" completions zsh > "$prefix/share/zsh/site-functions/_opskit"
"$build/opskit" completions fish > "$prefix/share/fish/vendor_completions.d/opskit.fish"
if [ "$relocatable" = --relocatable ]; then pc_prefix='${pcfiledir}/../..'; else pc_prefix=$prefix; fi
sed -e "s|@PREFIX@|$pc_prefix|" -e 's|@LIBDIR@|${prefix}/lib|' -e "s|@VERSION@|$version|" \
  "$root/bindings-c/opskit.pc.in" > "$prefix/lib/pkgconfig/opskit.pc"
# pkg-config --static still lets the linker pick libopskit.so when both are
# installed; opskit-static.pc names libopskit.a itself.
sed -e "s|@PREFIX@|$pc_prefix|" -e 's|@LIBDIR@|${prefix}/lib|' -e "s|@VERSION@|$version|" \
  "$root/bindings-c/opskit-static.pc.in" > "$prefix/lib/pkgconfig/opskit-static.pc"
echo "installed opskit $version into $prefix"

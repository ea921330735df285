#!/usr/bin/env bash
# Check that every release artifact runs on glibc FLOOR: the highest GLIBC_
# symbol version each ELF file needs (as auditwheel reads it) must not be
# above FLOOR. Looks inside the wheel, the npm tarballs and the C SDK.
# Usage: scripts/check-glibc.sh FLOOR DIST
set -euo pipefail
shopt -s nullglob
floor=$1 dist=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/opskit-glibc-XXXXXX)
trap 'rm -rf "$work"' EXIT
for w in "$dist"/*.whl; do mkdir -p "$work/wheel" && python3 -m zipfile -e "$w" "$work/wheel"; done
for t in "$dist"/*.tgz "$dist"/*.tar.gz; do mkdir -p "$work/tar" && tar -C "$work/tar" -xzf "$t"; done
checked=0 failed=0
while IFS= read -r f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  need=$(objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)
  need=${need:-none}
  checked=$((checked + 1))
  if [ "$need" != none ] && [ "$(printf '%s\n%s\n' "$floor" "$need" | sort -V | tail -1)" != "$floor" ]; then
    echo "FAIL ${f#"$work"/}: needs glibc $need, above the floor $floor" >&2
    failed=$((failed + 1))
  else
    echo "ok   ${f#"$work"/}: highest GLIBC_ symbol $need (floor $floor)"
  fi
done < <(find "$work" -type f \( -name '*.so*' -o -name '*.node' -o -path '*/bin/*' \))
[ "$checked" -gt 0 ] || { echo "FAIL no ELF file found in $dist" >&2; exit 1; }
echo "glibc floor: $((checked - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Interop of opskit's backup exports with the tools third parties use:
# bagit.py (the Library of Congress's validator, from PyPI), sha256sum
# (coreutils) and b3sum (crates.io). Each direction is checked, and so is
# each tool's rejection of a tampered copy.
#
#   tests/interop/backup_interop.sh OPSKIT BAGIT_PY B3SUM
set -euo pipefail
OPSKIT=$1 BAGIT=$2 B3SUM=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

mkdir -p tree/db tree/keys "tree/with space"
printf 'spaces\n' > "tree/with space/a b.txt"
printf 'insert into orders values (1);\n' > tree/db/orders.sql
head -c 300000 /dev/urandom > tree/db/dump.bin
printf 'ssh-ed25519 AAAA test\n' > tree/keys/id.pub
: > tree/empty

# 1. A bag opskit writes passes bagit.py --validate.
"$OPSKIT" backup bag tree --to bag-opskit --info Source-Organization=Ops >/dev/null
"$BAGIT" --validate bag-opskit 2>/dev/null || fail "bagit.py rejects opskit's bag"
ok "bagit.py validates a bag opskit wrote"
printf 'x' >> bag-opskit/data/db/orders.sql
if "$BAGIT" --validate bag-opskit 2>/dev/null; then fail "bagit.py accepted a tampered bag"; fi
if "$OPSKIT" backup validate-bag bag-opskit >/dev/null; then fail "opskit accepted a tampered bag"; fi
ok "both reject it after one byte is added"

# A `%` in a name: bagit.py 1.9.0 never decodes RFC 8493's %25, so opskit
# writes a bare % (names holding a literal %25, %0A or %0D are refused when
# the bag is made) and both read the bag back.
mkdir -p pct/files && printf '100%% done\n' > pct/files/100%.txt
"$OPSKIT" backup bag pct --to bag-pct >/dev/null
grep -q ' data/files/100%.txt$' bag-pct/manifest-sha256.txt || fail "opskit encoded a bare %"
"$OPSKIT" backup validate-bag bag-pct >/dev/null || fail "opskit rejects its own bag with %"
"$BAGIT" --validate bag-pct 2>/dev/null || fail "bagit.py rejects opskit's bag with %"
ok "a name with % reads back the same in opskit and bagit.py"

# 2. A bag bagit.py writes validates in opskit.
cp -r tree bag-py
"$BAGIT" --quiet bag-py
"$OPSKIT" backup validate-bag bag-py >/dev/null || fail "opskit rejects bagit.py's bag"
ok "opskit validates a bag bagit.py wrote"
printf 'y' > bag-py/data/extra
if "$OPSKIT" backup validate-bag bag-py >/dev/null; then fail "opskit accepted an extra payload file"; fi
if "$BAGIT" --validate bag-py 2>/dev/null; then fail "bagit.py accepted an extra payload file"; fi
ok "both reject an unlisted payload file"

# 3. sha256sum -c and b3sum -c accept the exported lines, and catch a change.
"$OPSKIT" backup manifest tree -o m.json --sha256 >/dev/null
"$OPSKIT" backup checksums m.json --format sha256sum > SHA256SUMS
"$OPSKIT" backup checksums m.json --format b3sum > B3SUMS
(cd tree && sha256sum --quiet -c ../SHA256SUMS) || fail "sha256sum -c rejects opskit's lines"
(cd tree && "$B3SUM" --quiet -c ../B3SUMS) || fail "b3sum -c rejects opskit's lines"
ok "sha256sum -c and b3sum -c accept the exported lines"
printf 'z' >> tree/keys/id.pub
if (cd tree && sha256sum --quiet -c ../SHA256SUMS >/dev/null 2>&1); then fail "sha256sum missed a change"; fi
if (cd tree && "$B3SUM" --quiet -c ../B3SUMS >/dev/null 2>&1); then fail "b3sum missed a change"; fi
if "$OPSKIT" backup verify m.json tree >/dev/null; then fail "opskit verify missed a change"; fi
ok "all three catch a changed file"
echo "PASS backup interop"

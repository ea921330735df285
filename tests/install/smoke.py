"""One call of each family from an installed wheel (a fresh venv, run from a
scratch folder). Usage: python smoke.py VERSION"""

import json
import pathlib
import sys
import tempfile

import opskit
from opskit import backup, docs, health, version

want = sys.argv[1]
assert opskit.__version__ == want, (opskit.__version__, want)
assert "site-packages" in opskit.__file__, opskit.__file__

assert version.bump("1.2.3", "minor") == "1.3.0"
s = health.Collector().snapshot()
assert s["memory"]["total_bytes"] > 0
text = health.exposition(s, health.Evaluator().evaluate(s))
assert "opskit_memory" in text or "node_memory" in text, text[:200]
with tempfile.TemporaryDirectory() as d:
    pathlib.Path(d, "README.md").write_text("# KB\n\n[gone](gone.md)\n")
    m = backup.build_manifest(d)
    assert backup.verify_tree(d, m)["exact"]
    a = docs.audit(d, required_metadata=[])
    assert [f["rule"] for f in a["findings"]] == ["broken-link"], json.dumps(a)
try:
    version.bump("x", "minor")
    raise SystemExit("FAIL no error")
except opskit.InvalidInputError:
    pass
print(f"PASS smoke.py against opskit {opskit.__version__}")

"""Print the next version and the unreleased changelog of a repository.

    python examples/python/next_version.py [PATH]
"""

import sys

from opskit import version

path = sys.argv[1] if len(sys.argv) > 1 else "."
n = version.next_version(path)
print(f"current: {n['current_tag'] or 'none'}")
print(f"next:    {n['next_tag'] or 'none (no commit calls for a release)'}"
      + (f" ({n['bump']})" if n["bump"] else ""))
print(f"ignored: {len(n['ignored'])} commit(s)")
print()
print(version.changelog_markdown(path), end="")

"""Headings as GitHub renders them: opskit's scan beside cmark-gfm (Debian's
cmark-gfm, GitHub's own renderer) on the fence and byte-order-mark shapes
real pages hold. A heading opskit misses is a false broken anchor."""

import html
import re
import shutil
import subprocess

import pytest

from opskit import docs

CMARK_GFM = shutil.which("cmark-gfm")

PAGES = {
    "closing fence, then a tab": "```\ncode\n```\t\n\n## After\n",
    "closing fence, spaces and tabs": "~~~sh\ncode\n~~~  \t \n## After\n",
    "fence in a list item": "- item\n\n  ~~~\n  x\n  ~~~\t\n\n## After the list\n",
    "fence in a quote": "> ```\n> x\n> ```\t\n\n## After the quote\n",
    "indented closing fence": "   ```\nx\n   ```\t\n# H\n",
    "opening fence with a tab": "```\t\nx\n```\n# After\n",
    "a shorter fence with a tab is content": "````\n```\t\n# not a heading\n````\n## After\n",
    "a tab after text is not a fence": "```\nx\n``` a\t\n# still code\n```\n## After\n",
    "byte-order mark, then a heading": "\ufeff# Title\n\ntext\n\n## Next\n",
    "CRLF and a tab": "```\r\ncode\r\n```\t\r\n\r\n## After\r\n",
}


def cmark_headings(text):
    out = subprocess.run([CMARK_GFM], input=text.encode(), capture_output=True, check=True).stdout.decode()
    return [(int(level), html.unescape(re.sub(r"<[^>]+>", "", body)))
            for level, body in re.findall(r"<h([1-6])>(.*?)</h\1>", out, re.S)]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_headings_match_cmark_gfm(name):
    assert CMARK_GFM, "cmark-gfm is not installed (apt-get install cmark-gfm; make python-test does)"
    text = PAGES[name]
    ours = [(h["level"], h["text"]) for h in docs.scan_markdown("page.md", text)["headings"]]
    assert ours == cmark_headings(text), name

"""book/_ext/site_fixes.py: repeated inline scripts in a page's head are dropped."""

from __future__ import annotations

import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "book" / "_ext"))
from site_fixes import drop_repeated_inline_scripts  # noqa: E402

PAGE = """<html><head>
    <script>const A = 1;</script>
    <script src="x.js"></script>
    <script>const A = 1;</script>
    <script src="x.js"></script>
    <script>const B = 2;</script>
</head><body><script>const A = 1;</script></body></html>"""


def test_only_repeated_inline_scripts_of_the_head_go():
    fixed = drop_repeated_inline_scripts(PAGE)
    head, body = fixed.split("</head>")
    assert head.count("const A = 1;") == 1 and head.count("const B = 2;") == 1
    assert head.count('src="x.js"') == 2  # external scripts are left alone
    assert "const A = 1;" in body  # the body is not touched
    assert drop_repeated_inline_scripts(fixed) == fixed


def test_the_built_site_has_no_repeated_inline_script():
    for page in (REPO / "_build" / "html").rglob("*.html"):
        text = page.read_text()
        assert drop_repeated_inline_scripts(text) == text, page

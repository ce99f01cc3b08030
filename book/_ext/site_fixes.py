"""Small fixes to the built pages, loaded by _config.yml (``sphinx.local_extensions``).

- sphinx-thebe (which Jupyter Book always loads) writes its configuration script
  twice into every page, and the second ``const THEBE_JS_URL`` is a JavaScript
  error; sphinx-togglebutton repeats its selector the same way.  After the build,
  an inline script that repeats an earlier one of the same page's head is removed.
  (The scripts are added by other extensions' page hooks after any hook of ours
  could see them, so the written files are fixed.)
"""

from __future__ import annotations

import re
from pathlib import Path

_INLINE_SCRIPT = re.compile(r"^\s*<script>.*</script>\s*$")


def drop_repeated_inline_scripts(text: str) -> str:
    """``text`` without the head's inline ``<script>`` lines that repeat an earlier one."""
    head_end = text.find("</head>")
    if head_end < 0:
        return text
    seen, kept = set(), []
    for line in text[:head_end].splitlines(keepends=True):
        if _INLINE_SCRIPT.match(line):
            if line.strip() in seen:
                continue
            seen.add(line.strip())
        kept.append(line)
    return "".join(kept) + text[head_end:]


def _fix_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = drop_repeated_inline_scripts(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _fix_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

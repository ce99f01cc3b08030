"""Feedback pages that typeset their formulas offline.

nbgrader renders feedback with nbconvert's classic template, whose ``mathjax()`` macro
loads MathJax 2 from a CDN: without internet every formula of a feedback page shows as
raw TeX (``$\\mathbf{x}$``).  :func:`inline_mathjax` replaces that script with MathJax 3
itself, inlined into the page: the single-file ``tex-svg-full.js`` component (every TeX
extension, SVG output with its own glyphs, so nothing is fetched) from the pinned
``sphinx-mathjax-offline`` package -- the MathJax the book serves.  A page is then
complete on its own, wherever nbgrader's exchange or an LMS delivers it.
"""

from __future__ import annotations

import importlib.metadata
import re
from functools import cache

__all__ = ["MATHJAX_COMPONENT", "inline_mathjax", "mathjax_source"]

MATHJAX_COMPONENT = "tex-svg-full.js"
# nbconvert's mathjax macro: the CDN script and MathJax 2's configuration block after it.
_CDN_SCRIPT = re.compile(r'<script[^>]*\bsrc="[^"]*mathjax[^"]*"[^>]*>\s*</script>', re.I)
_MJ2_CONFIG = re.compile(r'<script type="text/x-mathjax-config">.*?</script>', re.S)
# MathJax 3 reads the notebook's delimiters: $...$ and $$...$$ as well as \( \) and \[ \].
CONFIG = """<script>
window.MathJax = {
  tex: {
    inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]],
    displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
    processEscapes: true,
    processEnvironments: true,
    tags: "ams"
  },
  svg: {fontCache: "global"},
  options: {enableMenu: false}
};
</script>"""


@cache
def mathjax_source() -> str:
    """The text of MathJax's ``tex-svg-full.js`` shipped by sphinx-mathjax-offline."""
    try:
        dist = importlib.metadata.distribution("sphinx-mathjax-offline")
    except importlib.metadata.PackageNotFoundError:
        raise ModuleNotFoundError(
            "feedback pages inline MathJax from the package sphinx-mathjax-offline, which is "
            "missing: install the instructor's tools with `pip install 'gradlib[course]'`"
        ) from None
    component = dist.locate_file(f"sphinx-mathjax-offline/static/mathjax/{MATHJAX_COMPONENT}")
    if not component.is_file():
        raise FileNotFoundError(f"sphinx-mathjax-offline has no {component}")
    return component.read_text(encoding="utf-8")


def inline_mathjax(page: str) -> str:
    """``page`` (a feedback page's HTML) with MathJax inlined instead of loaded from a CDN.

    Raises ValueError if the page loads no MathJax script (nbconvert's template changed:
    the page would show raw TeX, or fetch it from elsewhere).
    """
    if MATHJAX_COMPONENT in page and "window.MathJax" in page:
        return page  # already inlined
    if not _CDN_SCRIPT.search(page):
        raise ValueError("the feedback page loads no MathJax script that could be inlined")
    page = _MJ2_CONFIG.sub("", _CDN_SCRIPT.sub("", page))
    script = mathjax_source().replace("</script", "<\\/script")
    block = f"{CONFIG}\n<script>/* MathJax {MATHJAX_COMPONENT} */\n{script}\n</script>\n"
    head_end = page.find("</head>")
    if head_end < 0:
        raise ValueError("the feedback page has no </head>")
    return page[:head_end] + block + page[head_end:]

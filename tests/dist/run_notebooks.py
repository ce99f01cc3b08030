"""Run notebooks in this Python's own kernel and report each one's fate as JSON.

``python run_notebooks.py REPORT.json NOTEBOOK...`` -- run by the fresh virtual environment's
Python (tests/dist/test_fresh_install.py), with nbclient from that environment: each
notebook runs in its own folder, and a last cell records where ``gradlib`` came from.
Nothing from the course's repository is imported here.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

import nbclient
import nbformat

WHERE = "import gradlib, sys\nprint('GRADLIB-FROM', gradlib.__file__, sys.prefix)"


def run(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(WHERE))
    start = time.monotonic()
    try:
        nbclient.NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": path.parent}}
        ).execute()
    except Exception as err:  # noqa: BLE001 -- every failure is reported, with its cell
        return {"ok": False, "seconds": time.monotonic() - start, "error": _describe(err)}
    where = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    return {"ok": True, "seconds": time.monotonic() - start, "where": where.strip()}


def _describe(err: Exception) -> str:
    text = "".join(traceback.format_exception_only(type(err), err))
    return text[-3000:]


def main(report: str, *notebooks: str) -> int:
    results = {name: run(Path(name)) for name in notebooks}
    Path(report).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

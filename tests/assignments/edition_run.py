"""Run a source notebook's cells the way a graded kernel runs them, against an edition.

``python edition_run.py <edition folder> <notebook.json>`` puts the edition's
``gradlib`` first on ``sys.path`` (as the sandbox mounts it over the package), runs
every code cell in one namespace -- test cells as the kernel gets them
(:func:`gradlib_course.kernel_cells.kernel_cell`), with hidden tests recording -- and
prints, as JSON, each executed cell with its outputs (the recorded results and any
error).  Judging them is the caller's business, with the full library.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings

edition, notebook = sys.argv[1], sys.argv[2]
sys.path.insert(0, edition)

import numpy as np  # noqa: E402
from gradlib_course.kernel_cells import kernel_cell  # noqa: E402
from gradlib_course.recording import wire  # noqa: E402
from gradlib_course.recording.recorder import recording  # noqa: E402
from IPython.core.inputtransformer2 import TransformerManager  # noqa: E402

import gradlib  # noqa: E402

assert gradlib.__file__.startswith(edition), gradlib.__file__
cells = json.loads(open(notebook).read())["cells"]
namespace: dict = {"__name__": "__main__"}
executed = []
transform = TransformerManager().transform_cell
for cell in cells:
    if cell["cell_type"] != "code":
        continue
    meta = cell.get("metadata", {}).get("nbgrader", {})
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    if meta.get("grade"):
        source = kernel_cell(source)
    outputs: list[dict] = []

    def emit(payload, outputs=outputs):
        data = {wire.MIME: json.loads(json.dumps(payload))}
        outputs.append({"output_type": "display_data", "data": data, "metadata": {}})

    sink = io.StringIO()
    try:
        with (
            recording(emit),
            contextlib.redirect_stdout(sink),
            warnings.catch_warnings(),
            np.errstate(all="ignore"),
        ):
            warnings.simplefilter("ignore")
            exec(compile(transform(source), f"<{meta.get('grade_id')}>", "exec"), namespace)
    except BaseException as exc:  # noqa: BLE001 - reported, as a kernel shows it
        outputs.append(
            {"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc)[:2000],
             "traceback": []}
        )  # fmt: skip
    executed.append({**cell, "outputs": outputs})
print(json.dumps(executed))

"""``nbgrader generate_feedback`` for a whole class, with a progress bar that follows its log.

nbgrader logs ``Converting notebook ...`` (at level INFO) for every notebook it
renders; the bar counts those lines.  If that line ever changes, only the bar stops
moving (the contract test, :mod:`.contract`, says so first).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tqdm.auto import tqdm

__all__ = ["CONVERTING", "run_generate_feedback"]

CONVERTING = "Converting notebook"


def run_generate_feedback(
    command: list[str], cwd: Path, env: dict, notebooks: int, desc: str, progress: bool
) -> None:
    """Run ``command`` (an ``nbgrader generate_feedback`` with ``--log-level=INFO``).

    Raises ``RuntimeError`` with the end of nbgrader's log if it fails.
    """
    with tqdm(total=notebooks, desc=desc, disable=not progress) as bar:
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        log = []
        for line in proc.stdout:
            log.append(line)
            if CONVERTING in line:
                bar.update()
        proc.wait()
    if proc.returncode != 0:
        raise RuntimeError("nbgrader generate_feedback failed:\n" + "".join(log)[-4000:])

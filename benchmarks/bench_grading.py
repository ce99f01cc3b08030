"""How much faster does ``gradlib-course autograde`` grade a class than plain nbgrader?

A course with assignment 01 and a class of 40 submissions (mostly correct, some
blank, some with one part wrong) is made twice; one copy is graded by plain
``nbgrader autograde`` (serial: one kernel at a time), the other by
``gradlib-course autograde --workers 2`` (a local Dask cluster, each submission in
its own sandboxed kernel, importing the assignment's edition of gradlib).  Both
wall-clock times include everything the command
does (start-up, the Dask cluster, recording the grades).  The per-part scores
of the two gradebooks must be identical.  Target: speed-up >= 1.7 with 2 workers.
Also reported: the share of each submission's grading time spent in the verdict
step (the hidden tests judged in the grading process, :mod:`gradlib_course.judge`;
target <= 10%), and the cost of the assignment's edition of gradlib (made once per
run by the coordinator, compiled once per worker; :mod:`gradlib_course.edition`).

Each repetition runs the pair one after the other on fresh copies, so both see
the same machine; the median of the per-pair speed-ups is reported.

Run:  python benchmarks/bench_grading.py [--students 40] [--workers 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gradlib_course.demo import make_course, release_notebook, set_cell, source_notebook
from gradlib_course.tools import tool_env
from nbgrader.api import Gradebook

ASSIGNMENT = "01-chain-rule"
BIN = Path(sys.executable).parent


def _class(root: Path, n: int) -> None:
    name, src = source_notebook(root, ASSIGNMENT)
    wrong = set_cell(
        src,
        "forward",
        "def neuron_forward(x, w, y):\n    z = float(np.dot(w, x))\n"
        "    return z, max(z, 0.0), (y - max(z, 0.0)) ** 2\n",
    )
    kinds = [src, src, src, wrong, src, release_notebook(root, ASSIGNMENT)]
    for i in range(n):
        folder = root / "submitted" / f"student{i:03d}" / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_text(json.dumps(kinds[i % len(kinds)]))


def _run(args: list[str], cwd: Path) -> float:
    env = tool_env()
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds


def _scores(root: Path) -> dict:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {
            (s.student.id, g.name): g.score
            for s in gb.find_assignment(ASSIGNMENT).submissions
            for nb in s.notebooks
            for g in nb.grades
        }


def _pair(args, tmp: Path, rep: int) -> tuple[float, float, bool, str]:
    """One serial run and one parallel run of two identical copies of the class."""
    serial = make_course(tmp / f"serial{rep}", [ASSIGNMENT])
    _class(serial, args.students)
    parallel = tmp / f"parallel{rep}"
    shutil.copytree(serial, parallel)
    t_serial = _run(["nbgrader", "autograde", ASSIGNMENT, "--create", "--force"], serial)
    t_parallel = _run(
        [sys.executable, "-m", "gradlib_course", "-q", "autograde", ASSIGNMENT]
        + ["--workers", str(args.workers)]
        + (["--unsafe-no-sandbox"] if args.unsafe_no_sandbox else []),
        parallel,
    )
    same = _scores(serial) == _scores(parallel)
    folder = parallel / "grading" / ASSIGNMENT
    records = [json.loads(p.read_text()) for p in folder.glob("*.json")]
    limit = records[0].get("process_limit")
    protection = records[0]["protection"] + (f", {limit} processes" if limit else "")
    # the verdict step: judging the recorded results in the grading process, per submission
    judging = sum(j["seconds"] for r in records for j in r.get("judged", []))
    grading = sum(r["seconds"] for r in records)
    return t_serial, t_parallel, same, protection, judging / grading


def _edition_cost(tmp: Path) -> tuple[float, float, float]:
    """Seconds to plan and write the edition, to compile it (cold, then cached), once each."""
    from gradlib_course.edition import make_edition, materialize
    from gradlib_course.judge import program_from_notebook

    folder = Path(__file__).resolve().parents[1] / "solutions" / ASSIGNMENT
    source = next(folder.glob("*.ipynb"))
    program = {source.stem: program_from_notebook(json.loads(source.read_text())["cells"])}
    start = time.perf_counter()
    edition = make_edition(ASSIGNMENT, program)
    made = time.perf_counter()
    materialize(edition, tmp)
    cold = time.perf_counter()
    materialize(edition, tmp)
    return made - start, cold - made, time.perf_counter() - cold


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--unsafe-no-sandbox", action="store_true", help="grade without bubblewrap (measuring only)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="serial/parallel pairs, run one after the other"
    )
    args = parser.parse_args()
    print(
        f"{args.students} submissions of {ASSIGNMENT}; {os.cpu_count()} cores; "
        f"load average before: {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'run':<5}{'nbgrader autograde (s)':>24}{'gradlib-course (s)':>20}{'speed-up':>10}"
        f"{'verdict step':>14}"
    )
    ratios, shares, all_same = [], [], True
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        for rep in range(args.repeat):
            t_serial, t_parallel, same, protection, share = _pair(args, Path(tmp), rep)
            ratios.append(t_serial / t_parallel)
            shares.append(share)
            all_same &= same
            print(
                f"{rep + 1:<5}{t_serial:>24.1f}{t_parallel:>20.1f}{ratios[-1]:>9.2f}x{share:>13.1%}"
            )
    print(
        f"gradlib-course autograde --workers {args.workers} ({protection}) vs serial "
        f"nbgrader autograde: median speed-up {statistics.median(ratios):.2f}x "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f}; target >= 1.7); "
        f"identical scores: {all_same}"
    )
    print(
        f"verdict step (judging in the grading process): median {statistics.median(shares):.1%} "
        "of the time spent grading a submission (target <= 10%)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-edition-") as tmp:
        make, cold, cached = _edition_cost(Path(tmp))
    print(
        f"edition of gradlib for {ASSIGNMENT}: made in {make:.2f} s (once per run), compiled in "
        f"{cold:.2f} s (once per worker; {cached:.3f} s when cached)"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f} (other work on the machine skews both)")
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())

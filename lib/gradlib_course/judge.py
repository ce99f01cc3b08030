"""The verdict step: hidden tests judged where the graded code cannot reach.

``nbgrader autograde`` runs the hidden tests inside the student's kernel, after the
student's code has run there -- so that code can rewrite the verdict.  Under
``gradlib-course`` the kernel only *records* (:mod:`gradlib_course.recording`): each
hidden test runs the student's functions on its hidden inputs and sends what they
returned as a display output.  Then, in the grading process -- which never ran a
line of the submission -- this module

1. runs the notebook's trusted code again: the instructor's cells and the test
   cells as the gradebook holds them (not as the submission holds them), in the
   order of the source notebook; of the instructor's cells only what does not need
   the student's code (statements that name the student's functions are skipped),
   of a test cell's visible part only its imports and definitions, and its hidden
   part in full, with the ``@grader_only`` answer key that the kernel never saw;
2. lets every hidden test check the recorded results there (:func:`judging`: the
   cases are made again, and the test's ``check`` runs on the recorded results; its
   first failure is the part's verdict);
3. makes the cell say exactly that verdict to nbgrader: a failure is the cell's one
   error output; whatever the kernel raised or wrote to stderr stays as plain text,
   the recorded results are removed, and an ``execute_result`` (nbgrader's partial
   credit) becomes a plain display output -- so nothing the kernel did can give
   points, and nothing it did besides what the student's functions returned takes
   them away;
4. compares the kernel's integrity snapshots with its own
   (:mod:`gradlib_course.recording.probe`) and writes run-time flags for the report.

Before execution, :class:`gradlib_course.nbgrader_ext.steps.KernelProjection` hands the
kernel each test cell without its answer key, hidden tests first
(:func:`gradlib_course.kernel_cells.kernel_cell`).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import time
from pathlib import Path

import numpy as np
from nbformat.v4 import new_output

from gradlib.grading.guard import SWITCHED, ReferenceUsed
from gradlib.grading.hidden import HiddenTest, handing_to
from gradlib_course.kernel_cells import plan_test_cell
from gradlib_course.quiet import warnings_ignored
from gradlib_course.recording import probe, wire

__all__ = [
    "Judge",
    "JudgeCell",
    "judge_notebook",
    "judge_program",
    "judging",
    "program_from_notebook",
]

FLAG = "tampering"
_MISSING = "never reached the grader"  # (what judging says when no results came)


class JudgeCell:
    """The recorded results of one test cell, handed out to its hidden tests in order."""

    def __init__(self, blocks: list):
        self.blocks = list(blocks)
        self.used = 0
        self.snapshots: list = []  # the kernel's integrity snapshots, in order

    def next_block(self):
        if self.used >= len(self.blocks):
            self.used += 1
            return None
        block = self.blocks[self.used]
        self.used += 1
        return block

    def __call__(self, test: HiddenTest) -> None:
        """Judge one hidden test on the next recorded block: its first failure is raised."""
        block = self.next_block()
        if not isinstance(block, dict) or not isinstance(block.get("results"), list):
            raise AssertionError(
                f"the results of your code on the hidden tests {_MISSING} "
                "(the cell's output was suppressed, replaced or cut short)"
            )
        self.snapshots.append(block.get("probe"))
        results, error = block["results"], block.get("error")
        listed = test.each_case()
        if len(results) > len(listed):
            raise AssertionError("the grader received more results than there are hidden cases")
        for index, (what, args) in enumerate(listed):
            if index < len(results):
                try:
                    got = wire.decode(results[index])
                except wire.WireError as exc:
                    raise AssertionError(f"{what}: your result could not be read ({exc})") from None
                test.verify(what, got, args)
                continue
            if isinstance(error, dict) and error.get("case") == index:
                ename = str(error.get("ename", "Error"))[:100]
                evalue = str(error.get("evalue", ""))
                if ename == "ReferenceUsed":
                    raise ReferenceUsed(evalue[:1000])
                first = evalue.strip().splitlines()[0][:300] if evalue.strip() else ""
                raise AssertionError(
                    f"{what}: your code raised {ename}{': ' if first else ''}{first}"
                )
            raise AssertionError(f"{what}: no result of your code reached the grader")


def judging(cell: JudgeCell):
    """``with judging(JudgeCell(blocks)): ...``: hidden tests check the recorded results."""
    return handing_to(cell)


def judge_program(db_url: str, assignment: str, source_dir: Path | None = None) -> dict:
    """The trusted code of every notebook of ``assignment``, as the judge runs it.

    ``{notebook: [{"name", "kind", "source"}, ...]}`` in source-notebook order, where
    ``kind`` is ``"test"`` (an autograded code cell) or ``"instructor"`` (a locked code
    cell that is neither a test nor a solution); sources come from the gradebook.
    """
    from nbgrader.api import Gradebook

    program: dict[str, list[dict]] = {}
    with Gradebook(db_url) as gb:
        for nb in gb.find_assignment(assignment).notebooks:
            tests = {c.name for c in nb.grade_cells if c.cell_type == "code"}
            solutions = {c.name for c in nb.solution_cells}
            cells = []
            for cell in nb.source_cells:
                if cell.cell_type != "code":
                    continue
                if cell.name in tests:
                    kind = "test"
                elif cell.locked and cell.name not in solutions:
                    kind = "instructor"
                else:
                    continue
                cells.append({"name": cell.name, "kind": kind, "source": cell.source or ""})
            program[nb.name] = cells
    for name, cells in program.items():
        path = Path(source_dir or "") / f"{name}.ipynb"
        if source_dir is None or not path.exists():
            continue
        order = [
            c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            for c in json.loads(path.read_text()).get("cells", [])
        ]
        position = {gid: i for i, gid in enumerate(order) if gid}
        cells.sort(key=lambda c: position.get(c["name"], len(position)))
    return program


def program_from_notebook(cells: list[dict]) -> list[dict]:
    """The trusted program of a *source* notebook's cells, read from their nbgrader metadata.

    For tools and tests that judge without a gradebook; grading itself reads the
    gradebook (:func:`judge_program`).
    """
    program = []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade_id"):
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if meta.get("grade"):
            program.append({"name": meta["grade_id"], "kind": "test", "source": source})
        elif meta.get("locked") and not meta.get("solution"):
            program.append({"name": meta["grade_id"], "kind": "instructor", "source": source})
    return program


def _statements(source: str) -> list[ast.stmt]:
    return ast.parse(source).body


def _run(nodes: list[ast.stmt], namespace: dict, what: str) -> None:
    module = ast.Module(body=nodes, type_ignores=[])
    exec(compile(module, f"<{what}>", "exec"), namespace)  # noqa: S102 - the instructor's code


class Judge:
    """Judges one notebook: its trusted cells in order, test cells against recorded results."""

    def __init__(self, notebook: str = "", library: dict | None = None):
        self.notebook = notebook
        self.library = library  # the fingerprints of the kernel's edition of gradlib
        self.namespace: dict = {"__name__": "__main__"}
        self.problems: list[str] = []  # the grader's own trouble (never the student's)
        self.flags: list[dict] = []
        self._compare = probe.Comparison()
        self._seen_details: set[str] = set()

    def _flag(self, cell: str, detail: str) -> None:
        if detail not in self._seen_details:
            self._seen_details.add(detail)
            self.flags.append(
                {"kind": FLAG, "notebook": self.notebook, "cell": cell, "detail": detail}
            )

    @contextlib.contextmanager
    def _quietly(self):
        sink = io.StringIO()
        with (
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
            warnings_ignored(),
            np.errstate(all="ignore"),
        ):
            yield

    def instructor_cell(self, name: str, source: str) -> None:
        """Run what the instructor's cell does without the student's code."""
        try:
            nodes = _statements(source)
        except SyntaxError as exc:
            self.problems.append(f"cell {name} of {self.notebook} is not Python: {exc}")
            return
        with self._quietly():
            for node in nodes:
                try:
                    _run([node], self.namespace, name)
                except NameError:
                    continue  # it needs the student's code, which the grader never runs
                except Exception as exc:  # noqa: BLE001 - reported to the instructor
                    self.problems.append(f"the grader could not run cell {name}: {exc!r:.200}")

    def plan_cell(self, name: str, source: str) -> None:
        """Run a test cell's definitions and hidden tests without judging anything.

        For planning (:func:`gradlib_course.edition.plan`), whose caller has handed the
        hidden tests to a collector: each then only hands over its ``forbidden`` list.
        """
        try:
            definitions, hidden, _ = plan_test_cell(source)
        except ValueError as exc:
            self.problems.append(f"test cell {name}: {exc}")
            return
        with self._quietly():
            try:
                _run(_statements(definitions), self.namespace, name)
                _run(_statements(hidden), self.namespace, name)
            except Exception as exc:  # noqa: BLE001 - reported to the instructor
                self.problems.append(f"the grader could not read test cell {name}: {exc!r:.300}")

    def test_cell(self, name: str, source: str, blocks: list, kernel_error: str | None):
        """Judge one test cell on its recorded ``blocks``: the failure message, or None.

        ``kernel_error`` is the first error the cell showed in the kernel; it becomes
        the verdict only when no results arrived because of it (the kernel died).
        """
        cell = JudgeCell(blocks)
        verdict = None
        with self._quietly(), judging(cell):
            try:
                definitions, hidden, _ = plan_test_cell(source)
            except ValueError as exc:
                self.problems.append(f"test cell {name}: {exc}")
                return "GradingError: the hidden tests of this part could not be read"
            try:
                _run(_statements(definitions), self.namespace, name)
                _run(_statements(hidden), self.namespace, name)
            except AssertionError as exc:
                verdict = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - the part fails; the instructor is told
                self.problems.append(f"the grader failed in test cell {name}: {exc!r:.300}")
                verdict = f"GradingError: the grader could not check this part ({exc!r:.200})"
        self._check_integrity(name, cell)
        for block in blocks:
            error = block.get("error") if isinstance(block, dict) else None
            if isinstance(error, dict) and SWITCHED in str(error.get("evalue", "")):
                self._flag(name, "the graded code switched the delegation guard's profiler")
        if cell.used < len(cell.blocks):
            self._flag(name, "the cell sent more hidden-test results than it has hidden tests")
            verdict = verdict or "AssertionError: the cell sent results of tests it does not run"
        if verdict and _MISSING in verdict:
            if kernel_error:
                return kernel_error  # e.g. the kernel died in this cell: say that
            self._flag(name, "a test cell ran to its end but its results never reached the grader")
        return verdict

    def _check_integrity(self, name: str, cell: JudgeCell) -> None:
        for snapshot in cell.snapshots:
            modules = snapshot.get("modules", {}) if isinstance(snapshot, dict) else {}
            mine = probe.grader_snapshot(self.namespace, list(modules)[:200], self.library)
            for detail in self._compare(snapshot, mine):
                self._flag(name, detail)


def _is_results(output) -> bool:
    return isinstance(output.get("data"), dict) and wire.MIME in output["data"]


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _error(message: str):
    ename, _, evalue = message.partition(": ")
    return new_output("error", ename=ename, evalue=evalue, traceback=[message])


def _scored_outputs(outputs: list, verdict: str | None) -> list:
    """A test cell's outputs that nbgrader scores exactly as the ``verdict`` says.

    nbgrader gives a code cell no points if any output is an error or stderr text, and
    partial credit from an ``execute_result`` number.  Here only the verdict decides:
    what the kernel printed or raised stays readable as plain text, the recorded
    results go, and a failed verdict is the cell's one error output.
    """
    kept = []
    for output in outputs:
        kind = output.get("output_type")
        if _is_results(output):
            continue
        if kind == "execute_result":
            output = new_output("display_data", data=output.get("data", {}), metadata={})
        elif kind == "error":
            text = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
            output = new_output("stream", name="stdout", text=f"In the notebook's run: {text}\n")
        elif kind == "stream" and output.get("name") == "stderr":
            output = new_output("stream", name="stdout", text=output.get("text", ""))
        kept.append(output)
    if verdict:
        kept.append(_error(verdict))
    return kept


def judge_notebook(nb, program: list[dict], notebook: str = "", library: dict | None = None):
    """Judge the executed ``nb`` in place with its trusted ``program``; return the report.

    ``library``: the fingerprints of the kernel's edition of ``gradlib``
    (:func:`gradlib_course.edition.tables_of`), if it had one.
    """
    start = time.perf_counter()
    judge = Judge(notebook, library)
    executed = {}
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid and gid not in executed:
            executed[gid] = cell
    tests = {c["name"] for c in program if c["kind"] == "test"}
    verdicts = {}
    for entry in program:
        if entry["kind"] == "instructor":
            judge.instructor_cell(entry["name"], entry["source"])
            continue
        cell = executed.get(entry["name"])
        outputs = cell.get("outputs", []) if cell is not None else []
        blocks = [o["data"][wire.MIME] for o in outputs if _is_results(o)]
        errors = [o for o in outputs if o.get("output_type") == "error"]
        kernel_error = (
            f"{errors[0].get('ename', 'Error')}: {errors[0].get('evalue', '')}"
            if errors
            else ("GradingError: the cell is missing from the notebook" if cell is None else None)
        )
        verdict = judge.test_cell(entry["name"], entry["source"], blocks, kernel_error)
        verdicts[entry["name"]] = verdict
        if cell is not None:
            cell.outputs = _scored_outputs(outputs, verdict)
            cell.source = entry["source"]  # the whole test cell, as the gradebook holds it
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and _grade_id(cell) not in tests:
            found = [o for o in cell.get("outputs", []) if _is_results(o)]
            if found:
                judge._flag(
                    _grade_id(cell) or "(added cell)",
                    "a cell that is not a test cell sent hidden-test results",
                )
                cell.outputs = [o for o in cell.outputs if not _is_results(o)]
    return {
        "notebook": notebook,
        "verdicts": verdicts,
        "flags": judge.flags,
        "problems": judge.problems,
        "seconds": time.perf_counter() - start,
    }

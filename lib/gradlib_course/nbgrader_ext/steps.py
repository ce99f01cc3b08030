"""nbgrader's autograde pipeline as a worker runs it, and the verdict step's two places in it.

A worker grades one submission with ``nbgrader autograde`` in a scratch course whose
``nbgrader_config.py`` is :func:`autograde_config`: nbgrader's default sanitize and
autograde preprocessors, with ``DeduplicateIds`` repaired, cell metadata restored
(:mod:`.sanitize`), ``Execute`` made resilient (:mod:`.execute`) and surrounded by
:class:`KernelProjection` (the kernel gets test cells without their answer key) and
:class:`JudgeNotebook` (the verdict, :mod:`gradlib_course.judge`), and the scoring
steps left to the coordinator (:mod:`.scores`).
"""

from __future__ import annotations

import json
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from gradlib_course.edition import tables_of
from gradlib_course.judge import judge_notebook
from gradlib_course.kernel_cells import kernel_cell

__all__ = ["JudgeNotebook", "KernelProjection", "autograde_config"]


def autograde_config(root: Path, limits, program: Path, report: Path, edition=None) -> str:
    """The ``nbgrader_config.py`` of a worker's scratch course: nbgrader's pipeline, changed.

    ``limits`` is a :class:`gradlib_course.worker.Limits`; ``program`` the judge's trusted
    code, ``report`` where the verdict step writes; ``edition`` the package folder of the
    kernel's edition of gradlib (its fingerprints are the verdict step's to compare).
    """
    return "\n".join(
        [
            "from nbgrader.converters import Autograde",
            "from nbgrader.preprocessors import Execute",
            "from nbgrader.preprocessors import DeduplicateIds, OverwriteCells",
            "from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades",
            "from gradlib_course.nbgrader_ext.execute import ResilientExecute",
            "from gradlib_course.nbgrader_ext.sanitize import RepairedDeduplicateIds",
            "from gradlib_course.nbgrader_ext.sanitize import RestoredCellMetadata",
            "from gradlib_course.nbgrader_ext.steps import JudgeNotebook, KernelProjection",
            "c = get_config()  # noqa",
            f"c.CourseDirectory.root = {str(root)!r}",
            f"c.CourseDirectory.db_url = 'sqlite:///{root / 'gradebook.db'}'",
            # the kernel gets the test cells without their answer key and records; the
            # verdict is reached after execution, in this process (gradlib_course.judge).
            # Scores and late penalties are saved by the coordinator, in the real gradebook.
            "c.Autograde.autograde_preprocessors = [",
            "    q",
            "    for p in Autograde.autograde_preprocessors.default()",
            "    if p not in (SaveAutoGrades, AssignLatePenalties)",
            "    for q in (",
            "        [KernelProjection, ResilientExecute, JudgeNotebook] if p is Execute else [p]",
            "    )",
            "]",
            f"c.KernelProjection.program_file = {str(program)!r}",
            f"c.JudgeNotebook.program_file = {str(program)!r}",
            f"c.JudgeNotebook.report_file = {str(report)!r}",
            f"c.JudgeNotebook.edition = {str(edition or '')!r}",
            "c.Autograde.sanitize_preprocessors = [",
            "    q",
            "    for p in Autograde.sanitize_preprocessors.default()",
            "    for q in (",
            "        [RepairedDeduplicateIds] if p is DeduplicateIds else",
            "        [RestoredCellMetadata, p] if p is OverwriteCells else [p]",
            "    )",
            "]",
            f"c.ResilientExecute.timeout = {limits.cell_timeout}",
            "c.ResilientExecute.interrupt_on_timeout = True",
            # a busy machine must not fail a notebook: slow kernel starts, late outputs
            "c.ResilientExecute.startup_timeout = 300",
            "c.ResilientExecute.iopub_timeout = 60",
            "",
        ]
    )


class _ProgramReader(NbGraderPreprocessor):
    program_file = Unicode("", help="JSON file of the assignment's trusted cells").tag(config=True)

    def _program(self, resources) -> list[dict] | None:
        if not self.program_file:
            return None
        programs = json.loads(Path(self.program_file).read_text())
        name = resources["nbgrader"]["notebook"]
        if name not in programs:  # never judge without the trusted code: fail the notebook
            raise RuntimeError(f"the grader has no trusted code for notebook {name!r}")
        return programs[name]


class KernelProjection(_ProgramReader):
    """Send the kernel each test cell without its ``@grader_only`` answer key."""

    def preprocess(self, nb, resources):
        program = self._program(resources)
        if program is None:
            return nb, resources
        tests = {c["name"]: c["source"] for c in program if c["kind"] == "test"}
        for cell in nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.get("cell_type") == "code" and gid in tests:
                cell.source = kernel_cell(tests[gid])
        return nb, resources


class JudgeNotebook(_ProgramReader):
    """Judge the executed notebook (see the module docstring); append a report line."""

    report_file = Unicode("", help="where each notebook's report is appended").tag(config=True)
    edition = Unicode("", help="the package folder of the kernel's gradlib edition").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        program = self._program(resources)
        if program is None:
            return nb, resources
        name = resources["nbgrader"]["notebook"]
        library = tables_of(Path(self.edition)) if self.edition else None
        report = judge_notebook(nb, program, name, library)
        if self.report_file:
            with open(self.report_file, "a") as fh:
                fh.write(json.dumps(report) + "\n")
        return nb, resources

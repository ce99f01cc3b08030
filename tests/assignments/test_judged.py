"""Every assignment graded the way ``gradlib-course`` grades it, in-process and fast.

The student's cells and the test cells without their answer key run with hidden
tests recording; the verdict is then reached by :mod:`gradlib_course.judge` in a
namespace of its own (see ``mutation.run_notebook``).  Checked for every assignment:

* the hidden tests are all judged outside the kernel (every autograded code cell calls
  ``hidden_tests``; no answer key reaches the kernel);
* the source notebook earns every point, judged as in-kernel;
* each wrong solution loses exactly the points of its part, judged as in-kernel;
* each correct-but-different solution earns every point, judged and in-kernel.

The real pipeline (nbgrader, sandboxed kernels) grades the same submissions in
``tests/course/test_cheats.py`` and ``tests/assignments/test_pipeline.py``.
"""

from __future__ import annotations

import ast
import json

import pytest
from gradlib_course.judge import program_from_notebook
from gradlib_course.kernel_cells import kernel_source
from gradlib_course.markers import split_hidden
from gradlib_course.notebooks import graded_parts, list_assignments

from conftest import REPO
from mutation import run_notebook
from samples.variants import (
    Alternative,
    apply_alternative,
    load_alternatives,
    load_variants,
)

ASSIGNMENTS = list_assignments(REPO / "solutions")
VARIANTS = load_variants()
ALTERNATIVES = load_alternatives()
NOTEBOOKS = [nb for name in sorted(ASSIGNMENTS) for nb in ASSIGNMENTS[name]]


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _source(cell) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _autograded_code_cells(path):
    for cell in _cells(path):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and cell["cell_type"] == "code":
            yield meta["grade_id"], _source(cell)


def _calls(tree, name: str) -> int:
    return sum(
        isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == name
        for n in ast.walk(tree)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_test_cell_is_judged_outside_the_kernel(path):
    """A part whose verdict were reached in the kernel alone could be forged."""
    for grade_id, source in _autograded_code_cells(path):
        hidden = [text for is_hidden, text in split_hidden(source) if is_hidden]
        assert hidden, f"{grade_id} has no hidden tests"
        trees = [ast.parse(text) for text in hidden]
        assert sum(_calls(t, "hidden_tests") for t in trees) >= 1, (
            f"{grade_id}: its hidden tests do not go through hidden_tests()"
        )
        assert all(
            _calls(t, "check_close") + _calls(t, "check_sequence_close") == 0
            for t in (ast.parse(kernel_source(text)) for text in hidden)
        ), f"{grade_id}: a comparison outside a @grader_only function would run in the kernel"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_answer_key_reaches_the_kernel(path):
    for grade_id, source in _autograded_code_cells(path):
        projected = kernel_source(source)
        for node in ast.parse(source).body:
            decorators = (
                [getattr(d, "id", getattr(d, "attr", "")) for d in node.decorator_list]
                if hasattr(node, "decorator_list")
                else []
            )
            if "grader_only" not in decorators:
                continue
            body = ast.get_source_segment(source, node.body[0])
            assert body not in projected, f"{grade_id}: {node.name}'s body reaches the kernel"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_source_notebook_earns_every_point_when_judged(path):
    _, results = run_notebook(_cells(path), judged=True)
    parts = {p.grade_id for p in graded_parts(path) if p.grade_id in results}
    assert parts and all(results[g] for g in parts), results


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_each_wrong_solution_loses_exactly_its_part_when_judged(name):
    for path in ASSIGNMENTS[name]:
        source = json.loads(path.read_text())
        program = program_from_notebook(source["cells"])
        for variant in VARIANTS[name]:
            nb = apply_alternative(source, _one_cell(variant))
            _, results = run_notebook(nb["cells"], judged=True, program=program)
            lost = {gid for gid, ok in results.items() if not ok}
            assert lost == {variant.tests}, f"{variant.student} lost {sorted(lost)}"


def _one_cell(variant):
    return Alternative(variant.student, {variant.cell: variant.source}, "wrong")


def test_every_assignment_has_two_correct_alternatives():
    assert sorted(ALTERNATIVES) == sorted(ASSIGNMENTS)
    for name, alternatives in ALTERNATIVES.items():
        assert len(alternatives) >= 2, f"{name}: {len(alternatives)} correct alternatives"
        assert len({a.student for a in alternatives}) == len(alternatives), name


@pytest.mark.parametrize(
    "name, alternative",
    [(n, a) for n in sorted(ALTERNATIVES) for a in ALTERNATIVES[n]],
    ids=lambda v: v if isinstance(v, str) else v.student,
)
def test_correct_alternative_earns_every_point(name, alternative):
    for path in ASSIGNMENTS[name]:
        source = json.loads(path.read_text())
        program = program_from_notebook(source["cells"])
        nb = apply_alternative(source, alternative)
        for judged in (False, True):
            _, results = run_notebook(nb["cells"], judged=judged, program=program)
            lost = sorted(gid for gid, ok in results.items() if not ok)
            how = "judged" if judged else "in-kernel"
            assert not lost, f"{alternative.student} ({alternative.style}) lost {lost} {how}"

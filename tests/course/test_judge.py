"""The verdict step (gradlib_course.judge): what the cell tells nbgrader is the judge's verdict."""

from __future__ import annotations

import json

import nbformat
import pytest
from gradlib_course.demo import REPO, make_course
from gradlib_course.judge import judge_notebook, judge_program, program_from_notebook
from gradlib_course.recording import probe, wire
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

from gradlib.grading import check_close

TEST = """check_close("visible", double(1.0), 2.0)
### BEGIN HIDDEN TESTS
from gradlib.grading import grader_only, hidden_tests


def _cases():
    yield "x = 1", 1.0
    yield "x = -2", -2.0


def _run(x):
    return double(x)


@grader_only
def _check(what, got, x):
    check_close(f"double for {what}", got, 2 * x)


hidden_tests(_cases, _run, _check)
### END HIDDEN TESTS
"""


def _cell(source, grade_id, outputs=(), grade=False, locked=True, solution=False):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "solution": solution}
    if grade:
        meta["points"] = 2
    cell = new_code_cell(source, metadata={"nbgrader": meta})
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def _results(*values):
    probe.kernel_baseline()  # (as a new kernel: its first snapshot has every table)
    payload = {"version": 1, "run": "_run", "results": [wire.encode(v) for v in values]}
    payload["probe"] = probe.snapshot({"check_close": check_close})
    return new_output("display_data", data={wire.MIME: json.loads(json.dumps(payload))})


def _notebook(test_outputs, extra=()):
    cells = [
        _cell("from gradlib.grading import check_close\nprint(double(3))", "imports"),
        _cell("def double(x):\n    return 2 * x", "solution", locked=False, solution=True),
        _cell(TEST, "tests", test_outputs, grade=True),
        *extra,
    ]
    return new_notebook(cells=cells)


def _judge(nb):
    program = program_from_notebook(json.loads(nbformat.writes(nb))["cells"])
    report = judge_notebook(nb, program, "nb")
    return report, nb.cells[2]


def _points(cell):
    return determine_grade(cell)[0]


def test_right_results_earn_the_points_whatever_else_the_kernel_said():
    outputs = [
        new_output("stream", name="stderr", text="a warning\n"),
        new_output("error", ename="AssertionError", evalue="visible: differs"),
        _results(2.0, -4.0),
    ]
    report, cell = _judge(_notebook(outputs))
    assert report["verdicts"] == {"tests": None} and report["flags"] == []
    assert _points(cell) == 2
    assert all(o.output_type == "stream" and o.name == "stdout" for o in cell.outputs)
    assert "In the notebook's run: AssertionError: visible: differs" in cell.outputs[1].text
    assert "### BEGIN HIDDEN TESTS" in cell.source  # the whole cell, as the gradebook holds it


def test_wrong_results_earn_nothing_whatever_the_kernel_claimed():
    outputs = [
        new_output("stream", name="stdout", text="Part 1: visible tests passed.\n"),
        new_output("execute_result", data={"text/plain": "2"}, execution_count=3),
        _results(2.0, 0.0),
    ]
    report, cell = _judge(_notebook(outputs))
    assert report["verdicts"]["tests"].startswith("AssertionError: double for x = -2: differs")
    assert _points(cell) == 0
    assert not any(o.output_type == "execute_result" for o in cell.outputs)
    assert not any(wire.MIME in o.get("data", {}) for o in cell.outputs)


def test_results_that_never_arrived_fail_the_part_and_are_flagged():
    report, cell = _judge(_notebook([new_output("stream", name="stdout", text="ok\n")]))
    assert _points(cell) == 0 and "never reached the grader" in report["verdicts"]["tests"]
    assert [f["kind"] for f in report["flags"]] == ["tampering"]


def test_a_kernel_that_died_in_the_cell_says_so_and_is_not_flagged():
    died = new_output("error", ename="GradingError", evalue="Not graded: the kernel died")
    report, cell = _judge(_notebook([died]))
    assert report["verdicts"]["tests"] == "GradingError: Not graded: the kernel died"
    assert _points(cell) == 0 and report["flags"] == []


def test_results_sent_from_elsewhere_are_flagged_and_removed():
    stray = _cell("print(1)", "added", [_results(2.0, -4.0)], locked=False)
    stray.metadata = {}
    report, cell = _judge(_notebook([_results(2.0, -4.0), _results(2.0, -4.0)], [stray]))
    details = [f["detail"] for f in report["flags"]]
    assert any("more hidden-test results" in d for d in details), details
    assert any("not a test cell" in d for d in details), details
    assert _points(cell) == 0


def test_the_instructors_cells_run_without_the_students_code():
    report, _ = _judge(_notebook([_results(2.0, -4.0)]))
    assert report["problems"] == []  # print(double(3)) needs the student: skipped, not a problem


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("judge") / "course", ["01-chain-rule"])


def test_the_program_comes_from_the_gradebook_in_source_order(course):
    program = judge_program(
        f"sqlite:///{course / 'gradebook.db'}", "01-chain-rule", course / "solutions" /
        "01-chain-rule"
    )  # fmt: skip
    source = json.loads((REPO / "solutions/01-chain-rule/chain-rule.ipynb").read_text())
    assert program == {"chain-rule": program_from_notebook(source["cells"])}
    kinds = [(c["name"], c["kind"]) for c in program["chain-rule"]]
    assert kinds[0] == ("imports", "instructor") and ("backward-tests", "test") in kinds
    assert "backward" not in dict(kinds)  # the student's cells are never the grader's

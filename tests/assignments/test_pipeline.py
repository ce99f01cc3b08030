"""The grading pipeline end to end, in a temporary course with its own gradebook.

For every assignment: ``generate_assignment``; three students submit (the source
notebook, the untouched release, and a solution with one part broken);
``autograde``; ``export`` to CSV. The scores must be full marks, zero, and full
marks minus exactly the broken part's points.
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from gradlib_course.notebooks import graded_parts, list_assignments
from nbgrader.api import Gradebook

from conftest import REPO, run_tool
from samples.variants import load_variants

VARIANTS = load_variants()
ASSIGNMENTS = list_assignments(REPO / "solutions")


def _break_cell(notebook: dict, grade_id: str, new_source: str) -> dict:
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = new_source
            return notebook
    raise AssertionError(f"no cell with grade_id {grade_id!r}")


@pytest.fixture(scope="module", params=sorted(ASSIGNMENTS))
def graded_course(request, tmp_path_factory):
    """A course directory in which three students' submissions have been autograded."""
    name = request.param
    root = tmp_path_factory.mktemp(f"course-{name}")
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions" / name, root / "solutions" / name)
    run_tool(["nbgrader", "generate_assignment", name, "--force"], cwd=root)

    for source_nb in ASSIGNMENTS[name]:
        release_nb = root / "exercises" / name / source_nb.name
        submissions = {
            "perfect": json.loads(source_nb.read_text()),
            "blank": json.loads(release_nb.read_text()),
        }
        for v in VARIANTS[name]:
            submissions[v.student] = _break_cell(
                json.loads(source_nb.read_text()), v.cell, v.source
            )
        for student, nb in submissions.items():
            target = root / "submitted" / student / name / source_nb.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(nb))
    run_tool(["nbgrader", "autograde", name, "--create", "--force"], cwd=root)
    run_tool(["nbgrader", "export", "--to", "grades.csv"], cwd=root)
    with open(root / "grades.csv", newline="") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    return name, root, rows


def _max_points(name: str) -> float:
    return sum(p.points for nb in ASSIGNMENTS[name] for p in graded_parts(nb))


def _manual_points(name: str) -> float:
    """Points of the manually graded (markdown) answer cells, which autograde leaves at 0."""
    total = 0.0
    for nb in ASSIGNMENTS[name]:
        for cell in json.loads(nb.read_text())["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and cell["cell_type"] == "markdown":
                total += float(meta["points"])
    return total


def _part_points(name: str, grade_id: str) -> float:
    return sum(
        p.points for nb in ASSIGNMENTS[name] for p in graded_parts(nb) if p.grade_id == grade_id
    )


def test_every_part_has_three_wrong_solutions():
    assert sorted(VARIANTS) == sorted(ASSIGNMENTS)
    for name, notebooks in ASSIGNMENTS.items():
        for part in (p for nb in notebooks for p in graded_parts(nb)):
            wrong = [v for v in VARIANTS[name] if v.tests == part.grade_id]
            assert len(wrong) >= 3, f"{name}: part {part.grade_id} has {len(wrong)} wrong solutions"


def test_source_notebook_scores_full_marks(graded_course):
    name, _, rows = graded_course
    assert float(rows["perfect"]["max_score"]) == _max_points(name) + _manual_points(name)
    assert float(rows["perfect"]["score"]) == _max_points(name)


def test_unmodified_release_scores_zero(graded_course):
    _, _, rows = graded_course
    assert float(rows["blank"]["score"]) == 0.0


def test_each_broken_part_loses_exactly_its_points(graded_course):
    name, root, rows = graded_course
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for v in VARIANTS[name]:
            expected = _max_points(name) - _part_points(name, v.tests)
            for source_nb in ASSIGNMENTS[name]:
                sub = gb.find_submission_notebook(source_nb.stem, name, v.student)
                autograded = {p.grade_id for p in graded_parts(source_nb)}
                lost = {
                    g.name for g in sub.grades if g.score < g.max_score and g.name in autograded
                }
                assert lost == {v.tests}, f"{v.student} lost points in {sorted(lost)}"
            assert float(rows[v.student]["score"]) == expected, v.student


def test_feedback_free_of_tracebacks_in_perfect_submission(graded_course):
    """The perfect submission's autograded notebook has no error outputs at all."""
    name, root, _ = graded_course
    for source_nb in ASSIGNMENTS[name]:
        nb = json.loads((root / "autograded" / "perfect" / name / source_nb.name).read_text())
        for cell in nb["cells"]:
            for out in cell.get("outputs", []):
                assert out.get("output_type") != "error", out
                assert out.get("name") != "stderr", out


def test_delegation_is_explained_to_the_student(graded_course):
    name, root, _ = graded_course
    delegators = [v for v in VARIANTS[name] if v.student.startswith("delegates")]
    assert delegators, f"{name} has no submission that delegates to gradlib"
    for student, tests_cell in [(v.student, v.tests) for v in delegators]:
        for source_nb in ASSIGNMENTS[name]:
            nb = json.loads((root / "autograded" / student / name / source_nb.name).read_text())
            cell = next(
                c for c in nb["cells"] if c["metadata"]["nbgrader"].get("grade_id") == tests_cell
            )
            errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
            assert errors and errors[0]["ename"] == "ReferenceUsed", student
            assert "gradlib's own implementation" in errors[0]["evalue"]

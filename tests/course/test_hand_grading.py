"""Hand grading of assignment 09's written answer, end to end, on a real nbgrader gradebook.

A small class of assignment 09 (five autograded parts and a written answer worth 3
points, graded by hand) is autograded with ``gradlib-course``; then

* ``ada``'s answer is graded through the formgrader's own REST API (a real
  ``jupyter server`` with nbgrader's formgrader extension, on the course folder),
* ``grace``'s with ``gradlib-course mark``,

and the manual points and comments must reach ``export`` (every format), ``report``
and the feedback pages -- which still hide the hidden tests.  ``blank`` submitted
the released notebook (its unanswered written answer scores 0 and waits for
nobody), ``dennis`` a file that is not a notebook, and ``zoe`` is on the class list
(imported with ``nbgrader db student import``) but submitted nothing.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gradlib_course.cli import main as course
from gradlib_course.demo import (
    make_course,
    release_notebook,
    set_cell,
    source_notebook,
    write_submission,
)
from gradlib_course.feedback import MIN_LINE, REDACTED, secret_lines
from gradlib_course.notebooks import graded_parts
from gradlib_course.tools import tool_env
from nbgrader.api import Gradebook

from conftest import BIN, REPO, run_tool

A9 = "09-what-backprop-finds"
PART = "written-answer"
ADA_ANSWER = "The spoiler's term carries the factor sigma'(z4), about e^-22, so it vanishes."
ADA_SCORE, ADA_COMMENT = 2.5, "Right factor; the global minimum is missing."
GRACE_SCORE, GRACE_COMMENT = 3.0, "Complete: factor, local minimum and the cross-entropy."
ROSTER = [
    ("ada", "Ada", "Lovelace, Countess", "ada@example.org"),
    ("grace", "Grace", "Hopper", "grace@example.org"),
    ("zoe", "Zoe", "Z", "zoe@example.org"),
]


def _env() -> dict[str, str]:
    return tool_env()


def _cli(root, *args) -> list[str]:
    return [sys.executable, "-m", "gradlib_course", "--course", str(root), "-q", *args]


def _run(root, *args) -> subprocess.CompletedProcess:
    return subprocess.run(_cli(root, *args), env=_env(), capture_output=True, text=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Formgrader:
    """nbgrader's formgrader in a real ``jupyter server`` on the course folder."""

    def __init__(self, root: Path, scratch: Path):
        self.token = "hand-grading-test"
        self.base = f"http://127.0.0.1:{_free_port()}"
        env = {**_env(), "JUPYTER_RUNTIME_DIR": str(scratch / "runtime")}
        self.log = open(scratch / "jupyter-server.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(BIN / "jupyter-server"), "--no-browser", "--allow-root",
             f"--ServerApp.port={self.base.rsplit(':', 1)[1]}", "--ServerApp.ip=127.0.0.1",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            try:
                self.get("status")
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(
                        "the formgrader did not start:\n"
                        + (scratch / "jupyter-server.log").read_text()[-3000:]
                    ) from None
                time.sleep(0.2)

    def _call(self, method: str, path: str, body=None):
        request = urllib.request.Request(
            f"{self.base}/formgrader/api/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def get(self, path: str):
        return self._call("GET", path)

    def put(self, path: str, body: dict):
        return self._call("PUT", path, body)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _grade_in_formgrader(fg: Formgrader, student: str, score: float, comment: str) -> None:
    """What a grader's clicks in the formgrader send: the grade and the comment of one cell."""
    notebook = source_notebook(REPO, A9)[0]
    (sub,) = [s for s in fg.get(f"submitted_notebooks/{A9}/{notebook}") if s["student"] == student]
    (grade,) = [g for g in fg.get(f"grades?submission_id={sub['id']}") if g["name"] == PART]
    (note,) = [c for c in fg.get(f"comments?submission_id={sub['id']}") if c["name"] == PART]
    fg.put(f"grade/{grade['id']}", {"manual_score": score, "extra_credit": None})
    fg.put(f"comment/{note['id']}", {"manual_comment": comment})


def _course_out(capsys, root, *args) -> tuple[int, str, str]:
    code = course(["--course", str(root), "-q", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hand")
    root = make_course(base / "course", [A9])
    name, src = source_notebook(root, A9)
    submissions = {
        "ada": json.dumps(set_cell(src, PART, ADA_ANSWER)),
        "grace": json.dumps(set_cell(src, PART, "Its gradient has the factor sigma'.")),
        "blank": json.dumps(release_notebook(root, A9)),
        "dennis": "{ this is not a notebook",
    }
    for student, text in submissions.items():
        write_submission(root, student, A9, {f"{name}.ipynb": text})
    roster = base / "roster.csv"
    with open(roster, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "first_name", "last_name", "email"])
        writer.writerows(ROSTER)
    run_tool(["nbgrader", "db", "student", "import", str(roster)], cwd=root)
    run_tool(_cli(root, "autograde", A9, "--workers", "2"), cwd=root)

    out = {"root": root, "base": base}
    out["status_before"] = run_tool(_cli(root, "status", A9), cwd=root).stdout
    out["manual_before"] = run_tool(_cli(root, "manual", A9), cwd=root).stdout
    out["feedback_before"] = run_tool(_cli(root, "feedback", A9), cwd=root).stdout
    out["pages_before"] = sorted(p.parent.parent.name for p in root.glob("feedback/*/*/*.html"))
    out["export_before"] = run_tool(
        _cli(root, "export", "--output", str(base / "before.csv")), cwd=root
    ).stdout

    fg = Formgrader(root, base)
    try:
        _grade_in_formgrader(fg, "ada", ADA_SCORE, ADA_COMMENT)
        out["mark"] = run_tool(
            _cli(root, "mark", A9, "grace", PART, str(GRACE_SCORE), "--comment", GRACE_COMMENT),
            cwd=root,
        ).stdout
        # the formgrader reads the same gradebook: it sees what `mark` wrote
        notebook = source_notebook(root, A9)[0]
        (sub,) = [
            s for s in fg.get(f"submitted_notebooks/{A9}/{notebook}") if s["student"] == "grace"
        ]
        out["formgrader_sees"] = [
            g for g in fg.get(f"grades?submission_id={sub['id']}") if g["name"] == PART
        ][0]
    finally:
        fg.stop()

    out["manual_after"] = run_tool(_cli(root, "manual", A9, "--all"), cwd=root).stdout
    out["feedback_after"] = run_tool(_cli(root, "feedback", A9), cwd=root).stdout
    out["status_after"] = run_tool(_cli(root, "status"), cwd=root).stdout
    for fmt in ("generic", "canvas", "moodle"):
        out[f"export_{fmt}"] = run_tool(
            _cli(root, "export", "--format", fmt, "--output", str(base / f"{fmt}.csv")), cwd=root
        ).stdout
    run_tool(_cli(root, "report", "--output", str(base / "report.html")), cwd=root)
    return out


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _autograded_points() -> float:
    """What a correct solution earns in assignment 09's autograded parts (source metadata)."""
    return sum(p.points for p in graded_parts(sorted((REPO / "solutions" / A9).glob("*.ipynb"))[0]))


def _page_text(root: Path, student: str) -> tuple[str, str]:
    (page,) = (root / "feedback" / student / A9).glob("*.html")
    raw = page.read_text()
    return raw, html.unescape(re.sub(r"<[^>]+>", "", raw))


# -- before anyone grades by hand ---------------------------------------------------------


def test_answers_awaiting_a_grader_are_listed(graded):
    out = graded["manual_before"]
    assert f"2 answer(s) of {A9} await manual grading (2 student(s))" in out
    listed = [line.split()[:2] for line in out.splitlines() if line.startswith("  ")]
    assert listed == [["ada", PART], ["grace", PART]]  # not blank (unchanged), not dennis
    assert str(graded["root"] / "autograded" / "ada" / A9) in out  # where to read the answer


def test_status_before_hand_grading(graded):
    table = {
        line[2:27].strip(): line[27:].split(None, 1)
        for line in graded["status_before"].splitlines()[1:]
    }
    assert table["submitted"] == ["4", "ada, blank, dennis, grace"]
    assert table["graded"] == ["4", "ada, blank, dennis, grace"]
    assert table["awaiting manual grading"] == ["2", f"ada ({PART}), grace ({PART})"]
    assert table["feedback written"] == ["0"]
    assert table["failed to grade"][0] == "1" and "dennis (" in table["failed to grade"][1]
    assert "is not a valid notebook" in table["failed to grade"][1]
    assert table["missing"] == ["1", "zoe"]


def test_feedback_waits_for_the_hand_graders(graded):
    assert graded["pages_before"] == ["blank"]
    assert (
        "skipped 2 student(s) whose answers await manual grading: ada, grace"
        in (graded["feedback_before"])
    )


def test_export_says_which_scores_lack_hand_graded_parts(graded):
    assert f"{A9}: 2 submission(s) still await manual grading" in graded["export_before"]


# -- after grading in the formgrader and with `mark` ---------------------------------------


def test_formgrader_and_mark_write_the_same_gradebook(graded):
    db = f"sqlite:///{graded['root'] / 'gradebook.db'}"
    nb = source_notebook(REPO, A9)[0]
    with Gradebook(db) as gb:
        for student, score, comment in (
            ("ada", ADA_SCORE, ADA_COMMENT),
            ("grace", GRACE_SCORE, GRACE_COMMENT),
        ):
            grade = gb.find_grade(PART, nb, A9, student)
            assert (grade.manual_score, grade.needs_manual_grade) == (score, False)
            assert gb.find_comment(PART, nb, A9, student).manual_comment == comment
    seen = graded["formgrader_sees"]
    assert (seen["manual_score"], seen["needs_manual_grade"]) == (GRACE_SCORE, False)
    assert f"grace's {PART} in {A9}: {GRACE_SCORE:g} / 3" in graded["mark"]
    assert "0 answer(s) of" in graded["manual_after"]
    assert f"ada  {PART}  {ADA_SCORE:g} / 3  {ADA_COMMENT!r}" in graded["manual_after"]


def test_feedback_shows_the_manual_points_and_comments(graded):
    assert "wrote 3 feedback page(s)" in graded["feedback_after"]
    for student, score, comment in (
        ("ada", ADA_SCORE, ADA_COMMENT),
        ("grace", GRACE_SCORE, GRACE_COMMENT),
    ):
        _, text = _page_text(graded["root"], student)
        assert f"Written response (Score: {score:.1f} / 3.0)" in text
        assert comment in text
        total = _autograded_points() + score
        assert f"(Score: {total:.1f} / 16.0)" in text


def test_feedback_still_hides_the_hidden_tests(graded):
    source = sorted((graded["root"] / "solutions" / A9).glob("*.ipynb"))[0]
    hidden = [line for line in secret_lines(source) if len(line) >= MIN_LINE]
    assert hidden
    for student in ("ada", "grace", "blank"):
        raw, text = _page_text(graded["root"], student)
        assert REDACTED in text
        assert not [line for line in hidden if line in text or line in html.unescape(raw)]


def test_status_after_hand_grading(graded):
    lines = graded["status_after"].splitlines()
    table = {line[2:27].strip(): line[27:].split(None, 1) for line in lines[1:]}
    assert lines[0] == f"{A9} (16 points)"
    assert table["awaiting manual grading"] == ["0"]
    assert table["feedback written"] == ["3", "ada, blank, grace"]
    assert table["feedback to rewrite"] == ["0"]
    assert table["missing"] == ["1", "zoe"]


def test_generic_export_and_parts_carry_the_manual_points(graded):
    rows = _rows(graded["base"] / "generic.csv")
    assert rows[0] == ["student_id", "last_name", "first_name", "email", A9, "total"]
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert sorted(by_id) == ["ada", "blank", "dennis", "grace", "zoe"]
    assert float(by_id["ada"][A9]) == _autograded_points() + ADA_SCORE
    assert float(by_id["grace"][A9]) == _autograded_points() + GRACE_SCORE
    assert by_id["ada"]["last_name"] == "Lovelace, Countess"
    assert by_id["zoe"][A9] == "" and by_id["dennis"][A9] == "0"
    parts = _rows(graded["base"] / "generic-parts.csv")
    assert parts[0][-2:] == ["graded_by", "comment"]
    (ada,) = [r for r in parts if r[0] == "ada" and r[3] == PART]
    assert ada[4:] == [f"{ADA_SCORE:g}", "3", "hand", ADA_COMMENT]
    assert {r[6] for r in parts[1:] if r[3] != PART} == {"autograder"}


def test_canvas_export_follows_canvas_import_layout(graded):
    rows = _rows(graded["base"] / "canvas.csv")
    header, points, *students = rows
    # the importer's header check: Student, ID, SIS User ID, SIS Login ID, Section, items
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A9]
    assert points == ["Points Possible", "", "", "", "", "16"]
    by_login = {r[3]: r for r in students}
    assert sorted(by_login) == ["ada", "blank", "dennis", "grace", "zoe"]
    assert by_login["ada"][0] == "Lovelace, Countess, Ada"  # Canvas's "Last, First"
    assert float(by_login["ada"][5]) == _autograded_points() + ADA_SCORE
    assert by_login["zoe"][5] == ""  # no submission: blank, i.e. no score in Canvas
    assert all(r[1] == r[2] == r[4] == "" for r in students)


def test_moodle_export_follows_moodle_import_layout(graded):
    header, *students = _rows(graded["base"] / "moodle.csv")
    assert header == ["First name", "Last name", "Student ID", "Email address", A9]
    by_id = {r[2]: r for r in students}
    assert sorted(by_id) == ["ada", "blank", "dennis", "grace", "zoe"]
    assert by_id["grace"][:4] == ["Grace", "Hopper", "grace", "grace@example.org"]
    assert float(by_id["grace"][4]) == _autograded_points() + GRACE_SCORE
    assert by_id["zoe"][4] == "-"  # no submission: Moodle's "no grade"
    # students without an email (not on the class list) are named in a warning
    assert "2 student(s) have no email" in graded["export_moodle"]


def test_report_shows_status_hand_grades_and_comments(graded):
    page = (graded["base"] / "report.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "State of the class" in text and "Graded by hand" in text
    assert html.escape(ADA_COMMENT) in page and html.escape(GRACE_COMMENT) in page
    assert re.search(r"missing\s+1\s+zoe", text)
    assert re.search(rf"ada\s+{PART}\s+{ADA_SCORE:g} / 3", text)


# -- bad input: a clear error, and nothing changes -----------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "args, message",
    [
        (["mark", A9, "ada", PART, "3.5"], "worth 0 to 3 points; got 3.5"),
        (["mark", A9, "ada", PART, "-1"], "worth 0 to 3 points; got -1"),
        (["mark", A9, "ada", PART, "lots"], "a score is a number of points, got 'lots'"),
        (["mark", A9, "zoe", PART, "1"], f"no graded submission of {A9} from 'zoe'"),
        (["mark", A9, "ada", "essay", "1"], "has no graded part 'essay'"),
        (["mark", A9, "ada", "separates-tests", "1", "--comment", "x"], "takes no comment"),
        (["mark", "10-nothing", "ada", PART, "1"], "unknown assignment '10-nothing'"),
        (["manual", "10-nothing"], "unknown assignment '10-nothing'"),
        (["status", "10-nothing"], "unknown assignment '10-nothing'"),
        (["export", "10-nothing"], "unknown assignment '10-nothing'"),
        (["export", "--format", "blackboard"], "unknown format 'blackboard'"),
        (["export", "--format", "canvas", "--canvas-id", "id"], "Canvas user ids are numbers"),
        (["export", "--canvas-id", "id"], "--canvas-id applies to --format canvas"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(graded, tmp_path, capsys, args, message):
    root = graded["root"]
    before = _digest(root / "gradebook.db")
    if args[0] == "export":
        args = [*args, "--output", str(tmp_path / "grades.csv")]
    code, out, err = _course_out(capsys, root, *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert _digest(root / "gradebook.db") == before
    assert list(tmp_path.iterdir()) == []


def test_a_score_above_the_maximum_from_the_formgrader_blocks_the_export(graded, tmp_path, capsys):
    # the formgrader accepts any number: such a score is reported, never exported
    root = tmp_path / "course"
    shutil.copytree(graded["root"], root)
    nb = source_notebook(REPO, A9)[0]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.find_grade(PART, nb, A9, "grace").manual_score = 30.0
        gb.db.commit()
    code, _, err = _course_out(capsys, root, "export", "--output", str(tmp_path / "g.csv"))
    assert code == 2 and "manual score 30, above its maximum 3" in err
    assert not (tmp_path / "g.csv").exists()
    code, out, _ = _course_out(capsys, root, "manual", A9, "--all")
    assert code == 0 and f"grace  {PART}  30 / 3  ABOVE THE MAXIMUM" in out
    # and a page that no longer shows the gradebook's score is to be rewritten
    code, out, _ = _course_out(capsys, root, "status", A9)
    assert re.search(r"feedback to rewrite\s+1\s+grace", out)


def _foreign_course(folder: Path, gradebook: Path, extra: str = "") -> Path:
    """A course folder whose configuration points at ``gradebook`` (another course's)."""
    (folder / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / "01-chain-rule", folder / "solutions" / "01-chain-rule")
    config = (REPO / "nbgrader_config.py").read_text()
    config += f"\nc.CourseDirectory.db_url = 'sqlite:///{gradebook}'\n{extra}"
    (folder / "nbgrader_config.py").write_text(config)
    return folder


@pytest.mark.parametrize(
    "extra, source, message",
    [
        ("", "01-chain-rule", f"has assignment '{A9}', which"),
        ("c.CourseDirectory.course_id = 'backprop-2027'\n", A9, "says course_id = 'backprop-2027'"),
    ],
)
def test_another_courses_gradebook_is_refused(graded, tmp_path, capsys, extra, source, message):
    gradebook = graded["root"] / "gradebook.db"
    other = _foreign_course(tmp_path / "other", gradebook, extra)
    if source != "01-chain-rule":  # same assignments, but the course id says otherwise
        shutil.copytree(graded["root"] / "solutions" / A9, other / "solutions" / A9)
    before = _digest(gradebook)
    for args in (
        ["status"],
        ["manual", A9],
        ["mark", A9, "ada", PART, "1"],
        ["export", "--output", str(tmp_path / "g.csv")],
        ["report", "--output", str(tmp_path / "r.html")],
        ["feedback", A9],
    ):
        code, _, err = _course_out(capsys, other, *args)
        assert code == 2, args
        assert message in err and "another course's gradebook" in err, args
    assert _digest(gradebook) == before
    assert not (tmp_path / "g.csv").exists() and not (tmp_path / "r.html").exists()
    assert not (other / "feedback").exists()


def test_a_missing_gradebook_is_an_error_not_a_new_file(tmp_path, capsys):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    code, _, err = _course_out(capsys, tmp_path, "status")
    assert code == 2 and "no gradebook at" in err
    assert not (tmp_path / "gradebook.db").exists()

"""``gradlib-course`` (``python -m gradlib_course``): the instructor's grading workflow.

Run it in the course folder (the one with ``nbgrader_config.py``) or pass ``--course``::

    gradlib-course collect 01-chain-rule downloads.zip
    gradlib-course autograde 01-chain-rule --workers 4
    gradlib-course manual 09-what-backprop-finds
    gradlib-course mark 09-what-backprop-finds ada written-answer 2.5 --comment "..."
    gradlib-course feedback 01-chain-rule
    gradlib-course status
    gradlib-course export --format canvas
    gradlib-course report
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from gradlib_course.lms import CANVAS_IDS, FORMATS
from gradlib_course.nbgrader_ext.startup import skip_unused_slow_imports
from gradlib_course.tools import use_tools

__all__ = ["main", "DEFAULT_PATTERN"]

# An LMS download names each file "<student>_<anything>_<notebook>.ipynb" (Moodle:
# "alice_12345_assignsubmission_file_chain-rule.ipynb").  Matched against the full path.
DEFAULT_PATTERN = r".*/(?P<student_id>[^/_]+)_(?:[^/]*_)?(?P<file_id>[^/_]+\.ipynb)$"


class UsageError(Exception):
    """Bad input from the command line: printed without a traceback."""


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def _config(args):
    from gradlib_course.config import CourseConfig

    root = Path(args.course).resolve()
    if not (root / "nbgrader_config.py").exists():
        raise UsageError(f"{root} is not a course folder (it has no nbgrader_config.py)")
    return CourseConfig(root)


def _course(args):
    """The course of ``--course``, once its gradebook is known to exist and be its own."""
    from gradlib_course.identity import check_gradebook

    config = _config(args)
    check_gradebook(config)
    return config


def _known_assignment(config, assignment: str) -> None:
    known = config.assignments()
    if assignment not in known:
        raise UsageError(
            f"unknown assignment {assignment!r}; the gradebook has {known or 'none'} "
            f"(run `nbgrader generate_assignment {assignment}` first)"
        )


def cmd_collect(args) -> int:
    from gradlib_course.collect import collect

    config = _config(args)
    archive = Path(args.archive)
    if not archive.is_file():
        raise UsageError(f"{archive} does not exist (give the file downloaded from the LMS)")
    try:
        re.compile(args.pattern)
    except re.error as exc:
        raise UsageError(f"--pattern is not a regular expression: {exc}") from None
    if "(?P<student_id>" not in args.pattern or "(?P<file_id>" not in args.pattern:
        raise UsageError("--pattern needs the groups (?P<student_id>...) and (?P<file_id>...)")
    released = [config.release / args.assignment, config.source / args.assignment]
    if not any(folder.is_dir() for folder in released):
        known = sorted(p.name for p in config.source.glob("*") if p.is_dir())
        raise UsageError(
            f"unknown assignment {args.assignment!r}: neither {released[0]} nor {released[1]} "
            f"exists (the course has {known or 'none'})"
        )
    done = collect(config, args.assignment, archive, args.pattern)
    replaced = f", {len(done.replaced)} of them replacing an earlier one" if done.replaced else ""
    print(
        f"collected {len(done.files)} file(s) from {archive.name}: the submissions of "
        f"{len(done.students)} student(s){replaced}"
    )
    for entry, why in done.skipped:
        print(f"  skipped {entry}: {why}")
    for note in done.notes:
        print(f"  note: {note}")
    return 0


def _process_limit(results) -> str:
    limits = {r.process_limit for r in results}
    if limits == {None}:
        return "no process limit: no writable pids cgroup"
    return f"at most {max(n for n in limits if n)} processes per kernel"


def cmd_autograde(args) -> int:
    if not args.scheduler:
        # local jobs fork nbgrader from a server that imports it first (seconds): start
        # that server now, while this process imports what it needs
        import threading

        from gradlib_course.worker import warm_up

        threading.Thread(target=warm_up, daemon=True).start()
    from gradlib_course.autograde import autograde, to_grade
    from gradlib_course.sandbox import probe
    from gradlib_course.worker import Limits

    config = _course(args)
    _known_assignment(config, args.assignment)
    to_grade(config, args.assignment, args.student or None, args.force)  # (no submissions?)
    if args.unsafe_no_sandbox:
        sandbox = "none"
    elif probe() == "bubblewrap":
        sandbox = "bubblewrap"
    else:
        raise UsageError(
            "bubblewrap cannot start the grading sandbox on this machine (install Debian's "
            "bubblewrap, and allow user namespaces when not grading as root); student code is "
            "never run unconfined unless you pass --unsafe-no-sandbox"
        )
    limits = Limits(
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        memory_mb=args.memory_mb,
        sandbox=sandbox,
        max_processes=args.max_processes,
        disk_mb=args.disk_mb,
    )
    results = autograde(
        config.root,
        args.assignment,
        workers=args.workers,
        scheduler=args.scheduler,
        limits=limits,
        students=args.student or None,
        force=args.force,
        progress=not args.quiet,
        unsafe=args.unsafe_no_sandbox,
    )
    if not results:
        found, _ = to_grade(config, args.assignment, args.student or None, args.force)
        print(
            f"nothing new to grade: the {len(found)} submission(s) of {args.assignment} "
            "are graded and unchanged since; use --force to grade them again"
        )
        return 0
    problems = sum(bool(r.problems) for r in results)
    print(
        f"graded {len(results)} submission(s) of {args.assignment} "
        f"(sandbox: {sandbox}; {_process_limit(results)}); {problems} with problems "
        "(see `gradlib-course report`)"
    )
    for r in results:
        for p in r.problems:
            print(f"  {r.student}: {p}")
    return 0


def cmd_feedback(args) -> int:
    from gradlib_course.feedback import generate_feedback
    from gradlib_course.manual import pending

    config = _course(args)
    name = args.assignment
    _known_assignment(config, name)
    waiting = sorted({a.student for a in pending(config.db_url, name)})
    students = args.student or None
    skipped: list[str] = []
    if waiting and not args.partial:
        if students:
            blocked = [s for s in students if s in waiting]
            if blocked:
                raise UsageError(
                    f"{', '.join(blocked)}: answers still await manual grading "
                    f"(gradlib-course manual {name}); grade them first, or use --partial"
                )
        else:
            graded = sorted(
                p.parent.name for p in config.autograded.glob(f"*/{name}") if any(p.glob("*.ipynb"))
            )
            students = [s for s in graded if s not in waiting]
            skipped = [s for s in graded if s in waiting]
            if graded and not students:
                print(
                    f"wrote no feedback: every graded submission of {name} has answers awaiting "
                    f"manual grading (gradlib-course manual {name}); --partial writes it anyway"
                )
                return 0
    pages = generate_feedback(config, name, students, not args.quiet)
    print(f"wrote {len(pages)} feedback page(s) under {config.feedback}")
    if skipped:
        print(
            f"  skipped {len(skipped)} student(s) whose answers await manual grading: "
            f"{', '.join(skipped)} (grade them, then run feedback again; --partial writes "
            "their pages now, showing 0 for those answers)"
        )
    partial = sorted({p.parent.parent.name for p in pages} & set(waiting))
    if partial:
        print(f"  {', '.join(partial)}: the page shows 0 for answers still awaiting a grader")
    return 0


def cmd_export(args) -> int:
    from gradlib_course.export import export_csv

    config = _course(args)
    for name in args.assignment:
        _known_assignment(config, name)
    if args.canvas_id and args.format != "canvas":
        raise UsageError(f"--canvas-id applies to --format canvas, not {args.format}")
    grades = Path(args.output)
    parts = Path(args.parts) if args.parts else grades.with_name(grades.stem + "-parts.csv")
    done = export_csv(
        config.db_url,
        grades,
        parts,
        args.format,
        args.assignment or None,
        args.canvas_id or "sis-login-id",
    )
    print(
        f"wrote {grades} ({args.format}, {done.students} students) "
        f"and {parts} ({done.parts} part scores)"
    )
    for name, n in done.pending.items():
        print(
            f"  {name}: {n} submission(s) still await manual grading; their scores lack those "
            f"parts (gradlib-course manual {name})"
        )
    for warning in done.warnings:
        print(f"  warning: {warning}")
    return 0


def cmd_report(args) -> int:
    from gradlib_course.report import write_report

    config = _course(args)
    assignments = args.assignment or None
    for name in assignments or []:
        _known_assignment(config, name)
    write_report(config, Path(args.output), assignments, progress=not args.quiet)
    print(f"wrote {args.output}")
    return 0


def cmd_status(args) -> int:
    from gradlib_course.status import class_status, format_status

    config = _course(args)
    if args.assignment:
        _known_assignment(config, args.assignment)
    statuses = class_status(config, [args.assignment] if args.assignment else None)
    print(format_status(statuses) if statuses else "the gradebook has no assignment yet")
    return 0


def cmd_manual(args) -> int:
    from gradlib_course.manual import hand_graded, pending

    config = _course(args)
    name = args.assignment
    _known_assignment(config, name)
    waiting = pending(config.db_url, name)
    students = sorted({a.student for a in waiting})
    print(f"{len(waiting)} answer(s) of {name} await manual grading ({len(students)} student(s))")
    for a in waiting:
        where = config.autograded / a.student / name / f"{a.notebook}.ipynb"
        print(f"  {a.student}  {a.part}  ({a.max_score:g} points)  {where}")
    if args.all:
        done = hand_graded(config.db_url, name)
        print(f"{len(done)} answer(s) of {name} graded by hand")
        for a in done:
            over = "  ABOVE THE MAXIMUM" if a.manual_score > a.max_score else ""
            note = f"  {a.comment!r}" if a.comment else ""
            print(f"  {a.student}  {a.part}  {a.manual_score:g} / {a.max_score:g}{over}{note}")
    if waiting:
        print(
            f"Grade them in nbgrader's formgrader, or: gradlib-course mark {name} "
            "STUDENT PART POINTS --comment TEXT"
        )
    return 0


def cmd_mark(args) -> int:
    from gradlib_course.manual import mark, pending

    config = _course(args)
    name = args.assignment
    _known_assignment(config, name)
    a = mark(config.db_url, name, args.student, args.part, args.points, args.comment, args.notebook)
    note = f" with the comment {a.comment!r}" if a.comment else ""
    print(f"{a.student}'s {a.part} in {name}: {a.manual_score:g} / {a.max_score:g}{note}")
    left = [p.part for p in pending(config.db_url, name) if p.student == a.student]
    if left:
        print(f"  still awaiting manual grading for {a.student}: {', '.join(left)}")
    elif (config.feedback / a.student / name).is_dir():
        print(f"  update the feedback: gradlib-course feedback {name} --student {a.student}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradlib-course",
        description="Grade a class with nbgrader: collect, autograde (in parallel, sandboxed), "
        "hand grading, feedback without hidden tests, status, export for an LMS, report.",
    )
    parser.add_argument("--course", default=".", help="course folder (default: .)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("collect", help="an LMS zip download -> submitted/ (nbgrader zip_collect)")
    p.add_argument("assignment")
    p.add_argument("archive", help="the zip file downloaded from the LMS")
    p.add_argument(
        "--pattern",
        default=DEFAULT_PATTERN,
        help="regular expression on each file's path with the groups student_id and file_id "
        f"(default: {DEFAULT_PATTERN})".replace("%", "%%"),
    )
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("autograde", help="grade every submission of an assignment in parallel")
    p.add_argument("assignment")
    p.add_argument("--workers", type=_positive(int), default=2, help="local worker processes")
    p.add_argument("--scheduler", help="address of a Dask scheduler (tcp://host:8786)")
    p.add_argument("--cell-timeout", type=_positive(int), default=60, help="seconds per cell")
    p.add_argument(
        "--notebook-timeout", type=_positive(int), default=600, help="seconds per notebook"
    )
    p.add_argument("--memory-mb", type=_positive(int), default=2048, help="memory per kernel")
    p.add_argument(
        "--max-processes",
        type=_positive(int),
        default=128,
        help="processes and threads per kernel (needs a pids cgroup; stops fork bombs)",
    )
    p.add_argument(
        "--disk-mb",
        type=_positive(int),
        default=64,
        help="size of each writable place of a kernel: its folder, /tmp, /dev/shm",
    )
    p.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="grade without the bubblewrap sandbox: student code then sees this machine",
    )
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--force", action="store_true", help="grade again students already graded")
    p.set_defaults(func=cmd_autograde)

    p = sub.add_parser("manual", help="the answers that await manual grading")
    p.add_argument("assignment")
    p.add_argument("--all", action="store_true", help="also list answers graded by hand")
    p.set_defaults(func=cmd_manual)

    p = sub.add_parser("mark", help="grade one answer by hand (as the formgrader does)")
    p.add_argument("assignment")
    p.add_argument("student")
    p.add_argument("part", help="the graded cell's id, e.g. written-answer")
    p.add_argument("points", help="the score, from 0 to the part's maximum")
    p.add_argument("--comment", help="the grader's comment, shown in the feedback")
    p.add_argument("--notebook", help="the notebook, if several have this part")
    p.set_defaults(func=cmd_mark)

    p = sub.add_parser("feedback", help="feedback HTML with hidden tests redacted")
    p.add_argument("assignment")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument(
        "--partial",
        action="store_true",
        help="also students whose answers await manual grading (shown as 0)",
    )
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("status", help="who is submitted, graded, given feedback or missing")
    p.add_argument("assignment", nargs="?", help="only this assignment (default: all)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("export", help="grades as CSV for an LMS, and per-part CSV")
    p.add_argument("assignment", nargs="*", help="assignments to include (default: all)")
    p.add_argument(
        "--format", default="generic", help=f"layout of the grades: {', '.join(FORMATS)}"
    )
    p.add_argument(
        "--canvas-id",
        help=f"Canvas column that holds the student id: {', '.join(CANVAS_IDS)} "
        "(default: sis-login-id)",
    )
    p.add_argument("--output", default="grades.csv")
    p.add_argument("--parts", help="per-part CSV (default: <output>-parts.csv)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="an HTML report with plots and integrity flags")
    p.add_argument("assignment", nargs="*", help="assignments to include (default: all)")
    p.add_argument("--output", default="grading-report.html")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    skip_unused_slow_imports()  # before anything imports nbgrader (seconds saved)
    use_tools()  # nbgrader starts tools (alembic, jupyter) by name: use this environment's
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        return args.func(args)
    except (UsageError, ValueError) as exc:
        print(f"gradlib-course {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder or file of the course that cannot be read or written
        where = f": {exc.filename}" if exc.filename else ""
        print(
            f"gradlib-course {args.command}: error: {exc.strerror or exc}{where}; "
            "check the course folder and run the command again",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())

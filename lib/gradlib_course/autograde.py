"""Grade every submission of an assignment in parallel; the coordinator records them.

Jobs go to a Dask cluster: by default a local one whose single in-process worker
runs ``workers`` jobs at a time in threads (each job's nbgrader and kernel run in
processes of their own, see :mod:`gradlib_course.worker`), or the scheduler at
``scheduler`` (``tcp://host:8786``) to use several machines.  Each job is
self-contained; results come back as they finish and this process -- the
gradebook's only writer -- records them one at a time
(:mod:`gradlib_course.record`), with the integrity flags
(:mod:`gradlib_course.integrity`, and the run-time ones of the verdict step,
:mod:`gradlib_course.judge`).  A student already recorded is skipped unless
``force`` or the submission changed since (collected again): a run that was
interrupted resumes where it stopped, and a second run grades only what is new.
One run per course and assignment at a time (:mod:`gradlib_course.lock`).

Scripts that call :func:`autograde` need an ``if __name__ == "__main__":`` guard
(the worker's process server imports the main module).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tqdm.auto import tqdm

from gradlib_course.config import CourseConfig
from gradlib_course.edition import make_edition
from gradlib_course.integrity import gradebook_source_cells, inspect_submission
from gradlib_course.judge import judge_program
from gradlib_course.lock import assignment_lock
from gradlib_course.nbgrader_ext import contract
from gradlib_course.record import graded_students, record
from gradlib_course.sandbox import probe
from gradlib_course.template import copy_assignment_definition
from gradlib_course.worker import Job, Limits, Result, grade, warm_up

__all__ = ["autograde", "to_grade"]

MAX_FILE_BYTES = 50 * 2**20  # a submission folder larger than this is not read


def _submission_files(folder: Path) -> dict[str, bytes]:
    files, total = {}, 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            total += path.stat().st_size
            if total > MAX_FILE_BYTES:
                break
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


@contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator:
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
    else:
        with (
            # one in-process worker with a thread per job slot: each job runs nbgrader and the
            # kernel in processes of their own anyway, and no worker processes need to start
            LocalCluster(
                n_workers=1,
                threads_per_worker=workers,
                processes=False,
                dashboard_address=None,
                silence_logs=40,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client


def to_grade(
    config: CourseConfig, assignment: str, students: list[str] | None, force: bool
) -> tuple[dict[str, Path], dict[str, Path]]:
    """``(submissions, todo)``: student -> folder holding ``submitted/<student>/<assignment>``,
    of every submission asked for and of those this run grades."""
    folders = sorted(p.parent for p in config.submitted.glob(f"*/{assignment}") if p.is_dir())
    found = {f.name: f for f in folders}
    if not found:
        raise ValueError(
            f"there are no submissions of {assignment} in {config.submitted}; "
            f"collect them first (gradlib-course collect {assignment} ARCHIVE)"
        )
    if students is not None:
        unknown = sorted(set(students) - set(found))
        if unknown:
            raise ValueError(
                f"no submission of {assignment} from {', '.join(unknown)} in "
                f"{config.submitted} (students with one: {', '.join(sorted(found))})"
            )
        found = {s: found[s] for s in students}
    folders_of = {s: f / assignment for s, f in found.items()}
    done = set() if force else graded_students(config.root, assignment, folders_of)
    return found, {s: f for s, f in found.items() if s not in done}


def autograde(
    root: Path,
    assignment: str,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    limits: Limits | None = None,
    students: list[str] | None = None,
    force: bool = False,
    progress: bool = True,
    unsafe: bool = False,
) -> list[Result]:
    """Autograde ``assignment`` for every student in ``submitted/`` (or ``students``).

    Student code runs only in the bubblewrap sandbox (:mod:`gradlib_course.sandbox`),
    unless ``unsafe`` (then ``limits.sandbox`` may be ``"none"``).  Returns the results
    of the submissions graded in this run, in student order.
    """
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    contract.require()  # nbgrader's internals are as gradlib_course.nbgrader_ext expects
    config = CourseConfig(root)
    if limits is None:
        limits = Limits(sandbox="bubblewrap" if probe() == "bubblewrap" or not unsafe else "none")
    if limits.sandbox == "none" and not unsafe:
        raise ValueError(
            "student code runs only in the bubblewrap sandbox, and none was asked for; "
            "pass unsafe=True (--unsafe-no-sandbox) to grade without one"
        )
    if limits.sandbox == "bubblewrap" and probe() != "bubblewrap":
        raise ValueError(
            "bubblewrap cannot start the grading sandbox on this machine (install Debian's "
            "bubblewrap, and allow user namespaces when not grading as root); student code "
            "is not run unconfined unless unsafe=True (--unsafe-no-sandbox)"
        )
    if assignment not in config.assignments():
        raise ValueError(
            f"the gradebook has no assignment {assignment!r}; "
            f"run `nbgrader generate_assignment {assignment}` first"
        )
    with assignment_lock(config.root, assignment, f"autograde {assignment}"):
        _, todo = to_grade(config, assignment, students, force)
        if not todo:
            return []
        return _grade(config, assignment, todo, workers, scheduler, limits, progress)


def _grade(config, assignment, todo, workers, scheduler, limits, progress) -> list:
    from distributed import as_completed

    with _executor(min(workers, len(todo)), scheduler) as client:
        # the workers get ready (import nbgrader once) while the jobs are prepared here
        warming = [
            client.submit(warm_up, pure=False, workers=[address], allow_other_workers=True)
            for address in client.scheduler_info()["workers"]
        ]
        with tempfile.TemporaryDirectory(prefix="gradlib-template-") as tmp:
            template = Path(tmp) / "gradebook.db"
            notebooks = copy_assignment_definition(config.db_url, assignment, template)
            template_db = template.read_bytes()
        source = config.source / assignment
        source_cells = gradebook_source_cells(config.db_url, assignment, source)
        program = judge_program(config.db_url, assignment, source)
        # the library the kernels get: without what the assignment grades (made once here)
        edition = make_edition(assignment, program)
        protect = (str(config.root),)
        jobs = [
            Job(
                assignment,
                student,
                _submission_files(folder / assignment),
                tuple(notebooks),
                template_db,
                limits,
                protect,
                program,
                edition,
            )
            for student, folder in todo.items()
        ]
        by_student = {job.student: job for job in jobs}
        results: list[Result] = []
        futures = [
            client.submit(grade, job, key=f"grade-{assignment}-{job.student}") for job in jobs
        ]
        bar = tqdm(total=len(jobs), desc=f"autograde {assignment}", disable=not progress)
        for future in as_completed(futures):
            result = future.result()
            job = by_student[result.student]
            submitted = {}
            for name in notebooks:
                try:
                    submitted[name] = job.files[f"{name}.ipynb"].decode("utf-8")
                except (KeyError, UnicodeDecodeError):
                    continue
            flags = inspect_submission(submitted, result.notebooks, source_cells)
            flags += [f for report in result.judged for f in report["flags"] if f not in flags]
            result.problems += [
                f"grader: {p}" for report in result.judged for p in report["problems"]
            ]
            record(
                result,
                config.root,
                config.db_url,
                todo[result.student] / assignment,
                flags,
                config.traitlets,
            )
            results.append(result)
            bar.update()
        bar.close()
        client.gather(warming)  # (kept referenced until here so that they are not cancelled)
    return sorted(results, key=lambda r: r.student)

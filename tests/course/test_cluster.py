"""Grading beyond one machine and with several graders' gradebook.

* Dask: a real ``dask scheduler`` and two ``dask worker`` processes on loopback
  (started here), and ``gradlib-course autograde --scheduler tcp://127.0.0.1:PORT``.
* PostgreSQL: a real server (Debian's ``postgresql``; ``initdb``/``pg_ctl`` on a
  temporary data folder and a free port, as the unprivileged ``postgres`` user when
  the tests run as root), set as the course's ``db_url``.

Both must give the same scores as grading with a local cluster into SQLite.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from gradlib_course.demo import make_course
from gradlib_course.tools import tool_env
from servers import free_port, postgres_server

from conftest import BIN, run_tool  # noqa: I001
from course_classes import A1, expected_normal, normal_class, part_scores


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """``postgresql://...`` of a throw-away server with an empty ``gradebook`` database."""
    with postgres_server(tmp_path_factory.mktemp("pg")) as server:
        yield server.url


def _env():
    return tool_env()


def _cli(root, *args) -> list[str]:
    return [sys.executable, "-m", "gradlib_course", "--course", str(root), "-q", *args]


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """``tcp://127.0.0.1:PORT`` of a scheduler with two single-threaded workers."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    procs = []

    def start(args, name):
        log = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        procs.append(
            subprocess.Popen(
                [str(BIN / "dask"), *args],
                env=_env(),
                cwd=logs,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], "sched")
    for i in range(2):
        start(
            ["worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
             "--name", f"w{i}", "--local-directory", str(logs / f"w{i}")],
            f"worker{i}",
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout=5) as client:
                    client.wait_for_workers(2, timeout=60)
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """What serial ``nbgrader autograde`` gives the small class (see test_parallel.py)."""
    root = make_course(tmp_path_factory.mktemp("local") / "course", [A1])
    return expected_normal(root, A1, normal_class(root, A1))


def test_grading_on_a_dask_cluster_gives_the_same_scores(dask_cluster, reference, tmp_path):
    from distributed import Client

    root = make_course(tmp_path / "course", [A1])
    normal_class(root, A1)
    out = run_tool(_cli(root, "autograde", A1, "--scheduler", dask_cluster), cwd=root).stdout
    assert "graded 4 submission(s)" in out
    assert part_scores(f"sqlite:///{root / 'gradebook.db'}", A1) == reference
    with Client(dask_cluster) as client:  # the jobs ran on the cluster's workers
        done = client.run_on_scheduler(
            lambda dask_scheduler: (
                sorted(str(k) for k in dask_scheduler.task_prefixes.get("grade", None).states)
                if "grade" in dask_scheduler.task_prefixes
                else []
            )
        )
    assert done, "no grading task ever reached the scheduler"


# -- PostgreSQL -------------------------------------------------------------------------


def test_postgresql_gradebook_gives_the_same_scores(postgres, reference, tmp_path):
    root = make_course(tmp_path / "course", [A1], db_url=postgres)
    normal_class(root, A1)
    assert not (root / "gradebook.db").exists()
    run_tool(_cli(root, "autograde", A1, "--workers", "2"), cwd=root)
    assert part_scores(postgres, A1) == reference
    # the rest of the workflow reads the same gradebook
    run_tool(_cli(root, "export", "--output", str(tmp_path / "grades.csv")), cwd=root)
    lines = (tmp_path / "grades.csv").read_text().splitlines()
    assert lines[0] == f"student_id,last_name,first_name,email,{A1},total"
    assert len(lines) == 1 + len(reference)
    assert not (root / "gradebook.db").exists()

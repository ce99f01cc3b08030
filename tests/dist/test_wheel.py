"""The wheel and sdist of `make dist` hold the library and nothing a student must not see."""

from __future__ import annotations

import sys
import tarfile
import zipfile

from conftest import REPO

sys.path.insert(0, str(REPO / "book" / "_ext"))
from install_cell import wheel_name  # noqa: E402

WHEEL = REPO / "dist" / wheel_name()

SDIST = WHEEL.with_name(WHEEL.name.replace("-py3-none-any.whl", ".tar.gz"))
FORBIDDEN = ("solutions", "samples", "exercises", "tests/", "hidden_tests_source", ".ipynb")


def test_the_wheel_holds_the_two_packages_and_their_metadata_only():
    names = zipfile.ZipFile(WHEEL).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"gradlib", "gradlib_course", WHEEL.name.split("-py3")[0] + ".dist-info"}
    assert "gradlib/book/gradlib.mplstyle" in names and "gradlib/book/glue.py" in names
    for name in names:
        assert not any(mark in name for mark in FORBIDDEN), f"the wheel holds {name}"


def test_the_sdist_holds_no_solutions_or_samples():
    names = tarfile.open(SDIST).getnames()
    assert any(n.endswith("lib/gradlib/__init__.py") for n in names)
    for name in names:
        assert not any(mark in name for mark in FORBIDDEN), f"the sdist holds {name}"


def test_the_wheel_declares_the_notebooks_and_course_extras():
    meta = zipfile.ZipFile(WHEEL).read(f"{WHEEL.name.split('-py3')[0]}.dist-info/METADATA")
    text = meta.decode()
    assert 'Requires-Dist: ipywidgets; extra == "notebooks"' in text
    assert 'extra == "course"' in text
    assert "myst" not in text.split("Provides-Extra")[0], "the base install needs no book tools"
    assert (REPO / "dist").is_dir()

"""gradlib.grading's hidden tests as a notebook runs them: in-kernel, checked where they run.

The grader's side of hidden tests (recording, the wire, judging, the integrity probe)
is the instructor's package's: ``tests/course/test_recording.py``.
"""

from __future__ import annotations

import doubling
import numpy as np
import pytest

from gradlib.grading import hidden_tests
from gradlib.grading.hidden import HiddenTest, handing_to

# --- hidden tests run in the notebook --------------------------------------------------------


_cases, _make = doubling.cases, doubling.make


def test_in_kernel_mode_runs_and_checks():
    run, check = _make(lambda x: 2 * x)
    hidden_tests(_cases, run, check)
    run, check = _make(lambda x: 3 * x)
    with pytest.raises(AssertionError, match="2x for trial 0: differs from the reference"):
        hidden_tests(_cases, run, check)


def test_in_kernel_mode_names_the_case_whose_call_raised():
    def broken(x):
        raise ValueError("shapes do not match")

    run, check = _make(broken)
    with pytest.raises(AssertionError, match="trial 0: your code raised ValueError: shapes"):
        hidden_tests(_cases, run, check)


def test_the_run_function_gets_a_copy_so_the_check_sees_the_original_inputs():
    def mutating(x):
        x *= 0
        return 2 * x

    run, check = _make(mutating)
    with pytest.raises(AssertionError, match="differs from the reference"):
        hidden_tests(_cases, run, check)


def test_a_grader_that_takes_the_tests_over_gets_them_whole_and_nothing_runs_here():
    calls = []
    run, check = _make(lambda x: calls.append(x))
    handed = []
    with handing_to(handed.append):
        hidden_tests(_cases, run, check, forbidden=[np.dot])
    assert calls == []  # the student's code did not run here
    (test,) = handed
    assert isinstance(test, HiddenTest) and test.run is run and test.check is check
    assert test.forbidden == (np.dot,) and test.namespace is globals()
    assert [what for what, _ in test.each_case()] == [f"trial {k}" for k in range(5)]
    hidden_tests(_cases, *_make(lambda x: 2 * x))  # ... and after the block, here again
    assert handed == [test]


def test_the_notebooks_helpers_need_nothing_of_the_instructors_package():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "class _NoCourse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'gradlib_course':\n"
        "            raise ImportError('no gradlib_course here')\n"
        "sys.meta_path.insert(0, _NoCourse())\n"
        "from gradlib.grading import check_close, grader_only, hidden_tests, quiet\n"
        "def _cases():\n    yield 'one', np.ones(2)\n"
        "@grader_only\ndef _check(what, got, x):\n    check_close(what, got, 2 * x)\n"
        "hidden_tests(_cases, lambda x: 2 * x, _check)\n"
        "print(sorted(m for m in sys.modules if m.startswith('gradlib_course')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

"""The grader's side of hidden tests: recording in the kernel, the wire, judging, the probe.

The notebook's side (``gradlib.grading.hidden_tests`` run in-kernel) is
``tests/lib/test_grading_hidden.py``.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from fractions import Fraction

import doubling
import numpy as np
import pytest
from gradlib_course.judge import JudgeCell, judging
from gradlib_course.kernel_cells import kernel_cell, kernel_source, plan_test_cell
from gradlib_course.recording import probe, wire
from gradlib_course.recording.recorder import recording
from hypothesis import given
from hypothesis import strategies as st

from gradlib.grading import check_close, grader_only, hidden_tests
from gradlib.grading.hidden import GraderOnly

# --- the wire ---------------------------------------------------------------------------------


def _roundtrip(value):
    return wire.decode(json.loads(json.dumps(wire.encode(value))))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2**80,
        -0.5,
        float("nan"),
        float("-inf"),
        1 + 2j,
        "text",
        (1, 2.5),
        [1, (2, [3])],
        {"sum": 3.0, 1: None},
        {1, 2},
        np.float32(1.5),
        np.int64(-7),
        np.bool_(True),
        np.arange(12, dtype=np.float32).reshape(3, 4),
        np.zeros((0, 3)),
        np.array([True, False]),
        np.array([1 + 1j], dtype=np.complex64),
        np.arange(6.0)[::2],  # not contiguous
    ],
    ids=repr,
)
def test_wire_keeps_what_a_check_may_rely_on(value):
    back = _roundtrip(value)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray | np.generic):
        assert back.dtype == value.dtype and np.shape(back) == np.shape(value)
        np.testing.assert_array_equal(back, value)
    elif isinstance(value, float) and np.isnan(value):
        assert np.isnan(back)
    else:
        assert back == value


def test_wire_keeps_a_dict_state_of_arrays():
    back = _roundtrip({"sum": np.arange(3.0), "step": 2})
    assert list(back) == ["sum", "step"] and back["step"] == 2
    np.testing.assert_array_equal(back["sum"], np.arange(3.0))


def test_wire_turns_other_numbers_into_floats_and_other_objects_into_opaque_values():
    assert _roundtrip(Fraction(1, 4)) == 0.25
    back = _roundtrip(object())
    assert isinstance(back, wire.Opaque) and "object" in repr(back)
    with pytest.raises(AssertionError, match="expected numbers"):
        check_close("x", back, 1.0)
    objects = _roundtrip(np.array([1, "a"], dtype=object))
    assert objects.dtype == object and list(objects) == [1, "a"]


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=12,
))  # fmt: skip
def test_wire_roundtrips_nested_python_values(value):
    assert _roundtrip(value) == value


def _array(data, dtype="<f8", shape=(2,)):
    raw = base64.b64encode(np.zeros(2).tobytes()).decode() if data is None else data
    return {"array": dtype, "shape": list(shape), "data": raw}


@pytest.mark.parametrize(
    "data, message",
    [
        ({"array": "|O", "shape": [1], "data": ""}, "not a numeric dtype"),
        ({"array": "<U3", "shape": [1], "data": ""}, "not a numeric dtype"),
        (_array(None, shape=(3,)), "its shape needs"),
        (_array(None, shape=(2, -1)), "bad array shape"),
        (_array(None, shape=(10**6, 10**6)), "larger than the grader accepts"),
        (_array("not base64!"), "not base64"),
        ({"pickle": "gASVAAAAAAAAAAA="}, "unexpected"),
        ({"list": [1], "tuple": [2]}, "unexpected"),
        ({"float": "1e309"}, "bad float"),
        ({"dict": [[1]]}, "key-value pairs"),
        ({"set": [{"list": []}]}, "unhashable"),
        ({"scalar": "<f8", "data": base64.b64encode(b"123").decode()}, "wrong size"),
        (2**5000, "too large"),
        ("x" * (wire.MAX_TEXT + 1), "too long"),
    ],
)
def test_wire_rejects_what_encode_could_not_have_made(data, message):
    with pytest.raises(wire.WireError, match=message):
        wire.decode(data)


def test_wire_rejects_nesting_deeper_than_its_limit():
    data = 1
    for _ in range(wire.MAX_DEPTH + 5):
        data = {"list": [data]}
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decode(data)


# --- recording in the kernel, judging in the grader ----------------------------------------


_cases, _make = doubling.cases, doubling.make


def _recorded(student):
    sent = []
    run, check = _make(student)
    with recording(lambda payload: sent.append(json.loads(json.dumps(payload)))):
        hidden_tests(_cases, run, check)
    return sent, check


def test_recording_checks_nothing_and_judging_decides():
    sent, check = _recorded(lambda x: 3 * x)  # wrong, and nothing raised while recording
    assert len(sent) == 1 and len(sent[0]["results"]) == 5
    with judging(JudgeCell(sent)), pytest.raises(AssertionError, match="differs"):
        hidden_tests(_cases, None, check)
    good, check = _recorded(lambda x: 2 * x)
    with judging(JudgeCell(good)):
        hidden_tests(_cases, None, check)


def test_judging_reports_the_call_that_raised_in_the_kernel():
    def broken(x):
        raise KeyError("sum")

    sent, check = _recorded(broken)
    assert sent[0]["error"]["case"] == 0 and sent[0]["results"] == []
    with judging(JudgeCell(sent)), pytest.raises(AssertionError, match="raised KeyError"):
        hidden_tests(_cases, None, check)


@pytest.mark.parametrize(
    "blocks, message",
    [
        ([], "never reached the grader"),
        ([{"results": "forged"}], "never reached the grader"),
        ([{"results": [0.0] * 9}], "more results than there are hidden cases"),
        ([{"results": [{"array": "|O", "shape": [], "data": ""}]}], "could not be read"),
        ([{"results": [wire.encode(np.zeros(3))]}], "trial 0: differs"),
        ([{"results": [wire.encode((1, 2))]}], "expected shape"),
    ],
)
def test_judging_fails_whatever_the_kernel_sent_instead(blocks, message):
    _, check = _make(lambda x: 2 * x)
    with judging(JudgeCell(blocks)), pytest.raises(AssertionError, match=message):
        hidden_tests(_cases, None, check)


def test_a_result_of_the_wrong_form_is_a_failure_not_a_crash():
    def cases():
        yield "a pair", 1.0

    @grader_only
    def check(what, got, x):
        first, second = got
        check_close(what, first, x)

    with judging(JudgeCell([{"results": [wire.encode(3.0)]}])):
        with pytest.raises(AssertionError, match="a pair: your result has the wrong form"):
            hidden_tests(cases, None, check)


SOURCE = """x0 = 1.0
check_close("visible", f(x0), 2.0)
def harness(v):
    return f(v)
### BEGIN HIDDEN TESTS
from gradlib.grading import grader_only, hidden_tests


def _cases():
    yield "one", 1.0


def _run(x):
    return harness(x)


@grader_only
def _check(what, got, x):
    expected = 2 * x  # the answer key
    check_close(what, got, expected)


hidden_tests(_cases, _run, _check)
### END HIDDEN TESTS
print("done")
"""


def test_the_kernel_gets_no_answer_key_and_runs_hidden_tests_before_visible_checks():
    cell = kernel_cell(SOURCE)
    assert "the answer key" not in cell and "2 * x" not in cell
    assert cell.index("def harness") < cell.index("hidden_tests(") < cell.index('"visible"')
    sent = []
    namespace = {"f": lambda v: 3 * v, "check_close": check_close}  # wrong: the visible check fails
    with recording(sent.append), pytest.raises(AssertionError, match="visible"):
        exec(compile(cell, "<cell>", "exec"), namespace)
    assert len(sent) == 1 and sent[0]["results"] == [3.0]  # ... after the results were sent
    with pytest.raises(GraderOnly):
        exec(compile(kernel_source("@grader_only\ndef k():\n    return 1\nk()\n"), "<c>", "exec"),
             {"grader_only": grader_only})  # fmt: skip


def test_plan_keeps_the_visible_definitions_for_the_grader():
    definitions, hidden, checks = plan_test_cell(SOURCE)
    assert "def harness" in definitions and "x0" not in definitions
    assert "expected = 2 * x" in hidden
    assert 'print("done")' in checks and "x0 = 1.0" in checks


@pytest.mark.parametrize(
    "source, message",
    [
        ("@grader_only\nclass K:\n    pass\n", "marks functions"),
        ("@grader_only\ndef k(): return 1\n", "over several lines"),
        ("%timeit 1\n", "not plain Python"),
    ],
)
def test_answer_keys_that_cannot_be_kept_out_are_refused(source, message):
    with pytest.raises(ValueError, match=message):
        kernel_source(source)


# --- the integrity probe ----------------------------------------------------------------------

PROBE = """
import json, sys
import numpy as np
import gradlib.grading
from gradlib.grading.checks import check_close
from gradlib_course.recording import probe
probe.kernel_baseline()
{change}
print(json.dumps(probe.snapshot({{"np": np, "check_close": check_close}})))
"""


def _kernel_snapshot(change: str = "") -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(change=change)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(out)


def _differences(change: str) -> list[str]:
    import numpy as np

    from gradlib.grading.checks import check_close as clean

    kernel = _kernel_snapshot(change)
    mine = probe.grader_snapshot({"np": np, "check_close": clean}, list(kernel["modules"]))
    return probe.Comparison()(kernel, mine)


def test_an_untouched_process_matches_the_graders_fingerprints():
    assert _differences("") == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ("np.allclose = lambda *a, **k: True", "numpy.allclose was replaced"),
        ("setattr(gradlib.grading, 'check' + '_close', print)", "gradlib.grading.check_close"),
        ("gradlib.grading.checks.check_close.__defaults__ = (1.0, 1.0)",
         "gradlib.grading.checks.check_close was replaced"),
        ("import builtins; builtins.abs = lambda x: 0", "builtins.abs"),
        ("sys.modules['gradlib.grading'] = type(sys)('gradlib.grading')",
         "is not the library's module"),
        ("sys.setprofile(lambda *a: None)", "sys.setprofile changed"),
        ("del np.testing.assert_allclose", "numpy.testing.assert_allclose was deleted"),
        ("import gradlib_course.recording.recorder as r; r.call_student = lambda *a, **k: 0",
         "gradlib_course.recording.recorder.call_student was replaced"),
    ],
)  # fmt: skip
def test_a_change_is_named_whatever_way_it_was_made(change, expected):
    found = _differences(change)
    assert any(expected in f for f in found), found


def test_a_rebound_name_in_the_notebook_is_named():
    kernel = _kernel_snapshot()
    kernel["names"]["check_close"] = "0" * 8
    mine = probe.grader_snapshot({"check_close": check_close}, [])
    assert probe.Comparison()(kernel, mine) == [
        "the notebook's `check_close` is not what its own cells made it"
    ]

"""gradlib.grading: messages a student can act on; hidden tests never reveal expected values."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from gradlib.grading import check_close, check_sequence_close
from gradlib.grading.checks import hiding_expected


def test_passes_within_tolerance():
    check_close("x", [1.0, 2.0], np.array([1.0, 2.0 + 1e-12]))


def test_a_hidden_check_reports_max_error_and_index_but_not_the_expected_array():
    expected = np.array([0.123456789, 0.987654321, 0.5])
    with hiding_expected(), pytest.raises(AssertionError) as info:
        check_close("the gradient", [0.123456789, 0.967654321, 0.5], expected)
    msg = str(info.value)
    assert "the gradient" in msg and "max abs error 0.02" in msg and "(1,)" in msg
    assert "0.987654" not in msg and "0.123456" not in msg and "expected" not in msg


@pytest.mark.parametrize(
    "got, expected, message",
    [
        (0.747, 0.7, "z: expected 0.7, got 0.747 (tolerance atol=1e-09, rtol=1e-06)"),
        ([0.7, 0.2], [0.7, 0.25], "z: at index (1,) expected 0.25, got 0.2 (1 of 2 values"),
        ([[1, 2], [3, 4.5]], [[1, 2], [3, 4]], "z: at index (1, 1) expected 4, got 4.5 (1 of 4"),
        (1.0 + 1e-5, 1.0, "z: expected 1, got 1.00001 "),  # as many digits as it takes
        (1234.502, 1234.5, "z: expected 1234.5, got 1234.502 "),
    ],
)
def test_a_visible_check_says_expected_and_got(got, expected, message):
    with pytest.raises(AssertionError) as info:
        check_close("z", got, expected)
    assert str(info.value).startswith(message)
    with hiding_expected(), pytest.raises(AssertionError) as info:
        check_close("z", got, expected)
    assert "expected" not in str(info.value) and "differs from the reference" in str(info.value)


def test_shape_mismatch_is_reported():
    with pytest.raises(AssertionError, match=r"expected shape \(2,\), got shape \(3,\)"):
        check_close("w", [1.0, 2.0, 3.0], [1.0, 2.0])


def test_none_and_nan_are_reported():
    with pytest.raises(AssertionError, match="returned None"):
        check_close("z", None, 1.0)
    with pytest.raises(AssertionError, match="NaN or infinite"):
        check_close("z", [np.nan, 1.0], [1.0, 1.0])
    with pytest.raises(AssertionError, match="expected numbers"):
        check_close("z", "abc", 1.0)


def test_sequence_names_the_first_differing_step():
    ref = np.arange(12.0).reshape(4, 3)
    got = ref.copy()
    got[2, 1] += 0.5
    got[3, 0] += 0.5
    with pytest.raises(AssertionError, match="step 2"):
        check_sequence_close("weights", got, ref)


def test_no_warning_on_overflowing_input(recwarn):
    with pytest.raises(AssertionError):
        check_close("big", [1e308 * 10], [1.0])
    assert not recwarn.list


# --- the reference-delegation guard --------------------------------------------------------

import gradlib.book.neuron  # noqa: E402
from gradlib.book.neuron import neuron_loss_and_gradient as aliased  # noqa: E402
from gradlib.grading import ReferenceUsed, call_student  # noqa: E402

ARGS = (np.array([2.0, 1.0]), np.array([0.3, 0.1]), 2.0)


def own_work(x, w, y):
    z = float(np.dot(w, x))
    return -(y - max(z, 0.0)) * (z > 0) * x


def test_own_work_passes_and_returns_the_result():
    got = call_student("dL/dw", own_work, *ARGS, forbidden=[gradlib.book.neuron])
    np.testing.assert_allclose(got, [-2.6, -1.3])


NEURON = gradlib.book.neuron


@pytest.mark.parametrize(
    "delegate",
    [
        lambda x, w, y: NEURON.neuron_loss_and_gradient(x, w, y)[1],  # module attribute
        lambda x, w, y: aliased(x, w, y)[1],  # imported under another name
        lambda x, w, y: getattr(NEURON, "neuron_" + "graph")(x, w, y).grad_w,  # getattr
        lambda x, w, y: __import__("gradlib.book.neuron", fromlist=["_"]).gradient_descent(
            x, w, y, 0.1, 0
        )[0],  # imported at run time
    ],
)
def test_every_way_of_reaching_the_reference_is_caught(delegate):
    with pytest.raises(ReferenceUsed, match="gradlib's own implementation"):
        call_student("dL/dw", delegate, *ARGS, forbidden=[gradlib.book.neuron])


def test_forbidding_a_single_function_allows_the_rest():
    call_student(
        "dL/dw",
        lambda x, w, y: gradlib.book.neuron.neuron_graph(x, w, y).grad_w,
        *ARGS,
        forbidden=[gradlib.book.neuron.gradient_descent],
    )
    with pytest.raises(ReferenceUsed):
        call_student(
            "steps",
            lambda x, w, y: gradlib.book.neuron.gradient_descent(x, w, y, 0.1, 1),
            *ARGS,
            forbidden=[gradlib.book.neuron.gradient_descent],
        )


def test_classes_are_watched_through_their_methods():
    from gradlib.autodiff import Value

    with pytest.raises(ReferenceUsed, match="Value"):
        call_student("relu", lambda z: Value(z).relu().data, 0.5, forbidden=[Value])


def test_previous_profiler_is_restored_and_exceptions_propagate():
    def boom():
        raise KeyError("student bug")

    before = sys.getprofile()
    with pytest.raises(KeyError):
        call_student("boom", boom, forbidden=[gradlib.book.neuron])
    assert sys.getprofile() is before

"""gradlib.grading: messages a student can act on, without revealing the expected values."""

from __future__ import annotations

import numpy as np
import pytest

from gradlib.grading import check_close, check_sequence_close


def test_passes_within_tolerance():
    check_close("x", [1.0, 2.0], np.array([1.0, 2.0 + 1e-12]))


def test_reports_max_error_and_index_but_not_the_expected_array():
    expected = np.array([0.123456789, 0.987654321, 0.5])
    with pytest.raises(AssertionError) as info:
        check_close("the gradient", [0.123456789, 0.967654321, 0.5], expected)
    msg = str(info.value)
    assert "the gradient" in msg and "max abs error 0.02" in msg and "(1,)" in msg
    assert "0.987654" not in msg and "0.123456" not in msg


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

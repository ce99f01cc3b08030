"""What graded notebooks use: comparisons, the delegation guard and hidden tests.

* :mod:`~gradlib.grading.checks` -- :func:`check_close` and :func:`check_sequence_close`,
  whose messages a student can act on without seeing the expected values;
* :mod:`~gradlib.grading.guard` -- :func:`call_student`, which fails a part whose
  code runs gradlib's own implementation (:class:`ReferenceUsed`);
* :mod:`~gradlib.grading.hidden` -- :func:`hidden_tests` and :func:`grader_only`:
  hidden tests, which run in the notebook -- or, under ``gradlib-course``, are handed
  to the grader, whose machinery (recorder, wire format, integrity probe, judge) is the
  instructor's package's, never the students'.
"""

from gradlib.grading.checks import check_close, check_sequence_close, quiet
from gradlib.grading.guard import ReferenceUsed, call_student
from gradlib.grading.hidden import grader_only, hidden_tests

__all__ = [
    "ReferenceUsed",
    "call_student",
    "check_close",
    "check_sequence_close",
    "grader_only",
    "hidden_tests",
    "quiet",
]

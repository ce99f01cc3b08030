"""Hidden tests: the student's code on inputs the notebook does not show.

A hidden test is three functions and a call, inside the test cell's
``### BEGIN HIDDEN TESTS`` region::

    def _cases():                        # the hidden inputs: (what, *args) per case
        rng = np.random.default_rng(1101)
        for trial in range(25):
            n = int(rng.integers(1, 7))
            yield f"a neuron with {n} inputs (trial {trial})", rng.normal(size=n), ...

    def _run(x, w, y):                   # calls the student's code, returns plain data
        return neuron_forward(x, w, y)

    @grader_only
    def _check(what, got, x, w, y):      # the answer key: the reference and the comparison
        ref = neuron_graph(x, w, y)
        check_close(f"z for {what}", got[0], ref.z.data)

    hidden_tests(_cases, _run, _check, forbidden=[gradlib.book.neuron])

Run anywhere -- ``nbgrader autograde``, ``nbgrader validate``, nbval, a student's own
run -- every case runs ``_run`` on its own deep copy of the inputs, through the
reference-delegation guard (:func:`gradlib.grading.call_student`), and then ``_check``,
in the same process, as any nbgrader test does.

``gradlib-course``, the instructor's grading workflow, takes the hidden tests over
(:func:`hand_over`, :func:`handing_to`): in the student's kernel they only record what
``_run`` returned, without the bodies of ``@grader_only`` functions, and the verdict
is reached in a process the submission never touched (``gradlib_course.recording``,
``gradlib_course.judge``). For that, ``_run`` must return data (numbers, arrays,
tuples, lists, dicts, strings); anything a check needs from the student's code -- an
input the call must not have modified, the calls a callback saw -- is part of what
``_run`` returns.  ``_cases`` must make the same cases every time it is called (seeded
random numbers only) and must not call the student's code.  All cases are made before
the first one runs: a function made in ``_cases``'s loop must bind the loop's values
when it is made (a factory or default arguments), not look them up later.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from gradlib.grading.checks import hiding_expected, quiet
from gradlib.grading.guard import ReferenceUsed, call_student

__all__ = [
    "GraderOnly",
    "HiddenTest",
    "grader_only",
    "hand_over",
    "handing_to",
    "hidden_tests",
    "student_failure",
]


class GraderOnly(RuntimeError):
    """An answer-key function was called where only the student's code should run."""


def grader_only(func: Callable) -> Callable:
    """Mark an answer-key function: ``gradlib-course`` never sends its body to the kernel."""
    func.__gradlib_grader_only__ = True
    return func


@dataclass(frozen=True)
class HiddenTest:
    """One call of :func:`hidden_tests`: what a grader that takes it over is handed."""

    cases: Callable[[], Iterable]
    run: Callable
    check: Callable
    forbidden: tuple
    namespace: dict  # the globals of the cell that called hidden_tests

    def each_case(self) -> list[tuple[str, tuple]]:
        """``[(what, args), ...]``: every case, made before any runs."""
        out = []
        for case in self.cases():
            what, *args = case
            out.append((str(what), tuple(args)))
        return out

    def verify(self, what: str, got, args: tuple) -> None:
        """``check(what, got, *args)``; any error but a failed check says ``got`` is malformed.

        A failed check does not show the hidden expected values, and numpy's warnings
        are silenced (nbgrader scores a cell that writes to stderr as zero).
        """
        try:
            with quiet(), hiding_expected():
                self.check(what, got, *args)
        except (AssertionError, GraderOnly):
            raise
        except Exception as exc:  # noqa: BLE001 - a result of the wrong form breaks the check
            text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise AssertionError(
                f"{what}: your result has the wrong form ({type(exc).__name__}: {text})"
            ) from None


class _Grader:
    """Who runs the hidden tests instead of this process (``runner``; None: nobody)."""

    runner: Callable[[HiddenTest], None] | None = None


_grader = _Grader()


def hand_over(runner: Callable[[HiddenTest], None] | None):
    """From now on :func:`hidden_tests` hands each test to ``runner(test)``; the previous one.

    ``None`` takes the tests back: they run here again.  ``gradlib-course``'s graded
    kernel hands them to its recorder as it starts.
    """
    previous, _grader.runner = _grader.runner, runner
    return previous


@contextmanager
def handing_to(runner: Callable[[HiddenTest], None] | None):
    """Within this block, :func:`hidden_tests` hands each test to ``runner(test)`` instead.

    ``gradlib-course`` judges recorded results this way in its own process, or collects
    what each test forbids.
    """
    previous = hand_over(runner)
    try:
        yield runner
    finally:
        hand_over(previous)


def student_failure(what: str, exc: BaseException) -> AssertionError:
    """The failure a case whose call of the student's code raised ``exc`` reports."""
    if isinstance(exc, ReferenceUsed):
        return exc
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return AssertionError(f"{what}: your code raised {detail}")


def hidden_tests(
    cases: Callable[[], Iterable],
    run: Callable,
    check: Callable,
    *,
    forbidden=(),
) -> None:
    """Run one hidden test (see the module docstring), or hand it to the grader.

    cases : ``cases()`` yields ``(what, *args)``; ``what`` names the case in messages.
    run : ``run(*args)`` calls the student's code on a copy of ``args`` and returns data.
    check : ``check(what, got, *args)`` raises ``AssertionError`` if ``got`` is wrong.
    forbidden : gradlib functions, classes or modules that ``run`` must not execute
        (:func:`gradlib.grading.call_student`).
    """
    test = HiddenTest(cases, run, check, tuple(forbidden), sys._getframe(1).f_globals)
    if _grader.runner is not None:
        return _grader.runner(test)
    for what, args in test.each_case():
        try:
            got = call_student(what, run, *copy.deepcopy(args), forbidden=test.forbidden)
        except Exception as exc:  # noqa: BLE001 - the student's code may raise anything
            raise student_failure(what, exc) from exc
        test.verify(what, got, args)
    return None

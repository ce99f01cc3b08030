"""Hidden tests whose verdict the graded code cannot reach.

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

Where it runs decides what :func:`hidden_tests` does:

* **in-kernel** (``nbgrader autograde``, ``nbgrader validate``, nbval, a student's own
  run): every case runs ``_run`` and then ``_check``, in the same kernel, as any
  nbgrader test does.  Honest work is graded right; a submission that rewires the
  kernel (rebinds ``check_close``, patches numpy) can forge the verdict.
* **recording** (the kernel that ``gradlib-course`` starts for a submission): the
  cases run ``_run`` only -- each on its own deep copy of the inputs, through the
  reference-delegation guard -- and what came back is sent out as one display output
  (:data:`gradlib.grading.wire.MIME`), with an integrity snapshot of the kernel
  (:mod:`gradlib.grading.probe`).  Nothing is checked there: the grader sends that
  kernel the cell without the bodies of ``@grader_only`` functions
  (:func:`kernel_source`), so neither the reference results nor the comparisons
  ever exist in the student's process; and it runs the hidden tests before the visible
  checks, which therefore cannot stop them (:func:`kernel_cell`).
* **judging** (``gradlib-course``'s grading process, which the submission never
  touched, :mod:`gradlib_course.judge`): the cases are made again, and ``_check``
  runs on the recorded results.  Its first failure is the part's verdict.

``_run`` must return data (numbers, arrays, tuples, lists, dicts, strings; see
:mod:`gradlib.grading.wire`); anything a check needs from the student's code --
an input the call must not have modified, the calls a callback saw -- is part of
what ``_run`` returns.  ``_cases`` must make the same cases every time it is called
(seeded random numbers only) and must not call the student's code.  All cases are
made before the first one runs: a function made in ``_cases``'s loop must bind the
loop's values when it is made (a factory or default arguments), not look them up
later.
"""

from __future__ import annotations

import ast
import copy
import sys
from collections.abc import Callable, Iterable

from gradlib.grading import probe, wire
from gradlib.grading.checks import hiding_expected, quiet
from gradlib.grading.guard import ReferenceUsed, call_student
from gradlib.grading.markers import split_hidden

__all__ = [
    "GraderOnly",
    "JudgeCell",
    "collecting",
    "grader_only",
    "hidden_tests",
    "install_kernel_recorder",
    "judging",
    "kernel_cell",
    "kernel_source",
    "plan_test_cell",
    "recording",
]


class GraderOnly(RuntimeError):
    """An answer-key function was called where only the student's code should run."""


def grader_only(func: Callable) -> Callable:
    """Mark an answer-key function: ``gradlib-course`` never sends its body to the kernel."""
    func.__gradlib_grader_only__ = True
    return func


# --- where results go while recording, and where they come from while judging --------------


class _Mode:
    """Where results go while recording, where they come from while judging (else: None).

    ``collector``: while the grader plans an assignment (:func:`collecting`), the
    ``forbidden`` objects of every hidden test are gathered there and nothing runs.
    """

    recorder: Callable[[dict], None] | None = None
    judge: JudgeCell | None = None
    collector: list | None = None


_mode = _Mode()


class JudgeCell:
    """The recorded results of one test cell, handed out to its hidden tests in order."""

    def __init__(self, blocks: list):
        self.blocks = list(blocks)
        self.used = 0
        self.snapshots: list = []  # the kernel's integrity snapshots, in order

    def next_block(self):
        if self.used >= len(self.blocks):
            self.used += 1
            return None
        block = self.blocks[self.used]
        self.used += 1
        return block


class _Context:
    def __init__(self, setter, value):
        self._setter, self._value = setter, value

    def __enter__(self):
        self._previous = self._setter(self._value)
        return self._value

    def __exit__(self, *exc):
        self._setter(self._previous)


def _set_recorder(value):
    previous, _mode.recorder = _mode.recorder, value
    return previous


def _set_judge(value):
    previous, _mode.judge = _mode.judge, value
    return previous


def _set_collector(value):
    previous, _mode.collector = _mode.collector, value
    return previous


def collecting(found: list):
    """Plan (``with collecting(found): ...``): each hidden test adds its ``forbidden`` to ``found``.

    No case is made and no code of the student's is called: the grader uses this to
    learn what an assignment grades (:mod:`gradlib_course.edition`).
    """
    return _Context(_set_collector, found)


def recording(emit: Callable[[dict], None]):
    """Record (``with recording(emit): ...``): results go to ``emit(payload)``, nothing checked."""
    return _Context(_set_recorder, emit)


def judging(cell: JudgeCell):
    """Judge (``with judging(JudgeCell(blocks)): ...``): check the recorded results."""
    return _Context(_set_judge, cell)


def install_kernel_recorder() -> None:
    """Make this kernel record (run by ``gradlib-course``'s graded kernel as it starts).

    Results are published through the display publisher the kernel has now, before
    any student code ran; the kernel's hooks are remembered for the integrity probe.
    """
    from IPython import get_ipython

    publish = get_ipython().display_pub.publish

    def emit(payload: dict) -> None:
        publish(data={wire.MIME: payload}, metadata={})

    _set_recorder(emit)
    probe.kernel_baseline()  # (the recorder is part of what the probe watches)


# --- the hidden test itself ------------------------------------------------------------------


def _failure(what: str, exc: BaseException) -> AssertionError:
    if isinstance(exc, ReferenceUsed):
        return exc
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return AssertionError(f"{what}: your code raised {detail}")


def _verify(check: Callable, what: str, got, args: tuple) -> None:
    """``check(what, got, *args)``; any error but a failed check says the result is malformed."""
    try:
        # a warning on stderr would cost the cell its points in nbgrader; a failed check
        # must not show the hidden expected values
        with quiet(), hiding_expected():
            check(what, got, *args)
    except AssertionError:
        raise
    except GraderOnly:
        raise
    except Exception as exc:  # noqa: BLE001 - a result of the wrong form breaks the check
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise AssertionError(
            f"{what}: your result has the wrong form ({type(exc).__name__}: {text})"
        ) from None


def _cases_of(cases: Callable[[], Iterable]) -> list[tuple[str, tuple]]:
    out = []
    for case in cases():
        what, *args = case
        out.append((str(what), tuple(args)))
    return out


def hidden_tests(
    cases: Callable[[], Iterable],
    run: Callable,
    check: Callable,
    *,
    forbidden=(),
) -> None:
    """Run one hidden test (see the module docstring): in-kernel, recording or judging.

    cases : ``cases()`` yields ``(what, *args)``; ``what`` names the case in messages.
    run : ``run(*args)`` calls the student's code on a copy of ``args`` and returns data.
    check : ``check(what, got, *args)`` raises ``AssertionError`` if ``got`` is wrong.
    forbidden : gradlib functions, classes or modules that ``run`` must not execute
        (:func:`gradlib.grading.call_student`).
    """
    if _mode.collector is not None:
        _mode.collector.extend(forbidden)
        return None
    if _mode.judge is not None:
        return _judge_results(cases, check, _mode.judge)
    if _mode.recorder is not None:
        return _record(cases, run, forbidden, sys._getframe(1).f_globals)
    for what, args in _cases_of(cases):
        try:
            got = call_student(what, run, *copy.deepcopy(args), forbidden=forbidden)
        except Exception as exc:  # noqa: BLE001 - the student's code may raise anything
            raise _failure(what, exc) from exc
        _verify(check, what, got, args)


def _record(cases, run, forbidden, namespace: dict) -> None:
    payload = {"version": 1, "run": getattr(run, "__name__", "?"), "results": []}
    try:
        payload["probe"] = probe.snapshot(namespace)
    except Exception as exc:  # noqa: BLE001 - a broken kernel still sends its results
        payload["probe"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    for what, args in _cases_of(cases):
        try:
            got = call_student(what, run, *copy.deepcopy(args), forbidden=forbidden)
        except Exception as exc:  # noqa: BLE001 - reported, and judged, by the grader
            payload["error"] = {
                "case": len(payload["results"]),
                "ename": type(exc).__name__,
                "evalue": str(exc)[:1000],
            }
            break
        payload["results"].append(wire.encode(got))
    _mode.recorder(payload)


def _judge_results(cases, check, cell: JudgeCell) -> None:
    block = cell.next_block()
    if not isinstance(block, dict) or not isinstance(block.get("results"), list):
        raise AssertionError(
            "the results of your code on the hidden tests never reached the grader "
            "(the cell's output was suppressed, replaced or cut short)"
        )
    cell.snapshots.append(block.get("probe"))
    results, error = block["results"], block.get("error")
    listed = _cases_of(cases)
    if len(results) > len(listed):
        raise AssertionError("the grader received more results than there are hidden cases")
    for index, (what, args) in enumerate(listed):
        if index < len(results):
            try:
                got = wire.decode(results[index])
            except wire.WireError as exc:
                raise AssertionError(f"{what}: your result could not be read ({exc})") from None
            _verify(check, what, got, args)
            continue
        if isinstance(error, dict) and error.get("case") == index:
            ename, evalue = str(error.get("ename", "Error"))[:100], str(error.get("evalue", ""))
            if ename == "ReferenceUsed":
                raise ReferenceUsed(evalue[:1000])
            first = evalue.strip().splitlines()[0][:300] if evalue.strip() else ""
            raise AssertionError(f"{what}: your code raised {ename}{': ' if first else ''}{first}")
        raise AssertionError(f"{what}: no result of your code reached the grader")


# --- what the student's kernel is sent ------------------------------------------------------

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _parse(text: str, what: str) -> ast.Module:
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        raise ValueError(
            f"{what} is not plain Python (line {exc.lineno}: {exc.msg}); its answer key "
            "cannot be kept out of the student's kernel"
        ) from None


def plan_test_cell(source: str) -> tuple[str, str, str]:
    """A test cell as ``(definitions, hidden, checks)``, three pieces of code.

    ``definitions``: the imports, functions and classes of the visible part (a test
    harness, a reference gradient given to the student's function); ``hidden``: the
    hidden tests; ``checks``: the rest of the visible part (its statements and
    checks).  The grader runs ``definitions`` and ``hidden``; the student's kernel
    runs all three, hidden tests *before* the visible checks
    (:func:`kernel_cell`), so that a visible check failing -- or made to fail --
    cannot keep the hidden tests from recording.
    """
    definitions, hidden, checks = [], [], []
    for is_hidden, text in split_hidden(source):
        tree = _parse(text, "a test cell")
        if is_hidden:
            hidden.append(text.strip("\n"))
            continue
        lines = text.splitlines()
        for node in tree.body:
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            code = "\n".join(lines[first - 1 : node.end_lineno])
            (definitions if isinstance(node, _DEFINITIONS) else checks).append(code)
    return "\n".join(definitions), "\n\n".join(hidden), "\n".join(checks)


def kernel_cell(source: str) -> str:
    """What ``gradlib-course`` sends the student's kernel for a test cell.

    The visible definitions, then the hidden tests without their answer key
    (:func:`kernel_source`), then the visible checks (see :func:`plan_test_cell`).
    """
    definitions, hidden, checks = plan_test_cell(source)
    return "\n\n".join(p for p in (definitions, kernel_source(hidden), checks) if p) + "\n"


def _is_grader_only(node) -> bool:
    for deco in getattr(node, "decorator_list", []):
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name == "grader_only":
            return True
    return False


def kernel_source(source: str) -> str:
    """``source`` with the body of every top-level ``@grader_only`` function replaced.

    The answer key never reaches the student's kernel: each such body becomes one
    ``raise GraderOnly(...)`` line (names and signatures stay, so the cell runs).
    Lines outside those bodies are kept as they are.
    """
    tree = _parse(source, "a test cell")
    lines = source.splitlines(keepends=True)
    cuts = []
    for node in tree.body:
        if not _is_grader_only(node):
            continue
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            raise ValueError(f"@grader_only marks functions, not {type(node).__name__}")
        first, last = node.body[0].lineno, node.end_lineno
        if first == node.lineno:
            raise ValueError(f"write the @grader_only function {node.name} over several lines")
        cuts.append((first, last, " " * node.body[0].col_offset))
    for first, last, indent in reversed(cuts):
        lines[first - 1 : last] = [f"{indent}raise {_STUB}\n"]
    return "".join(lines)


_STUB = '__import__("gradlib.grading.hidden").grading.hidden.GraderOnly("answer key")'

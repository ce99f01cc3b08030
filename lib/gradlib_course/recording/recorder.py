"""The graded kernel's side of hidden tests: run the student's code, send what it returned.

``gradlib-course`` starts each graded kernel with :func:`install_kernel_recorder`
(:mod:`gradlib_course.sandbox_init`), before any cell runs.  From then on every
:func:`gradlib.grading.hidden_tests` call is handed to a :class:`Recorder`: each case
runs the test's ``run`` on its own deep copy of the inputs, through the
reference-delegation guard, and what came back is sent out as one display output
(:data:`.wire.MIME`) with an integrity snapshot of the kernel (:mod:`.probe`).
Nothing is checked here: the kernel is sent each test cell without the bodies of its
``@grader_only`` functions (:mod:`gradlib_course.kernel_cells`), so neither the
reference results nor the comparisons ever exist in the student's process; the
verdict is reached by :mod:`gradlib_course.judge`, in a process the submission never
touched.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from gradlib.grading.guard import call_student
from gradlib.grading.hidden import HiddenTest, hand_over, handing_to
from gradlib_course.recording import probe, wire

__all__ = ["Recorder", "install_kernel_recorder", "record", "recording"]


def record(test: HiddenTest) -> dict:
    """The payload of one hidden test: the kernel's snapshot and each case's result.

    The first case whose call raised ends the list, with its error.
    """
    payload = {"version": 1, "run": getattr(test.run, "__name__", "?"), "results": []}
    try:
        payload["probe"] = probe.snapshot(test.namespace)
    except Exception as exc:  # noqa: BLE001 - a broken kernel still sends its results
        payload["probe"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    for what, args in test.each_case():
        try:
            got = call_student(what, test.run, *copy.deepcopy(args), forbidden=test.forbidden)
        except Exception as exc:  # noqa: BLE001 - reported, and judged, by the grader
            payload["error"] = {
                "case": len(payload["results"]),
                "ename": type(exc).__name__,
                "evalue": str(exc)[:1000],
            }
            break
        payload["results"].append(wire.encode(got))
    return payload


class Recorder:
    """Takes the hidden tests over: records each one and passes its payload to ``emit``."""

    def __init__(self, emit: Callable[[dict], None]):
        self.emit = emit

    def __call__(self, test: HiddenTest) -> None:
        self.emit(record(test))


def recording(emit: Callable[[dict], None]):
    """``with recording(emit): ...``: hidden tests send their payloads to ``emit``, unchecked."""
    return handing_to(Recorder(emit))


def install_kernel_recorder() -> None:
    """Make this kernel record (run by ``gradlib-course``'s graded kernel as it starts).

    Results are published through the display publisher the kernel has now, before
    any student code ran; the kernel's hooks are remembered for the integrity probe.
    """
    from IPython import get_ipython

    publish = get_ipython().display_pub.publish

    def emit(payload: dict) -> None:
        publish(data={wire.MIME: payload}, metadata={})

    hand_over(Recorder(emit))
    probe.kernel_baseline()  # (the recorder is part of what the probe watches)

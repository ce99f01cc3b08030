"""Warning filters that survive other threads: gradlib_course.quiet.

On an in-process Dask cluster the workers silence warnings in threads while the main
thread records grades. With plain ``warnings.catch_warnings`` a worker leaving its block
puts back the filter list it saw on entry, taking away the recorder's filter.
"""

import contextlib
import threading
import warnings

import pytest
from gradlib_course.quiet import NOT_IN_SESSION, warnings_ignored


class SessionWarning(RuntimeWarning):
    pass


def _worker_leaves_while_recording(silencer):
    """A worker's block is open when the recorder's begins and closes before it warns."""
    worker_in, recorder_in = threading.Event(), threading.Event()

    def worker():
        with silencer():
            worker_in.set()
            recorder_in.wait(timeout=0.5)  # with the lock the recorder waits for us instead

    thread = threading.Thread(target=worker)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        thread.start()
        worker_in.wait()
        try:
            with silencer(NOT_IN_SESSION):
                recorder_in.set()
                thread.join()  # the worker's block has ended
                warnings.warn("Object of type <Grade> not in session", SessionWarning, stacklevel=1)
        finally:
            recorder_in.set()
            thread.join()


@contextlib.contextmanager
def _unlocked(message=None):
    """What the package did before: catch_warnings without a lock."""
    with warnings.catch_warnings():
        if message is None:
            warnings.simplefilter("ignore")
        else:
            warnings.filterwarnings("ignore", message=message)
        yield


def test_a_worker_leaving_its_block_keeps_the_recorders_filter():
    _worker_leaves_while_recording(warnings_ignored)  # SessionWarning if the filter were lost


def test_without_the_lock_the_filter_is_lost():
    """The race the lock prevents is real (so the test above can fail)."""
    with pytest.raises(SessionWarning):
        _worker_leaves_while_recording(_unlocked)


def test_only_matching_warnings_are_silenced():
    with pytest.raises(UserWarning, match="other"), warnings.catch_warnings():
        warnings.simplefilter("error")
        with warnings_ignored(NOT_IN_SESSION):
            warnings.warn("some other warning", UserWarning, stacklevel=1)

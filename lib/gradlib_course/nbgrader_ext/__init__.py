"""Everything ``gradlib_course`` takes from nbgrader's and nbclient's internals.

nbgrader's commands and gradebook API are used as documented everywhere else; what
reaches past them lives here, one module per change, and :mod:`.contract` checks
each internal it relies on (``gradlib-course autograde`` refuses to grade when one
changed; the test suite runs the same checks):

* :mod:`.execute` -- nbgrader's ``Execute``, made to survive a cell that kills or
  hangs the kernel, and the first kernel started ahead of nbgrader;
* :mod:`.sanitize` -- ``DeduplicateIds`` without its bug, cell metadata restored
  from the gradebook before nbgrader's checksum check;
* :mod:`.steps` -- the worker's autograde pipeline and the verdict step's places in it;
* :mod:`.scores` -- nbgrader's own scoring and late penalties on the coordinator's
  open gradebook, committed once per student;
* :mod:`.alembic` -- new gradebooks without running ``alembic heads``;
* :mod:`.feedback` -- ``generate_feedback`` with a progress bar read from its log;
* :mod:`.startup` -- processes that skip an import grading never needs.
"""

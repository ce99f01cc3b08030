"""Synthetic submissions of every assignment: the test data of the grading tests.

* :mod:`.variants` -- :class:`~.variants.Variant` (a realistic mistake in one part),
  :class:`~.variants.Alternative` (a correct solution in another style than the
  reference) and the loaders; one module per assignment (``a01_chain_rule``, ...)
  holds its ``VARIANTS``, ``ALTERNATIVES`` and ``PROBES`` (random inputs for mutation
  testing);
* :mod:`.cheats` -- the cheat matrix: techniques that try to forge a verdict, and the
  garbage solutions they are applied to.

``tests/assignments`` and ``tests/course`` check that every variant loses exactly its
part, every alternative earns every point and no cheat earns anything.  The demo
class's few answers (``make demo-grading``) live with the instructor's package,
:mod:`gradlib_course.demo_answers`; the modules here include them.
"""

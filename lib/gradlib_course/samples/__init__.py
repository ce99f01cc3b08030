"""Synthetic submissions of every assignment, shared by the test suite and the demo.

* :mod:`.variants` -- :class:`~.variants.Variant` (a realistic mistake in one part),
  :class:`~.variants.Alternative` (a correct solution in another style than the
  reference) and the loaders; one module per assignment (``a01_chain_rule``, ...)
  holds its ``VARIANTS``, ``ALTERNATIVES`` and ``PROBES`` (random inputs for mutation
  testing);
* :mod:`.cheats` -- the cheat matrix: techniques that try to forge a verdict, and the
  garbage solutions they are applied to.

``make demo-grading`` grades a class made of them; ``tests/assignments`` and
``tests/course`` check that every variant loses exactly its part, every alternative
earns every point and no cheat earns anything.
"""

"""gradlib: the reference numpy library of the backpropagation course companion.

Import what you need from its modules, for example::

    from gradlib.autodiff import Value

Every gradient here is checked against finite differences in ``tests/``; the
graded notebooks compare students' code with these implementations.  Two
sub-packages sit beside the reference and are never used by it:
:mod:`gradlib.book` (the book's figures, explorers and walkthroughs) and
:mod:`gradlib.grading` (what graded notebooks use to check students' code).
"""

__version__ = "0.1.0"

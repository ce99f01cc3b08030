"""The part of grading that runs inside the student's kernel, and its grader-side twin.

Under ``gradlib-course`` the graded kernel hands every hidden test to the
:mod:`.recorder` (:func:`gradlib.grading.hidden.hand_over`), which runs the student's
functions on the hidden inputs and sends back, as one display output, what they
returned (:mod:`.wire`) with the kernel's integrity fingerprints (:mod:`.probe`).
The grader decodes those results as hostile input and compares the fingerprints with
its own (:mod:`gradlib_course.judge`).

This package is all of ``gradlib_course`` a graded kernel can import: the sandbox
shows it read-only (with the package's ``__init__``) and nothing else of the
workflow (:mod:`gradlib_course.sandbox`).  So its modules import only the standard
library, numpy, ``gradlib.grading`` and each other (IPython in the kernel).
"""

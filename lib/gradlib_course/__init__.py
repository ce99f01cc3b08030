"""The instructor's grading workflow on top of nbgrader: collect, autograde in
parallel (a local or remote Dask cluster), feedback without hidden tests, export
and a report.  Command line: ``gradlib-course`` (``python -m gradlib_course``)."""

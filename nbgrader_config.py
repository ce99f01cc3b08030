"""nbgrader configuration: the repository root is the course directory.

Source notebooks (with solutions and hidden tests) live in ``solutions/``; the
student versions that ``nbgrader generate_assignment`` writes go to ``exercises/``.
"""

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Student versions keep neither outputs nor solutions.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearOutput.enabled = True

# A test that hangs must not stall grading forever.
c.ExecutePreprocessor.timeout = 120
# On a busy machine a kernel can take longer than nbclient's defaults to start (60 s) or
# to deliver a cell's last output after its reply (4 s, after which nbgrader gives up on
# the whole notebook): a slow machine must not cost a student points.
c.ExecutePreprocessor.startup_timeout = 300
c.ExecutePreprocessor.iopub_timeout = 60

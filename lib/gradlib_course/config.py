"""A course folder as nbgrader sees it: its ``nbgrader_config.py`` and ``CourseDirectory``.

Every command of ``gradlib-course`` works on a course folder; the folders and the
gradebook are nbgrader's own ``CourseDirectory`` settings, read from the course's
``nbgrader_config.py`` exactly as nbgrader reads them.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

__all__ = ["CourseConfig"]


class CourseConfig:
    """The course at ``root``: nbgrader's configuration and course directory."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        cfg = Config()
        if (self.root / "nbgrader_config.py").exists():
            cfg = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        cfg.CourseDirectory.root = str(self.root)
        self.traitlets = cfg  # the whole configuration, for nbgrader's own classes
        self.directory = CourseDirectory(config=cfg)
        self.db_url = self.directory.db_url
        if self.db_url.startswith("sqlite:///") and not self.db_url.startswith("sqlite:////"):
            # a relative SQLite path: relative to the course folder, where nbgrader runs
            self.db_url = f"sqlite:///{self.root / self.db_url[len('sqlite:///') :]}"

    def _folder(self, name: str) -> Path:
        return self.root / getattr(self.directory, f"{name}_directory")

    @property
    def submitted(self) -> Path:
        return self._folder("submitted")

    @property
    def source(self) -> Path:
        return self._folder("source")

    @property
    def release(self) -> Path:
        return self._folder("release")

    @property
    def autograded(self) -> Path:
        return self._folder("autograded")

    @property
    def feedback(self) -> Path:
        return self._folder("feedback")

    def assignments(self) -> list[str]:
        """Assignments the gradebook knows, in gradebook order."""
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gb:
            return [a.name for a in gb.assignments]

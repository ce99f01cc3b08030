"""Is this gradebook the course's own?  A read-only check, before anything is written.

A course folder names its gradebook in ``nbgrader_config.py`` (``CourseDirectory.db_url``);
a wrong ``--course`` or a copied configuration can point it at another course's
gradebook, and then grades, exports and feedback would mix two classes.  nbgrader
identifies a course in two ways, and both are checked:

* ``CourseDirectory.course_id``: every assignment in the gradebook carries the
  course id it was released under (``""`` when the configuration sets none; the
  ``Gradebook`` API's own default, ``"default_course"``, counts as none too);
* the assignments themselves: each one the gradebook holds was released from the
  course's source folder (``solutions/<assignment>/<notebook>.ipynb`` here), so
  every assignment and notebook of the gradebook must be there.

The check only reads (nbgrader's ``Gradebook`` would create a missing database and
add a course row): a SQLite gradebook that does not exist is an error, not a new file.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["check_gradebook", "course_id", "display_url"]

_NO_ID = {"", "default_course"}


def _normal(course: str) -> str:
    return "" if course in _NO_ID else course


def course_id(config) -> str:
    """The course id of ``nbgrader_config.py`` (``""`` if it sets none)."""
    value = config.traitlets.get("CourseDirectory", {}).get("course_id", "")
    return str(value or "").strip()


def display_url(db_url: str) -> str:
    """``db_url`` without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as it is
        return db_url


def _gradebook_rows(db_url: str) -> list[tuple[str, str, str | None]]:
    """``(assignment, course_id, notebook)`` rows of the gradebook, read without writing."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    shown = display_url(db_url)
    if db_url.startswith("sqlite:///"):
        path = Path(db_url[len("sqlite:///") :])
        if not path.is_file():
            raise ValueError(
                f"no gradebook at {path}: release an assignment first "
                "(nbgrader generate_assignment NAME), or check --course"
            )
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if not {"assignment", "notebook", "course"} <= tables:
                raise ValueError(f"{shown} is not an nbgrader gradebook (no assignment table)")
            rows = conn.execute(
                text(
                    "SELECT a.name, a.course_id, n.name FROM assignment a "
                    "LEFT JOIN notebook n ON n.assignment_id = a.id"
                )
            ).all()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise ValueError(f"cannot read the gradebook {shown}: {reason}") from None
    finally:
        engine.dispose()
    return [(str(a), str(c or ""), n) for a, c, n in rows]


def check_gradebook(config) -> None:
    """Raise ``ValueError`` unless ``config``'s gradebook exists and is this course's.

    ``config`` is a :class:`gradlib_course.config.CourseConfig`.
    """
    rows = _gradebook_rows(config.db_url)
    shown = display_url(config.db_url)
    expected = _normal(course_id(config))
    foreign = sorted({_normal(c) for _, c, _ in rows} - {expected})
    if foreign:
        held = " and ".join(f"course {c!r}" if c else "no course id" for c in foreign)
        says = f"course_id = {expected!r}" if expected else "no course_id"
        raise ValueError(
            f"the gradebook {shown} holds {held}, but {config.root / 'nbgrader_config.py'} "
            f"says {says}: is it another course's gradebook? (gradlib-course needs a gradebook "
            "of the course's own)"
        )
    notebooks: dict[str, set[str]] = {}
    for assignment, _, notebook in rows:
        notebooks.setdefault(assignment, set())
        if notebook:
            notebooks[assignment].add(notebook)
    source = config.source
    for assignment, names in sorted(notebooks.items()):
        folder = source / assignment
        here = {p.stem for p in folder.glob("*.ipynb")} if folder.is_dir() else set()
        if not here:
            present = sorted(p.name for p in source.glob("*") if p.is_dir())
            raise ValueError(
                f"the gradebook {shown} has assignment {assignment!r}, which {source} does not "
                f"have (it has {present or 'nothing'}): is it another course's gradebook?"
            )
        if names - here:
            raise ValueError(
                f"the gradebook {shown} has notebook(s) {sorted(names - here)} in {assignment!r}, "
                f"which {folder} does not have (it has {sorted(here)}): is it another course's "
                "gradebook?"
            )

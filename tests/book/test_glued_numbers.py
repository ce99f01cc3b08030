"""Every number a chapter pastes into its prose ({glue:text}) is on its built page, as the
value the executed chapter glued, formatted the way the role asks."""

from __future__ import annotations

from functools import cache

import pytest
from glue import glued, role_text, shows, text_roles

from conftest import REPO, built_page_text

CHAPTERS = sorted(p.stem for p in (REPO / "book").glob("*.md") if "{glue:text}" in p.read_text())


@cache
def _page(chapter: str) -> str:
    return built_page_text(REPO / "_build" / "html" / "book" / f"{chapter}.html")


@cache
def _glued(chapter: str):
    return glued(chapter)


def test_every_chapter_with_numbers_is_covered():
    assert len(CHAPTERS) >= 9, f"chapters with {{glue:text}} roles: {CHAPTERS}"


@pytest.mark.parametrize(
    ("chapter", "role"), [(chapter, role) for chapter in CHAPTERS for role in text_roles(chapter)]
)
def test_built_page_shows_the_glued_number(chapter, role):
    text = role_text(_glued(chapter), role)
    assert shows(_page(chapter), text), f"{{glue:text}}`{role}` ({text}) is not on {chapter}.html"

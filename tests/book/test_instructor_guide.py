"""The instructor guide documents every option of every ``gradlib-course`` command."""

from __future__ import annotations

import argparse
import re

import pytest
from gradlib_course.cli import build_parser

from conftest import REPO

GUIDE = (REPO / "book" / "instructor_guide.md").read_text()


def _commands() -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_command_and_option_is_in_the_guide(command):
    assert f"gradlib-course {command}" in GUIDE
    options = [
        s
        for a in _commands()[command]._actions
        for s in a.option_strings
        if s.startswith("--") and s != "--help"
    ]
    missing = [o for o in options if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", GUIDE)]
    assert not missing, f"{command}: the instructor guide does not mention {missing}"

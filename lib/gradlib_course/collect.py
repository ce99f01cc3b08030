"""``gradlib-course collect``: an LMS download into ``submitted/``, all or nothing.

The download is unpacked entry by entry (:mod:`gradlib_course.archive`: unsafe,
damaged and oversized entries are skipped and named) into a scratch folder inside
``downloaded/<assignment>/``; nbgrader's own ``zip_collect`` then matches the file
names and copies the notebooks to ``submitted/<student>/<assignment>/``, working on
that scratch folder.  Only when it succeeds does the scratch folder replace
``downloaded/<assignment>/archive`` (what was safely unpacked: a plain
``nbgrader zip_collect`` collects it again as this run did) and ``extracted``; a
failed run removes it and leaves the course folder as it was, so nothing of it can
break the next ``collect``.  The assignment's lock (:mod:`gradlib_course.lock`)
keeps ``collect`` and ``autograde`` of one assignment apart.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from gradlib_course.archive import DamagedArchive, unpack
from gradlib_course.lock import assignment_lock
from gradlib_course.tools import tool_env

__all__ = ["Collected", "collect"]

_LINE = re.compile(r"^\[ZipCollectApp \| (?P<level>\w+)\] (?P<text>.*)$")


@dataclass
class Collected:
    files: list[str] = field(default_factory=list)  # submitted/<student>/<a>/<nb>, collected
    students: list[str] = field(default_factory=list)  # whose submission this run wrote
    replaced: list[str] = field(default_factory=list)  # ... that had one before
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (entry, why)
    notes: list[str] = field(default_factory=list)  # collected, but worth a look


def _log(proc: subprocess.CompletedProcess) -> list[tuple[str, str]]:
    out = []
    for line in (proc.stdout + proc.stderr).splitlines():
        if m := _LINE.match(line.strip()):
            out.append((m["level"], m["text"].strip()))
    return out


def _refusal(log: list[tuple[str, str]], proc) -> str:
    errors = [text for level, text in log if level in ("ERROR", "CRITICAL")]
    text = errors[-1] if errors else (proc.stderr.strip().splitlines() or ["no reason given"])[-1]
    if "Duplicate submission file" in text:
        return (
            "two files of the download give the same student and notebook, and no timestamp "
            "says which is newer: remove one, or give --pattern a (?P<timestamp>...) group"
        )
    return f"nbgrader zip_collect stopped: {text}"


def collect(config, assignment: str, archive: Path, pattern: str) -> Collected:
    """Collect ``archive`` (an LMS download) for ``assignment`` of the course ``config``."""
    archive = Path(archive)
    downloaded = config.root / "downloaded" / assignment
    made = [p for p in (downloaded.parent, downloaded) if not p.exists()]
    with assignment_lock(config.root, assignment, f"collect {assignment}"):
        downloaded.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".collect-", dir=downloaded))
        try:
            done = _collect(config, assignment, archive, pattern, scratch)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            for folder in reversed(made):  # (the folders this run made, if still empty)
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            raise
        for step in ("archive", "extracted"):
            shutil.rmtree(downloaded / step, ignore_errors=True)
            (scratch / step).rename(downloaded / step)
        shutil.rmtree(scratch, ignore_errors=True)
        return done


def _collect(config, assignment: str, archive: Path, pattern: str, scratch: Path) -> Collected:
    done = Collected()
    staged = scratch / "archive"  # what zip_collect "extracts": plain files only
    if archive.suffix.lower() == ".ipynb":  # one notebook downloaded on its own
        staged.mkdir()
        shutil.copy(archive, staged / archive.name)
    else:
        try:
            unpacked = unpack(archive, staged / archive.stem)
        except DamagedArchive as exc:
            raise ValueError(
                f"{exc}: download it again from the LMS (nothing was collected)"
            ) from None
        done.skipped += unpacked.skipped
        if not unpacked.files:
            raise ValueError(
                f"{archive.name} holds no file that can be collected ({_listed(done.skipped)}); "
                "nothing was collected"
            )
    before = {p.parent.name for p in config.submitted.glob(f"*/{assignment}") if p.is_dir()}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "zip_collect",
            assignment,
            "--force",
            f"--ZipCollectApp.collect_directory_structure={scratch}/{{collect_step}}",
            f"--FileNameCollectorPlugin.named_regexp={pattern}",
            "--log-level=INFO",
        ],
        cwd=config.root,
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    log = _log(proc)
    if proc.returncode != 0:
        raise ValueError(f"{_refusal(log, proc)} (nothing was collected)")
    extracted = f"{scratch / 'extracted'}/"
    parsed = ""  # the file nbgrader is looking at
    for _, text in log:
        source = text.split(": ", 1)[-1]
        shown = source.removeprefix(extracted).removeprefix(f"{archive.stem}/")
        if text.startswith("Parsing file: "):
            parsed = shown
        elif text.startswith("Skipped submission with no match"):
            why = "does not match --pattern" if source.endswith(".ipynb") else "not a notebook"
            done.skipped.append((shown, why))
        elif text.startswith("Skipped submission file with older timestamp"):
            done.skipped.append((parsed, "an older copy of a notebook collected from another file"))
        elif text.startswith("Invalid submission notebook name"):
            name = text.split("'")[1] if "'" in text else text
            done.notes.append(
                f"{parsed} is collected as {name}, which is not a notebook of {assignment}: "
                "it will score 0 (rename it in submitted/, or fix --pattern)"
            )
        elif text.startswith("Copying from: ") and source.startswith(extracted):
            done.files.append(source)
    if not done.files:
        raise ValueError(
            f"no file in {archive.name} matched --pattern {pattern!r} "
            f"({_listed(done.skipped)}); nothing was collected"
        )
    done.students = sorted(
        {p.parent.parent.name for p in config.submitted.glob(f"*/{assignment}/*.ipynb")}
        & _students(proc, config, assignment)
    )
    done.replaced = sorted(set(done.students) & before)
    for path in sorted(config.submitted.glob(f"*/{assignment}/*.ipynb")):
        if path.parent.parent.name in done.students and not _is_notebook(path):
            student = path.parent.parent.name
            done.notes.append(f"{student}'s {path.name} is not a valid notebook: it will score 0")
    return done


def _listed(skipped: list[tuple[str, str]]) -> str:
    if not skipped:
        return "it is empty"
    shown = "; ".join(f"{entry}: {why}" for entry, why in skipped[:4])
    return shown + (f"; and {len(skipped) - 4} more" if len(skipped) > 4 else "")


def _students(proc, config, assignment: str) -> set[str]:
    """The students whose folder zip_collect wrote ("Copying to: submitted/<s>/<a>/...")."""
    found = set()
    folder = f"{config.submitted}/"
    for _, text in _log(proc):
        target = text.split(": ", 1)[-1].strip()
        if text.startswith("Copying to:") and target.startswith(folder):
            found.add(Path(target).relative_to(config.submitted).parts[0])
    return found


def _is_notebook(path: Path) -> bool:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(nb, dict) and isinstance(nb.get("cells"), list)

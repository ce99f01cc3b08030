"""Unpack an LMS download entry by entry, keeping only what is safe to write.

nbgrader's ``zip_collect`` unpacks with ``setuptools.archive_util``, which stops
at the first damaged or unsafe entry with a traceback (``UnrecognizedFormat``,
``UnsafeMember``).  :func:`unpack` instead writes each regular file whose name
stays inside the target folder and skips, with a reason, everything else: names
that climb out (``../``) or are absolute, links and devices, entries too large or
damaged, duplicates, macOS metadata.  Archives inside the archive (a student who
submitted a zip) are unpacked the same way into a folder of their own name, as
nbgrader does, so that nothing ``zip_collect`` would unpack reaches it.

An archive that cannot be read at all raises :class:`DamagedArchive`.
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = ["DamagedArchive", "Unpacked", "unpack", "ARCHIVE_SUFFIXES"]

MAX_ENTRY_BYTES = 100 * 2**20  # one file of a download
MAX_TOTAL_BYTES = 2 * 2**30  # everything unpacked from one download (zip bombs)
MAX_DEPTH = 3  # archives inside archives
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".gz")  # (.zip and .gz: nbgrader's)


class DamagedArchive(ValueError):
    """The file is not an archive this module can read."""


class _Skip(Exception):
    """One entry is not unpacked; the message says why."""


@dataclass
class Unpacked:
    files: list[str] = field(default_factory=list)  # written, relative to the target
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (entry, why)
    total: int = 0


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _safe_parts(name: str) -> tuple[str, ...]:
    """The path components of an entry name, or :class:`_Skip` if it is unsafe."""
    text = name.replace("\\", "/")
    if "\0" in text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise _Skip("an absolute or unsafe name")
    parts = tuple(p for p in PurePosixPath(text).parts if p not in ("", "."))
    if ".." in parts:
        raise _Skip("its name leads out of the archive's folder (..)")
    if not parts:
        raise _Skip("an empty name")
    if parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] == ".DS_Store":
        raise _Skip("macOS metadata, not a submission")
    return parts


def _copy(source, target: Path, result: Unpacked, size_hint: int) -> None:
    if size_hint > MAX_ENTRY_BYTES:
        raise _Skip(f"larger than {MAX_ENTRY_BYTES // 2**20} MB")
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with open(target, "wb") as out:
            while chunk := source.read(2**20):
                written += len(chunk)
                if written > MAX_ENTRY_BYTES:
                    raise _Skip(f"larger than {MAX_ENTRY_BYTES // 2**20} MB")
                if result.total + written > MAX_TOTAL_BYTES:
                    raise _Skip(f"the download unpacks to more than {MAX_TOTAL_BYTES // 2**30} GB")
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    result.total += written


def _entries(path: Path):
    """``(name, kind, size, open)`` of each member: kind is "file", "dir" or what it is."""
    if zipfile.is_zipfile(path):
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DamagedArchive(f"{path.name} is a damaged zip file ({_reason(exc)})") from None
        with zf:
            for info in zf.infolist():
                kind_bits = stat.S_IFMT(info.external_attr >> 16)  # 0: no Unix mode
                if info.is_dir():
                    kind = "dir"
                elif kind_bits == stat.S_IFLNK:
                    kind = "a symbolic link"
                elif kind_bits and kind_bits != stat.S_IFREG:
                    kind = "not a regular file"
                elif info.flag_bits & 0x1:
                    kind = "encrypted"
                else:
                    kind = "file"
                yield info.filename, kind, info.file_size, lambda info=info: zf.open(info)
        return
    try:
        tf = tarfile.open(path)
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise DamagedArchive(
            f"{path.name} is neither a zip nor a tar archive (it is damaged, cut short or "
            "another kind of file)"
        ) from None
    with tf:
        try:
            for member in tf:
                if member.isdir():
                    kind = "dir"
                elif member.issym() or member.islnk():
                    kind = "a link"
                elif not member.isreg():
                    kind = "not a regular file"
                else:
                    kind = "file"
                yield member.name, kind, member.size, lambda m=member: tf.extractfile(m)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise DamagedArchive(f"{path.name} is cut short or damaged ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text[:150] or type(exc).__name__


def _strip_suffix(name: str) -> str:
    lower = name.lower()
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return name[: -len(suffix)] or "archive"
    return name


def unpack(archive: Path, target: Path) -> Unpacked:
    """Unpack ``archive`` into ``target`` (which must be empty or missing); see the module.

    ``Unpacked.files`` are relative to ``target``; an entry of a nested archive is
    named ``outer.zip!/inner.zip!/file`` in ``Unpacked.skipped``.
    """
    result = Unpacked()
    _unpack(Path(archive), Path(target), result, "", 0, Path(target))
    return result


def _unpack(
    archive: Path, target: Path, result: Unpacked, prefix: str, depth: int, top: Path
) -> None:
    seen: set[tuple[str, ...]] = set()
    for name, kind, size, open_ in _entries(archive):
        shown = prefix + name
        try:
            parts = _safe_parts(name)
            if kind == "dir":
                continue
            if kind != "file":
                raise _Skip(kind)
            if parts in seen:
                raise _Skip("a second entry with the same name")
            seen.add(parts)
            destination = target.joinpath(*parts)
            try:
                with open_() as source:
                    _copy(source, destination, result, size)
            except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError) as exc:
                raise _Skip(f"damaged in the archive ({_reason(exc)})") from None
            except RuntimeError as exc:  # zipfile: encrypted, or an unsupported method
                raise _Skip(f"cannot be read ({_reason(exc)})") from None
            if is_archive(parts[-1]):
                _nested(destination, result, shown, depth, top)
            else:
                result.files.append(str(destination.relative_to(top)))
        except _Skip as why:
            result.skipped.append((shown, str(why)))


def _nested(path: Path, result: Unpacked, shown: str, depth: int, top: Path) -> None:
    """Unpack an archive found inside the archive next to it, then remove it."""
    folder = path.with_name(_strip_suffix(path.name))
    try:
        if depth + 1 >= MAX_DEPTH:
            raise DamagedArchive(f"archives nested more than {MAX_DEPTH} deep")
        if folder.exists():
            raise DamagedArchive(f"{folder.name} is also the name of another entry")
        _unpack(path, folder, result, f"{shown}!/", depth + 1, top)
    except DamagedArchive as exc:
        result.skipped.append((shown, f"an archive inside the archive, not unpacked: {exc}"))
    finally:
        path.unlink(missing_ok=True)

"""Expand the inputs a user names (files, folders, glob patterns) into files to read.

Rules, kept short on purpose:

* a file named explicitly is always yielded, hidden or not;
* a folder is walked recursively; within it files come in sorted path order, and hidden
  files and folders (name starting with ``.``) are skipped, as is the litter operating
  systems and editors leave: ``__MACOSX`` folders, ``Thumbs.db``, ``desktop.ini``, and
  Office lock files (``~$report.docx``). Symlinked folders are not followed (no cycles);
* a pattern with ``*``, ``?`` or ``[`` is expanded with :func:`glob.glob` (``**`` spans
  folders; wildcards do not match hidden names), matches sorted, litter left out; a matched
  folder is walked;
* nothing is skipped by extension: content decides the format, and a file that is not a
  document becomes an E_INGEST_FORMAT failure rather than vanishing silently;
* a path that does not exist, or a pattern that matches nothing -> IngestFailure
  (E_INGEST_NOT_FOUND); the same file reached twice is yielded once.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import E_INGEST_NOT_FOUND
from .records import IngestFailure

_LITTER_DIRS = frozenset({"__MACOSX"})
_LITTER_FILES = frozenset({"thumbs.db", "desktop.ini"})


def iter_inputs(paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str]) -> Iterator[Path | IngestFailure]:
    """Yield each file to read (a Path, as given or found) or an IngestFailure, in order."""
    if isinstance(paths, (str, os.PathLike)):  # one path, not a sequence of characters
        paths = [paths]
    seen: set[str] = set()
    for given in paths:
        text = str(given)
        if os.path.lexists(text) or not glob.has_magic(text):
            yield from _expand(Path(given), seen, explicit=True)
            continue
        matches = sorted(glob.glob(text, recursive=True))
        if not matches:
            yield IngestFailure(text, E_INGEST_NOT_FOUND, "no files match the pattern")
            continue
        for match in matches:
            yield from _expand(Path(match), seen, explicit=False)


def _expand(path: Path, seen: set[str], explicit: bool) -> Iterator[Path | IngestFailure]:
    if path.is_dir():
        yield from _walk(path, seen)
    elif path.exists():
        if explicit or not _skipped(path.name, hidden=False):
            yield from _once(path, seen)
    else:
        yield IngestFailure(str(path), E_INGEST_NOT_FOUND, "no such file or folder")


def _walk(folder: Path, seen: set[str]) -> Iterator[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _LITTER_DIRS]
        found.extend(Path(root, name) for name in files if not _skipped(name))
    for path in sorted(found, key=lambda p: p.parts):
        yield from _once(path, seen)


def _skipped(name: str, hidden: bool = True) -> bool:
    """Litter, and (``hidden``) hidden names; glob patterns already leave hidden names out."""
    if hidden and name.startswith("."):
        return True
    return name.startswith("~$") or name.lower() in _LITTER_FILES


def _once(path: Path, seen: set[str]) -> Iterator[Path]:
    try:
        key = str(path.resolve())
    except OSError:
        key = str(path.absolute())
    if key not in seen:
        seen.add(key)
        yield path

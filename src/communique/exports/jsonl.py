"""JSONL: the public contract. One document a line, exactly :meth:`Document.to_dict`
(``id``, ``text``, ``meta`` with its fixed keys, ``spans``), UTF-8, non-ASCII as is.

Reading back gives ``Document.from_dict(line)``: an export read back equals
``Document.from_dict(doc.to_dict())`` for every document written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from ..errors import E_INGEST_CORRUPT, E_INGEST_NOT_FOUND, SpanError
from ..model import Document
from ._common import ExchangeError, Rejection, dumps


def write_jsonl(docs: Iterable[Document], out: IO[str]) -> int:
    """One document a line, exactly the contract shape of :meth:`Document.to_dict`."""
    n = 0
    for doc in docs:
        out.write(dumps(doc.to_dict()))
        out.write("\n")
        n += 1
    return n


def iter_jsonl(source: IO[str] | str | Path, name: str | None = None) -> Iterator[tuple[str, Document | Rejection]]:
    """``(where, document or rejection)`` for every non-blank line of a JSONL export.

    ``where`` is ``name:line``. A line that is not JSON, not an object of the contract's
    shape, or whose spans break the data model becomes a :class:`Rejection` (code E104 or
    E001) and reading goes on, so one bad line never hides the others.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            fh = path.open(encoding="utf-8", newline="")
        except FileNotFoundError:
            raise ExchangeError(E_INGEST_NOT_FOUND, f"{path}: no such file") from None
        except OSError as exc:
            raise ExchangeError(E_INGEST_NOT_FOUND, f"{path}: cannot read ({exc.strerror})") from None
        with fh:
            yield from iter_jsonl(fh, name or str(path))
        return
    label = name or getattr(source, "name", "<stream>")
    n = 0
    while True:
        try:
            line = source.readline()
        except UnicodeDecodeError as exc:
            raise ExchangeError(E_INGEST_CORRUPT, f"{label}:{n + 1}: not UTF-8 text ({exc.reason})") from None
        if not line:
            return
        n += 1
        if not line.strip():
            continue
        where = f"{label}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield where, Rejection(where, E_INGEST_CORRUPT, f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not isinstance(obj.get("text"), str):
            yield where, Rejection(where, E_INGEST_CORRUPT, "not a document: an object with string 'id' and 'text' is needed")
            continue
        try:
            yield where, Document.from_dict(obj)
        except SpanError as exc:
            yield where, Rejection(where, exc.code, exc.message)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            yield where, Rejection(where, E_INGEST_CORRUPT, f"malformed document: {type(exc).__name__}: {exc}")


def read_jsonl(source: IO[str] | str | Path, name: str | None = None) -> Iterator[Document]:
    """The documents of a JSONL export; the first bad line raises :class:`ExchangeError`
    naming ``file:line`` (use :func:`iter_jsonl` to go on past bad lines)."""
    for _where, item in iter_jsonl(source, name):
        if isinstance(item, Rejection):
            raise ExchangeError(item.code, f"{item.where}: {item.reason}")
        yield item

"""Read one input into RawDocs: limits, sniffing, the reader, and failures as records."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import (
    E_INGEST_CORRUPT,
    E_INGEST_EMPTY,
    E_INGEST_FORMAT,
    E_INGEST_NOT_FOUND,
    E_INGEST_TIMEOUT,
    IngestError,
)
from .limits import DEFAULT_LIMITS, Budget, IngestTimeout, Limits, time_limit, too_large
from .readers import READERS, read_jsonl, too_many_chars
from .records import IngestFailure, RawDoc, ReadResult
from .sniff import SNIFF_BYTES, sniff

_EMPTY = {
    "txt": "file holds only whitespace",
    "md": "file holds only whitespace",
    "html": "no main text found in the HTML",
    "docx": "docx has no text",
    "eml": "e-mail body is empty",
    "jsonl": "no JSON lines in the file",
}


def read_path(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Read one file. Never raises for a bad file: its failure is in ``failures``.

    The size is checked with ``stat()`` before anything is read; directories, devices and
    pipes are refused (expand folders with :func:`iter_inputs`).
    """
    source = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return _failed(source, E_INGEST_NOT_FOUND, "no such file")
    except PermissionError:
        return _failed(source, E_INGEST_NOT_FOUND, "permission denied")
    except OSError as exc:
        return _failed(source, E_INGEST_NOT_FOUND, f"cannot open: {exc.strerror or exc}")
    if stat.S_ISDIR(info.st_mode):
        return _failed(source, E_INGEST_FORMAT, "is a folder (expand folders with iter_inputs)")
    if not stat.S_ISREG(info.st_mode):
        return _failed(source, E_INGEST_FORMAT, "not a regular file (device, pipe or socket)")
    if info.st_size > limits.max_bytes:
        return _failure(source, too_large(info.st_size, limits))
    try:
        with open(path, "rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except PermissionError:
        return _failed(source, E_INGEST_NOT_FOUND, "permission denied")
    except OSError as exc:
        return _failed(source, E_INGEST_NOT_FOUND, f"cannot read: {exc.strerror or exc}")
    if len(data) > limits.max_bytes:  # it grew after stat()
        return _failure(source, too_large(len(data), limits))
    return _read(data, source, Path(path).name, limits)


def read_bytes(data: bytes, name: str = "<bytes>", limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Read a file's content held in memory; ``name`` is the source and breaks format ties."""
    if len(data) > limits.max_bytes:
        return _failure(name, too_large(len(data), limits))
    return _read(bytes(data), name, name, limits)


def _read(data: bytes, source: str, name: str, limits: Limits) -> ReadResult:
    fmt = ""
    try:
        with time_limit(limits.max_seconds) as budget:
            fmt = sniff(data[:SNIFF_BYTES], name)
            if fmt == "jsonl":
                result = _read_jsonl(data, source, budget, limits)
            else:
                text, meta = READERS[fmt](data, budget, limits)
                result = _one(text, meta, fmt, source, limits)
            budget.check()  # a reader stuck in C code is only caught here when no alarm ran
        return result
    except IngestTimeout:
        return _failed(
            source, E_INGEST_TIMEOUT, f"parsing took over {limits.max_seconds:g} s (--max-seconds)"
        )
    except IngestError as exc:
        return _failure(source, exc)
    except Exception as exc:  # one bad file never stops a batch
        message = " ".join(str(exc).split())[:200]
        where = f"{fmt} reader" if fmt else "format sniffing"
        return _failed(
            source, E_INGEST_CORRUPT, f"{where}: {type(exc).__name__}: {message}".rstrip(": ")
        )


def _one(text: str, meta: dict, fmt: str, source: str, limits: Limits) -> ReadResult:
    if not text.strip():
        raise IngestError(E_INGEST_EMPTY, _EMPTY.get(fmt, "no text in it"))
    if len(text) > limits.max_chars:
        raise too_many_chars(len(text), limits)
    return ReadResult([RawDoc(text, {"format": fmt, **meta}, source, fmt)], [])


def _read_jsonl(data: bytes, source: str, budget: Budget, limits: Limits) -> ReadResult:
    docs: list[RawDoc] = []
    failures: list[IngestFailure] = []
    for number, parsed in read_jsonl(data, budget, limits):
        line_source = f"{source}#L{number}"
        if not isinstance(parsed, IngestError) and len(parsed[0]) > limits.max_chars:
            parsed = too_many_chars(len(parsed[0]), limits)
        if isinstance(parsed, IngestError):
            failures.append(IngestFailure(line_source, parsed.code, parsed.message))
            continue
        text, meta = parsed
        docs.append(RawDoc(text, {"format": "jsonl", **meta}, line_source, "jsonl"))
    if not docs and not failures:
        raise IngestError(E_INGEST_EMPTY, _EMPTY["jsonl"])
    return ReadResult(docs, failures)


def _failure(source: str, error: IngestError) -> ReadResult:
    return _failed(source, error.code, error.message)


def _failed(source: str, code: str, reason: str) -> ReadResult:
    return ReadResult([], [IngestFailure(source, code, reason)])

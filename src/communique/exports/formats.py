"""The export formats by name, and one entry point that writes any of them.

Stream formats write one file (or standard output); folder formats write several files
into a folder that must be new or empty, so a stale file from an earlier export is never
mistaken for part of this one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import E_CONFIG
from ..model import Document
from ._common import REVIEW_LAYERS, ExchangeError, check_layers, select_layers


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    folder: bool  # writes a folder (else one text file)
    layers: bool  # --layer applies
    default_layers: tuple[str, ...] | None  # None: every layer
    help: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("jsonl", False, True, None, "one document a line, the public contract (Document.to_dict)"),
        Format("csv", False, True, None, "one row per span, with the document's header fields"),
        Format("csv-documents", False, False, None, "one row per document: meta, span counts per layer, text"),
        Format("parquet", True, True, None, "documents/ and spans/ tables (part-0.parquet each)"),
        Format("brat", True, True, REVIEW_LAYERS, "brat standoff: <id>.txt + <id>.ann, annotation.conf, visual.conf"),
        Format("labelstudio", True, True, REVIEW_LAYERS, "Label Studio tasks.json with predictions + labeling_config.xml"),
        Format("semeval", True, False, None, "technique spans as SemEval-2020 Task 11 files (PTC labels)"),
        Format("ftm", False, False, None, "FollowTheMoney entities (JSON lines) for Aleph / OpenAleph"),
    )
}


def _writer(name: str) -> Callable[..., int]:
    if name == "jsonl":
        from .jsonl import write_jsonl

        return write_jsonl
    if name == "csv":
        from .csvs import write_csv

        return write_csv
    if name == "csv-documents":
        from .csvs import write_csv_documents

        return write_csv_documents
    if name == "parquet":
        from .parquet import write_parquet

        return write_parquet
    if name == "brat":
        from .brat import write_brat

        return write_brat
    if name == "labelstudio":
        from .labelstudio import write_labelstudio

        return write_labelstudio
    if name == "semeval":
        from .semeval import write_semeval

        return write_semeval
    from .ftm import write_ftm

    return write_ftm


def check_folder(out: str | os.PathLike[str]) -> Path:
    """``out`` as a folder to write into: new, or empty."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ExchangeError(E_CONFIG, f"{path} is a file; this format writes a folder")
    if path.is_dir() and any(path.iterdir()):
        raise ExchangeError(E_CONFIG, f"folder {path} is not empty; give a new or empty folder")
    return path


def export(
    docs: Iterable[Document],
    fmt: str,
    out: IO[str] | str | os.PathLike[str],
    *,
    layers: Iterable[str] | None = None,
    report: dict[str, Any] | None = None,
) -> int:
    """Write ``docs`` as ``fmt`` to ``out`` (a text stream or a path for stream formats, a
    folder path for folder formats); returns the number of documents written.

    ``layers`` keeps only those layers' spans (formats where it applies; brat and Label
    Studio default to every layer but ``segment``). ``report`` receives what the format
    counts besides documents (SemEval: ``spans``, ``left_out``; FTM: ``entities``,
    ``links``) and ``layers``, the layers written.
    """
    spec = FORMATS.get(fmt)
    if spec is None:
        raise ExchangeError(E_CONFIG, f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    chosen = check_layers(layers)
    if chosen is not None and not spec.layers:
        raise ExchangeError(E_CONFIG, f"--layer does not apply to {fmt}")
    chosen = chosen or spec.default_layers
    if report is not None:
        report["layers"] = list(chosen) if chosen is not None else None
    write = _writer(fmt)
    extra: dict[str, Any] = {"report": report} if fmt in ("semeval", "ftm") and report is not None else {}
    if spec.folder:
        if not isinstance(out, (str, os.PathLike)):
            raise ExchangeError(E_CONFIG, f"{fmt} writes a folder: give its path (-o DIR)")
        folder = check_folder(out)
        if fmt in ("brat", "labelstudio"):
            return write(docs, folder, chosen)
        return write(select_layers(docs, chosen), folder, **extra)
    selected = select_layers(docs, chosen)
    if isinstance(out, (str, os.PathLike)):
        try:
            ctx: Any = Path(out).open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise ExchangeError(E_CONFIG, f"cannot write {out}: {exc.strerror or exc}") from exc
    else:
        ctx = nullcontext(out)
    with ctx as fh:
        return write(selected, fh, **extra)

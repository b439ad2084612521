"""Loading exported documents (JSONL, Parquet) into a store, e.g. a corpus analysed on a
cluster or by a colleague.

Each document is stored as ``put_document`` stores an analysed one: a new text is added
with its spans; a text already stored is left as it is (its spans are never merged or
replaced) and only gains the new source. The source recorded is the document's own
``meta.source`` (where the text originally came from) or, without one, the export and its
line or part. A document whose id is not the content hash of its text is refused: ids are
what makes ingest idempotent, and a mismatched one would let one text be stored twice.

Every load is a run (``import:jsonl`` / ``import:parquet``) with its counts; every refused
line is a failure record of that run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import E_INGEST_CORRUPT
from ..model import Document, doc_id
from ._common import Rejection

BATCH = 64


@dataclass
class LoadReport:
    """What one load did."""

    fmt: str
    run_id: int | None = None
    read: int = 0
    added: int = 0
    known: int = 0  # already stored (same text), including new sources of known texts
    new_sources: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "added": self.added,
            "known": self.known,
            "new_sources": self.new_sources,
            "rejected": len(self.rejected),
        }


def load(
    store: Any, items: Iterable[tuple[str, Document | Rejection]], fmt: str, args: Mapping[str, Any] | None = None
) -> LoadReport:
    """Store every ``(where, document)``; rejections and mismatched ids become failure
    records of the load's run."""
    report = LoadReport(fmt)
    run_id = store.begin_run(f"import:{fmt}", "-", dict(args or {}))
    report.run_id = run_id
    batch: list[tuple[Document, str, str]] = []
    status = "failed"

    def flush() -> None:
        if hasattr(store, "put_documents"):
            outcomes = store.put_documents(batch, run_id)
        else:
            outcomes = [store.put_document(d, s, f, run_id) for d, s, f in batch]
        for outcome in outcomes:
            if outcome == "added":
                report.added += 1
            else:
                report.known += 1
                report.new_sources += outcome == "new_source"
        batch.clear()

    try:
        for where, item in items:
            if isinstance(item, Rejection):
                _reject(store, run_id, report, item)
                continue
            report.read += 1
            expected = doc_id(item.text)
            if item.id != expected:
                _reject(
                    store, run_id, report,
                    Rejection(where, E_INGEST_CORRUPT, f"id {item.id} is not the content hash of its text ({expected}); was the text edited?"),
                )  # fmt: skip
                continue
            source = item.meta.get("source")
            fmt_of = item.meta.get("format")
            batch.append((item, str(source) if source else where, str(fmt_of) if fmt_of else fmt))
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
        status = "done"
    finally:
        store.finish_run(run_id, report.counts(), status)
    return report


def _reject(store: Any, run_id: int, report: LoadReport, r: Rejection) -> None:
    report.rejected.append(r)
    store.record_failure(run_id, r.where, r.code, r.reason)


def parquet_items(path: Any) -> Iterable[tuple[str, Document | Rejection]]:
    """``(where, document)`` for every document of a Parquet export, full meta kept."""
    from .parquet import iter_parquet

    yield from iter_parquet(path, full_meta=True)

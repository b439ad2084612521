"""Exports: JSONL (the public contract) and CSV (one row per span)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO

from .model import Document

CSV_COLUMNS = (
    "doc_id", "title", "issuer", "published", "doc_type", "start", "end", "layer", "label",
    "score", "text", "source", "attrs",
)  # fmt: skip


def write_jsonl(docs: Iterable[Document], out: IO[str]) -> int:
    """One document a line, exactly the contract shape of :meth:`Document.to_dict`."""
    n = 0
    for doc in docs:
        out.write(json.dumps(doc.to_dict(), ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        n += 1
    return n


def write_csv(docs: Iterable[Document], out: IO[str]) -> int:
    """One row per span, with the document's id and header fields on every row; a document
    without spans still gets one row (empty span columns) so nothing is silently dropped."""
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    n = 0
    for doc in docs:
        m = doc.meta
        head = [doc.id, m.get("title") or "", m.get("issuer") or "", m.get("published") or "", m.get("doc_type") or ""]
        if not doc.spans:
            w.writerow(head + [""] * (len(CSV_COLUMNS) - len(head)))
        for s in doc.spans:
            d = s.to_dict()
            w.writerow(
                head
                + [s.start, s.end, s.layer, s.label, d["score"], doc.text[s.start : s.end], s.source,
                   json.dumps(d["attrs"], ensure_ascii=False, separators=(",", ":"))]
            )  # fmt: skip
        n += 1
    return n

"""CSV for spreadsheets: one row per span (``write_csv``) and one row per document
(``write_csv_documents``).

Together the two files hold the whole contract: :func:`read_csv` joins them back into
documents equal to ``Document.from_dict(doc.to_dict())``, with two stated exceptions
inherent to CSV: an empty meta value and a missing one both read back as None, and
``languages`` is written joined by ``;``.

Cells are written exactly as the text has them. Statements come from adversaries: a cell
that begins with ``=``, ``+``, ``-`` or ``@`` is a formula to Excel and LibreOffice, so
open these files as text (Data → From Text), never by double-click, when the corpus is
untrusted.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

from ..errors import E_INGEST_CORRUPT, SpanError
from ..model import LAYERS, META_FIELDS, Document, Span
from ._common import ExchangeError, dumps

#: One row per span, with the document's id and header fields on every row.
CSV_COLUMNS = (
    "doc_id", "title", "issuer", "published", "doc_type", "start", "end", "layer", "label",
    "score", "text", "source", "attrs",
)  # fmt: skip

#: One row per document: id, every contract meta field, size, span counts (all and per
#: layer, ``spans_<layer>``), then the text itself, last because it is long.
DOCUMENT_COLUMNS: tuple[str, ...] = (
    "doc_id", *META_FIELDS, "chars", "spans", *(f"spans_{x}" for x in LAYERS), "text",
)  # fmt: skip

_LIST_SEP = ";"


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
                   dumps(d["attrs"])]
            )  # fmt: skip
        n += 1
    return n


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return _LIST_SEP.join(str(v) for v in value)
    return str(value)


def write_csv_documents(docs: Iterable[Document], out: IO[str]) -> int:
    """One row per document (see ``DOCUMENT_COLUMNS``); returns the number written."""
    w = csv.writer(out)
    w.writerow(DOCUMENT_COLUMNS)
    n = 0
    for doc in docs:
        meta = doc.to_dict()["meta"]
        per_layer = {x: 0 for x in LAYERS}
        for s in doc.spans:
            per_layer[s.layer] += 1
        w.writerow(
            [doc.id, *(_cell(meta[k]) for k in META_FIELDS), len(doc.text), len(doc.spans),
             *(per_layer[x] for x in LAYERS), doc.text]
        )  # fmt: skip
        n += 1
    return n


def _reader(fh: IO[str], columns: tuple[str, ...], what: str) -> Iterator[tuple[int, dict[str, str]]]:
    # texts are long: lift the csv module's 128 KiB cell limit (process-wide, harmless)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    r = csv.reader(fh)
    name = getattr(fh, "name", "<stream>")
    try:
        header = next(r, None)
        if header is None or tuple(header[: len(columns)]) != columns:
            raise ExchangeError(
                E_INGEST_CORRUPT, f"{name}: not a communique {what} CSV (the header must begin {', '.join(columns[:4])}, …)"
            )
        for row in r:
            if len(row) < len(columns):
                raise ExchangeError(E_INGEST_CORRUPT, f"{name}:{r.line_num}: {len(row)} cells, {len(columns)} expected")
            yield r.line_num, dict(zip(columns, row, strict=False))
    except csv.Error as exc:
        raise ExchangeError(E_INGEST_CORRUPT, f"{name}:{r.line_num}: {exc}") from exc


def read_csv_documents(fh: IO[str]) -> list[Document]:
    """Documents (without spans) from a ``write_csv_documents`` file, in file order."""
    docs: list[Document] = []
    for _line, row in _reader(fh, DOCUMENT_COLUMNS, "documents"):
        meta: dict[str, Any] = {k: (row[k] or None) for k in META_FIELDS}
        meta["languages"] = row["languages"].split(_LIST_SEP) if row["languages"] else []
        docs.append(Document(row["doc_id"], row["text"], meta))
    return docs


def read_csv_spans(fh: IO[str]) -> dict[str, list[tuple[Span, str]]]:
    """``{doc id: [(span, surface text as written)]}`` from a ``write_csv`` file, documents
    in file order; a document's row without span columns gives an empty list."""
    name = getattr(fh, "name", "<stream>")
    out: dict[str, list[tuple[Span, str]]] = {}
    for line, row in _reader(fh, CSV_COLUMNS, "spans"):
        spans = out.setdefault(row["doc_id"], [])
        if row["layer"] == "" and row["start"] == "":
            continue
        try:
            attrs = json.loads(row["attrs"]) if row["attrs"] else {}
            span = Span(int(row["start"]), int(row["end"]), row["layer"], row["label"], float(row["score"]), attrs, row["source"])
        except SpanError as exc:
            raise ExchangeError(exc.code, f"{name}:{line}: {exc.message}") from exc
        except (TypeError, ValueError) as exc:
            raise ExchangeError(E_INGEST_CORRUPT, f"{name}:{line}: {exc}") from exc
        spans.append((span, row["text"]))
    return out


def read_csv(documents: IO[str], spans: IO[str]) -> Iterator[Document]:
    """Join a documents CSV and a spans CSV back into documents, in the documents file's
    order. Raises :class:`ExchangeError` for a span whose ``text`` cell is not the text at
    its offsets (a file edited or re-encoded by a spreadsheet) or a span of an unknown
    document."""
    by_doc = read_csv_spans(spans)
    name = getattr(spans, "name", "<stream>")
    docs = read_csv_documents(documents)
    known = {d.id for d in docs}
    stray = [i for i in by_doc if i not in known]
    if stray:
        raise ExchangeError(E_INGEST_CORRUPT, f"{name}: spans of document {stray[0]} which the documents file lacks")
    for doc in docs:
        found = by_doc.get(doc.id, [])
        for span, surface in found:
            if span.end > len(doc.text) or doc.text[span.start : span.end] != surface:
                raise ExchangeError(
                    E_INGEST_CORRUPT,
                    f"{name}: span {span.start}..{span.end} of {doc.id} reads {surface!r} but the text there is "
                    f"{doc.text[span.start : span.end]!r}",
                )
        yield doc.with_spans(s for s, _ in found)

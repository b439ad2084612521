"""Reviewed annotations back into a store, whatever tool they come from (brat, Label Studio).

A format reader turns its file into :class:`ReviewDoc` records (one per document and
annotator, with the text as the tool had it and each mark's offsets, label and surface);
:func:`apply` checks every mark against the stored document and *adds* the accepted ones as
spans with ``source="review:<annotator>"`` and score 1.0. The model's spans are never
touched: ``Store.add_spans`` deletes only spans whose source is exactly that review source,
so importing the same review twice replaces, never doubles, and an annotator who removed
every label leaves no stale review spans behind.

Checks, each failure a :class:`Rejection` recorded in the store as a failure record of the
import run (never dropped silently):

- the document: by the id the tool kept, else by the content hash of the tool's text;
  E202 when neither is stored, E104 when the tool's text differs from the stored text
  (offsets into another text mean nothing);
- each mark: a label of ``model.LAYERS`` (E001 otherwise), offsets inside the text, and a
  surface, when the tool gives one, equal to the stored text at those offsets (E001). Where
  code-point offsets miss but the same offsets counted in UTF-16 units hit (browser tools
  count astral characters such as emoji twice), the mark is taken with converted offsets
  and ``attrs.review.offsets = "utf-16"`` says so.

A review span that has the exact offsets, layer and label of a span the pipeline found
*confirms* it: it carries that span's attrs (canonical name, actor, technique explanation…)
plus ``attrs.confirms``, the sources it confirms. Every review span has ``attrs.review``:
the tool, the file and the record it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import E_CONFIG, E_INGEST_CORRUPT, E_NOT_FOUND, E_SPAN, E_STORE, SpanError, StoreError
from ..model import LAYERS, Document, Span, doc_id
from ._common import ExchangeError, Rejection, label_layer

REVIEW_PREFIX = "review:"


def review_source(annotator: str) -> str:
    """``review:<annotator>``; whitespace inside the name becomes ``_``."""
    name = "_".join(str(annotator).split())
    if not name:
        raise ExchangeError(E_CONFIG, "an annotator name cannot be empty")
    return REVIEW_PREFIX + name


@dataclass(frozen=True, slots=True)
class Skip:
    """Something a file holds that communique does not import (a relation, a cancelled
    annotation, a free-text result): listed in the report, not an error."""

    where: str
    reason: str


@dataclass(frozen=True, slots=True)
class Mark:
    """One labelled stretch of text as a review tool returned it."""

    where: str
    start: int
    end: int
    label: str
    surface: str | None = None  # the text the tool says is there, when it says
    layer: str | None = None  # None: the layer that has this label
    review: Mapping[str, Any] = field(default_factory=dict)  # tool, file, record ids, note
    utf16: bool = False  # the tool may count in UTF-16 code units (browser-based tools)


@dataclass
class ReviewDoc:
    """One document as one annotator reviewed it; ``marks`` may be empty (the annotator
    removed every label), which still replaces that annotator's earlier import."""

    where: str
    source: str  # review:<annotator>
    doc_id: str | None
    text: str | None  # the text as the tool had it (None: the tool does not keep it)
    marks: list[Mark] = field(default_factory=list)


@dataclass
class ImportReport:
    """What one import did. ``rejected``: records refused (each also a failure record of
    the run); ``skipped``: things the file holds that communique does not import (relations,
    cancelled annotations), listed so nothing goes unnoticed."""

    fmt: str
    run_id: int | None = None
    documents: int = 0  # documents given review spans (or had them replaced)
    spans: int = 0  # review spans written
    replaced: int = 0  # earlier review spans of the same annotators deleted first
    confirmed: int = 0  # review spans that confirm a span the pipeline found
    annotators: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "spans": self.spans,
            "replaced": self.replaced,
            "confirmed": self.confirmed,
            "rejected": len(self.rejected),
            "skipped": len(self.skipped),
        }


def _utf16_to_index(text: str, units: int) -> int | None:
    """The code-point index at ``units`` UTF-16 code units into ``text`` (None if it falls
    inside a surrogate pair or past the end)."""
    n = 0
    for i, ch in enumerate(text):
        if n == units:
            return i
        n += 2 if ord(ch) > 0xFFFF else 1
        if n > units:
            return None
    return len(text) if n == units else None


def resolve_mark(text: str, mark: Mark) -> tuple[int, int, str, str, dict[str, Any]] | Rejection:
    """``(start, end, layer, label, review attrs)`` for a mark that fits ``text``, else why not."""
    layer = mark.layer or label_layer(mark.label)
    if layer is None or layer not in LAYERS or mark.label not in LAYERS[layer]:
        return Rejection(mark.where, E_SPAN, f"unknown label {mark.label!r}: not a label of any communique layer")
    review = dict(mark.review)
    start, end = mark.start, mark.end
    fits = 0 <= start <= end <= len(text)
    if fits and (mark.surface is None or text[start:end] == mark.surface):
        return start, end, layer, mark.label, review
    if mark.utf16 and mark.surface is not None:
        s16, e16 = _utf16_to_index(text, start), _utf16_to_index(text, end)
        if s16 is not None and e16 is not None and text[s16:e16] == mark.surface:
            review["offsets"] = "utf-16"
            return s16, e16, layer, mark.label, review
    if not fits:
        return Rejection(mark.where, E_SPAN, f"offsets {start}..{end} do not fit the stored text of {len(text)} characters")
    return Rejection(
        mark.where, E_SPAN,
        f"offsets {start}..{end} read {text[start:end]!r} in the stored text, not {mark.surface!r}",
    )  # fmt: skip


def review_spans(doc: Document, rd: ReviewDoc) -> tuple[list[Span], list[Rejection], int]:
    """The spans of one reviewed document (deduplicated), its rejected marks, and how many
    of the spans confirm a span the pipeline found."""
    own: dict[tuple[int, int, str, str], list[Span]] = {}
    for s in sorted(doc.spans, key=lambda s: -s.score):
        if s.source.startswith(REVIEW_PREFIX):
            continue
        own.setdefault((s.start, s.end, s.layer, s.label), []).append(s)
    spans: dict[tuple[int, int, str, str], Span] = {}
    rejected: list[Rejection] = []
    confirmed = 0
    for mark in rd.marks:
        got = resolve_mark(doc.text, mark)
        if isinstance(got, Rejection):
            rejected.append(got)
            continue
        start, end, layer, label, review = got
        key = (start, end, layer, label)
        if key in spans:
            continue
        attrs: dict[str, Any] = {}
        matches = own.get(key)
        if matches:
            attrs.update(matches[0].attrs)
            attrs["confirms"] = sorted({s.source for s in matches})
            confirmed += 1
        attrs["review"] = review
        try:
            spans[key] = Span(start, end, layer, label, 1.0, attrs, rd.source)
        except SpanError as exc:  # pragma: no cover - resolve_mark checked label and offsets
            rejected.append(Rejection(mark.where, exc.code, exc.message))
    return list(spans.values()), rejected, confirmed


def apply(
    store: Any, items: Iterable[ReviewDoc | Rejection | Skip], fmt: str, args: Mapping[str, Any] | None = None
) -> ImportReport:
    """Check every reviewed document against ``store`` and add its review spans; one import
    run records the counts and every rejection (``Corpus.failures(run_id)``)."""
    if not hasattr(store, "add_spans"):
        raise StoreError(E_STORE, f"{type(store).__name__} cannot add review spans yet (no add_spans)")
    report = ImportReport(fmt)
    run_id = store.begin_run(f"import:{fmt}", "-", dict(args or {}))
    report.run_id = run_id
    status = "failed"
    try:
        # one document may be reviewed by several annotators; group to write each once
        grouped: dict[str, tuple[Document, dict[str, list[Span]]]] = {}
        annotators: dict[str, None] = {}
        for item in items:
            if isinstance(item, Skip):
                report.skipped.append(item)
                continue
            if isinstance(item, Rejection):
                _reject(store, run_id, report.rejected, item)
                continue
            doc = _find(store, item)
            if isinstance(doc, Rejection):
                _reject(store, run_id, report.rejected, doc)
                continue
            spans, rejected, confirmed = review_spans(doc, item)
            for r in rejected:
                _reject(store, run_id, report.rejected, r)
            if item.marks and not spans:
                continue  # every mark refused: keep what an earlier import of this review gave
            report.confirmed += confirmed
            annotators[item.source] = None
            entry = grouped.setdefault(doc.id, (doc, {}))
            entry[1].setdefault(item.source, []).extend(spans)
        for did, (_doc, by_source) in grouped.items():
            spans = _dedupe(s for group in by_source.values() for s in group)
            report.replaced += store.add_spans(did, spans, replace_sources=list(by_source))
            report.spans += len(spans)
            report.documents += 1
        report.annotators = list(annotators)
        status = "done"
    finally:
        store.finish_run(run_id, report.counts(), status)
    return report


def _dedupe(spans: Iterable[Span]) -> list[Span]:
    seen: dict[tuple[int, int, str, str, str], Span] = {}
    for s in spans:
        seen.setdefault((s.start, s.end, s.layer, s.label, s.source), s)
    return list(seen.values())


def _reject(store: Any, run_id: int, bucket: list[Rejection], r: Rejection) -> None:
    bucket.append(r)
    store.record_failure(run_id, r.where, r.code, r.reason)


def _find(store: Any, rd: ReviewDoc) -> Document | Rejection:
    from ..errors import NotFoundError

    candidates = [i for i in (rd.doc_id, doc_id(rd.text) if rd.text is not None else None) if i]
    for cand in dict.fromkeys(candidates):
        if store.has_document(cand):
            try:
                doc: Document = store.get_document(cand)
            except NotFoundError:  # pragma: no cover - deleted between the two calls
                continue
            if rd.text is not None and rd.text != doc.text:
                return Rejection(
                    rd.where, E_INGEST_CORRUPT,
                    f"the text in the file differs from the stored text of document {doc.id} "
                    f"(first difference at character {_first_difference(rd.text, doc.text)}): offsets would not match",
                )  # fmt: skip
            return doc
    shown = " or ".join(dict.fromkeys(candidates)) or "(no id and no text)"
    return Rejection(rd.where, E_NOT_FOUND, f"document {shown} is not in the store")


def _first_difference(a: str, b: str) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))

"""Reviews: an analyst's decisions on spans, replayed over the model's output on read.

An analyst *accepts*, *rejects* or *relabels* a span of a document, or *adds* one. Each
decision is one row of an append-only log (``Store.add_review``: who, when, the span before
and after, a note); the spans the pipeline stored are never modified. The *effective* view
of a document is computed on read by replaying its reviews, oldest first, over its stored
spans:

- accept: the span stays, marked ``accepted``;
- reject: the span stays, marked ``rejected`` (shown struck through, left out of exports);
- relabel: the span is replaced by one with the new label, score 1.0 and
  ``source="review:<reviewer>"``, marked ``relabelled`` with the model's span as
  ``original``;
- add: a new span with score 1.0 and ``source="review:<reviewer>"``, marked ``added``.

A decision names its span by ``(start, end, layer, label, source)`` in the effective view
at that time, so a relabelled span is reviewed again under its new label and source. The
latest decision on a span wins (reject, then accept, undoes the rejection). A logged
decision whose span is no longer there (two analysts deciding on the same span at once) is
kept in the log and skipped by the replay; ``Replay.stale`` lists such reviews.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import E_SPAN, SpanError
from .model import LAYERS, Document, Span, span_order
from .techniques.taxonomy import CATEGORY_OF

ACTIONS = ("accept", "reject", "relabel", "add")
#: The mark a span gets from the last decision on it.
STATUS = {"accept": "accepted", "reject": "rejected", "relabel": "relabelled", "add": "added"}
#: Largest ``attrs`` object an added span may carry (characters of JSON): attrs are notes
#: such as the actor of a role, not documents.
MAX_ATTRS_CHARS = 4000

SpanKey = tuple[int, int, str, str, str]


def span_key(span: Mapping[str, Any]) -> SpanKey:
    """What identifies a span in a review: start, end, layer, label, source."""
    return (int(span["start"]), int(span["end"]), str(span["layer"]), str(span["label"]), str(span["source"]))


def review_source(reviewer: str) -> str:
    """The ``source`` of spans that come from a reviewer's decision."""
    return f"review:{reviewer}"


@dataclass(slots=True)
class ReviewedSpan:
    """A span of the effective view with the last decision on it (None if unreviewed)."""

    span: dict[str, Any]
    status: str | None = None
    review: Mapping[str, Any] | None = None
    original: dict[str, Any] | None = None  # the model's span, for a relabelled one

    def to_dict(self) -> dict[str, Any]:
        """The span (``Span.to_dict`` keys) plus ``"review"``: None, or status, review id,
        reviewer, time, note and the original span of a relabel."""
        out = dict(self.span)
        out["review"] = (
            None
            if self.review is None
            else {
                "status": self.status,
                "review_id": self.review["id"],
                "reviewer": self.review["reviewer"],
                "at": self.review["at"],
                "note": self.review.get("note"),
                "original": self.original,
            }
        )
        return out


@dataclass(slots=True)
class Replay:
    """The effective view of one document: its spans in canonical order, and the ids of
    logged reviews whose span was gone when they were replayed."""

    spans: list[ReviewedSpan]
    stale: list[int] = field(default_factory=list)


def _find(entries: list[ReviewedSpan], key: SpanKey) -> ReviewedSpan | None:
    for entry in entries:
        if span_key(entry.span) == key:
            return entry
    return None


def _order(entry: ReviewedSpan) -> tuple[int, int, str, str]:
    s = entry.span
    return (s["start"], -s["end"], s["layer"], s["label"])


def replay(doc: Document, reviews: Iterable[Mapping[str, Any]]) -> Replay:
    """Apply ``reviews`` (oldest first, as ``Store.reviews`` gives them) to ``doc``'s spans."""
    entries = [ReviewedSpan(s.to_dict()) for s in sorted(doc.spans, key=span_order)]
    stale: list[int] = []
    for r in reviews:
        action = r["action"]
        if action == "add":
            if r["after"] is None:
                stale.append(r["id"])
                continue
            entries.append(ReviewedSpan(dict(r["after"]), "added", r))
            continue
        entry = _find(entries, span_key(r["before"])) if r["before"] else None
        if entry is None:
            stale.append(r["id"])
            continue
        if action == "relabel" and r["after"] is not None:
            if entry.original is None and entry.status != "added":
                entry.original = dict(entry.span)
            entry.span = dict(r["after"])
        if entry.status == "added" and action != "reject":
            # an added span stays "added" when accepted or relabelled: it has no model origin
            entry.review = r
            continue
        entry.status = STATUS[action]
        entry.review = r
    entries.sort(key=_order)
    return Replay(entries, stale)


def _describe(key: Mapping[str, Any]) -> str:
    return f"{key.get('start')}..{key.get('end')} {key.get('layer')}/{key.get('label')} from {key.get('source')!r}"


def plan(
    doc: Document,
    reviews: Iterable[Mapping[str, Any]],
    action: str,
    span: Mapping[str, Any],
    *,
    reviewer: str,
    label: str | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Check one decision against the document's effective view; return (before, after).

    ``span`` names the span reviewed (accept, reject, relabel: start, end, layer, label and
    source of a span in the effective view) or gives the new span (add: start, end, layer,
    label; its source is the reviewer's). ``label`` is the new label of a relabel;
    ``attrs`` the attributes of an added span. Raises SpanError (E001) with a message that
    says what to fix: unknown action, a span not in the document, offsets outside the
    text, an empty span, a label not in the layer, a relabel to the same label, an added
    span that is already there.
    """
    if action not in ACTIONS:
        raise SpanError(E_SPAN, f"unknown review action {action!r}; use one of: {', '.join(ACTIONS)}")
    if not reviewer or not reviewer.strip():
        raise SpanError(E_SPAN, "a review needs the reviewer's name")
    missing = [k for k in ("start", "end", "layer", "label") if k not in span]
    if action != "add" and "source" not in span:
        missing.append("source")
    if missing:
        raise SpanError(E_SPAN, f"the span reviewed needs {', '.join(missing)}")
    current = replay(doc, reviews).spans
    source = review_source(reviewer)
    if action == "add":
        new = _new_span(doc, span, attrs, source)
        twin = next(
            (e for e in current if span_key(e.span)[:4] == span_key(new)[:4] and e.status != "rejected"),
            None,
        )
        if twin is not None:
            raise SpanError(
                E_SPAN,
                f"span {_describe(new)} is already in document {doc.id} as {_describe(twin.span)}; accept it instead",
            )
        return None, new
    try:
        key = span_key(span)
    except (TypeError, ValueError) as exc:
        raise SpanError(E_SPAN, f"bad span {dict(span)!r}: {exc}") from None
    entry = _find(current, key)
    if entry is None:
        raise SpanError(
            E_SPAN,
            f"no span {_describe(span)} in document {doc.id} (it may have been relabelled "
            "since: list the reviewed spans and name the current one)",
        )
    before = dict(entry.span)
    if action == "accept":
        return before, dict(before)
    if action == "reject":
        return before, None
    if label is None:
        raise SpanError(E_SPAN, "relabel needs the new label")
    if label == before["label"]:
        raise SpanError(E_SPAN, f"the span is already labelled {label!r}")
    layer = before["layer"]
    _check_label(layer, label)
    kept = dict(before.get("attrs") or {})
    if layer == "technique":
        kept = {"category": CATEGORY_OF[label]}
    after = Span(before["start"], before["end"], layer, label, 1.0, kept, source).to_dict()
    return before, after


def _check_label(layer: str, label: str) -> None:
    if layer not in LAYERS:
        raise SpanError(E_SPAN, f"unknown layer {layer!r}; layers are: {', '.join(LAYERS)}")
    if label not in LAYERS[layer]:
        raise SpanError(
            E_SPAN, f"label {label!r} is not in layer {layer!r}; labels are: {', '.join(sorted(LAYERS[layer]))}"
        )


def _new_span(doc: Document, span: Mapping[str, Any], attrs: Mapping[str, Any] | None, source: str) -> dict[str, Any]:
    import json

    try:
        start, end = int(span["start"]), int(span["end"])
    except (TypeError, ValueError):
        raise SpanError(E_SPAN, f"start and end must be integers, not {span['start']!r} and {span['end']!r}") from None
    layer, label = str(span["layer"]), str(span["label"])
    n = len(doc.text)
    if not 0 <= start < end <= n:
        raise SpanError(
            E_SPAN, f"offsets {start}..{end} are not a non-empty span of document {doc.id} ({n} characters)"
        )
    _check_label(layer, label)
    values = dict(attrs or {})
    try:
        size = len(json.dumps(values, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise SpanError(E_SPAN, f"attrs must be plain JSON: {exc}") from None
    if size > MAX_ATTRS_CHARS:
        raise SpanError(E_SPAN, f"attrs take {size} characters of JSON, over the {MAX_ATTRS_CHARS} limit")
    if layer == "technique":
        values.setdefault("category", CATEGORY_OF[label])
    return Span(start, end, layer, label, 1.0, values, source).to_dict()


def reviewed_document(doc: Document, reviews: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``doc.to_dict()`` with the effective spans, each with its ``"review"`` key."""
    out = doc.to_dict()
    out["spans"] = [e.to_dict() for e in replay(doc, reviews).spans]
    return out


def export_record(
    doc: Document, reviews: Iterable[Mapping[str, Any]], layer: str | None = None
) -> dict[str, Any] | None:
    """One training record: the text, the spans analysts confirmed (accepted, relabelled,
    added) and those they rejected, each with its review; None when no reviewed span is
    left (after the ``layer`` filter)."""
    kept: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for entry in replay(doc, reviews).spans:
        if entry.status is None or (layer is not None and entry.span["layer"] != layer):
            continue
        (rejected if entry.status == "rejected" else kept).append(entry.to_dict())
    if not kept and not rejected:
        return None
    return {"id": doc.id, "text": doc.text, "spans": kept, "rejected": rejected}

"""The one data type that flows through communique: Document with its Spans.

`Document.text` is the normalized text, fixed at ingest. Every finding is a `Span` with
character offsets into it (end exclusive); the surface string is derived, never stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from .errors import E_SPAN, SpanError
from .techniques.taxonomy import TECHNIQUES

#: The fixed vocabulary of ``Span.layer`` and the labels each layer uses.
LAYERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # passage: a run in another script/language inside a sentence (e.g. inline Arabic)
        "segment": frozenset({"paragraph", "sentence", "heading", "signoff", "passage"}),
        "entity": frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "LAW"}),
        "date": frozenset({"DATE", "DATE_RANGE", "ERA"}),
        "quote": frozenset({"QUOTE"}),
        "citation": frozenset({"QURAN", "HADITH", "BIBLE", "OTHER"}),
        "technique": frozenset(TECHNIQUES),  # SemEval-2023 Task 3 names
        "role": frozenset(
            {"enemy", "traitor", "ally", "victim", "authority", "in_group", "out_group", "leader"}
        ),
        "action": frozenset({"CALL_TO_ACTION"}),
    }
)

#: Document-level fields, in the order the JSONL contract lists them.
META_FIELDS: tuple[str, ...] = (
    "source",
    "title",
    "issuer",
    "office",
    "author",
    "author_role",
    "doc_type",
    "published",
    "published_how",
    "languages",
)


def doc_id(text: str) -> str:
    """Content hash of normalized text: 16 hex digits of SHA-256 (64 bits).

    Ingest is idempotent because the id depends on nothing but the text.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _frozen_attrs(attrs: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(attrs or {}))


@dataclass(frozen=True, slots=True)
class Span:
    """One finding: ``text[start:end]`` labelled on a layer, with score and provenance."""

    start: int
    end: int
    layer: str
    label: str
    score: float = 1.0
    attrs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""

    def __post_init__(self) -> None:
        if not (0 <= self.start <= self.end):
            raise SpanError(E_SPAN, f"bad offsets {self.start}..{self.end}")
        if self.layer not in LAYERS:
            raise SpanError(E_SPAN, f"unknown layer {self.layer!r}")
        allowed = LAYERS[self.layer]
        if allowed and self.label not in allowed:
            raise SpanError(E_SPAN, f"label {self.label!r} not in layer {self.layer!r}")
        if not self.source:
            raise SpanError(E_SPAN, "span without source (stage@version)")
        if not isinstance(self.attrs, MappingProxyType):
            object.__setattr__(self, "attrs", _frozen_attrs(self.attrs))

    def surface(self, text: str) -> str:
        """The span's text, derived from its offsets."""
        return text[self.start : self.end]

    def to_dict(self) -> dict[str, Any]:
        """The span as it appears in the JSONL export contract."""
        return {
            "start": self.start,
            "end": self.end,
            "layer": self.layer,
            "label": self.label,
            "score": round(float(self.score), 4),
            "attrs": _plain(self.attrs),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Span:
        return cls(
            int(d["start"]),
            int(d["end"]),
            d["layer"],
            d["label"],
            float(d.get("score", 1.0)),
            d.get("attrs") or {},
            d["source"],
        )


def _plain(value: Any) -> Any:
    """Mapping proxies and tuples to plain JSON-able dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past leading and trailing whitespace (empty if all blank)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def span_order(span: Span) -> tuple[int, int, str, str]:
    return (span.start, -span.end, span.layer, span.label)


@dataclass(frozen=True, slots=True)
class Document:
    """A statement: normalized text, document-level meta and all its spans."""

    id: str
    text: str
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    spans: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.meta, MappingProxyType):
            object.__setattr__(self, "meta", _frozen_attrs(self.meta))
        n = len(self.text)
        for s in self.spans:
            if s.end > n:
                raise SpanError(E_SPAN, f"span {s.start}..{s.end} beyond text of {n} chars")

    @classmethod
    def from_text(cls, text: str, meta: Mapping[str, Any] | None = None) -> Document:
        return cls(doc_id(text), text, meta or {})

    def layer(self, name: str, label: str | None = None) -> list[Span]:
        """Spans of one layer (and label, if given) in text order."""
        return sorted(
            (s for s in self.spans if s.layer == name and (label is None or s.label == label)),
            key=span_order,
        )

    def framing(self) -> Any:
        """Actor → roles (counts, strongest evidence) and calls to action: :func:`communique.framing.summary`."""
        from .framing import summary

        return summary(self)

    def surface(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def with_spans(self, spans: Iterable[Span]) -> Document:
        return replace(self, spans=tuple(sorted(spans, key=span_order)))

    def with_meta(self, **updates: Any) -> Document:
        meta = dict(self.meta)
        meta.update(updates)
        return replace(self, meta=meta)

    def to_dict(self) -> dict[str, Any]:
        """The JSONL export contract: id, text, meta (fixed keys), spans."""
        meta = {k: _plain(self.meta.get(k)) for k in META_FIELDS}
        if meta["languages"] is None:
            meta["languages"] = []
        return {
            "id": self.id,
            "text": self.text,
            "meta": meta,
            "spans": [s.to_dict() for s in sorted(self.spans, key=span_order)],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Document:
        return cls(
            d["id"],
            d["text"],
            d.get("meta") or {},
            tuple(Span.from_dict(s) for s in d.get("spans", ())),
        )


def original_offset(doc: Document, offset: int) -> int:
    """Map an offset in ``doc.text`` back to the text as read from the file.

    Normalization (CRLF, NFC, invisible characters) is recorded in ``meta["offset_map"]``;
    without one the texts are identical. For HTML, PDF, DOCX and e-mail, "as read" means
    the extracted text the reader produced.
    """
    anchors = doc.meta.get("offset_map")
    if not anchors:
        return offset
    from .pipeline.normalize import to_original

    return to_original(offset, [tuple(a) for a in anchors])  # type: ignore[misc]

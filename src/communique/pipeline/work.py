"""The mutable working state of one document while stages run over it.

Stages add spans through :meth:`Work.add`; the pipeline freezes the result into a
:class:`communique.model.Document` at the end. The spaCy parse lives here, per paragraph
block, so that every stage shares one parse.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..model import Document, Span, doc_id, span_order

if TYPE_CHECKING:  # spaCy is a heavy import; only for type checkers
    from spacy.tokens import Doc as SpacyDoc


@dataclass(slots=True)
class Block:
    """A paragraph block of the text and, if it was parsed, its spaCy Doc.

    ``doc`` token offsets are relative to ``start``: ``start + token.idx`` is the
    offset into the document text.
    """

    start: int
    end: int
    doc: SpacyDoc | None = None


@dataclass(slots=True)
class Work:
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    _folded: str | None = None

    @classmethod
    def from_document(cls, doc: Document) -> Work:
        w = cls(doc.text, dict(doc.meta), list(doc.spans))
        w.done.add("text")
        return w

    def add(
        self,
        start: int,
        end: int,
        layer: str,
        label: str,
        *,
        source: str,
        score: float = 1.0,
        attrs: Mapping[str, Any] | None = None,
    ) -> Span:
        """Record a finding; offsets are into ``self.text``."""
        # scores keep 4 decimals: what the export writes and what crosses process borders
        span = Span(start, end, layer, label, round(float(score), 4), attrs or {}, source)
        if end > len(self.text):
            from ..errors import E_SPAN, SpanError

            raise SpanError(E_SPAN, f"span {start}..{end} beyond text of {len(self.text)}")
        self.spans.append(span)
        return span

    def layer(self, name: str, label: str | None = None) -> list[Span]:
        return sorted(
            (s for s in self.spans if s.layer == name and (label is None or s.label == label)),
            key=lambda s: (s.start, -s.end),
        )

    @property
    def folded(self) -> str:
        """Same-length view of the text with quotes and dashes folded to ASCII.

        Rules match on this; offsets are identical to ``text``'s, so folding is
        reversible by construction (the original is ``text``).
        """
        if self._folded is None:
            from .normalize import fold

            self._folded = fold(self.text)
        return self._folded

    def parsed_blocks(self) -> Iterator[Block]:
        return (b for b in self.blocks if b.doc is not None)

    def sents(self) -> Iterator[tuple[int, Any]]:
        """(block offset, spaCy sentence Span) for every parsed sentence."""
        for b in self.parsed_blocks():
            assert b.doc is not None
            for s in b.doc.sents:
                yield b.start, s

    def to_document(self) -> Document:
        return Document(doc_id(self.text), self.text, dict(self.meta), tuple(sorted(self.spans, key=span_order)))

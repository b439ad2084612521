"""The data model: frozen spans with provenance, content-hash ids, the JSONL contract."""

from __future__ import annotations

import dataclasses

import pytest

from communique.errors import SpanError
from communique.model import META_FIELDS, Document, Span, doc_id

TEXT = "The Northern Valdoria Front condemns the blockade of Kessen."


def test_doc_id_is_content_hash_of_text_only():
    assert doc_id(TEXT) == doc_id(TEXT)
    assert doc_id(TEXT) != doc_id(TEXT + " ")
    assert len(doc_id(TEXT)) == 16
    d1 = Document.from_text(TEXT, {"source": "a.txt"})
    d2 = Document.from_text(TEXT, {"source": "b.txt"})
    assert d1.id == d2.id == doc_id(TEXT)


def test_span_is_frozen_and_surface_is_derived():
    s = Span(4, 27, "entity", "ORG", 0.9, {"canonical": "Northern Valdoria Front"}, "entities@1")
    assert s.surface(TEXT) == "Northern Valdoria Front"
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.start = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.attrs["canonical"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    "args",
    [
        (5, 2, "entity", "ORG"),  # end before start
        (0, 3, "nonsense", "ORG"),  # unknown layer
        (0, 3, "entity", "WEAPON"),  # label outside the layer's vocabulary
    ],
)
def test_invalid_spans_raise(args):
    with pytest.raises(SpanError):
        Span(*args, source="t@1")


def test_span_needs_a_source():
    with pytest.raises(SpanError):
        Span(0, 3, "entity", "ORG")


def test_span_beyond_text_is_rejected():
    with pytest.raises(SpanError):
        Document.from_text("short").with_spans([Span(0, 50, "entity", "ORG", source="t@1")])


def test_jsonl_contract_shape():
    doc = Document.from_text(TEXT, {"source": "a.txt", "issuer": "Northern Valdoria Front"}).with_spans(
        [Span(53, 59, "entity", "GPE", 0.75, {"canonical": "Kessen"}, "entities@1"),
         Span(4, 27, "entity", "ORG", 1.0, {}, "entities@1")]
    )  # fmt: skip
    d = doc.to_dict()
    assert list(d) == ["id", "text", "meta", "spans"]
    assert tuple(d["meta"]) == META_FIELDS
    assert d["meta"]["languages"] == [] and d["meta"]["issuer"] == "Northern Valdoria Front"
    assert [(s["start"], s["end"], s["label"]) for s in d["spans"]] == [(4, 27, "ORG"), (53, 59, "GPE")]
    assert list(d["spans"][0]) == ["start", "end", "layer", "label", "score", "attrs", "source"]
    assert d["text"][53:59] == "Kessen"
    assert Document.from_dict({**d, "meta": dict(doc.meta)}) == doc

"""Store.add_spans (review spans beside the model's) and the review checks shared by the
brat and Label Studio imports."""

from __future__ import annotations

import pytest

from communique.errors import NotFoundError, SpanError, StoreError
from communique.exports import Rejection
from communique.exports.review import Mark, ReviewDoc, apply, resolve_mark, review_source
from communique.model import Span


def test_add_spans_keeps_the_model_output_and_replaces_exact_sources(store_with_docs):
    corpus, (en, _ar, _notice) = store_with_docs
    store = corpus.store
    ana = Span(322, 332, "entity", "LOC", 1.0, {}, "review:ana")
    ana_mail = Span(298, 304, "entity", "GPE", 1.0, {}, "review:ana@example.org")
    assert store.add_spans(en.id, [ana, ana_mail]) == 0
    assert len(store.get_document(en.id).spans) == 16
    # replacing "review:ana" leaves "review:ana@example.org" (and the model's spans) alone
    assert store.add_spans(en.id, [], replace_sources=["review:ana"]) == 1
    sources = [s.source for s in store.get_document(en.id).spans]
    assert len(sources) == 15 and "review:ana@example.org" in sources and "review:ana" not in sources
    with pytest.raises(SpanError, match="span 0..400 beyond text of 344"):
        store.add_spans(en.id, [Span(0, 400, "entity", "LOC", 1.0, {}, "review:ana")])
    with pytest.raises(NotFoundError):
        store.add_spans("ffffffffffffffff", [ana])
    assert len(store.get_document(en.id).spans) == 15  # the failed calls changed nothing


def test_resolve_mark():
    text = "🕊 Orvo"
    assert resolve_mark(text, Mark("w", 2, 6, "GPE", "Orvo")) == (2, 6, "entity", "GPE", {})
    # UTF-16 offsets are converted only for tools that may count that way
    assert resolve_mark(text, Mark("w", 3, 7, "GPE", "Orvo", utf16=True)) == (2, 6, "entity", "GPE", {"offsets": "utf-16"})
    refused = resolve_mark(text, Mark("w", 3, 7, "GPE", "Orvo"))
    assert refused == Rejection("w", "E001", "offsets 3..7 do not fit the stored text of 6 characters")
    assert resolve_mark(text, Mark("w", 0, 2, "GPE", "Or")) == Rejection(
        "w", "E001", "offsets 0..2 read '🕊 ' in the stored text, not 'Or'"
    )
    assert resolve_mark(text, Mark("w", 2, 6, "Orvo_Place")).reason == "unknown label 'Orvo_Place': not a label of any communique layer"
    assert resolve_mark(text, Mark("w", 2, 6, "GPE", layer="role")).code == "E001"
    assert review_source("Ana  Lind") == "review:Ana_Lind"


def test_a_store_without_add_spans_is_refused():
    class OldStore:
        pass

    with pytest.raises(StoreError, match="OldStore cannot add review spans yet"):
        apply(OldStore(), [ReviewDoc("w", "review:ana", None, "x")], "brat")

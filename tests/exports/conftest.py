"""Fictional statements for the export/import tests: invented places, people and groups.

``docs()`` gives three documents with hand-made spans on every layer the formats carry:
an English statement (a quote across a line break, technique spans with and without a
PTC label, roles, a call to action), an Arabic statement with an emoji before its findings
(astral characters count twice in UTF-16), and a CRLF notice without spans.
"""

from __future__ import annotations

from typing import Any

import pytest

from communique.model import Document, Span

ENGLISH = (
    "Statement of the Vellin Valley Assembly\n"
    "\n"
    "The Vellin Valley Assembly rejects the decree issued by Governor Marek Tolvan on 12 May 2023. "
    'Spokesman Ivo Brandt said "the valley will not be sold\n'
    'to the northern traders." The traitors in Castel Orvo serve only their masters.\n'
    "\n"
    "We call on every family of Vellin to gather at the old bridge on Friday.\n"
)

ARABIC = "بيان من مجلس وادي فيلين 🕊\nيرفض المجلس قرار الحاكم ماريك تولفان ويدعو الأهالي إلى الصمود.\n"

NOTICE = "A short notice without findings.\r\nSecond line, written on another system.\r\n"


def at(text: str, surface: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the ``nth`` occurrence of ``surface`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return start, start + len(surface)


def span(text: str, surface: str, layer: str, label: str, source: str, score: float = 1.0, nth: int = 0, **attrs: Any) -> Span:
    s, e = at(text, surface, nth)
    return Span(s, e, layer, label, score, attrs, source)


def english() -> Document:
    t = ENGLISH
    spans = [
        span(t, "Statement of the Vellin Valley Assembly", "segment", "heading", "segment@1"),
        span(t, "Vellin Valley Assembly", "entity", "ORG", "entities@1", 0.95, nth=1, canonical="Vellin Valley Assembly", rule="issuer"),
        span(t, "Marek Tolvan", "entity", "PERSON", "entities@1", 0.95, canonical="Marek Tolvan", title="Governor", title_norm="Governor"),
        span(t, "Ivo Brandt", "entity", "PERSON", "entities@1", 0.9, canonical="Ivo Brandt", role="Spokesman"),
        span(t, "Castel Orvo", "entity", "GPE", "entities@1", 0.75, canonical="Castel Orvo"),
        span(t, "Vellin", "entity", "GPE", "entities@1", 0.7, nth=2, canonical="Vellin Valley"),
        span(t, "12 May 2023", "date", "DATE", "dates@1", 1.0, value="2023-05-12", granularity="day"),
        span(t, "the valley will not be sold\nto the northern traders.", "quote", "QUOTE", "quotes@2", 0.9, speaker="Ivo Brandt", verb="say"),
        span(t, "sold", "technique", "Loaded_Language", "model:techniques-minilm-1@1", 0.4612, ptc="Loaded_Language", category="Manipulative wording", explanation="model: Loaded_Language (p=0.91)"),
        span(t, "The traitors in Castel Orvo", "technique", "Name_Calling-Labeling", "rule:name_calling.traitor@1", 0.8, ptc="Name_Calling,Labeling", explanation="calls a group 'traitors'"),
        span(t, "every family of Vellin", "technique", "Appeal_to_Values", "rule:values.family@1", 0.6, ptc=None, explanation="appeals to family"),
        span(t, "The traitors in Castel Orvo", "role", "traitor", "rule:role.label@1", 0.85, actor="Castel Orvo", actor_kind="GPE"),
        span(t, "decree issued by Governor Marek Tolvan", "role", "enemy", "rule:role.opposes@1", 0.7, actor="Marek Tolvan", actor_kind="PERSON"),
        span(t, "gather at the old bridge on Friday", "action", "CALL_TO_ACTION", "actions@1", 0.9, action="gather", addressee="every family of Vellin"),
    ]
    meta = {
        "source": "inbox/vellin_statement.txt", "title": "Statement of the Vellin Valley Assembly",
        "issuer": "Vellin Valley Assembly", "doc_type": "statement", "published": "2023-05-13",
        "published_how": "inferred", "languages": ["en"], "format": "text", "offset_map": [[0, 0]],
    }  # fmt: skip
    return Document.from_text(t, meta).with_spans(spans)


def arabic() -> Document:
    t = ARABIC
    spans = [
        span(t, "مجلس وادي فيلين", "entity", "ORG", "entities@1", 0.9, canonical="Vellin Valley Assembly"),
        span(t, "ماريك تولفان", "entity", "PERSON", "entities@1", 0.85, canonical="Marek Tolvan", title="الحاكم"),
        span(t, "يرفض", "technique", "Loaded_Language", "model:techniques-minilm-1@1", 0.33, ptc="Loaded_Language"),
        span(t, "ويدعو الأهالي إلى الصمود", "action", "CALL_TO_ACTION", "actions@1", 0.8, action="الصمود"),
    ]
    meta = {"title": "بيان من مجلس وادي فيلين", "issuer": "Vellin Valley Assembly", "languages": ["ar"], "published": "2023-05-14"}
    return Document.from_text(t, meta).with_spans(spans)


def notice() -> Document:
    return Document.from_text(NOTICE, {"source": "https://example.org/notice/7", "languages": ["en"]})


def docs() -> list[Document]:
    return [english(), arabic(), notice()]


def contract(doc: Document) -> Document:
    """What an exact round trip must give back: the document through the JSONL contract."""
    return Document.from_dict(doc.to_dict())


class _Fixtures:
    """The helpers above, for test modules (conftest modules cannot be imported by name)."""

    ENGLISH, ARABIC, NOTICE = ENGLISH, ARABIC, NOTICE
    at = staticmethod(at)
    span = staticmethod(span)
    english = staticmethod(english)
    arabic = staticmethod(arabic)
    notice = staticmethod(notice)
    docs = staticmethod(docs)
    contract = staticmethod(contract)


@pytest.fixture
def fx() -> type[_Fixtures]:
    return _Fixtures


@pytest.fixture
def store_with_docs(tmp_path):
    """A SQLite corpus holding ``docs()``; yields (corpus, docs)."""
    import communique

    corpus = communique.open(tmp_path / "c.db")
    ds = docs()
    for d in ds:
        corpus.add(d, source=d.meta.get("source") or "<test>")
    yield corpus, ds
    corpus.close()

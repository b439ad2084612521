"""FollowTheMoney entities, one JSON object a line, for Aleph / OpenAleph (``ftm``,
``alephclient write-entities``).

What is written:

- one ``PlainText`` per statement: ``title``, ``bodyText`` (the text), ``publishedAt``,
  ``publisher`` (issuer), ``author``, ``sourceUrl`` (when the source is a URL) or
  ``fileName``, ``language``, ``mimeType``, ``keywords`` (doc type and the techniques
  found), ``peopleMentioned`` / ``companiesMentioned`` / ``locationMentioned`` /
  ``namesMentioned``, ``processingAgent``;
- one entity per canonical name, merged across the corpus: ``PERSON`` → ``Person`` (with
  ``title`` and ``position`` when found), ``ORG`` → ``Organization``, ``NORP`` →
  ``Organization`` classified ``group (NORP)`` (the groups statements cast as enemies),
  ``GPE`` / ``LOC`` / ``FAC`` → ``Address``, ``EVENT`` → ``Event``; ``alias`` holds the other
  spellings seen. ``LAW`` names stay in the document's ``namesMentioned`` only;
- one ``Documentation`` link (document → entity) per document, entity and role, ``role``
  one of ``mentioned``, ``issuer``, ``issuing office``, ``author``, ``quoted``, or
  ``cast as <role>`` (enemy, traitor, ally…), its ``summary`` the evidence: each surface
  with its character offsets, source and score, one a line.

Ids (stable, so re-exports update rather than duplicate, and the same name from two
corpora meets in one Aleph collection):

- document: ``communique-doc-<document id>``;
- named entity: ``communique-<schema, lower case>-<h>``, ``h`` the first 20 hex digits of
  SHA-1 of ``"<Schema>\\x1f<name>"``, the canonical name case-folded with runs of
  whitespace as one space. Two different people with one name therefore share an entity:
  names are all a statement gives;
- link: ``communique-link-<h>``, ``h`` from SHA-1 of ``"<document entity id>\\x1f<entity
  id>\\x1f<role>"``.

Written without the followthemoney library (a test validates every line with it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any

from ..model import Document, Span
from ._common import dumps

#: entity label → FollowTheMoney schema (labels not here stay names on the document)
KIND_SCHEMA: Mapping[str, str] = {
    "PERSON": "Person",
    "ORG": "Organization",
    "NORP": "Organization",
    "GPE": "Address",
    "LOC": "Address",
    "FAC": "Address",
    "EVENT": "Event",
}
#: the document property that lists names of each schema
MENTIONED: Mapping[str, str] = {
    "Person": "peopleMentioned",
    "Organization": "companiesMentioned",
    "Address": "locationMentioned",
    "Event": "namesMentioned",
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def _h(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def entity_id(schema: str, name: str) -> str:
    """The stable id of the ``schema`` entity named ``name`` (see the module docstring)."""
    return f"communique-{schema.lower()}-{_h(schema + chr(0x1F) + _key(name))}"


def document_entity_id(doc_id: str) -> str:
    return f"communique-doc-{doc_id}"


def link_id(document: str, entity: str, role: str) -> str:
    return f"communique-link-{_h(chr(0x1F).join((document, entity, role)))}"


class _Entity:
    __slots__ = ("id", "schema", "props")

    def __init__(self, eid: str, schema: str) -> None:
        self.id, self.schema = eid, schema
        self.props: dict[str, dict[str, None]] = {}

    def add(self, prop: str, value: Any) -> None:
        if value is None:
            return
        text = " ".join(str(value).split()) if prop not in ("bodyText", "summary") else str(value)
        if text:
            self.props.setdefault(prop, {})[text] = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "schema": self.schema, "properties": {k: list(v) for k, v in self.props.items() if v}}


def _evidence(doc: Document, s: Span) -> str:
    surface = " ".join(doc.text[s.start : s.end].split())
    if len(surface) > 200:
        surface = surface[:199] + "…"
    return f"“{surface}” chars {s.start}-{s.end} ({s.source}, score {s.score:.2f})"


class FtmWriter:
    """Streams documents and their links; named entities, merged across documents, are
    written by :meth:`close`."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.entities: dict[str, _Entity] = {}
        self.documents = 0
        self.links = 0

    def _named(self, schema: str, name: str) -> _Entity:
        eid = entity_id(schema, name)
        ent = self.entities.get(eid)
        if ent is None:
            ent = self.entities[eid] = _Entity(eid, schema)
            ent.add("name", name)
            if schema == "Address":
                ent.add("full", name)
        return ent

    def write(self, doc: Document) -> None:
        meta = doc.meta
        did = document_entity_id(doc.id)
        d = _Entity(did, "PlainText")
        d.add("title", meta.get("title"))
        d.add("bodyText", doc.text)
        published = meta.get("published")
        if isinstance(published, str) and _DATE.match(published):
            d.add("publishedAt", published)
        d.add("publisher", meta.get("issuer"))
        d.add("author", meta.get("author"))
        source = meta.get("source")
        if isinstance(source, str) and source.startswith(("http://", "https://")):
            d.add("sourceUrl", source)
        elif isinstance(source, str) and source:
            d.add("fileName", re.split(r"[\\/]", source)[-1])
        for lang in meta.get("languages") or []:
            d.add("language", lang)
        d.add("mimeType", "text/plain")
        d.add("keywords", meta.get("doc_type"))
        for s in doc.layer("technique"):
            d.add("keywords", s.label)
        d.add("processingAgent", "communique")
        d.add("notes", f"communique document {doc.id}")

        # schema of each canonical name in this document, from its entity spans
        kinds: dict[str, str] = {}
        links: dict[tuple[str, str], list[str]] = {}  # (entity id, role) -> evidence lines
        for s in doc.layer("entity"):
            canonical = str(s.attrs.get("canonical") or doc.text[s.start : s.end]).strip()
            if not canonical:
                continue
            schema = KIND_SCHEMA.get(s.label)
            if schema is None:
                d.add("namesMentioned", canonical)
                continue
            kinds.setdefault(_key(canonical), schema)
            ent = self._named(schema, canonical)
            surface = " ".join(doc.text[s.start : s.end].split())
            if _key(surface) != _key(canonical):
                ent.add("alias", surface)
            if s.label == "NORP":
                ent.add("classification", "group (NORP)")
            if schema == "Person":
                ent.add("title", s.attrs.get("title_norm") or s.attrs.get("title"))
                ent.add("position", s.attrs.get("role"))
            d.add(MENTIONED[schema], canonical)
            links.setdefault((ent.id, "mentioned"), []).append(_evidence(doc, s))

        def actor(name: str, default: str, kind: Any = None) -> _Entity:
            schema = KIND_SCHEMA.get(str(kind)) if kind else None
            return self._named(schema or kinds.get(_key(name)) or default, name)

        for field, role, default in (("issuer", "issuer", "Organization"), ("office", "issuing office", "Organization"), ("author", "author", "Person")):
            name = meta.get(field)
            if isinstance(name, str) and name.strip():
                ent = actor(name.strip(), default)
                links.setdefault((ent.id, role), []).append(f"meta.{field}: {name.strip()}")
        for s in doc.layer("role"):
            name = s.attrs.get("actor")
            if isinstance(name, str) and name.strip():
                ent = actor(name.strip(), "Organization", s.attrs.get("actor_kind"))
                links.setdefault((ent.id, f"cast as {s.label}"), []).append(_evidence(doc, s))
        for s in doc.layer("quote"):
            name = s.attrs.get("speaker")
            if isinstance(name, str) and name.strip():
                ent = actor(name.strip(), "Person")
                links.setdefault((ent.id, "quoted"), []).append(_evidence(doc, s))

        self._line(d)
        for (eid, role), evidence in links.items():
            link = _Entity(link_id(did, eid, role), "Documentation")
            link.add("document", did)
            link.add("entity", eid)
            link.add("role", role)
            link.add("summary", "\n".join(evidence))
            if isinstance(published, str) and _DATE.match(published):
                link.add("date", published)
            self._line(link)
            self.links += 1
        self.documents += 1

    def _line(self, ent: _Entity) -> None:
        self.out.write(dumps(ent.to_dict()))
        self.out.write("\n")

    def close(self) -> None:
        """Write the named entities, in id order."""
        for eid in sorted(self.entities):
            self._line(self.entities[eid])


def write_ftm(docs: Iterable[Document], out: IO[str], report: dict[str, int] | None = None) -> int:
    """Write the corpus as FollowTheMoney entities; returns the number of documents.
    ``report``, when given, receives ``entities`` (named entities) and ``links``."""
    w = FtmWriter(out)
    for doc in docs:
        w.write(doc)
    w.close()
    if report is not None:
        report.update(entities=len(w.entities), links=w.links)
    return w.documents

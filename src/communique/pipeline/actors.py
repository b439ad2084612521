"""Actor mentions over the shared parse: the entities plus the collective actors a text builds.

Not a stage: the ``roles`` and ``actions`` stages share it. An actor mention is either an
``entity`` span (its canonical name) or a *collective* noun phrase headed by a word such as
"leadership", "regime", "people", "Ummah", "forces" ("the political and military leadership",
"the Muslims of Pakistan", "the oppressed people of occupied Kashmir").

Collective names are canonicalized within a document: evaluative words and role words are
dropped ("the current traitor leadership" → "the leadership"), a possessive owner becomes a
qualifier ("Pakistan's political and military leadership" → "… leadership of Pakistan"), and
then institution names merge: a bare or shorter form joins the fuller form with the same head
("the leadership" → "the political and military leadership"), and a qualified form joins the
bare form when the text names only one such institution ("… of Pakistan" → "the political
and military leadership", qualifier kept in ``attrs.qualifier``).
"""

from __future__ import annotations

import bisect
import functools
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ..model import Span
from .work import Block, Work


@functools.cache
def lexicon() -> dict[str, Any]:
    data = (
        resources.files("communique.resources").joinpath("framing/lexicon.json").read_text("utf-8")
    )
    lex: dict[str, Any] = json.loads(data)
    return lex


@functools.cache
def role_noun_index() -> dict[str, str]:
    """Lemma → role for role nouns ("traitor" → traitor)."""
    return {w: role for role, words in lexicon()["role_nouns"].items() for w in words}


@functools.cache
def role_adj_index() -> dict[str, str]:
    return {w: role for role, words in lexicon()["role_adjectives"].items() for w in words}


@functools.cache
def _set(key: str) -> frozenset[str]:
    return frozenset(lexicon()[key])


def collective_heads() -> frozenset[str]:
    return _set("collective_heads")


def institution_heads() -> frozenset[str]:
    return _set("institution_heads")


def evaluative() -> frozenset[str]:
    return _set("evaluative")


FIRST_PLURAL = frozenset({"we", "us", "our", "ours", "ourselves"})
_POSS_PRONOUNS = frozenset({"our", "their", "his", "her", "its", "my", "your", "thy", "whose"})
_LEFT_DEPS = frozenset(
    {"det", "amod", "compound", "nmod", "nummod", "poss", "predet", "quantmod", "advmod"}
)
_QUAL_PREPS = frozenset({"of", "in", "from"})
_SKIP_TEXT = frozenset({",", "(", ")", '"', "“", "”", "'", "‘", "’", "«", "»", "'s", "’s", "-"})
# spaCy's small model tags plural group nouns and some common nouns as PROPN in headlines
_PEOPLE_NORP = frozenset({"muslims", "christians", "jews", "hindus", "believers", "ummah", "umma"})


def lemma(tok: Any) -> str:
    """Lowercase lemma, with a plural fallback for nouns spaCy tags as proper nouns."""
    lem = str(tok.lemma_).lower()
    low = str(tok.lower_)
    if tok.pos_ == "PROPN" and lem == low and low.endswith("s") and len(low) > 3:
        stem = low[:-1]
        if stem in collective_heads() or stem in role_noun_index():
            return stem
    return lem


@dataclass(slots=True)
class Mention:
    """One actor mention: character offsets into the document text and its canonical name."""

    start: int
    end: int
    canonical: str
    kind: str  # entity label, COLLECTIVE, or WE (first person plural)
    head: Any = None  # spaCy token
    core: tuple[str, ...] = ()  # modifier words of a collective (for merging)
    qualifier: str | None = None  # "Pakistan" in "the leadership of Pakistan"
    signals: set[str] = field(default_factory=set)  # "poss:our", "so-called", "role:traitor", …
    head_lemma: str = ""

    @property
    def is_we(self) -> bool:
        return self.kind == "WE"


class Actors:
    """Per-document index: token → actor mention, built lazily from the parse and entities."""

    def __init__(self, work: Work) -> None:
        self.work = work
        self.entities = work.layer("entity")
        self._ent_starts = [e.start for e in self.entities]
        self._cache: dict[tuple[int, int], Mention | None] = {}
        self.block_of: dict[int, Block] = {}
        for b in work.parsed_blocks():
            assert b.doc is not None
            self.block_of[id(b.doc)] = b
        self.mentions: list[Mention] = []
        self.canon_map: dict[str, str] = {}

    # ---- offsets
    def off(self, tok: Any) -> int:
        return self.block_of[id(tok.doc)].start

    def abs_start(self, tok: Any) -> int:
        return self.off(tok) + int(tok.idx)

    def abs_end(self, tok: Any) -> int:
        return self.off(tok) + int(tok.idx) + len(tok.text)

    def entity_of(self, tok: Any) -> Span | None:
        a, b = self.abs_start(tok), self.abs_end(tok)
        i = bisect.bisect_right(self._ent_starts, a) - 1
        for j in range(i, max(i - 3, -1), -1):
            e = self.entities[j]
            if e.start <= a and b <= e.end:
                return e
        return None

    # ---- mentions
    def mention(self, tok: Any) -> Mention | None:
        """The actor a token stands for (it heads or lies inside), or None."""
        key = (id(tok.doc), int(tok.i))
        if key in self._cache:
            return self._cache[key]
        m = self._build(tok)
        self._cache[key] = m
        if m is not None and not m.is_we:
            self.mentions.append(m)
        return m

    def _build(self, tok: Any) -> Mention | None:
        low = str(tok.lower_)
        if low in FIRST_PLURAL and tok.text not in ("US", "U.S."):
            a = self.abs_start(tok)
            return Mention(a, a + len(tok.text), "we", "WE", tok)
        if tok.pos_ not in ("NOUN", "PROPN", "ADJ"):
            return None
        lem = lemma(tok)
        ent = self.entity_of(tok)
        if lem in collective_heads() or (
            ent is not None and ent.label == "NORP" and _has_of(tok) and low in _PEOPLE_NORP
        ):
            col = self._collective(tok, lem)
            if col is not None:
                if (
                    ent is not None
                    and not col.core
                    and not col.qualifier
                    and ent.label in ("ORG", "NORP", "GPE")
                ):
                    # "the Ummah", "the Muslims": the entity name is the actor
                    return self._entity_mention(ent, tok)
                return col
        if ent is not None and ent.label in ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"):
            return self._entity_mention(ent, tok)
        return None

    def collective(self, tok: Any) -> Mention | None:
        """A collective mention headed by ``tok`` even when its head word is not in the lexicon."""
        key = (id(tok.doc), int(tok.i))
        m = self._collective(tok, lemma(tok))
        if m is not None:
            self._cache[key] = m
            self.mentions.append(m)
        return m

    def _entity_mention(self, ent: Span, tok: Any) -> Mention:
        canon = str(ent.attrs.get("canonical") or self.work.text[ent.start : ent.end])
        if ent.attrs.get("kind") == "demonym" and ent.attrs.get("country"):
            canon = str(ent.attrs["country"])
        return Mention(ent.start, ent.end, canon, ent.label, tok, head_lemma=canon.lower())

    def _collective(self, head: Any, lem: str) -> Mention | None:
        keep: list[Any] = [head]
        signals: set[str] = set()
        qualifier: str | None = None
        qual_toks: list[Any] = []
        for child in head.lefts:
            if child.dep_ in _LEFT_DEPS:
                keep.extend(child.subtree)
        for child in head.rights:
            if child.dep_ == "prep" and child.lower_ in _QUAL_PREPS and qualifier is None:
                pobj = [c for c in child.children if c.dep_ == "pobj"]
                if not pobj:
                    continue
                ent = self.entity_of(pobj[0])
                people = lem not in institution_heads()
                if ent is not None and ent.label in ("GPE", "LOC", "NORP", "ORG", "FAC"):
                    qualifier = str(
                        ent.attrs.get("canonical") or self.work.text[ent.start : ent.end]
                    )
                    qual_toks = [child, *pobj[0].subtree]
                elif people and child.lower_ == "of":
                    qual_toks = [child, *pobj[0].subtree]
                    qualifier = " ".join(t.text for t in pobj[0].subtree if not t.is_punct)
                if qual_toks:
                    # the qualifier's own relative clauses or appositions are not part of the name
                    keep_conj = people and child.lower_ == "of"
                    deps = (
                        ("relcl", "appos", "acl")
                        if keep_conj
                        else ("relcl", "appos", "acl", "conj", "cc")
                    )
                    qual_toks = [child] + [
                        t for t in pobj[0].subtree if not _under(t, pobj[0], deps)
                    ]
        keep_sorted = sorted(set(keep), key=lambda t: t.i)
        words: list[str] = []
        core: list[str] = []
        owner: str | None = None
        quant: str | None = None
        for t in keep_sorted:
            tl = str(t.lower_)
            tlem = lemma(t)
            if t.i == head.i:
                words.append(
                    lem
                    if lem in role_noun_index()
                    and t.pos_ != "PROPN"
                    or lem in role_noun_index()
                    and lem != str(t.lower_)
                    else _form(t, self)
                )
                continue
            if t.is_punct or t.text in _SKIP_TEXT or t.dep_ == "case":
                continue
            if t.dep_ in ("det", "predet"):
                if tl in ("no", "neither", "any"):
                    signals.add("negated")
                if tl in ("every", "each") and t.i < head.i:
                    quant = tl
                continue
            if tl in _POSS_PRONOUNS and t.dep_ == "poss":
                signals.add(f"poss:{tl}")
                continue
            if t.dep_ == "poss":
                ent = self.entity_of(t)
                if ent is not None:
                    owner = str(ent.attrs.get("canonical") or self.work.text[ent.start : ent.end])
                    continue
            if tl in ("so-called", "so"):
                signals.add("so-called")
                continue
            if tl == "called" and any(c.lower_ == "so" for c in t.children):
                signals.add("so-called")
                continue
            if tlem in role_noun_index() and t.dep_ in ("compound", "nmod", "amod"):
                signals.add(f"role:{role_noun_index()[tlem]}")
                continue
            if (tl in role_adj_index() or tlem in role_adj_index()) and t.dep_ in (
                "amod",
                "conj",
                "cc",
            ):
                signals.add(f"adj:{role_adj_index().get(tl) or role_adj_index()[tlem]}")
                continue
            if tl in evaluative() or t.dep_ == "advmod":
                continue
            if t.dep_ == "cc" and not core:
                continue
            words.append(_form(t, self))
            if t.dep_ != "cc":
                core.append(tl)
        # trailing/leading conjunctions left by dropped words ("political and" → "political")
        while words and words[0].lower() in ("and", "or", "&"):
            words.pop(0)
        if qual_toks:
            qwords = [
                _form(t, self)
                for t in sorted(set(qual_toks), key=lambda t: t.i)
                if not t.is_punct and t.text not in _SKIP_TEXT and str(t.lower_) not in evaluative()
            ]
            words.extend(qwords)
        elif owner is not None:
            qualifier = owner
            words.extend(["of", owner])
        if not words:
            return None
        name = " ".join(words).replace(" - ", "-")
        if quant is not None:
            name = f"{quant} {name}"
        elif head.pos_ != "PROPN" or lem in collective_heads() or str(head.lower_) in _PEOPLE_NORP:
            name = "the " + name if not name.lower().startswith("the ") else name
        span_toks = [t for t in keep_sorted if not t.is_punct] + [
            t for t in qual_toks if not t.is_punct
        ]
        span_toks.sort(key=lambda t: t.i)
        start = self.abs_start(span_toks[0]) if span_toks else self.abs_start(head)
        end = self.abs_end(span_toks[-1]) if span_toks else self.abs_end(head)
        return Mention(
            start,
            end,
            name,
            "COLLECTIVE",
            head,
            tuple(core),
            qualifier if qual_toks or owner else None,
            signals,
            lem,
        )

    # ---- document-level canonicalization
    def finalize(self) -> None:
        """Merge collective names within the document (see the module docstring)."""
        cols = [
            m
            for m in self.mentions
            if m.kind == "COLLECTIVE" and m.head_lemma in institution_heads()
        ]
        by_head: dict[str, list[Mention]] = {}
        for m in cols:
            by_head.setdefault(m.head_lemma, []).append(m)
        for group in by_head.values():
            cores = Counter(m.core for m in group)
            # shorter core → the most frequent core that contains it
            core_map: dict[tuple[str, ...], tuple[str, ...]] = {}
            plain = {
                m.core
                for m in group
                if not m.qualifier and not any(w[:1].isupper() for w in m.canonical.split()[1:])
            }
            for c in cores:
                if c not in plain:
                    continue
                sup = [d for d in cores if d != c and set(c) < set(d) and d in plain]
                if sup:
                    core_map[c] = max(sup, key=lambda d: (cores[d], len(d)))
            for m in group:
                if not m.qualifier:
                    m.core = core_map.get(m.core, m.core)
            by_core: dict[tuple[str, ...], list[Mention]] = {}
            for m in group:
                by_core.setdefault(m.core, []).append(m)
            for members in by_core.values():
                quals = Counter(m.qualifier for m in members if m.qualifier)
                bare = [m for m in members if not m.qualifier]
                names = Counter(_strip_qual(m.canonical, m.qualifier) for m in members)
                base = max(names, key=lambda n: (names[n], len(n)))
                if len(quals) <= 1:
                    target = base
                else:
                    top = max(quals, key=lambda q: quals[q])
                    target = next(m.canonical for m in members if m.qualifier == top)
                for m in members:
                    if len(quals) <= 1 or not m.qualifier:
                        self.canon_map[m.canonical] = target
                        m.canonical = target
                    elif bare and m.qualifier:
                        pass  # distinct institutions ("the regime in Kabul") keep their name

    def canonical(self, m: Mention) -> str:
        return self.canon_map.get(m.canonical, m.canonical)


def _has_of(tok: Any) -> bool:
    return any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.rights)


def _under(t: Any, root: Any, deps: tuple[str, ...]) -> bool:
    """Whether ``t`` hangs below ``root`` through one of ``deps`` (t itself excluded when root)."""
    while t.i != root.i and t.head.i != t.i:
        if t.dep_ in deps:
            return True
        t = t.head
    return False


def _form(t: Any, actors: Actors | None = None) -> str:
    """A word of a canonical name: entity and proper-name tokens keep their case."""
    if actors is not None and actors.entity_of(t) is not None:
        return str(t.text)
    lem = lemma(t)
    if lem in collective_heads() or lem in role_noun_index() or t.pos_ != "PROPN":
        return str(t.lower_)
    return str(t.text)


def _strip_qual(name: str, qualifier: str | None) -> str:
    if qualifier:
        for prep in (" of ", " in ", " from "):
            suffix = prep + qualifier
            if name.endswith(suffix):
                return name[: -len(suffix)]
    return name


def conjuncts(tok: Any) -> Iterator[Any]:
    """The token and the tokens coordinated with it ("the junta and its backers")."""
    yield tok
    for c in tok.children:
        if c.dep_ == "conj":
            yield from conjuncts(c)


def phrase_extent(
    tok: Any, stop_deps: Iterable[str] = ("relcl", "appos", "acl", "punct", "cc", "conj", "advcl")
) -> tuple[Any, Any]:
    """First and last token of ``tok``'s phrase.

    ``stop_deps`` are left out at the top (the phrase's own clauses and coordinated
    siblings); deeper down only clauses are left out, so "enemy of Islam and Muslims" keeps
    its coordinated object.
    """
    stop = set(stop_deps)
    deep_stop = {"relcl", "acl", "advcl", "appos"}
    toks = [tok]
    stack = [(tok, True)]
    while stack:
        t, top = stack.pop()
        for c in t.children:
            if top and c.dep_ in stop and not (c.dep_ == "punct" and c.text in "-–"):
                continue
            if not top and c.dep_ in deep_stop:
                continue
            toks.append(c)
            stack.append((c, False))
    idx = {t.i for t in toks}
    i = tok.i
    while i - 1 in idx:
        i -= 1
    first = tok.doc[i]
    j = tok.i
    while j + 1 in idx:
        j += 1
    last = tok.doc[j]
    while last.i > first.i and last.is_punct and last.text not in ')”"»':
        last = tok.doc[last.i - 1]
    while first.i < last.i and first.is_punct and first.text not in '(“"«':
        first = tok.doc[first.i + 1]
    span_text = tok.doc[first.i : last.i + 1].text
    if last.text in ')”"»' and not any(ch in span_text for ch in '(“"«'):
        last = tok.doc[last.i - 1]
    return first, last

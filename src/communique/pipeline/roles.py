"""roles: how the text casts each actor — enemy, traitor, ally, victim, authority, in_group,
out_group, leader — as ``role`` spans over the evidence.

The role attaches through the dependency parse, not a keyword window:

- ``role.apposition``  "Russia, a staunch enemy of Islam" · "the arch rival of Pakistan, India"
- ``role.copula``      "the traitors … are still agents of America" · "the council is corrupt"
- ``role.modifier``    "the tyrant Bashaar" · "US crusaders" · "the current traitor leadership"
- ``role.prep``        "traitors in the political and military leadership"
- ``role.such_as``     "a belligerently hostile state such as Russia"
- ``role.adjective``   "the oppressed people of occupied Kashmir"
- ``role.self``        a described actor that is its own role ("the occupiers of Dessa")
- ``role.harm_subject`` / ``role.harm_object``  verbs of harm: who does it (enemy; traitor for
  betray/abandon) and to whom (victim), passives included ("… were killed by the militia")
- ``role.harm_noun``   "his massacre of the Muslims of Aleppo" · "America's occupation of …" ·
  "betrayal by America"
- ``role.helps_us``    "the tribes stood with us" (ally) · ``role.against_us`` "… against our people"
- ``role.supports_enemy`` "Russia … supporting the tyrant Bashaar" (the helper of a cast enemy)
- ``role.fights_against`` "fighting against US crusaders"
- ``role.enemy_of``    "enemy of Islam and Muslims" → Islam, Muslims are the in-group
- ``role.our``         "our people", "our brothers" · ``role.we_are`` "we, the people of Hallum"
- ``role.issuer``      the issuer naming itself in the body ("The Front announces …")
- ``role.thanked``     "we thank / salute X", "we are grateful to X" (ally)
- ``role.not_us``      "X is not one of us" (out_group)
- ``role.teaches``     "The Book of Marran teaches …", "Elder Tavish said …" (authority)
- ``role.authority_quote`` the speaker of quoted scripture or hadith, or of a quote the text
  borrows authority from; ``role.sacred`` sacred names as the subject of "said", "commanded" …
- ``role.led_by``      "led by Marshal Oren Task" · "X leads …"

Statements inside quotations of other speakers are not the author's framing and are skipped;
negated cues ("there is no enemy we fear", "is not a traitor") are skipped. Every span has
``attrs.actor`` (canonical), ``attrs.actor_kind``, ``attrs.mention`` ([start, end] of the actor
mention), ``attrs.cue``, ``attrs.rule`` and ``attrs.explanation``; ``source`` is
``rule:<rule id>@<stage version>``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from .actors import (
    Actors,
    Mention,
    conjuncts,
    lemma,
    lexicon,
    phrase_extent,
    role_adj_index,
    role_noun_index,
)
from .stage import Stage
from .work import Work

NAME = "roles"
VERSION = "1"

EXPLAIN: dict[str, str] = {
    "role.apposition": "an apposition names the actor as {cue!r}",
    "role.copula": "the text says the actor is {cue!r}",
    "role.modifier": "the actor is called {cue!r} as part of its name",
    "role.prep": "{cue!r} are placed inside the actor",
    "role.such_as": "the actor is given as an example of {cue!r}",
    "role.adjective": "the actor is described as {cue!r}",
    "role.self": "the actor is described by the role word {cue!r} itself",
    "role.harm_subject": "the actor is the one who does harm ({cue!r})",
    "role.harm_object": "the actor suffers the harm ({cue!r})",
    "role.harm_noun": "the actor is tied to {cue!r}",
    "role.helps_us": "the actor helps the author's side ({cue!r})",
    "role.against_us": "the actor acts against the author's side ({cue!r})",
    "role.supports_enemy": "the actor supports an actor the text casts as enemy ({cue!r})",
    "role.fights_against": "the actor is what others fight against ({cue!r})",
    "role.enemy_of": "the actor is what the enemy is an enemy of ({cue!r})",
    "role.our": "the author claims the actor as its own ({cue!r})",
    "role.we_are": "the author identifies itself with the actor ({cue!r})",
    "role.authority_quote": "the text quotes the actor as {cue}",
    "role.sacred": "a sacred name the text cites as speaking ({cue!r})",
    "role.led_by": "the actor leads ({cue!r})",
    "role.so_called": "the text distances itself from the actor's claimed role ({cue!r})",
    "role.thanked": "the author thanks or salutes the actor ({cue!r})",
    "role.not_us": "the text says the actor is {cue!r}",
    "role.issuer": "the issuer names itself ({cue!r})",
    "role.teaches": "the text cites what the actor teaches or commands ({cue!r})",
}

SCORES: dict[str, float] = {
    "role.apposition": 0.9,
    "role.copula": 0.85,
    "role.modifier": 0.85,
    "role.prep": 0.85,
    "role.such_as": 0.8,
    "role.adjective": 0.75,
    "role.self": 0.6,
    "role.harm_subject": 0.7,
    "role.harm_object": 0.7,
    "role.harm_noun": 0.65,
    "role.helps_us": 0.75,
    "role.against_us": 0.75,
    "role.supports_enemy": 0.55,
    "role.fights_against": 0.6,
    "role.enemy_of": 0.6,
    "role.our": 0.7,
    "role.we_are": 0.85,
    "role.authority_quote": 0.9,
    "role.sacred": 0.8,
    "role.led_by": 0.85,
    "role.so_called": 0.8,
    "role.thanked": 0.8,
    "role.not_us": 0.8,
    "role.issuer": 0.7,
    "role.teaches": 0.8,
}

_COPULAS = frozenset({"be", "become", "remain", "stay", "seem", "prove", "appear"})
_IN_PREPS = frozenset({"in", "among", "within", "inside", "amongst", "from"})
_PASSIVE_SUBJ = frozenset({"nsubjpass"})
_PRONOUN_SUBJ = frozenset({"they", "he", "she", "it"})
_RELATIVE = frozenset({"which", "who", "that", "whom"})
_AGAINST_VERBS = frozenset(
    {"fight", "struggle", "resist", "rise", "stand", "wage", "defend", "march", "revolt", "rebel"}
)
_SPEECH_SUBJECT_VERBS = frozenset({
    "claim", "say", "allege", "accuse", "call", "label", "brand", "describe", "declare", "designate", "insist",
    "pretend", "think", "believe", "argue", "propagate", "suggest", "assure", "promise", "consider", "regard",
    "deem", "announce", "report", "tell", "portray", "paint", "present", "name", "dub", "term",
})  # fmt: skip


@dataclass(slots=True)
class Finding:
    mention: Mention
    role: str
    rule: str
    cue: str
    ev_start: int
    ev_end: int
    score: float
    rules: list[str] = field(default_factory=list)


@functools.cache
def _PLACES() -> frozenset[str]:  # noqa: N802 - a constant loaded on first use
    return frozenset(lexicon()["place_heads"])


def _harm_verbs() -> dict[str, str]:
    return {w: role for role, words in lexicon()["harm_verbs"].items() for w in words}


def _harm_nouns() -> dict[str, str]:
    return {w: role for role, words in lexicon()["harm_nouns"].items() for w in words}


class _Doc:
    """Rule application over one document."""

    def __init__(self, work: Work) -> None:
        self.work = work
        self.actors = Actors(work)
        self.found: list[Finding] = []
        self.quotes = [
            (q.start, q.end) for q in work.layer("quote") if q.attrs.get("kind") != "scare"
        ]
        self.harm_verbs = _harm_verbs()
        self.harm_nouns = _harm_nouns()
        self.help_verbs = frozenset(lexicon()["help_verbs"])
        self.speech_verbs = frozenset(lexicon()["speech_verbs"])
        self.sacred = {n.lower() for n in lexicon()["sacred_names"]}
        self.support_edges: list[tuple[Mention, Mention, Any]] = []
        self.thank_verbs = frozenset(lexicon()["thank_verbs"])
        self.teach_verbs = frozenset(lexicon()["teach_verbs"])
        self.lead_verbs = frozenset(lexicon()["lead_verbs"])
        self.authority_heads = frozenset(lexicon()["authority_heads"])
        self.frame = [
            (g.start, g.end) for g in work.layer("segment") if g.label in ("heading", "signoff")
        ]

    # ---- helpers
    def in_quote(self, tok: Any) -> bool:
        a = self.actors.abs_start(tok)
        return any(s <= a < e for s, e in self.quotes)

    def span_of(self, first: Any, last: Any) -> tuple[int, int]:
        return self.actors.abs_start(first), self.actors.abs_end(last)

    def phrase(self, tok: Any) -> tuple[int, int]:
        return self.span_of(*phrase_extent(tok))

    def add(
        self,
        m: Mention | None,
        role: str,
        rule: str,
        cue: str,
        ev: tuple[int, int],
        score: float | None = None,
    ) -> None:
        if m is None or m.is_we or "negated" in m.signals:
            return
        if role == "ally" and "so-called" in m.signals:
            role, rule = "out_group", "role.so_called"
        s = SCORES[rule] if score is None else score
        self.found.append(Finding(m, role, rule, cue, ev[0], ev[1], s))

    def mentions_of(self, tok: Any) -> list[Mention]:
        """The actors a noun phrase token stands for, with its coordinated siblings."""
        out = []
        for t in conjuncts(tok):
            m = self.actors.mention(t)
            if m is not None:
                out.append(m)
        return out

    def subjects(self, verb: Any) -> tuple[list[Mention], bool]:
        """Actors doing ``verb`` (relative pronouns and same-sentence pronouns resolved)."""
        v = verb
        for _ in range(4):
            subj = [c for c in v.children if c.dep_ in ("nsubj", "csubj")]
            if subj:
                break
            if v.dep_ in ("conj", "xcomp") and v.head.i != v.i:
                v = v.head
                continue
            if v.dep_ == "relcl":
                return self.antecedent(v.head), True
            return [], False
        else:
            return [], False
        s = subj[0]
        low = str(s.lower_)
        if low in _RELATIVE and v.dep_ == "relcl":
            return self.antecedent(v.head), True
        if low in _PRONOUN_SUBJ:
            return self.pronoun(s), True
        return self.np_actors(s), False

    def antecedent(self, noun: Any) -> list[Mention]:
        """What a relative clause's head noun refers to ("Russia, a staunch enemy … which …")."""
        ms = self.np_actors(noun)
        if ms:
            return ms
        if noun.dep_ == "appos":
            return self.np_actors(noun.head)
        return []

    def pronoun(self, pron: Any) -> list[Mention]:
        """'they'/'he' → the subject of an earlier clause in the same sentence, if an actor."""
        sent = pron.sent
        for t in reversed(list(sent[: pron.i - sent.start])):
            if t.dep_ in ("nsubj", "nsubjpass") and str(t.lower_) not in _PRONOUN_SUBJ | _RELATIVE:
                ms = self.np_actors(t)
                if ms:
                    return ms
        return []

    def np_actors(self, tok: Any) -> list[Mention]:
        """Actors a noun phrase stands for: itself, or the actor its role noun points into."""
        out: list[Mention] = []
        for t in conjuncts(tok):
            lem = lemma(t)
            if lem in role_noun_index():
                inner = self.role_noun_targets(t)
                if inner:
                    out.extend(m for m, _ in inner)
                    continue
            m = self.actors.mention(t)
            if m is not None:
                out.append(m)
        return out

    def role_noun_targets(self, t: Any) -> list[tuple[Mention, str]]:
        """Actors a role noun attaches to by apposition, modifier or an 'in' phrase."""
        out: list[tuple[Mention, str]] = []
        if t.dep_ == "appos" or (
            t.dep_ == "conj"
            and _comma_before(t)
            and not any(c.dep_ == "cc" for c in t.head.children)
        ):
            # the parser often reads "US, the so-called ally," as a coordination
            out.extend(
                (m, "role.apposition")
                for m in self.mentions_of(t.head)
                if m.kind != "COLLECTIVE" or t.dep_ == "appos"
            )
        for c in t.children:
            if c.dep_ == "appos":
                out.extend((m, "role.apposition") for m in self.mentions_of(c))
            elif c.dep_ in ("compound", "nmod", "amod") and self.actors.entity_of(c) is not None:
                m = self.actors.mention(c)
                if m is not None and not m.is_we:
                    out.append((m, "role.modifier"))
            elif c.dep_ == "prep" and c.lower_ in _IN_PREPS:
                for p in c.children:
                    if p.dep_ == "pobj":
                        # "traitors in the leadership", not "crusaders in Afghanistan" (a place)
                        out.extend(
                            (m, "role.prep")
                            for m in self.mentions_of(p)
                            if m.kind not in ("GPE", "LOC", "FAC")
                        )
        if t.dep_ in ("compound", "nmod") and t.head.pos_ in ("NOUN", "PROPN"):
            out.extend((m, "role.modifier") for m in self.mentions_of(t.head))
        return out

    # ---- rules
    def run(self) -> None:
        for _, sent in self.work.sents():
            for tok in sent:
                if self.in_quote(tok):
                    continue
                lem = lemma(tok)
                if tok.pos_ in ("NOUN", "PROPN") and lem in role_noun_index():
                    self.role_noun(tok, role_noun_index()[lem])
                low = str(tok.lower_)
                if tok.dep_ in ("amod", "acomp") and (
                    low in role_adj_index() or lem in role_adj_index()
                ):
                    self.role_adj(tok, role_adj_index().get(low) or role_adj_index()[lem])
                if tok.pos_ == "VERB":
                    if lem in self.harm_verbs:
                        self.harm_verb(tok, self.harm_verbs[lem])
                    if lem in self.help_verbs:
                        self.help_verb(tok)
                    if lem in _AGAINST_VERBS or lem in self.harm_verbs or lem in self.help_verbs:
                        self.against(tok)
                    if lem in self.lead_verbs:
                        self.led(tok)
                    if lem in self.speech_verbs or lem in self.teach_verbs or lem == "write":
                        self.sacred_speaker(tok)
                    if lem in self.thank_verbs:
                        self.thanked(tok)
                if tok.pos_ == "NOUN" and lem in self.harm_nouns:
                    self.harm_noun(tok, self.harm_nouns[lem])
                if low in ("our",) and tok.dep_ == "poss":
                    self.ours(tok)
                if low == "we":
                    self.we_are(tok)
                if low == "grateful" and tok.dep_ == "acomp":
                    self.thanked(tok)
                if (
                    low == "one"
                    and tok.dep_ in ("attr", "acomp")
                    or low == "of"
                    and tok.dep_ == "prep"
                    and tok.head.lemma_ == "be"
                ):
                    self.not_us(tok)
        self.issuer_self()
        self.authority_quotes()
        self.supports_enemy()
        self.actors.finalize()

    def negated(self, tok: Any) -> bool:
        if any(c.dep_ == "neg" or c.lower_ in ("no", "neither") for c in tok.children):
            return True
        head = tok.head
        if tok.dep_ in ("attr", "acomp", "dobj") and any(c.dep_ == "neg" for c in head.children):
            return True
        return False

    def reported(self, tok: Any) -> bool:
        """Inside what another actor claims ("the junta calls us traitors", "X claims that …").

        A cue the author marks as its own voice ("our arch rival", "the so-called ally") is
        never reported.
        """
        if any(
            c.dep_ in ("poss", "amod", "advmod") and c.lower_ in ("our", "so-called", "called")
            for c in tok.children
        ):
            return False
        t = tok
        for _ in range(8):
            if t.head.i == t.i or t.dep_ in ("conj", "advcl", "parataxis", "relcl"):
                return False
            t = t.head
            if t.pos_ == "VERB" and lemma(t) in _SPEECH_SUBJECT_VERBS:
                subj = [c for c in t.children if c.dep_ in ("nsubj", "nsubjpass")]
                return not subj or not self.is_self(subj[0])
        return False

    def is_self(self, tok: Any) -> bool:
        """The author speaking: we, I, or the issuer named in the third person."""
        if str(tok.lower_) in ("we", "i"):
            return True
        issuer = str(self.work.meta.get("issuer") or "").lower()
        if not issuer:
            return False
        m = self.actors.mention(tok)
        name = (m.canonical if m is not None else str(tok.text)).lower()
        return bool(name) and (name in issuer or issuer in name)

    def role_noun(self, t: Any, role: str) -> None:
        if self.negated(t) or self.reported(t):
            return
        cue = str(t.text)
        if role == "ally" and any(
            c.lower_ in ("so-called", "called", "supposed", "alleged", "self-styled")
            for c in t.children
        ):
            role = "out_group"  # "the so-called ally": the text denies the claimed role
        ev = self.phrase(t)
        targets = self.role_noun_targets(t)
        if t.dep_ in ("compound", "nmod") and t.head.pos_ in ("NOUN", "PROPN"):
            ev = self.phrase(t.head)
        if t.dep_ in ("attr", "acomp", "oprd") and lemma(t.head) in _COPULAS:
            subs, via_pron = self.subjects(t.head)
            for m in subs:
                self.add(
                    m,
                    role,
                    "role.copula",
                    cue,
                    ev,
                    SCORES["role.copula"] * (0.85 if via_pron else 1),
                )
            targets = [x for x in targets if x[1] != "role.apposition"]
        if t.dep_ == "nsubj" and lemma(t.head) in _COPULAS and not self.negated(t.head):
            # "Our teacher in these matters is the poet Ilse Marrow"
            for c in t.head.children:
                if c.dep_ == "attr" and lemma(c) not in role_noun_index():
                    for m in self.np_actors(c):
                        targets.append((m, "role.copula"))
        for m, rule in targets:
            self.add(m, role, rule, cue, ev)
        for c in t.children:
            if c.dep_ == "prep" and c.lower_ == "of":
                pobj = [p for p in c.children if p.dep_ == "pobj"]
                for p in pobj:
                    for m in self.mentions_of(p):
                        if role == "enemy":
                            self.add(m, "in_group", "role.enemy_of", cue, ev)
                        elif role == "victim":
                            self.add(m, "enemy", "role.enemy_of", cue, ev, 0.6)
        of_group = (
            t.dep_ == "pobj"
            and t.head.lower_ == "of"
            and lemma(t.head.head) in ("people", "army", "force", "nation", "camp", "party", "host")
        )
        if (
            lemma(t) in ("brother", "sister")
            and any(c.dep_ == "poss" and c.lower_ in ("my", "our") for c in t.children)
            and t.i - t.sent.start <= 1
        ):
            # "My brothers and sisters, the faithful of Ostrel, …": the congregation addressed
            role = "in_group"
            targets = [(m, r) for m, r in targets]
        generic = role in ("ally", "leader", "authority") or lemma(t) in ("brother", "sister")
        if (
            not targets
            and not of_group
            and not generic
            and t.dep_ not in ("attr", "acomp", "oprd", "compound", "nmod", "appos")
        ):
            self_m = self.actors.mention(t)
            if self_m is not None:
                self.add(self_m, role, "role.self", cue, ev)
        # "the people of Kufr": a group defined by a role word
        if t.dep_ == "pobj" and t.head.lower_ == "of" and t.head.head.pos_ in ("NOUN", "PROPN"):
            owner = t.head.head
            if lemma(owner) in (
                "people",
                "land",
                "army",
                "armies",
                "force",
                "nation",
                "camp",
                "party",
                "host",
            ):
                om = self.actors.mention(owner)
                if om is not None and lemma(owner) in (
                    "people",
                    "army",
                    "force",
                    "nation",
                    "camp",
                    "party",
                    "host",
                ):
                    self.add(om, role, "role.self", cue, self.phrase(owner))

    def role_adj(self, adj: Any, role: str) -> None:
        if self.negated(adj) or self.reported(adj):
            return
        cue = str(adj.text)
        if adj.dep_ == "acomp" and lemma(adj.head) in _COPULAS:
            subs, via_pron = self.subjects(adj.head)
            for m in subs:
                self.add(
                    m,
                    role,
                    "role.copula",
                    cue,
                    self.phrase(adj),
                    SCORES["role.copula"] * (0.85 if via_pron else 1),
                )
            return
        noun = adj.head
        if noun.pos_ not in ("NOUN", "PROPN") or lemma(noun) in role_noun_index():
            return
        ev = self.phrase(noun)
        # "a hostile state such as Russia"
        such = False
        for c in noun.children:
            if (
                c.dep_ == "prep"
                and c.lower_ == "as"
                and any(g.lower_ == "such" for g in c.children)
            ):
                for p in c.children:
                    if p.dep_ == "pobj":
                        for mm in self.mentions_of(p):
                            such = True
                            self.add(mm, role, "role.such_as", cue, self.span_of(*_extent(noun, p)))
        if such:
            return
        nm = self.actors.mention(noun)
        if nm is not None:
            self.add(nm, role, "role.adjective", cue, ev)
            return
        if noun.dep_ == "appos":
            for mm in self.mentions_of(noun.head):
                self.add(mm, role, "role.apposition", cue, ev, SCORES["role.adjective"])
        for c in noun.children:
            if c.dep_ == "appos":
                for mm in self.mentions_of(c):
                    self.add(mm, role, "role.apposition", cue, ev, SCORES["role.adjective"])
        if noun.dep_ in ("attr",) and lemma(noun.head) in _COPULAS:
            subs, via_pron = self.subjects(noun.head)
            for mm in subs:
                self.add(
                    mm,
                    role,
                    "role.copula",
                    cue,
                    ev,
                    SCORES["role.adjective"] * (0.85 if via_pron else 1),
                )

    def objects(self, verb: Any) -> list[tuple[Mention, Any]]:
        """(actor, token) objects of a verb; a possessor or 'of' owner when the object is a thing."""
        out: list[tuple[Mention, Any]] = []
        for c in verb.children:
            if c.dep_ in ("dobj", "obj"):
                ms = self.np_actors(c)
                if ms:
                    out.extend((m, c) for m in ms)
                    continue
                for cc in conjuncts(c):
                    for g in cc.children:
                        if g.dep_ == "poss":
                            out.extend((m, cc) for m in self.mentions_of(g))
                        elif g.dep_ == "prep" and g.lower_ == "of":
                            for p in g.children:
                                if p.dep_ == "pobj":
                                    out.extend((m, cc) for m in self.mentions_of(p))
        return out

    def clause(self, verb: Any, *toks: Any) -> tuple[int, int]:
        first, last = phrase_extent(
            verb,
            (
                "relcl",
                "punct",
                "cc",
                "conj",
                "advcl",
                "ccomp",
                "mark",
                "advmod",
                "aux",
                "neg",
                "prep",
                "npadvmod",
            ),
        )
        ends = [first, last]
        for t in toks:
            ends.extend(phrase_extent(t))
        lo = min(ends, key=lambda t: t.i)
        hi = max(ends, key=lambda t: t.i)
        return self.span_of(lo, hi)

    def harm_verb(self, v: Any, role: str) -> None:
        if self.negated(v) or self.reported(v) or v.tag_ == "VBG" and v.dep_ in ("amod",):
            return
        cue = str(v.text)
        if (
            v.tag_ == "VBN"
            and v.dep_ in ("acl", "amod", "advcl")
            and not any(c.dep_ == "nsubjpass" for c in v.children)
        ):
            # "The children of Rook Harbour, robbed of their school, …"
            for m in self.np_actors(v.head) if v.dep_ != "advcl" else []:
                self.add(m, "victim", "role.harm_object", cue, self.span_of(*_extent(v.head, v)))
            return
        passive = any(c.dep_ == "nsubjpass" for c in v.children)
        if passive:
            victims = [m for c in v.children if c.dep_ == "nsubjpass" for m in self.np_actors(c)]
            doers = [
                m
                for c in v.children
                if c.dep_ == "agent"
                for p in c.children
                if p.dep_ == "pobj"
                for m in self.np_actors(p)
            ]
            for m in victims:
                self.add(m, "victim", "role.harm_object", cue, (m.start, self.actors.abs_end(v)))
            for m in doers:
                self.add(m, role, "role.harm_subject", cue, (self.actors.abs_start(v), m.end))
            return
        subs, via_pron = self.subjects(v)
        objs = self.objects(v)
        we_subject = any(m.is_we for m in subs) or any(
            self.is_self(c) for c in v.children if c.dep_ == "nsubj"
        )
        for m in subs:
            if m.is_we or "poss:our" in m.signals:
                continue
            ev = self.clause(v, *[o for _, o in objs]) if objs else self.clause(v)
            if not via_pron and m.start < ev[0] and ev[0] - m.start < 200:
                ev = (m.start, ev[1])
            self.add(
                m,
                role,
                "role.harm_subject",
                cue,
                ev,
                SCORES["role.harm_subject"] * (0.85 if via_pron else 1),
            )
        for m, o in objs:
            if role == "traitor" and lemma(v) not in ("deceive", "mislead"):
                break  # "sold out the nation": the object is the betrayed in-group, not a victim
            if we_subject:
                if role == "enemy" and "poss:our" not in m.signals:
                    self.add(m, "enemy", "role.harm_object", cue, self.clause(v, o), 0.55)
                continue
            self.add(m, "victim", "role.harm_object", cue, self.clause(v, o))

    def harm_noun(self, n: Any, role: str) -> None:
        if self.negated(n) or self.reported(n):
            return
        cue = str(n.text)
        ev = self.phrase(n)
        if n.dep_ == "compound" and n.head.pos_ in ("NOUN", "PROPN"):
            # "the occupation forces of Brevant"
            for m in self.mentions_of(n.head):
                self.add(m, role, "role.modifier", cue, self.phrase(n.head))
        for c in n.children:
            if c.dep_ == "prep" and c.lower_ == "of":
                for p in c.children:
                    if p.dep_ == "pobj":
                        for m in self.mentions_of(p):
                            if role == "enemy" and "poss:our" not in m.signals:
                                self.add(m, "victim", "role.harm_noun", cue, ev)
            elif c.dep_ == "prep" and c.lower_ == "by":
                for p in c.children:
                    if p.dep_ == "pobj":
                        for m in self.mentions_of(p):
                            self.add(m, role, "role.harm_noun", cue, ev)
            elif c.dep_ == "poss" or (
                c.dep_ in ("compound", "amod") and self.actors.entity_of(c) is not None
            ):
                pm = self.actors.mention(c)
                if pm is not None:
                    self.add(pm, role, "role.harm_noun", cue, ev)

    def help_verb(self, v: Any) -> None:
        if self.negated(v) or self.reported(v):
            return
        objs: list[Any] = [c for c in v.children if c.dep_ in ("dobj", "obj")]
        for c in v.children:
            if c.dep_ == "prep" and c.lower_ in ("with", "by", "behind", "alongside", "beside"):
                objs.extend(p for p in c.children if p.dep_ == "pobj")
        ours = False
        supported: list[Mention] = []
        for o in objs:
            for t in conjuncts(o):
                if t.lower_ in ("us", "ourselves"):
                    ours = True
                    continue
                if any(g.dep_ == "poss" and g.lower_ == "our" for g in t.children):
                    ours = True
                    continue
                supported.extend(self.np_actors(t))
        subs, via_pron = self.subjects(v)
        for m in subs:
            if ours:
                self.add(
                    m,
                    "ally",
                    "role.helps_us",
                    str(v.text),
                    self.clause(v, *objs),
                    SCORES["role.helps_us"] * (0.85 if via_pron else 1),
                )
            for s in supported:
                self.support_edges.append((m, s, v))

    def against(self, v: Any) -> None:
        for c in v.children:
            if c.dep_ == "prep" and c.lower_ == "against":
                for p in c.children:
                    if p.dep_ != "pobj":
                        continue
                    targets = list(conjuncts(p))
                    ours = any(
                        t.lower_ in ("us", "ourselves")
                        or any(g.dep_ == "poss" and g.lower_ == "our" for g in t.children)
                        for t in targets
                    )
                    if ours:
                        subs, via_pron = self.subjects(v)
                        for m in subs:
                            self.add(m, "enemy", "role.against_us", str(v.text), self.clause(v, p))
                    elif lemma(v) in _AGAINST_VERBS:
                        for t in targets:
                            for m in self.np_actors(t):
                                self.add(
                                    m,
                                    "enemy",
                                    "role.fights_against",
                                    str(v.text),
                                    self.span_of(c, phrase_extent(p)[1]),
                                )

    def led(self, v: Any) -> None:
        if self.negated(v):
            return
        for c in v.children:
            if c.dep_ == "agent":
                for p in c.children:
                    if p.dep_ == "pobj":
                        for m in self.mentions_of(p):
                            self.add(
                                m,
                                "leader",
                                "role.led_by",
                                str(v.text),
                                self.span_of(v, phrase_extent(p)[1]),
                            )
        if v.tag_ != "VBN":
            subs, _ = self.subjects(v)
            for m in subs:
                self.add(m, "leader", "role.led_by", str(v.text), self.clause(v))

    def sacred_speaker(self, v: Any) -> None:
        """Sacred names, scriptures and revered figures as the subject of said/taught/commanded."""
        if self.negated(v) or self.reported(v):
            return
        for c in v.children:
            if c.dep_ != "nsubj":
                continue
            m = self.actors.mention(c)
            lem = lemma(c)
            if m is None and lem in self.authority_heads:
                m = self.actors.collective(c)
            if m is None or m.is_we:
                continue
            name = m.canonical.lower()
            revered = (
                name in self.sacred
                or any(name == s.replace("the ", "") for s in self.sacred)
                or lem in self.authority_heads
                or any(
                    g.dep_ in ("compound", "appos", "amod") and lemma(g) in self.authority_heads
                    for g in c.children
                )
                or any(
                    e.attrs.get("title_kind") == "religious"
                    for e in self.actors.entities
                    if e.start <= m.start < e.end
                )
            )
            if revered or (lemma(v) in self.teach_verbs and v.tag_ in ("VBZ", "VBP")):
                rule = "role.sacred" if name in self.sacred else "role.teaches"
                self.add(
                    m,
                    "authority",
                    rule,
                    f"{c.text} {v.text}",
                    self.span_of(min(c.subtree, key=lambda t: t.i), v),
                )

    def ours(self, poss: Any) -> None:
        noun = poss.head
        if lemma(noun) in role_noun_index() or self.negated(noun) or lemma(noun) in _PLACES():
            return  # "our enemy", "our brothers": the role noun decides; "our villages": a place
        target = noun.head if noun.dep_ == "appos" else noun
        m = self.actors.mention(target)
        if m is None or m.kind not in ("COLLECTIVE", "ORG", "NORP", "GPE"):
            return
        if any(
            s.startswith("role:") or s in ("adj:enemy", "adj:traitor", "adj:out_group")
            for s in m.signals
        ):
            return
        self.add(
            m, "in_group", "role.our", str(poss.text) + " " + str(noun.text), self.phrase(noun)
        )

    def we_are(self, we: Any) -> None:
        for c in we.children:
            if c.dep_ in ("appos",) or (c.dep_ == "compound"):
                for m in self.mentions_of(c):
                    self.add(
                        m, "in_group", "role.we_are", "we", self.span_of(we, phrase_extent(c)[1])
                    )
        if we.dep_ == "nsubj" and lemma(we.head) == "be":
            for c in we.head.children:
                if c.dep_ == "attr" and lemma(c) not in role_noun_index() and not self.negated(c):
                    for t in conjuncts(c):
                        wm = self.actors.mention(t) or (
                            self.actors.collective(t)
                            if t.pos_ in ("NOUN", "ADJ")
                            and any(g.dep_ == "det" and g.lower_ == "the" for g in t.children)
                            else None
                        )
                        if wm is not None:
                            self.add(wm, "in_group", "role.we_are", "we are", self.phrase(t))

    def thanked(self, v: Any) -> None:
        """'We thank / salute X', 'we are grateful to X' → X is an ally."""
        verb = v.head if v.dep_ == "acomp" else v
        subj = [c for c in verb.children if c.dep_ == "nsubj"]
        if not subj or not self.is_self(subj[0]) or self.negated(verb):
            return
        objs = [c for c in v.children if c.dep_ in ("dobj", "obj")]
        for c in v.children:
            if c.dep_ == "prep" and c.lower_ in ("to", "for"):
                objs.extend(p for p in c.children if p.dep_ == "pobj")
        for o in objs:
            for m in self.np_actors(o):
                self.add(
                    m,
                    "ally",
                    "role.thanked",
                    f"{subj[0].text} {v.text}",
                    self.span_of(subj[0], phrase_extent(o)[1]),
                )

    def not_us(self, tok: Any) -> None:
        """'X is not one of us' / 'they are not of us' → out_group."""
        cop = tok.head
        if lemma(cop) != "be" or not any(c.dep_ == "neg" for c in cop.children):
            return
        tail = " ".join(t.lower_ for t in tok.subtree)
        if not re.search(r"\b(one )?of us\b", tail):
            return
        subs, via_pron = self.subjects(cop)
        for m in subs:
            self.add(
                m,
                "out_group",
                "role.not_us",
                "not one of us",
                self.span_of(cop, max(tok.subtree, key=lambda t: t.i)),
                SCORES["role.copula"] * (0.85 if via_pron else 1),
            )

    def in_frame(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.frame)

    def issuer_self(self) -> None:
        """The issuer naming itself in the body ("The Front announces …") is the in-group."""
        raw = str(self.work.meta.get("issuer") or "")
        issuer = fold_name(raw)
        if len(issuer) < 4:
            return
        words = issuer.split()
        text = self.work.text
        for e in self.actors.entities:
            if (
                e.label not in ("ORG", "NORP", "GPE")
                or self.in_frame(e.start)
                or _header_like(text, e.start)
            ):
                continue
            if any(s <= e.start < t for s, t in self.quotes):
                continue
            name = fold_name(str(e.attrs.get("canonical") or text[e.start : e.end]))
            nw = name.split()
            if name == issuer or (nw and set(nw) <= set(words) and nw[-1] == words[-1]):
                m = Mention(e.start, e.end, raw.strip(), e.label)
                self.add(m, "in_group", "role.issuer", text[e.start : e.end], (e.start, e.end))

    def authority_quotes(self) -> None:
        for q in self.work.layer("quote"):
            kind = q.attrs.get("kind")
            speaker = q.attrs.get("speaker")
            if not speaker:
                continue
            borrowed = kind in ("scripture", "hadith")
            sp = q.attrs.get("speaker_span")
            ent = None
            if sp:
                for e in self.actors.entities:
                    if e.start <= sp[0] < e.end:
                        ent = e
                        break
            if not borrowed and ent is not None and ent.attrs.get("title_kind") == "religious":
                borrowed = True
            if not borrowed and str(speaker).lower() in self.sacred:
                borrowed = True
            if not borrowed:
                continue
            if sp:
                m = Mention(sp[0], sp[1], str(speaker), ent.label if ent is not None else "PERSON")
                ev = (sp[0], sp[1])
            else:
                m = Mention(q.start, q.end, str(speaker), "PERSON")
                ev = (q.start, q.end)
            what = (
                "scripture"
                if kind == "scripture"
                else "hadith"
                if kind == "hadith"
                else "an authority"
            )
            self.add(m, "authority", "role.authority_quote", what, ev)

    def supports_enemy(self) -> None:
        enemies = {f.mention.canonical for f in self.found if f.role == "enemy"}
        for helper, helped, v in self.support_edges:
            if helped.canonical in enemies and helper.canonical != helped.canonical:
                self.add(helper, "enemy", "role.supports_enemy", str(v.text), self.clause(v), None)


def _header_like(text: str, pos: int) -> bool:
    """A title or sign-off line: short and without sentence punctuation at its end."""
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    line = text[a : b if b >= 0 else len(text)].strip()
    return len(line) < 90 and not line.endswith((".", "!", "?", ":", ";", '"', "”", ","))


def fold_name(name: str) -> str:
    name = re.sub(r"[^\w\s]", " ", name.casefold())
    name = re.sub(r"\s+", " ", name).strip()
    return name[4:] if name.startswith("the ") else name


def _comma_before(t: Any) -> bool:
    first = min((x for x in t.subtree), key=lambda x: x.i)
    return first.i > 0 and t.doc[first.i - 1].text == ","


def _extent(a: Any, b: Any) -> tuple[Any, Any]:
    fa, la = phrase_extent(a)
    fb, lb = phrase_extent(b)
    return (fa if fa.i <= fb.i else fb), (la if la.i >= lb.i else lb)


def find(work: Work, addressees: list[Mention] | None = None) -> list[Finding]:
    """Role findings for one document, deduplicated, canonical names resolved."""
    d = _Doc(work)
    d.run()
    merged: dict[tuple[str, str, int, int], Finding] = {}
    for f in d.found:
        f.mention.canonical = d.actors.canonical(f.mention)
        key = (f.mention.canonical, f.role, f.ev_start, f.ev_end)
        old = merged.get(key)
        if old is None:
            f.rules = [f.rule]
            merged[key] = f
        else:
            if f.rule not in old.rules:
                old.rules.append(f.rule)
            if f.score > old.score:
                old.score, old.rule, old.cue = f.score, f.rule, f.cue
    return sorted(
        merged.values(), key=lambda f: (f.ev_start, f.ev_end, f.role, f.mention.canonical)
    )


def _run(work: Work) -> None:
    for f in find(work):
        m = f.mention
        attrs = {
            "actor": m.canonical,
            "actor_kind": m.kind,
            "mention": [m.start, m.end],
            "cue": f.cue,
            "rule": f.rule,
            "rules": f.rules,
            "explanation": EXPLAIN[f.rule].format(cue=f.cue),
        }
        if m.qualifier:
            attrs["qualifier"] = m.qualifier
        work.add(
            f.ev_start,
            f.ev_end,
            "role",
            f.role,
            source=f"rule:{f.rule}@{VERSION}",
            score=f.score,
            attrs=attrs,
        )


STAGE = Stage(
    NAME,
    VERSION,
    requires=("parse", "entity", "quote", "segment"),
    assigns=("role",),
    run=_run,
)

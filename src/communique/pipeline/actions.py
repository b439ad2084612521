"""actions: calls to action — what the text tells its readers (or a named group) to do.

``action`` spans (label ``CALL_TO_ACTION``) cover the demanded action itself ("boycott the
sham elections", "the immediate re-establishment of the Khilafah", "removing the current
traitor leadership"). Found through the dependency parse:

- ``action.imperative``  a sentence whose main verb is a bare imperative ("Boycott …!",
  "Rise up and join …", "Do not …", "Let us …"), with a vocative addressee if one is named
  ("O people of Hallum, …" in the same or the previous sentence)
- ``action.modal``       "X must / should / has to / needs to / ought to VERB" as the main
  clause (epistemic "must have been" and impersonal subjects excluded)
- ``action.time_to``     "it is time to …", "the time has come to …"
- ``action.only``        the one way out: "X can only … through/by Y", "only Y will …",
  "only by Y can …" (Y is the call: a gerund or an action noun)
- ``action.call_on``     "we call on / urge / appeal to X to VERB", "we demand that X VERB"

Reported demands (inside quotations, or what another actor "demanded"), past tense reports,
questions and the author's statements about itself are not calls. Every span has
``attrs.action`` (a short verb phrase in the base form: "re-establish the Khilafah"),
``attrs.addressee`` (canonical, or None when none is named), ``attrs.addressees`` and
``attrs.addressee_spans`` (one per coordinated addressee), ``attrs.urgency`` (high, medium,
low), ``attrs.cue``, ``attrs.rule`` and ``attrs.explanation``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .actors import Actors, Mention, _under, conjuncts, lemma, lexicon
from .stage import Stage
from .work import Work

NAME = "actions"
VERSION = "1"

EXPLAIN = {
    "action.imperative": "an imperative addressed to the reader{to}",
    "action.modal": "'{cue}' tells {who} to act",
    "action.time_to": "'{cue}' presents the action as due now",
    "action.only": "'{cue}' presents the action as the only way",
    "action.call_on": "the author calls on {who} to act",
}
SCORES = {
    "action.imperative": 0.85,
    "action.modal": 0.8,
    "action.time_to": 0.85,
    "action.only": 0.75,
    "action.call_on": 0.9,
}

_IMPERSONAL = frozenset(
    {"it", "this", "that", "there", "which", "what", "these", "those", "one", "such"}
)
_OBJ_DEPS = frozenset(
    {"dobj", "obj", "prt", "neg", "xcomp", "acomp", "attr", "oprd", "dative", "ccomp"}
)
_MEANS_PREPS = frozenset({"through", "by", "via"})
_VOCATIVE = re.compile(r"(?:^|[\s,;:!.])(?:O|Oh|Ya)\s+([^,!.;:?\n]{2,80}?)\s*[,!]")
_LEADING = frozenset(
    {
        "so",
        "and",
        "then",
        "now",
        "therefore",
        "thus",
        "hence",
        "today",
        "brothers",
        "sisters",
        "please",
    }
)
_PAREN = re.compile(r"\s*\([^)]*\)")


@dataclass(slots=True)
class Call:
    start: int
    end: int
    action: str
    rule: str
    cue: str
    urgency: str
    addressees: list[Mention] = field(default_factory=list)
    score: float = 0.8


def _lex() -> dict[str, Any]:
    lex: dict[str, Any] = lexicon()["action"]
    return lex


class _Doc:
    def __init__(self, work: Work) -> None:
        self.work = work
        self.actors = Actors(work)
        self.quotes = [
            (q.start, q.end) for q in work.layer("quote") if q.attrs.get("kind") != "scare"
        ]
        lex = _lex()
        self.imperatives = frozenset(lex["imperative_verbs"])
        self.call_verbs = frozenset(lex["call_verbs"])
        self.modals: dict[str, str] = lex["modals"]
        self.high = [w.lower() for w in lex["urgency_high"]]
        self.nominal: dict[str, str] = lex["nominalizations"]
        self.cognition = frozenset(lex["cognition_verbs"])
        self.calls: list[Call] = []
        self.vocative: list[Mention] = []

    def in_quote(self, a: int) -> bool:
        return any(s <= a < e for s, e in self.quotes)

    def a(self, t: Any) -> int:
        return self.actors.abs_start(t)

    def b(self, t: Any) -> int:
        return self.actors.abs_end(t)

    # ---- phrases
    def verb_extent(self, v: Any) -> tuple[Any, Any]:
        """The verb and what it governs to its right (objects, particles, complements, preps)."""
        toks = [v]
        for c in v.rights:
            if c.dep_ in ("conj", "cc", "punct"):
                break  # coordinated actions are calls of their own
            if c.dep_ in ("advcl", "mark", "relcl"):
                continue
            toks.extend(c.subtree)
        for c in v.lefts:
            if c.dep_ == "neg":
                toks.append(c)
        toks.sort(key=lambda t: t.i)
        first, last = toks[0], toks[-1]
        while last.i > first.i and last.is_punct and last.text not in ")":
            last = v.doc[last.i - 1]
        return first, last

    def action_text(self, v: Any) -> str:
        words = [str(v.lemma_).lower() if v.pos_ in ("VERB", "AUX") else str(v.lower_)]
        parts: list[Any] = []
        has_obj = False
        for c in v.rights:
            if c.dep_ in ("prt", "neg"):
                parts.append(c)
            elif c.dep_ in _OBJ_DEPS:
                parts.extend(
                    t for t in c.subtree if not _under(t, c, ("relcl", "appos", "acl", "advcl"))
                )
                has_obj = True
            elif c.dep_ == "prep" and not has_obj:
                parts.extend(
                    t for t in c.subtree if not _under(t, c, ("relcl", "appos", "acl", "advcl"))
                )
                has_obj = True
            elif c.dep_ in ("conj", "cc", "punct"):
                break
        for c in v.lefts:
            if c.dep_ == "neg":
                words.insert(0, "not")
        parts.sort(key=lambda t: t.i)
        words.extend(
            str(t.text)
            if (t.pos_ == "PROPN" or self.actors.entity_of(t) is not None)
            else str(t.lower_)
            for t in parts
        )
        return _tidy(" ".join(words))

    def nominal_action(self, n: Any) -> tuple[str, bool] | None:
        """'the immediate re-establishment of the Khilafah' → ('re-establish the Khilafah', urgent)."""
        first = n
        word = str(n.lower_)
        # spaCy splits "re-establishment" into re / - / establishment
        i = n.i
        if i >= 2 and n.doc[i - 1].text == "-" and n.doc[i - 2].lower_ in ("re", "co", "self"):
            word = f"{n.doc[i - 2].lower_}-{word}"
            first = n.doc[i - 2]
        elif i + 2 < len(n.doc) and n.doc[i + 1].text == "-" and n.lower_ in ("re", "co"):
            word = f"{word}-{n.doc[i + 2].lower_}"
            n = n.doc[i + 2]
        verb = self.nominal.get(word) or self.nominal.get(lemma(n))
        if verb is None and word.startswith("re-"):
            base = self.nominal.get(word[3:])
            verb = f"re-{base}" if base else None
        if verb is None:
            return None
        urgent = any(
            c.dep_ == "amod" and c.lower_ in ("immediate", "urgent", "swift")
            for c in list(n.children) + list(first.children)
        )
        obj: list[Any] = []
        for c in n.rights:
            if c.dep_ == "prep" and c.lower_ == "of":
                obj = [
                    t
                    for t in c.subtree
                    if t.i != c.i and not _under(t, c, ("relcl", "appos", "acl"))
                ]
                break
        words = [verb] + [
            str(t.text)
            if (t.pos_ == "PROPN" or self.actors.entity_of(t) is not None)
            else str(t.lower_)
            for t in sorted(obj, key=lambda t: t.i)
        ]
        return _tidy(" ".join(words)), urgent

    def np_extent(self, n: Any) -> tuple[Any, Any]:
        toks = [
            t
            for t in n.subtree
            if not _under(t, n, ("relcl", "appos", "acl", "advcl")) or t.i == n.i
        ]
        # the hyphen pieces of a split word attach as siblings: take the contiguous run
        first = min(toks, key=lambda t: t.i)
        last = max(toks, key=lambda t: t.i)
        while last.i > first.i and last.is_punct and last.text != ")":
            last = n.doc[last.i - 1]
        if last.text == ")" and "(" not in n.doc[first.i : last.i].text:
            last = n.doc[last.i - 1]
        return first, last

    def addressees(self, toks: list[Any]) -> list[Mention]:
        out: list[Mention] = []
        for t in toks:
            for c in conjuncts(t):
                m = self.actors.mention(c)
                if m is not None and not m.is_we:
                    out.append(m)
        return out

    def urgency(self, sent: Any, base: str, extra_high: bool = False) -> str:
        low = " " + str(sent.text).lower() + " "
        if extra_high or any(
            f" {w} " in low or f" {w}," in low or f" {w}!" in low or f" {w}." in low
            for w in self.high
        ):
            return "high"
        return base

    def add(
        self,
        sent: Any,
        start: int,
        end: int,
        action: str,
        rule: str,
        cue: str,
        urgency: str,
        addressees: list[Mention],
    ) -> None:
        if not action or self.in_quote(start):
            return
        for c in self.calls:
            if c.start < end and start < c.end:
                return
        self.calls.append(Call(start, end, action, rule, cue, urgency, addressees, SCORES[rule]))

    # ---- rules
    def run(self) -> None:
        prev_vocative: list[Mention] = []
        frame = [
            (g.start, g.end)
            for g in self.work.layer("segment")
            if g.label in ("heading", "signoff")
        ]
        for _, sent in self.work.sents():
            text = str(sent.text).strip()
            if not text or self.in_quote(self.a(sent[0])):
                prev_vocative = []
                continue
            if any(a <= self.a(sent[0]) < b for a, b in frame) and not text.endswith("!"):
                continue
            if not any(t.pos_ in ("VERB", "AUX") for t in sent) and text.endswith(("!", ",", ":")):
                # "Students of Dessa!" — names who the next sentence speaks to
                prev_vocative = self.addressees([sent.root])
                continue
            vocative = self.vocatives(sent)
            question = text.endswith("?")
            if not question:
                self.imperative(sent, vocative or prev_vocative)
                self.modal(sent)
                self.time_to(sent, vocative or prev_vocative)
                self.call_on(sent)
            self.only(sent)
            prev_vocative = vocative
        self.actors.finalize()

    def vocatives(self, sent: Any) -> list[Mention]:
        out: list[Mention] = []
        for m in _VOCATIVE.finditer(str(sent.text)):
            a = self.a(sent[0]) + m.start(1)
            b = self.a(sent[0]) + m.end(1)
            toks = [t for t in sent if a <= self.a(t) < b]
            heads = [t for t in toks if not (a <= self.a(t.head) < b) or t.head.i == t.i]
            out.extend(self.addressees(heads[:1]))
        return out

    def imperative(self, sent: Any, vocative: list[Mention]) -> None:
        root = sent.root
        verbs = [root]
        # "O people of Hallum, rise up" is often parsed with the verb elsewhere: take the first
        # bare verb after a sentence-opening vocative or connective
        first = next((t for t in sent if not t.is_punct and t.lower_ not in _LEADING), None)
        if first is None:
            return
        if first.lower_ in ("o", "oh", "ya"):
            after = [
                t
                for t in sent
                if t.i > first.i
                and t.tag_ == "VB"
                and not any(c.dep_ in ("nsubj", "aux") for c in t.children)
            ]
            verbs = after[:1] or verbs
        cand = verbs[0]
        if cand.lower_ == "let" and any(
            c.lower_ in ("there", "it") for c in cand.subtree if c.i == cand.i + 1
        ):
            return  # "let there be no confusion", "let it be known"
        # "Citizens of Hallum, refuse to pay …": a vocative subject set off by a comma
        subj = [c for c in cand.children if c.dep_ == "nsubj"]
        if subj and cand.tag_ in ("VB", "VBP") and not any(c.dep_ == "aux" for c in cand.children):
            last = max(subj[0].subtree, key=lambda t: t.i)
            if (
                last.i + 1 < len(sent.doc)
                and sent.doc[last.i + 1].text == ","
                and last.i + 2 == cand.i
            ):
                exclaim = str(sent.text).rstrip().endswith("!")
                self.emit_verb(
                    sent,
                    cand,
                    "action.imperative",
                    "imperative",
                    self.addressees(subj),
                    "high" if exclaim else "medium",
                )
                return
        if cand.lower_ == "let" and any(c.lower_ == "us" for c in cand.children):
            comp = [
                c
                for c in cand.children
                if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX")
            ]
            if comp:
                self.emit_verb(sent, comp[0], "action.imperative", "let us", vocative, "medium")
            return
        if cand.lower_ == "do" and any(c.dep_ == "neg" for c in cand.children):
            return
        is_imp = (
            cand.tag_ == "VB"
            and not any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in cand.children)
            and not any(c.dep_ == "aux" and c.lower_ not in ("do",) for c in cand.children)
            and (
                cand.i == first.i
                or first.lower_ in ("o", "oh", "ya")
                or cand.i - first.i <= 1
                or first.dep_ in ("npadvmod", "intj", "advmod")
            )
        )
        if (
            not is_imp
            and cand.i == first.i
            and lemma(cand) in self.imperatives
            and cand.pos_ in ("VERB", "PROPN", "NOUN")
            and cand.tag_ in ("VB", "NNP", "NN")
        ):
            is_imp = not any(c.dep_ in ("nsubj",) for c in cand.children) and str(
                sent.text
            ).rstrip().endswith("!")
        if not is_imp:
            return
        exclaim = str(sent.text).rstrip().endswith("!")
        for v in conjuncts(cand):
            if v.pos_ not in ("VERB", "AUX") and v.i != cand.i:
                continue
            if any(c.dep_ == "nsubj" for c in v.children) and v.i != cand.i:
                continue
            self.emit_verb(
                sent,
                v,
                "action.imperative",
                "imperative",
                vocative,
                "high" if exclaim else "medium",
            )

    def emit_verb(
        self, sent: Any, v: Any, rule: str, cue: str, addressees: list[Mention], base: str
    ) -> None:
        first, last = self.verb_extent(v)
        # "Do not …": the span starts at "do"
        for c in v.lefts:
            if c.lower_ == "do" and c.dep_ == "aux":
                first = c
        self.add(
            sent,
            self.a(first),
            self.b(last),
            self.action_text(v),
            rule,
            cue,
            self.urgency(sent, base),
            addressees,
        )

    def modal(self, sent: Any) -> None:
        for v in sent:
            if v.pos_ not in ("VERB", "AUX"):
                continue
            if not (v.dep_ == "ROOT" or (v.dep_ == "conj" and v.head.dep_ == "ROOT")):
                continue
            cue = None
            for c in v.lefts:
                if c.dep_ == "aux" and c.lower_ in self.modals:
                    cue = str(c.lower_)
            head_verb = v
            if cue is None and lemma(v) in ("have", "need", "ought"):
                xc = [
                    c
                    for c in v.children
                    if c.dep_ == "xcomp" and any(g.lower_ == "to" for g in c.children)
                ]
                if xc and v.tag_ in ("VBP", "VBZ", "MD", "VB"):
                    cue = f"{v.lower_} to"
                    head_verb = xc[0]
            if cue is None:
                continue
            if (
                any(c.dep_ == "aux" and c.lower_ in ("have", "had") for c in head_verb.lefts)
                and head_verb.tag_ == "VBN"
            ):
                continue  # "must have been planned": a conclusion, not a call
            subj_tok = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass")]
            if not subj_tok and v.dep_ == "conj":
                subj_tok = [c for c in v.head.children if c.dep_ in ("nsubj", "nsubjpass")]
            if (
                not subj_tok
                or subj_tok[0].lower_ in _IMPERSONAL
                or subj_tok[0].lower_ in ("i", "he", "she")
            ):
                continue
            if any(c.dep_ == "nsubjpass" for c in v.children):
                continue  # "it must be said", "they must be punished": not addressed to anyone here
            addressees = self.addressees(subj_tok)
            if lemma(head_verb) in self.cognition:
                base = "low"
            else:
                base = "low" if cue in ("should", "ought to") else "medium"
            self.emit_verb(sent, head_verb, "action.modal", cue, addressees, base)

    def time_to(self, sent: Any, vocative: list[Mention]) -> None:
        low = str(sent.text).lower()
        if "time" not in low:
            return
        for t in sent:
            if t.lower_ != "time":
                continue
            ctx = str(sent.doc[max(t.i - 4, sent.start) : t.i + 3].text).lower()
            if not re.search(r"\b(it is|it's|now is|the)\s+(?:high\s+)?time\b|time has come", ctx):
                continue
            for c in list(t.children) + list(t.head.children):
                if (
                    c.dep_ in ("acl", "relcl", "xcomp", "advcl", "ccomp")
                    and c.pos_ in ("VERB", "AUX")
                    and c.i > t.i
                ):
                    self.emit_verb(sent, c, "action.time_to", "it is time to", vocative, "high")
                    for v in conjuncts(c):
                        if v.i != c.i and v.pos_ == "VERB":
                            self.emit_verb(
                                sent, v, "action.time_to", "it is time to", vocative, "high"
                            )
                    return

    def only(self, sent: Any) -> None:
        for t in sent:
            if t.lower_ != "only":
                continue
            h = t.head
            # "X can only VERB … through/by Y"  /  "only by Y can …"
            cands: list[Any] = []
            if h.pos_ in ("VERB", "AUX"):
                cands = [c for c in h.children if c.dep_ == "prep" and c.lower_ in _MEANS_PREPS]
                subj = [c for c in h.children if c.dep_ == "nsubj"]
            elif h.dep_ == "prep" and h.lower_ in _MEANS_PREPS:
                cands = [h]
                subj = [c for c in h.head.children if c.dep_ == "nsubj"]
            elif h.pos_ in ("NOUN", "PROPN") and h.dep_ == "nsubj":
                # "only the return of the old assembly will save us"
                nom = self.nominal_action(h)
                if nom is not None:
                    first, last = self.np_extent(h)
                    self.add(
                        sent,
                        self.a(first),
                        self.b(last),
                        nom[0],
                        "action.only",
                        "only … will",
                        self.urgency(sent, "medium", nom[1]),
                        [],
                    )
                continue
            else:
                continue
            addressees = self.addressees([s for s in subj if s.lower_ not in _IMPERSONAL])
            for prep in cands:
                objs = [c for c in prep.children if c.dep_ in ("pobj", "pcomp")]
                if not objs:
                    continue
                self.means(sent, prep, objs, addressees)
                # "by removing …, abolishing … and by establishing …"
                for c in prep.children:
                    if c.dep_ == "conj" and c.lower_ in _MEANS_PREPS:
                        self.means(
                            sent,
                            c,
                            [g for g in c.children if g.dep_ in ("pobj", "pcomp")],
                            addressees,
                        )

    def means(self, sent: Any, prep: Any, objs: list[Any], addressees: list[Mention]) -> None:
        cue = f"only … {prep.lower_}"
        gerunds = [o for o in objs if o.tag_ == "VBG"]
        if gerunds:
            for g in conjuncts(gerunds[0]):
                if g.tag_ != "VBG":
                    # "…, abolishing democracy and by establishing Khilafah"
                    if g.dep_ == "conj" and g.lower_ in _MEANS_PREPS:
                        self.means(
                            sent,
                            g,
                            [c for c in g.children if c.dep_ in ("pobj", "pcomp")],
                            addressees,
                        )
                    continue
                first, last = self.verb_extent(g)
                self.add(
                    sent,
                    self.a(first),
                    self.b(last),
                    self.action_text(g),
                    "action.only",
                    cue,
                    self.urgency(sent, "medium"),
                    addressees,
                )
            return
        # nominal: possibly split by the tokenizer into several pobj pieces (re - establishment)
        head = objs[-1]
        nom = self.nominal_action(head)
        if nom is None:
            return
        first = min(self.np_extent(o)[0] for o in objs)
        last = max(self.np_extent(o)[1] for o in objs)
        # "the immediate re-establishment of the Khilafah (Caliphate) on the method …": keep the NP
        self.add(
            sent,
            self.a(first),
            self.b(last),
            nom[0],
            "action.only",
            cue,
            self.urgency(sent, "medium", nom[1]),
            addressees,
        )

    def call_on(self, sent: Any) -> None:
        for v in sent:
            if (
                lemma(v) not in self.call_verbs
                or v.pos_ != "VERB"
                or v.tag_ not in ("VBP", "VBZ", "VB")
            ):
                continue
            subj = [c for c in v.children if c.dep_ == "nsubj"]
            if (
                not subj
                or subj[0].lower_ not in ("we", "i")
                and self.actors.mention(subj[0]) is None
            ):
                continue
            if subj[0].lower_ not in ("we", "i"):
                issuer = str(self.work.meta.get("issuer") or "").lower()
                m = self.actors.mention(subj[0])
                if not issuer or m is None or m.canonical.lower() not in issuer:
                    continue
            who: list[Any] = []
            comp: Any = None
            for c in v.children:
                if c.dep_ in ("dobj", "obj"):
                    who.append(c)
                    for g in c.children:
                        if g.dep_ in ("acl", "relcl", "xcomp") and g.pos_ == "VERB":
                            comp = g
                elif c.dep_ == "prep" and c.lower_ in ("on", "upon", "to"):
                    who.extend(p for p in c.children if p.dep_ == "pobj")
                    for p in c.children:
                        for g in p.children:
                            if g.dep_ in ("acl", "relcl", "xcomp") and g.pos_ == "VERB":
                                comp = g
                elif c.dep_ in ("xcomp", "ccomp") and c.pos_ in ("VERB", "AUX"):
                    comp = c
                    who.extend(g for g in c.children if g.dep_ == "nsubj")
            if (
                comp is None
                or not who
                or (lemma(comp) == "be" and not any(g.lower_ == "to" for g in comp.children))
            ):
                continue
            base = (
                "low"
                if lemma(v) in ("invite", "ask", "encourage", "request")
                else "high"
                if lemma(v) == "demand"
                else "medium"
            )
            self.emit_verb(
                sent,
                comp,
                "action.call_on",
                f"{subj[0].lower_} {v.lower_}",
                self.addressees(who),
                base,
            )
            for v2 in conjuncts(comp):
                if v2.i != comp.i and v2.pos_ == "VERB":
                    self.emit_verb(
                        sent,
                        v2,
                        "action.call_on",
                        f"{subj[0].lower_} {v.lower_}",
                        self.addressees(who),
                        base,
                    )


def _tidy(s: str) -> str:
    s = _PAREN.sub("", s)
    s = re.sub(r"\s*-\s*", "-", s)
    s = re.sub(r"\s+([,.;:!?])", r"\1", s)
    s = re.sub(r"\s+", " ", s).strip(" ,;:")
    words = s.split()
    if len(words) > 12:
        s = " ".join(words[:12]) + " …"
    return s


def find(work: Work) -> list[Call]:
    d = _Doc(work)
    d.run()
    for c in d.calls:
        for m in c.addressees:
            m.canonical = d.actors.canonical(m)
    return sorted(d.calls, key=lambda c: (c.start, c.end))


def _run(work: Work) -> None:
    for c in find(work):
        names: list[str] = []
        spans: list[list[int]] = []
        for m in c.addressees:
            if m.canonical not in names:
                names.append(m.canonical)
                spans.append([m.start, m.end])
        who = " and ".join(names) if names else None
        explain = EXPLAIN[c.rule].format(
            cue=c.cue, who=who or "the reader", to=f" ({who})" if who else ""
        )
        attrs = {
            "action": c.action,
            "addressee": who,
            "addressees": names,
            "addressee_spans": spans,
            "urgency": c.urgency,
            "cue": c.cue,
            "rule": c.rule,
            "explanation": explain,
        }
        work.add(
            c.start,
            c.end,
            "action",
            "CALL_TO_ACTION",
            source=f"rule:{c.rule}@{VERSION}",
            score=c.score,
            attrs=attrs,
        )


STAGE = Stage(
    NAME,
    VERSION,
    requires=("parse", "entity", "quote"),
    assigns=("action",),
    run=_run,
)

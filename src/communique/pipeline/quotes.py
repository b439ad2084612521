"""quotes: quotations with who said them, including quotations whose closing mark is missing.

Quotation marks are paired within a paragraph block (“…”, «…», "…"). An opening mark with
no closing mark before the block ends is an open-ended quotation: it runs to the end of the
sentence it opens in, and on through later sentences until one reads as narration again
(a reporting verb outside quotes) — ``attrs.open_ended`` says so.

The speaker comes from the dependency parse, tried in this order:

1. the reporting verb that governs the quotation ("X told reporters that “…”", "“…,” X said");
2. the reporting verb closest to the quotation whose clause runs up to the opening mark
   ("X said in parliament yesterday, “…”", "She answered: “…”"), else "according to X";
3. the inverted form after the quotation ("“…,” said X", "“…,” the commander, Gen X, told
   journalists"), tried before 2 when the quotation opens its sentence, so that a speaker
   named after the quotation beats one in an earlier sentence;
4. "X: “…”";
5. a quotation that opens its sentence right after an attributed one (the next sentence, or
   a new paragraph) continues it and inherits its speaker.

"call" reports speech only as "call for/on/upon" ("called X a Y" names, it does not quote),
and the passive subject of a reporting verb is its addressee ("citizens were called on to"):
the speaker is then the agent ("by X") if there is one.
The subject of the reporting verb is resolved to a named actor: a relative pronoun ("Crane,
who said …") to the noun it attaches to; a personal pronoun to the most salient earlier
person (a subject in the nearest sentence, gender-checked against titles such as Mr./Ms.;
"we" in the narration is the issuer); an apposition ("the commander, Gen X, said") to its
person; a title- or role-only subject ("the President", "the Aldrian envoy") to the person
of the document whose title or role has that head word. ``speaker_span`` is a mention of the
speaker's name when one is known; ``speaker_ref`` is the referring expression at the
attribution when it is not a name (pronoun, title). A bare pronoun is never a speaker.
An organization quoted through its spokesperson (named in the next sentence) gives the
spokesperson as speaker and keeps the organization in ``attrs.speaker_org``. A translation
right after a quoted Arabic original inherits its speaker; a quotation closed by a Qur'an or
hadith reference is scripture, and keeps that speaker unless the attribution names one
("The Messenger of Allah said"). A continuation carries ``continues`` (the span it continues).

Lookups (sentences, entities, tokens) are precomputed once per document and searched by
bisection, so the work per quotation does not grow with the length of the document.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Any

from ..model import Span
from .stage import Stage
from .work import Block, Work

NAME = "quotes"
VERSION = "2"
SOURCE = f"{NAME}@{VERSION}"

SPEECH_VERBS = frozenset(
    "say state add declare tell announce warn claim insist affirm write tweet post stress "
    "emphasize emphasise note argue assert maintain explain reply respond react comment remark "
    "clarify vow urge call quote confirm deny admit acknowledge proclaim inform threaten pledge "
    "promise report describe mention reiterate conclude predict ask demand order instruct "
    "narrate relate preach recite answer repeat recall concede boast caution".split()
)
# "call" is a reporting verb only with one of these ("called for calm", "called on X to …")
_CALL_PREPS = frozenset({"for", "on", "upon"})
# a quotation may hang from a reporting verb through these ("described it as “…”")
_QUOTE_PREPS = frozenset({"as", "of", "about", "for", "on", "upon"})
# …but not from inside its subject, its agent or a clause modifying a noun ("claimed by a
# group calling itself the “Verdant Hand”")
_NOT_SAID_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "agent", "acl", "relcl"})
_PAIRS = {"“": "”", "«": "»", "„": "“", '"': '"'}
_OPENERS = re.compile(r"[“«„\"]")
_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
_RELATIVE = {"who", "which", "that", "whom"}
_SUBJ_DEPS = ("nsubj", "nsubjpass")
# a reporting verb without a subject of its own takes the subject of the clause it hangs from
# ("X, promoted to …, announced that", "“…,” said X, adding “…”")
_CLIMB_DEPS = ("conj", "xcomp", "ccomp", "advcl")
# between a reporting clause and the opening mark: commas, colons, dashes, "that"
_GAP_OK = re.compile(r"^[\s,:;\u2013\u2014-]*(?:that)?[\s,:\u2013\u2014-]*$", re.I)
# titles that tell a person's gender, for he/she
_MALE = {"mr", "mr.", "sir", "king", "prince", "lord", "father", "fr.", "emperor", "sultan", "pope",
         "spokesman", "chairman", "brother", "rabbi"}  # fmt: skip
_FEMALE = {"ms", "ms.", "mrs", "mrs.", "miss", "queen", "princess", "lady", "sister", "madam",
           "spokeswoman", "chairwoman"}  # fmt: skip
_ROLE_HEAD_CUT = re.compile(r"\s+(?:of|to|for|in|at|with)\s+", re.I)
# how many sentences back a pronoun looks for a subject before taking the nearest person
_PRONOUN_SENTENCES = 3
# how many entities back a pronoun's antecedent is searched for at most
_LOOKBACK_ENTITIES = 500
# A quotation of at most this many words with no speaker is a scare quote ("terrorism").
_SCARE_MAX_WORDS = 3  # "so-called" usage in the samples and corpus is 1-3 words


def _find_quotes(dc: _Ctx, block: Block) -> list[tuple[int, int, int, int, bool]]:
    """(open mark, content start, content end, close end, open_ended) within one block."""
    text = dc.text
    out = []
    i = block.start
    while True:
        m = _OPENERS.search(text, i, block.end)
        if not m:
            break
        opener = m.group()
        closer = _PAIRS[opener]
        if opener == '"' and m.start() > block.start and text[m.start() - 1].isalnum():
            i = m.end()  # inches, or a closing quote we missed
            continue
        close = text.find(closer, m.end(), block.end)
        # a straight or curly quote nested the wrong way: don't cross another opener of the same kind
        if close == -1:
            end = _open_ended_end(dc, m.end(), block.end)
            out.append((m.start(), m.end(), end, end, True))
            i = end
            continue
        out.append((m.start(), m.end(), close, close + 1, False))
        i = close + 1
    return out


class _Ctx:
    """Lookups over one document, built once: sentences, entities, tokens and quotations,
    each sorted by offset and searched by bisection."""

    def __init__(self, work: Work) -> None:
        self.work = work
        self.text = work.text
        self.sents = [(s.start, s.end) for s in work.layer("segment", "sentence")]
        self.sent_starts = [s for s, _ in self.sents]
        self.sent_ends = [e for _, e in self.sents]
        self.ents = work.layer("entity")
        self.ent_starts = [e.start for e in self.ents]
        self.ent_maxlen = max((e.end - e.start for e in self.ents), default=0)
        self.persons = [e for e in self.ents if e.label == "PERSON"]
        self.person_starts = [e.start for e in self.persons]
        self.blocks = [b for b in work.blocks if b.doc is not None]
        self.block_starts = [b.start for b in self.blocks]
        self.off: dict[int, int] = {}
        self.tok_starts: dict[int, list[int]] = {}
        for b in self.blocks:
            assert b.doc is not None
            self.off[id(b.doc)] = b.start
            self.tok_starts[id(b.doc)] = [b.start + t.idx for t in b.doc]
        # role or title head word ("president", "envoy", "minister") → persons, in text order
        self.by_head: dict[str, list[Span]] = {}
        for e in self.persons:
            for w in _role_heads(e):
                self.by_head.setdefault(w, []).append(e)
        self.quotes: list[tuple[int, int]] = []  # (opening mark, end of closing mark)
        self.quote_starts: list[int] = []

    def set_quotes(self, ranges: list[tuple[int, int]]) -> None:
        self.quotes = sorted(ranges)
        self.quote_starts = [a for a, _ in self.quotes]

    def in_quote(self, pos: int) -> bool:
        k = bisect_right(self.quote_starts, pos) - 1
        return k >= 0 and pos < self.quotes[k][1]

    def sent_index(self, pos: int) -> int:
        """Index of the last sentence starting at or before ``pos`` (-1 if none)."""
        return bisect_right(self.sent_starts, pos) - 1

    def sentence(self, pos: int) -> tuple[int, int] | None:
        k = self.sent_index(pos)
        if k >= 0 and pos <= self.sents[k][1]:
            return self.sents[k]
        return None

    def abs(self, t: Any) -> int:
        return self.off[id(t.doc)] + t.idx

    def block_doc(self, pos: int) -> Any:
        k = bisect_right(self.block_starts, pos) - 1
        if k >= 0 and pos <= self.blocks[k].end:
            return self.blocks[k].doc
        return None

    def tokens(self, start: int, end: int) -> list[Any]:
        """Tokens starting in [start, end) of the parsed block that holds ``start``."""
        doc = self.block_doc(start)
        if doc is None:
            return []
        starts = self.tok_starts[id(doc)]
        return list(doc[bisect_left(starts, start) : bisect_left(starts, end)])

    def ents_in(self, a: int, b: int, label: str | None = None) -> list[Span]:
        """Entities overlapping [a, b)."""
        i = bisect_left(self.ent_starts, a - self.ent_maxlen)
        out = []
        while i < len(self.ents) and self.ents[i].start < b:
            e = self.ents[i]
            if e.end > a and (label is None or e.label == label):
                out.append(e)
            i += 1
        return out

    def persons_in(self, a: int, b: int) -> list[Span]:
        """Persons lying inside [a, b)."""
        i = bisect_left(self.person_starts, a)
        out = []
        while i < len(self.persons) and self.persons[i].start < b:
            if self.persons[i].end <= b:
                out.append(self.persons[i])
            i += 1
        return out

    def last_entity(self, pos: int, pred: Any) -> Span | None:
        """The last entity ending at or before ``pos`` that satisfies ``pred``."""
        i = bisect_left(self.ent_starts, pos) - 1
        stop = max(-1, i - _LOOKBACK_ENTITIES)
        while i > stop:
            e = self.ents[i]
            if e.end <= pos and pred(e):
                return e
            i -= 1
        return None

    def entity_at(self, a: int, b: int) -> Span | None:
        """The entity over [a, b): a person first, then the longest."""
        best = None
        for e in self.ents_in(a, b):
            if (
                best is None
                or (e.label == "PERSON") > (best.label == "PERSON")
                or (e.label == best.label and e.end - e.start > best.end - best.start)
            ):
                best = e
        return best

    def root_token(self, e: Span) -> Any:
        """The token of an entity mention whose head lies outside it."""
        toks = self.tokens(e.start, e.end)
        for t in toks:
            if t.head == t or not (e.start <= self.abs(t.head) < e.end):
                return t
        return toks[-1] if toks else None


def _open_ended_end(dc: _Ctx, start: int, block_end: int) -> int:
    """Where an unclosed quotation ends: its first sentence, plus following sentences until
    one contains a reporting verb (the narrator speaking again)."""
    k = bisect_right(dc.sent_ends, start)  # the first sentence ending after the mark
    if k >= len(dc.sents) or dc.sents[k][0] >= block_end:
        return block_end
    end = dc.sents[k][1]
    for s, e in dc.sents[k + 1 :]:
        if s >= block_end or _has_reporting_verb(dc, s, e):
            break
        end = e
    return min(end, block_end)


def _is_speech(t: Any) -> bool:
    """A reporting verb ("said", "told", "called for"), not "called X a Y"."""
    lemma = t.lemma_.lower()
    if lemma not in SPEECH_VERBS or t.pos_ not in ("VERB", "AUX"):
        return False
    if lemma == "call":
        return t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ in _CALL_PREPS
    return True


def _has_reporting_verb(dc: _Ctx, start: int, end: int) -> bool:
    return any(_is_speech(t) for t in dc.tokens(start, end))


def _subject(verb: Any) -> Any:
    """The subject of a reporting verb, or of the clause it hangs from ("X, in its weekly
    briefing, reacted"; "X, promoted to …, announced that").

    The passive subject of a reporting verb is its addressee ("citizens were called on to",
    "he was told that"), so the speaker is the agent ("by X") — except "X was quoted as
    saying"."""
    v = verb
    for _ in range(3):
        for c in v.children:
            if c.dep_ == "nsubj" or (
                c.dep_ == "nsubjpass" and (not _is_speech(v) or v.lemma_.lower() == "quote")
            ):
                return c
            if c.dep_ == "nsubjpass":
                agent = [
                    g
                    for a in v.children
                    if a.dep_ == "agent"
                    for g in a.children
                    if g.dep_ == "pobj"
                ]
                return agent[0] if agent else None
        if (
            v == verb
            and v.dep_ == "acl"
            and v.head.pos_ == "PROPN"
            and not any(c.dep_ in ("agent", "auxpass") for c in v.children)
        ):
            # "Gen X, promoted to …, announced that": the parser took the verb for a participle
            return v.head
        if v.dep_ not in _CLIMB_DEPS or v.head == v:
            return None
        v = v.head
    return None


def _role_heads(e: Span) -> set[str]:
    """Head words of a person's title and role: "Lieutenant General" → general,
    "Spokesperson of the Interior Ministry" → spokesperson, "Aldrian special envoy" → envoy."""
    out = set()
    for k in ("title_norm", "title"):
        v = str(e.attrs.get(k) or "").split()
        if v:
            out.add(v[-1].lower().rstrip("."))
    role = _ROLE_HEAD_CUT.split(str(e.attrs.get("role") or ""), maxsplit=1)[0].split()
    if role:
        out.add(role[-1].lower())
    return out


def _gender(e: Span) -> str | None:
    words = (
        " ".join(str(e.attrs.get(k) or "") for k in ("title", "title_norm", "role")).lower().split()
    )
    if any(w in _MALE for w in words):
        return "m"
    if any(w in _FEMALE for w in words):
        return "f"
    return None


def _is_subject(dc: _Ctx, e: Span) -> bool:
    """The mention is the subject of its clause, itself or as an apposition to it
    ("The Minister, Ms. X, visited …")."""
    t = dc.root_token(e)
    via_appos = False
    for _ in range(8):
        if t is None:
            return False
        if t.dep_ in _SUBJ_DEPS:
            return True
        if t.dep_ == "appos":
            via_appos = True
        elif not (
            t.dep_ in ("compound", "flat", "conj") or (via_appos and t.dep_ in ("pobj", "prep"))
        ):
            return False
        if t.head == t:
            return False
        t = t.head
    return False


def _antecedent(dc: _Ctx, pos: int, pron: str) -> Span | None:
    """The actor a personal pronoun at ``pos`` refers to.

    In the narration "we" is the issuer and "I" the author, when the text names them.
    he/she/I: the last person in subject position in the nearest sentence that names one
    (the current sentence counts only its subjects), gender-checked against titles; names
    inside quotations are skipped. they/it/we: the last organization or place, else person."""
    own = {"we": dc.work.meta.get("issuer"), "i": dc.work.meta.get("author")}.get(pron)
    if own:
        e = dc.last_entity(pos, lambda e: e.attrs.get("canonical") == own)
        if e is not None:
            return e
    if pron not in ("he", "she", "i"):
        return dc.last_entity(pos, lambda e: e.label in ("ORG", "GPE")) or dc.last_entity(
            pos, lambda e: e.label == "PERSON"
        )
    want = {"he": "m", "she": "f"}.get(pron)

    def fits(e: Span) -> bool:
        g = _gender(e)
        return not dc.in_quote(e.start) and (want is None or g is None or g == want)

    k = dc.sent_index(pos)
    counted = 0
    for j in range(k, max(-1, k - 4 * _PRONOUN_SENTENCES), -1):
        if counted >= _PRONOUN_SENTENCES:
            break
        s, e_ = dc.sents[j]
        if dc.in_quote(s) and dc.in_quote(max(s, e_ - 1)):
            continue  # a sentence of quoted speech is not narration
        counted += 1
        cands = [p for p in dc.persons_in(s, min(e_, pos)) if fits(p)]
        subj = [p for p in cands if _is_subject(dc, p)]
        if subj:
            return subj[-1]
        if j != k and cands:  # in its own sentence a pronoun takes only a subject
            return cands[-1]
    return dc.last_entity(pos, lambda e: e.label == "PERSON" and fits(e)) or dc.last_entity(
        pos, lambda e: e.label == "PERSON"
    )


def _by_title(dc: _Ctx, subj: Any, pos: int) -> Span | None:
    """A title- or role-only subject ("the President", "the Aldrian envoy") → the person of
    the document whose title or role has that head word; modifiers that also occur in the
    role break ties, then the nearest earlier mention, then the nearest later one."""
    if subj.pos_ not in ("NOUN", "PROPN") or any(
        c.dep_ == "det" and c.lower_ in ("a", "an") for c in subj.children
    ):
        return None
    cands = dc.by_head.get(subj.lower_) or dc.by_head.get(subj.lemma_.lower())
    if not cands:
        return None
    mods = {
        t.lower_
        for t in _core(subj)
        if t != subj and t.is_alpha and t.pos_ in ("ADJ", "PROPN", "NOUN")
    }
    # "whose president", "his deputy", "Marovia's president": someone else's office-holder,
    # a candidate only if the role names the possessor
    poss = {w.lower_ for c in subj.children if c.dep_ == "poss" for w in c.subtree if w.is_alpha}

    def words(e: Span) -> set[str]:
        return set(
            re.findall(r"\w+", f"{e.attrs.get('role') or ''} {e.attrs.get('title') or ''}".lower())
        )

    cands = [e for e in cands if not poss or poss <= words(e)]
    if not cands:
        return None

    def key(e: Span) -> tuple[int, int, int]:
        before = e.end <= pos
        return (-len(mods & words(e)), 0 if before else 1, pos - e.end if before else e.start - pos)

    return min(cands, key=key)


def _core(subj: Any) -> list[Any]:
    """The subject phrase without its clauses ("the words [that are written at X]")."""
    skip = [c for c in subj.children if c.dep_ in ("relcl", "acl", "advcl", "ccomp", "parataxis")]
    return [
        t for t in subj.subtree if not any(c.left_edge.i <= t.i <= c.right_edge.i for c in skip)
    ]


def _path_has_appos(dc: _Ctx, e: Span, subj: Any) -> bool:
    """The person is reached from the subject through an apposition ("the commander of the
    contingent, Gen X"), not through a clause or a possessive."""
    t, appos = dc.root_token(e), False
    for _ in range(8):
        if t is None or t.dep_ in ("relcl", "acl", "ccomp", "advcl", "poss"):
            return False
        if t == subj:
            return appos
        appos = appos or t.dep_ == "appos"
        if t.head == t:
            return False
        t = t.head
    return False


Resolved = tuple[str | None, list[int] | None, Any, list[int] | None]


def _resolve_subject(dc: _Ctx, subj: Any, q: tuple[int, int]) -> Resolved:
    """Map a subject token to (canonical speaker, name mention span, entity span, span of the
    referring expression when it is not a name). Never a bare pronoun."""
    text = dc.text
    ref: list[int] | None = None
    lw = subj.lower_
    if lw in _RELATIVE:
        ref = [dc.abs(subj), dc.abs(subj) + len(subj)]
        if subj.head.dep_ == "relcl" and subj.head.head != subj.head:
            subj = subj.head.head  # "Mr. Julian Crane, who said …" → Crane
            lw = subj.lower_
            if dc.in_quote(dc.abs(subj)):
                return None, None, None, None  # 'the "Verdant Hand", which claimed …'
        else:
            prev = [
                e
                for e in dc.ents_in(ref[0] - 4, ref[0])
                if e.end <= ref[0] and not text[e.end : ref[0]].strip(" ,")
            ]
            if not prev:
                return None, None, None, None
            e = prev[-1]
            return e.attrs.get("canonical"), [e.start, e.end], e, ref
    at = dc.abs(subj)
    if lw in _PRONOUNS:
        ante = _antecedent(dc, at, lw)
        if ante is None:
            return None, None, None, None
        return ante.attrs.get("canonical"), [ante.start, ante.end], ante, [at, at + len(subj)]
    if subj.pos_ == "PRON":
        return None, None, None, None  # "you promised", "everyone says": no one to name
    sub = [t for t in _core(subj) if not (q[0] <= dc.abs(t) < q[1])] or [subj]
    a, b = dc.abs(sub[0]), dc.abs(sub[-1]) + len(sub[-1])
    own = dc.entity_at(at, at + len(subj))
    if own is not None and own.label == "PERSON":
        return own.attrs.get("canonical"), [own.start, own.end], own, ref
    for e in dc.ents_in(a, b, "PERSON"):
        if not dc.in_quote(e.start) and _path_has_appos(dc, e, subj):
            return e.attrs.get("canonical"), [e.start, e.end], e, ref
    if own is None:
        titled = _by_title(dc, subj, at)
        if titled is not None:
            e = titled
            lo = dc.abs(subj.left_edge)
            return (
                e.attrs.get("canonical"),
                [e.start, e.end],
                e,
                ref or [min(lo, at), at + len(subj)],
            )
    ent = dc.entity_at(a, b)
    # the head noun's own entity beats one buried in a modifier ("Pakistan's spokesman")
    if ent is not None:
        if ent.label != "PERSON" and subj.pos_ == "NOUN":
            # "Pakistan's military spokesman, Lieutenant General X": apposition holds the person
            for c in subj.children:
                if c.dep_ == "appos":
                    e2 = dc.entity_at(dc.abs(c), dc.abs(c) + len(c))
                    if e2 is not None:
                        return e2.attrs.get("canonical"), [e2.start, e2.end], e2, ref
        return ent.attrs.get("canonical"), [ent.start, ent.end], ent, ref
    if sub[0].lower_ == "whose":
        return None, None, None, None  # "whose president": no name to give
    phrase = text[a:b].strip()
    return phrase or None, [a, b], None, ref


def _governs(v: Any, content: list[Any]) -> bool:
    """The quotation is an argument of the verb's own clause: not of a coordinated clause
    ("declared a curfew … and are calling them “rioters”"), not inside a prepositional
    phrase other than as/of/about/for/on ("answered with a “gesture of goodwill”"), nor
    inside the verb's subject or agent."""
    if not content or content[0].doc is not v.doc:
        return False
    lo, hi = content[0].i, content[-1].i
    for t in content[:3] + content[-3:]:
        x = t
        for _ in range(12):
            if x.head == x:
                break
            outside = not lo <= x.i <= hi  # the quotation's own syntax does not count
            if outside and (
                (x.dep_ == "prep" and x.lower_ not in _QUOTE_PREPS) or x.dep_ in _NOT_SAID_DEPS
            ):
                break
            if x.head == v:
                if x.dep_ != "conj":
                    return True
                break
            x = x.head
    return False


def _in_clause(h: Any, content: list[Any]) -> bool:
    """The quotation lies anywhere in the clause of ``h`` (its subject included: "a
    “contingent” arrived …, according to X")."""
    return any(t.doc is h.doc and h in t.ancestors for t in content[:3] + content[-3:])


def _abuts(dc: _Ctx, v: Any, open_at: int) -> bool:
    """The reporting clause runs up to the opening mark, ending in a comma, colon, dash or
    "that" ("X said in parliament yesterday, “", "She answered: “") or in the verb itself.
    Quotations in between (an Arabic original before its translation) do not count."""
    toks = [
        t
        for t in v.subtree
        if dc.abs(t) < open_at and not (t.is_punct or t.is_space or dc.in_quote(dc.abs(t)))
    ]
    if not toks:
        return False
    last = toks[-1]
    end = dc.abs(last) + len(last)
    gap = dc.text[end:open_at]
    k = bisect_left(dc.quote_starts, end)
    while k < len(dc.quotes) and dc.quotes[k][0] < open_at:  # cut out quotations in the gap
        a, b = dc.quotes[k][0] - end, dc.quotes[k][1] - end
        gap = gap[:a] + " " * (b - a) + gap[b:]
        k += 1
    if not _GAP_OK.match(gap):
        return False
    return last == v or last.lower_ == "that" or bool(re.search(r"[,:;\u2013\u2014-]", gap))


def _according(dc: _Ctx, toks: list[Any], content: list[Any], q: tuple[int, int]) -> Any:
    """The "according to X" attached to the quotation's clause → X."""
    for t in reversed(toks):
        if t.lower_ != "according" or t.i + 1 >= len(t.doc):
            continue
        h = t.head
        # "According to X, …" opening the sentence covers all of it; inside the sentence it
        # must attach to the quotation's clause
        opening = not re.search(
            r"\w", dc.text[(dc.sentence(dc.abs(t)) or (dc.abs(t),))[0] : dc.abs(t)]
        )
        if not (opening or q[0] <= dc.abs(h) < q[1] or h == t or _in_clause(h, content)):
            continue
        nxt = t.doc[t.i + 1]
        if nxt.lower_ == "to":
            objs = [c for c in nxt.children if c.dep_ == "pobj"]
            if objs:
                return objs[0], t
        elif nxt.pos_ in ("PROPN", "NOUN", "PRON", "DET"):
            return nxt, t  # "according Pakistan's military spokesman" (typo)
    return None


Hit = tuple[Any, Any, str]


def _hit(dc: _Ctx, v: Any, q: tuple[int, int]) -> Hit | None:
    subj = _subject(v)
    if subj is None or q[0] <= dc.abs(subj) < q[1]:
        return None
    return subj, v, "reporting_verb"


def _governing_verb(dc: _Ctx, content: list[Any], q: tuple[int, int]) -> Hit | None:
    """The reporting verb the quotation hangs from in the parse: "told reporters that “…”",
    "“…,” he said" (through at most one more verb: "said he had “no regrets”")."""
    verbs: dict[int, Any] = {}
    for t in content:
        h = t.head
        if h == t or q[0] <= dc.abs(h) < q[1]:
            continue
        for _ in range(2):
            if _is_speech(h) and not dc.in_quote(dc.abs(h)):
                verbs.setdefault(h.i, h)
                break
            if h.head == h or h.pos_ not in ("VERB", "AUX") or h.dep_ not in ("ccomp", "xcomp"):
                break
            h = h.head
    for v in sorted(
        verbs.values(), key=lambda v: min(abs(dc.abs(v) - q[0]), abs(dc.abs(v) - q[1]))
    ):
        hit = _hit(dc, v, q)
        if hit is not None:
            return hit
    return None


def _before(dc: _Ctx, lo: int, content: list[Any], q: tuple[int, int]) -> Hit | None:
    """The reporting verb closest before the quotation whose clause reaches the mark, else
    "according to X"."""
    toks = [t for t in dc.tokens(lo, q[0]) if not dc.in_quote(dc.abs(t))]
    for v in reversed(toks):
        if _is_speech(v) and (_abuts(dc, v, q[0]) or _governs(v, content)):
            hit = _hit(dc, v, q)
            if hit is not None:
                return hit
    acc = _according(dc, toks, content, q)
    return (acc[0], acc[1], "according_to") if acc else None


def _after(
    dc: _Ctx, c_start: int, c_end: int, content: list[Any], q: tuple[int, int]
) -> Hit | None:
    """The inverted form after the quotation: "“…,” said X", "“…,” X told journalists"."""
    text = dc.text
    close_end = q[1]
    k = dc.sent_index(close_end)
    if k < 0:
        return None
    hi = dc.sents[k][1]
    if not text[close_end:hi].strip(" \t\n.!?"):
        # the sentence ends with the quotation; the next one carries the attribution only
        # when the quotation reads as unfinished ("…,”\nhe said.")
        inner = text[c_start:c_end].rstrip()
        nxt = text[close_end : close_end + 20].lstrip()
        cont = inner[-1:] in (",", "—", "–", "-") or nxt[:1].islower()
        if not cont or k + 1 >= len(dc.sents):
            return None
        hi = dc.sents[k + 1][1]
    m = _OPENERS.search(text, close_end, hi)
    if m:
        hi = m.start()
    toks = [t for t in dc.tokens(close_end, hi) if not dc.in_quote(dc.abs(t))]
    words = [t for t in toks if not (t.is_punct or t.is_space)]
    if not words:
        return None
    first = words[0]
    for v in toks:
        if _is_speech(v) and (v.left_edge.i <= first.i or _governs(v, content)):
            hit = _hit(dc, v, q)
            if hit is not None:
                return hit
    acc = _according(dc, toks, content, q)
    return (acc[0], acc[1], "according_to") if acc else None


def _spokesperson_for(dc: _Ctx, after: int) -> Span | None:
    """A PERSON whose role names a spokesperson, in the sentence(s) right after ``after``."""
    k = bisect_right(dc.sent_ends, after)
    sents = dc.sents[k : k + 2]
    if not sents:
        return None
    for e in dc.persons_in(sents[0][0], sents[-1][1]):
        if re.search(r"spokes", str(e.attrs.get("role", "")), re.I):
            return e
    return None


def _opens_sentence(dc: _Ctx, open_at: int) -> bool:
    sent = dc.sentence(open_at)
    lo = sent[0] if sent else max(0, open_at - 1)
    return not re.search(r"\w", dc.text[lo:open_at])


def _attribute(
    dc: _Ctx, block: Block, q4: tuple[int, int, int, int], attrs: dict[str, Any]
) -> tuple[int, bool] | None:
    """Fill speaker attrs from the parse; return where the attribution's evidence ends and
    whether the speaker is named there (a proper name, not a pronoun, title or common noun);
    None when there is no speaker."""
    if block.doc is None:
        return None
    text = dc.text
    open_at, c_start, c_end, close_end = q4
    q = (open_at, close_end)
    content = dc.tokens(c_start, c_end)
    opens = _opens_sentence(dc, open_at)
    hit = _governing_verb(dc, content, q)
    if hit is None:
        if opens:
            hit = _after(dc, c_start, c_end, content, q)
            j = open_at - 1
            while j >= 0 and text[j].isspace():
                j -= 1
            if hit is None and j >= 0 and text[j] == ":":
                # "He said:" closing the previous sentence or paragraph
                k = dc.sent_index(j)
                if k >= 0:
                    hit = _before(dc, dc.sents[k][0], content, q)
        else:
            sent = dc.sentence(open_at)
            hit = _before(dc, sent[0] if sent else block.start, content, q)
            if hit is None:
                hit = _after(dc, c_start, c_end, content, q)
    if hit is None:
        colon = text[max(block.start, open_at - 3) : open_at]
        if ":" in colon:
            # "Halvard: “…”", "Minister Otto Rask: “…”" — the name (after at most a title or
            # two) is all there is before the colon, not "the stone at Harrow Pass: “…”"
            sent = dc.sentence(open_at)
            lo = max(block.start, sent[0] if sent else block.start)
            ent = [
                e
                for e in dc.ents_in(max(lo, open_at - 80), open_at)
                if lo <= e.start and e.end <= open_at and open_at - e.end < 8
            ]
            if (
                ent
                and ent[-1].label in ("PERSON", "ORG")
                and len(text[lo : ent[-1].start].split()) <= 2
            ):
                e = ent[-1]
                attrs.update(
                    speaker=e.attrs.get("canonical"), speaker_span=[e.start, e.end], rule="colon"
                )
                return e.end, True
        return None
    subj, verb, rule = hit
    speaker, span, ent, ref = _resolve_subject(dc, subj, q)
    if speaker is None:
        return None
    verb_name = "according to" if rule == "according_to" else verb.lemma_.lower()
    attrs.update(speaker=speaker, speaker_span=span, verb=verb_name, rule=rule)
    if ref is not None:
        attrs["speaker_ref"] = ref
    evidence = max(dc.abs(verb) + len(verb), dc.abs(subj) + len(subj))
    if ent is not None and ent.label in ("ORG", "GPE"):
        spok = _spokesperson_for(dc, close_end)
        if spok is not None:
            attrs.update(
                speaker=spok.attrs.get("canonical"),
                speaker_span=[spok.start, spok.end],
                speaker_org=ent.attrs.get("canonical"),
                rule=rule + "+spokesperson",
            )
            evidence = max(evidence, spok.end)
    return evidence, ref is None and subj.pos_ == "PROPN"


def _continues(dc: _Ctx, prev: dict[str, Any] | None, open_at: int) -> bool:
    """A quotation opening its sentence right after an attributed one — in the next sentence
    or the next paragraph, no other person taking the floor in between — continues it."""
    if prev is None or not prev["attrs"].get("speaker") or prev["attrs"].get("kind") != "direct":
        return False
    anchor = prev["anchor"]
    if anchor > open_at or not _opens_sentence(dc, open_at):
        return False
    if dc.sent_index(open_at) > dc.sent_index(anchor) + 1:
        return False
    speaker = prev["attrs"]["speaker"]
    return not any(
        p.attrs.get("canonical") != speaker and not dc.in_quote(p.start) and _is_subject(dc, p)
        for p in dc.persons_in(anchor, open_at)
    )


# A citation this close after a closing quotation mark closes that quotation.
_CITATION_GAP = 12  # "…” [Surah Aali-Imran 3:160]" and "…” (Muslim)" sit within 3 characters


def _citation_after(cites: list[Any], close_end: int) -> Any:
    for c in cites:  # few per document; a linear scan is cheaper than an index
        if close_end <= c.start <= close_end + _CITATION_GAP:
            return c
        if c.start > close_end + _CITATION_GAP:
            break
    return None


def _run(work: Work) -> None:
    text = work.text
    dc = _Ctx(work)
    cites = work.layer("citation")
    per_block = [(block, _find_quotes(dc, block)) for block in work.blocks]
    dc.set_quotes([(o, e) for _, qs in per_block for o, _, _, e, _ in qs])
    found: list[dict[str, Any]] = []
    for block, quotes in per_block:
        for open_at, c_start, c_end, close_end, open_ended in quotes:
            a, b = c_start, c_end
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1] in " \n\t":
                b -= 1
            if b - a < 2:
                continue
            attrs: dict[str, Any] = {
                "open_ended": open_ended,
                "marks": text[open_at] + (text[close_end - 1] if not open_ended else ""),
            }
            speaker = None
            cite = _citation_after(cites, close_end)
            if cite is not None:
                # the reference that closes the quotation says whose words they are
                attrs.update(kind="hadith" if cite.label == "HADITH" else "scripture", citation=[cite.start, cite.end])
                attrs["rule"] = "hadith_reference" if cite.label == "HADITH" else "scripture_reference"
                speaker = {"QURAN": "Allah", "HADITH": "Prophet Muhammad"}.get(cite.label)
                if cite.label == "BIBLE":
                    attrs["tradition"] = "bible"

            got = _attribute(dc, block, (open_at, c_start, c_end, close_end), attrs)
            evidence, named = got if got is not None else (None, False)
            resolved = attrs.get("speaker") if got is not None else None
            prev = found[-1] if found else None
            is_translation = (
                prev is not None
                and prev["end"] + 12 >= open_at
                and _is_arabic(text[prev["start"] : prev["end"]])
                and not _is_arabic(text[a:b])
            )
            if is_translation:
                assert prev is not None
                attrs["translation_of"] = [prev["start"], prev["end"]]
            n_words = len(text[a:b].split())
            if resolved and speaker and not named:
                # "He asks us, through the prophet: “…” (Isaiah 1:17)": the scripture's speaker
                # stands unless the text names who is quoted ("The Messenger of Allah said")
                for k in ("speaker", "speaker_span", "speaker_ref", "verb", "speaker_org"):
                    attrs.pop(k, None)
                attrs["rule"] = (
                    "scripture_reference" if attrs["kind"] == "scripture" else "hadith_reference"
                )
            elif resolved:
                speaker = resolved
            elif is_translation and prev is not None and (not speaker or prev["attrs"].get("speaker")):
                assert prev is not None
                # the English translation right after a quoted Arabic original: its speaker,
                # also over the default speaker of a hadith or verse ("The Messenger of Allah
                # said, «…» “…” (Bukhari)")
                for k in ("speaker", "speaker_span", "verb"):
                    if prev["attrs"].get(k) is not None:
                        attrs[k] = prev["attrs"][k]
                if prev["attrs"].get("kind") and "kind" not in attrs:
                    attrs["kind"] = prev["attrs"]["kind"]
                speaker = prev["attrs"].get("speaker") or speaker
                attrs["rule"] = "translation_of_previous"
            elif (
                not speaker
                and (open_ended or n_words > _SCARE_MAX_WORDS)
                and _continues(dc, prev, open_at)
            ):
                assert prev is not None
                for k in ("speaker", "speaker_span", "speaker_org", "verb"):
                    if prev["attrs"].get(k) is not None:
                        attrs[k] = prev["attrs"][k]
                speaker = prev["attrs"]["speaker"]
                attrs.update(rule="continuation", continues=[prev["start"], prev["end"]])
            if speaker and "speaker" not in attrs:
                attrs["speaker"] = speaker
            if not attrs.get("speaker") and n_words <= _SCARE_MAX_WORDS and not open_ended:
                attrs.setdefault("kind", "scare")
            attrs.setdefault("kind", "direct")
            attrs.setdefault("rule", "unattributed")
            attrs.setdefault("speaker", None)
            score = 0.9 if attrs.get("speaker") else 0.7
            if attrs["rule"] == "continuation":
                score = 0.8
            if open_ended:
                score -= 0.15
            found.append(
                {
                    "start": a,
                    "end": b,
                    "attrs": attrs,
                    "score": score,
                    "anchor": max(close_end, evidence or 0),
                }
            )
    for q in found:
        work.add(
            q["start"],
            q["end"],
            "quote",
            "QUOTE",
            source=SOURCE,
            score=round(q["score"], 3),
            attrs=q["attrs"],
        )


def _is_arabic(s: str) -> bool:
    from ..nlp import main_script

    return main_script(s) == "Arab"


STAGE = Stage(NAME, VERSION, requires=("parse", "segment", "entity", "citation"), assigns=("quote",), run=_run)

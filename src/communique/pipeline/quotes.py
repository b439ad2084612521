"""quotes: quotations with who said them, including quotations whose closing mark is missing.

Quotation marks are paired within a paragraph block (“…”, «…», "…"). An opening mark with
no closing mark before the block ends is an open-ended quotation: it runs to the end of the
sentence it opens in, and on through later sentences until one reads as narration again
(a reporting verb outside quotes) — ``attrs.open_ended`` says so.

The speaker comes from the dependency parse: the subject of a reporting verb before the
quotation ("X said, “…”") or after it ("“…,” said X"), "according to X", or "X: “…”".
Pronoun subjects resolve to the nearest preceding person. An organization quoted through its
spokesperson (named in the next sentence) gives the spokesperson as speaker and keeps the
organization in ``attrs.speaker_org``. A translation right after a quoted Arabic original
inherits its speaker; a quotation closed by a Qur'an or hadith reference is scripture.
"""

from __future__ import annotations

import re
from typing import Any

from .stage import Stage
from .work import Block, Work

NAME = "quotes"
VERSION = "1"
SOURCE = f"{NAME}@{VERSION}"

SPEECH_VERBS = frozenset(
    "say state add declare tell announce warn claim insist affirm write tweet post stress "
    "emphasize emphasise note argue assert maintain explain reply respond react comment remark "
    "clarify vow urge call quote confirm deny admit acknowledge proclaim inform threaten pledge "
    "promise report describe mention reiterate conclude predict ask demand order instruct "
    "narrate relate preach recite".split()
)
_PAIRS = {"“": "”", "«": "»", "„": "“", '"': '"'}
_OPENERS = re.compile(r"[“«„\"]")
_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
# A quotation of at most this many words with no speaker is a scare quote ("terrorism").
_SCARE_MAX_WORDS = 3  # "so-called" usage in the samples and corpus is 1-3 words
_SCRIPTURE_AFTER = re.compile(
    r"^\W{0,3}\s*[\[(](?:\s*(?:Surah|Surat|Sura|Al[- ]|Aal|Ale|Ali|TMQ|Qur|Quran)|[^\]\)]{0,30}\d+\s*:\s*\d+)",
    re.I,
)
_HADITH_AFTER = re.compile(
    r"^\W{0,3}\s*[\[(]\s*(?:Sahih\s+)?(?:al-)?(?:Bukhari|Muslim|Tirmidhi|Abu\s+Dawud|Abu\s+Dawood|Nasa'?i|Ibn\s+Majah|Ahmad|Malik|Darimi|Bayhaqi|Tabarani)",
    re.I,
)


def _find_quotes(work: Work, block: Block) -> list[tuple[int, int, int, int, bool]]:
    """(open mark, content start, content end, close end, open_ended) within one block."""
    text = work.text
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
            end = _open_ended_end(work, m.end(), block.end)
            out.append((m.start(), m.end(), end, end, True))
            i = end
            continue
        out.append((m.start(), m.end(), close, close + 1, False))
        i = close + 1
    return out


def _open_ended_end(work: Work, start: int, block_end: int) -> int:
    """Where an unclosed quotation ends: its first sentence, plus following sentences until
    one contains a reporting verb (the narrator speaking again)."""
    end = None
    for sent in work.layer("segment", "sentence"):
        if sent.end <= start or sent.start >= block_end:
            continue
        if end is None:
            end = sent.end
            continue
        if _has_reporting_verb(work, sent.start, sent.end):
            break
        end = sent.end
    end = end if end is not None else block_end
    return min(end, block_end)


def _tokens(work: Work, start: int, end: int) -> list[Any]:
    for b in work.parsed_blocks():
        if b.start <= start < b.end + 1:
            assert b.doc is not None
            return [t for t in b.doc if start <= b.start + t.idx < end]
    return []


def _block_of(work: Work, pos: int) -> Block | None:
    for b in work.blocks:
        if b.start <= pos <= b.end:
            return b
    return None


def _has_reporting_verb(work: Work, start: int, end: int) -> bool:
    return any(t.lemma_.lower() in SPEECH_VERBS and t.pos_ == "VERB" for t in _tokens(work, start, end))


def _entity_at(work: Work, a: int, b: int) -> Any:
    best = None
    for e in work.layer("entity"):
        if e.start < b and a < e.end:
            if best is None or (e.label == "PERSON") > (best.label == "PERSON") or (
                e.label == best.label and e.end - e.start > best.end - best.start
            ):
                best = e
    return best


def _subject(verb: Any) -> Any:
    for c in verb.children:
        if c.dep_ in ("nsubj", "nsubjpass"):
            return c
    # "X, in its weekly briefing, reacted" → subject through a conjunct head
    if verb.dep_ in ("conj", "xcomp", "ccomp") and verb.head is not verb:
        for c in verb.head.children:
            if c.dep_ in ("nsubj", "nsubjpass"):
                return c
    return None


def _speaker_from_tokens(work: Work, boff: int, tokens: list[Any]) -> tuple[Any, Any, str] | None:
    """(subject token, verb token, rule) from a window of tokens."""
    # "according to X"
    for t in tokens:
        if t.lower_ == "according" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ in ("to",):
            objs = [c for c in t.doc[t.i + 1].children if c.dep_ == "pobj"]
            if objs:
                return objs[0], t, "according_to"
        if t.lower_ == "according" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].pos_ in ("PROPN", "NOUN", "PRON", "DET"):
            return t.doc[t.i + 1], t, "according_to"  # "according Pakistan's military spokesman" (typo)
    verbs = [t for t in tokens if t.lemma_.lower() in SPEECH_VERBS and t.pos_ in ("VERB", "AUX")]
    for v in reversed(verbs):
        subj = _subject(v)
        if subj is not None:
            return subj, v, "reporting_verb"
    return None


def _resolve_subject(work: Work, boff: int, subj: Any, before: int) -> tuple[str | None, list[int] | None, Any]:
    """Map a subject token to (canonical speaker, mention span, entity span)."""
    if subj.lower_ in _PRONOUNS:
        persons = [e for e in work.layer("entity", "PERSON") if e.end <= before]
        orgs = [e for e in work.layer("entity") if e.end <= before and e.label in ("ORG", "GPE")]
        pool = persons if subj.lower_ in ("he", "she", "i") else (orgs or persons)
        if pool:
            e = pool[-1]
            return e.attrs.get("canonical"), [e.start, e.end], e
        return None, None, None
    sub = list(subj.subtree)
    a, b = boff + sub[0].idx, boff + sub[-1].idx + len(sub[-1])
    ent = _entity_at(work, a, b)
    # the head noun's own entity beats one buried in a modifier ("Pakistan's spokesman")
    if ent is not None:
        if ent.label != "PERSON" and subj.pos_ == "NOUN":
            # "Pakistan's military spokesman, Lieutenant General X": apposition holds the person
            for c in subj.children:
                if c.dep_ == "appos":
                    e2 = _entity_at(work, boff + c.idx, boff + c.idx + len(c))
                    if e2 is not None:
                        return e2.attrs.get("canonical"), [e2.start, e2.end], e2
        return ent.attrs.get("canonical"), [ent.start, ent.end], ent
    for c in subj.subtree:
        if c.dep_ == "appos":
            e2 = _entity_at(work, boff + c.idx, boff + c.idx + len(c))
            if e2 is not None:
                return e2.attrs.get("canonical"), [e2.start, e2.end], e2
    phrase = work.text[a:b].strip()
    return phrase or None, [a, b], None


def _spokesperson_for(work: Work, org: Any, after: int) -> Any:
    """A PERSON whose role names a spokesperson, in the sentence(s) right after ``after``."""
    sents = [s for s in work.layer("segment", "sentence") if s.end > after][:2]
    if not sents:
        return None
    lo, hi = sents[0].start, sents[-1].end
    for e in work.layer("entity", "PERSON"):
        if lo <= e.start < hi and re.search(r"spokes", str(e.attrs.get("role", "")), re.I):
            return e
    return None


def _run(work: Work) -> None:
    text = work.text
    found: list[dict[str, Any]] = []
    for block in work.blocks:
        for open_at, c_start, c_end, close_end, open_ended in _find_quotes(work, block):
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
            after = text[close_end : close_end + 40]
            speaker = None
            if _SCRIPTURE_AFTER.match(after):
                attrs.update(kind="scripture", rule="scripture_reference")
                speaker = "Allah"
            elif _HADITH_AFTER.match(after):
                attrs.update(kind="hadith", rule="hadith_reference")
                speaker = "Prophet Muhammad"
            resolved = _attribute(work, block, open_at, close_end, attrs)
            prev = found[-1] if found else None
            is_translation = (
                prev is not None
                and prev["end"] + 12 >= open_at
                and _is_arabic(text[prev["start"] : prev["end"]])
                and not _is_arabic(text[a:b])
            )
            if is_translation:
                attrs["translation_of"] = [prev["start"], prev["end"]]
            if resolved:
                speaker = resolved
            elif is_translation and not speaker:
                # the English translation right after a quoted Arabic original
                for k in ("speaker", "speaker_span", "kind"):
                    if prev["attrs"].get(k) is not None:
                        attrs[k] = prev["attrs"][k]
                speaker = prev["attrs"].get("speaker")
                attrs["rule"] = "translation_of_previous"
            if speaker and "speaker" not in attrs:
                attrs["speaker"] = speaker
            n_words = len(text[a:b].split())
            if not attrs.get("speaker") and n_words <= _SCARE_MAX_WORDS and not open_ended:
                attrs.setdefault("kind", "scare")
            attrs.setdefault("kind", "direct")
            attrs.setdefault("rule", "unattributed")
            attrs.setdefault("speaker", None)
            score = 0.9 if attrs.get("speaker") else 0.7
            if open_ended:
                score -= 0.15
            found.append({"start": a, "end": b, "attrs": attrs, "score": score})
    # translations inherit speakers also when the Arabic original was attributed later
    for q in found:
        work.add(q["start"], q["end"], "quote", "QUOTE", source=SOURCE, score=round(q["score"], 3), attrs=q["attrs"])


def _is_arabic(s: str) -> bool:
    from ..nlp import main_script

    return main_script(s) == "Arab"


def _attribute(work: Work, block: Block, open_at: int, close_end: int, attrs: dict[str, Any]) -> str | None:
    """Fill speaker attrs from the parse; return the canonical speaker or None."""
    if block.doc is None:
        return None
    boff = block.start
    sents = [s for s in work.layer("segment", "sentence") if s.start <= open_at < s.end + 1]
    sent_start = sents[0].start if sents else block.start
    # tokens before the quote in its sentence (or the whole block start if the sentence begins at the mark)
    window_start = sent_start if sent_start < open_at else max(block.start, open_at - 200)
    before = _tokens(work, window_start, open_at)
    hit = _speaker_from_tokens(work, boff, before)
    if hit is None:
        # "“…,” said X." / "“…” X added." — tokens after the closing mark, to the sentence end
        after_sents = [s for s in work.layer("segment", "sentence") if s.start <= close_end <= s.end]
        hi = after_sents[0].end if after_sents else min(block.end, close_end + 120)
        after_toks = _tokens(work, close_end, hi)
        if after_toks and not re.search(r"[“«\"]", work.text[close_end:hi]):
            hit = _speaker_from_tokens(work, boff, after_toks)
    if hit is None:
        colon = work.text[max(block.start, open_at - 3) : open_at]
        if ":" in colon:
            ent = [e for e in work.layer("entity") if block.start <= e.end <= open_at and open_at - e.end < 8]
            if ent:
                e = ent[-1]
                attrs.update(speaker=e.attrs.get("canonical"), speaker_span=[e.start, e.end], rule="colon")
                return attrs["speaker"]
        return None
    subj, verb, rule = hit
    speaker, span, ent = _resolve_subject(work, boff, subj, open_at)
    if speaker is None:
        return None
    verb_name = "according to" if rule == "according_to" else verb.lemma_.lower()
    attrs.update(speaker=speaker, speaker_span=span, verb=verb_name, rule=rule)
    if ent is not None and ent.label in ("ORG", "GPE"):
        spok = _spokesperson_for(work, ent, close_end)
        if spok is not None:
            attrs.update(
                speaker=spok.attrs.get("canonical"),
                speaker_span=[spok.start, spok.end],
                speaker_org=ent.attrs.get("canonical"),
                rule=rule + "+spokesperson",
            )
    return attrs["speaker"]


STAGE = Stage(NAME, VERSION, requires=("parse", "segment", "entity"), assigns=("quote",), run=_run)

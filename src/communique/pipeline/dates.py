"""dates: every temporal expression normalized to ISO, and the publication date.

Spans (layer ``date``):

- ``DATE``: a day, month, year, decade, century, ISO week or an event date ("9/11"),
  Gregorian or Hijri; relative expressions ("yesterday", "last week", "decades") are
  ``DATE`` spans with ``relative=True`` and a value only when the document has a *stated*
  publication date to anchor them (never the machine's clock).
- ``DATE_RANGE``: "from 5 to 10 October 2016" -> ``2016-10-05/2016-10-10``.
- ``ERA``: named periods with a conventional interval ("the Cold War" -> ``1947/1991``) and
  "the era of <Name>" (value None, ``attrs.of`` names the person).

Every span's attrs: ``value`` (ISO 8601, intervals as ``start/end``; see
:mod:`communique.pipeline.datenorm` for the conventions), ``granularity`` (day, week,
month, year, decade, century, range, era or None), ``text_form`` (the rule that read it),
``tense`` (future, past or unknown), and where they apply ``relative``, ``anchor``
(the stated publication date a relative or yearless value was computed from),
``calendar``/``hijri``, ``event``, ``range_unit``, ``tense_cue`` (the word that made it
future), ``weekday``, ``year_missing``, ``ambiguous``/``order`` (numeric dates),
``modifier`` ("late", "the summer of"), ``duration``, ``anaphoric``, ``of`` (era ruler)
and ``found_by: "spacy"`` for spans only spaCy found.

Candidates come from the fast-path regexes (:func:`datenorm.find_all`) over the folded
text, then from spaCy's DATE entities the regexes did not cover (spaCy is kept for what
the regexes do not know; the regexes win on bounds, e.g. spaCy splits "16th August 2017").
Frequencies ("weekly") and bare numbers spaCy calls dates are dropped.

Publication date (``meta.published``, ``published_how``, ``published_evidence``): an
ingest-supplied ``published`` is kept as stated. Otherwise a dateline in the header (the
first three paragraph blocks, headings, and the first body paragraph when a wrapped title
fills those blocks) or the sign-off (the last three blocks) is *stated*;
``published_evidence.rule`` names its form:

- ``date_label``: "Date: 12 March 2019", "Issued on 7 July 2021";
- ``date_line``: a line that is only a date, "4 Rajab 1440 AH / 11 March 2019" (``+paired``);
- ``doctype_dateline``: "Press Release, 3 June 2020";
- ``place_dateline``: a place of one to four words in any case (up to three comma-separated
  parts) before the date at the end of a line or before a dash: "Islamabad, 5 May 2018 -",
  "kessen highlands, 12 june 2017", "Church of Saint Aurel, Lindgrav - Sunday, 2 October
  2016"; opening a paragraph, a one-part place may be followed by a full stop and the first
  sentence ("Corvenna, 12 November 2017. Yesterday, ..."). Places made of pronouns,
  auxiliaries or event nouns ("Kessen City Massacre, 7 May 2018") are not datelines;
- ``byline``: an issued-by or delivery line ending with its date: "Issued by the Media
  Office of the Front, 24 September 2016", "Re-posted by the Rowan Cell, Kessen City,
  20 October 2020", "Preached by the Reverend ... at the Church of ..., on Sunday,
  2 October 2016".

Failing that it is *inferred*: the latest day (else month) in the body whose tense is not
future, past tense preferred; event dates ("9/11"), yearless and relative dates never count.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Any

from . import datenorm
from .datenorm import Found
from .stage import Stage
from .work import Block, Work

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan

NAME = "dates"
VERSION = "1"

#: How many paragraph blocks at the start and at the end count as header and sign-off
#: (a title, a "Press Release" line and a dateline fit in three; chosen on the samples).
HEADER_BLOCKS = 3
SIGNOFF_BLOCKS = 3
#: How many blocks past the header blocks to look for the first body paragraph when the
#: header blocks are all headings (a wrapped title)
BODY_LOOKAHEAD = 3
#: How far back (chars) to look for a future cue such as "until" before a date.
CUE_WINDOW = 40
#: How far back (chars) the regex fallback looks for "will"/"shall" when a block has no parse.
WILL_WINDOW = 80

_FUTURE_CUE = re.compile(
    r"\b(?P<cue>until|till|til|by|no\s+later\s+than|not\s+later\s+than|scheduled\s+(?:for|on)|"
    r"due\s+(?:on|by|in)|deadline(?:\s+(?:of|on|is))?|expected\s+(?:on|by|in)|set\s+for|"
    r"upcoming|next|coming)\s*[,:]?\s*"
    r"(?:the\s+)?(?:end\s+of\s+|start\s+of\s+|beginning\s+of\s+|middle\s+of\s+)?(?:on\s+)?$",
    re.IGNORECASE,
)
_WILL = re.compile(r"\b(?:will|shall|'ll|is\s+to\s+be|are\s+to\s+be|going\s+to)\b", re.I)
#: verbs whose infinitive complement lies in the future ("is scheduled to meet on ...")
_FUTURE_GOVERNORS = frozenset({"go", "schedule", "plan", "expect", "set", "intend", "due"})

# Datelines: what may stand on the line before a publication date.
_MARKUP = r"^[\s*#_>|\[\]-]*"
_LABEL = re.compile(
    _MARKUP + r"(?:date|dated|issued|published|released|posted|distributed|preached|delivered)"
    r"(?:\s+(?:on|at))?\s*[:,-]?\s*$",
    re.IGNORECASE,
)
#: an issued-by / delivery line: "Issued by the Media Office of the Front, 24 September
#: 2016", "Re-posted by the Rowan Cell, Kessen City, 20 October 2020", "Preached by the
#: Reverend ... at the Church of ..., on Sunday, 2 October 2016", "Delivered at ... on"
_BYLINE = re.compile(
    _MARKUP + r"(?:re-?)?(?:issued|published|released|posted|distributed|preached|delivered|"
    r"given|broadcast|circulated|shared|signed|written|sent)\s+(?:by|at|in|from)\b"
    r"(?:[^\n]{0,160}?\s(?P<on>on|dated)|[^\n]{0,160}?[^\w\s])\s*[:,-]?\s*$",
    re.IGNORECASE,
)
#: after "on DATE" in a byline, the place may still follow: ", at the Church of ..."
_BYLINE_TAIL = re.compile(r",?[ \t]+(?:at|in)[ \t][^\n.]{0,100}\.?[ \t]*$", re.IGNORECASE)
_DOCTYPE = re.compile(
    _MARKUP + r"(?:press\s+release|press\s+statement|statement|communiqu[eé]|bulletin|"
    r"declaration|announcement|news\s+release|media\s+release|circular|notice|message)\b"
    r"[^\n]{0,40}?[,:|-]\s*$",
    re.IGNORECASE,
)
#: a place before a dateline, any case: one to four words ("Corvenna", "kessen highlands",
#: "Ossa valley"), up to three comma-separated parts ("Church of Saint Aurel, Lindgrav"),
#: then a comma, colon or dash; the words are vetted by :func:`_place_ok`
_PLACE_WORD = r"(?:&|[^\W\d_][\w.'()-]*)"
_PLACE_PART = rf"{_PLACE_WORD}(?:[ \t]+{_PLACE_WORD}){{0,3}}"
_PLACE = re.compile(
    _MARKUP + rf"(?P<place>{_PLACE_PART}(?:[ \t]*,[ \t]*{_PLACE_PART}){{0,2}})[ \t]*[,:-][ \t]*$"
)
#: words a place never starts with: prepositions, conjunctions, time words ("On 5 May",
#: "Yesterday, 5 May 2018")
_NOT_PLACE_FIRST = frozenset(
    "on in at by since until till from before after yesterday today tomorrow tonight then "
    "and but so the a an of to for with during between when while as if last next this that "
    "these those early late meanwhile however thus therefore finally again also now here "
    "there later earlier once already indeed afterwards".split()
)
#: words no place name holds: pronouns, auxiliaries and verbs of saying, relative words,
#: and nouns that name an event ("Kessen City Massacre, 7 May 2018" dates the massacre)
_NOT_PLACE = (
    frozenset(
        "i we you he she it they me us him them our ours your their his her its my is are was "
        "were be been being am has have had will would shall should can could may might must "
        "do does did said says that which who whom whose when where while because than not no "
        "yesterday today tomorrow".split()
    )
    | datenorm.EVENT_NOUNS
)
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_BARE = re.compile(_MARKUP + r"$")
#: what may follow a dateline date on its line
_SUFFIX = re.compile(r"\s*(?:$|[-|:)]|[.,;]\s*$|\*+\s*$)")
#: after a place dateline opening a paragraph, the first sentence may follow a full stop
#: ("Corvenna, 12 November 2017. Yesterday, ...")
_SENTENCE_AFTER = re.compile(r"\.[ \t]+\S")
#: what may join the parts of a combined dateline ("4 Rajab 1440 AH / 11 March 2019")
_JOIN = re.compile(r"\s*(?:[/|,=-]|\(|corresponding\s+to|i\.e\.)?\s*", re.IGNORECASE)


def _run(work: Work) -> None:
    text = work.folded
    found = datenorm.find_all(text)
    found.extend(_from_spacy(work, found))
    found.sort(key=lambda f: (f.start, -f.end))
    starts = [b.start for b in work.blocks]
    for f in found:
        f.attrs["tense"] = _tense(work, starts, f)
    _publication(work, found)
    anchor = (
        datenorm.parse_iso_day(work.meta.get("published"))
        if work.meta.get("published_how") == "stated"
        else None
    )
    for f in found:
        _write(work, f, anchor)


# --------------------------------------------------------------------------- spaCy


def _from_spacy(work: Work, found: list[Found]) -> list[Found]:
    """spaCy DATE entities the regexes did not find, read by the slow path.

    An entity that overlaps regex spans contributes only the pieces they leave
    uncovered, and only when a piece reads to a value ("2001 and 2002": the regexes
    find "2001" by its cue "in", the piece "2002" is kept).
    """
    extra: list[Found] = []
    text = work.folded
    for block in work.parsed_blocks():
        doc = block.doc
        assert doc is not None
        for ent in doc.ents:
            if ent.label_ != "DATE":
                continue
            s, e = block.start + ent.start_char, block.start + ent.end_char
            covered = [f for f in found if f.overlaps(s, e)]
            before = doc[ent.start - 1].lower_ if ent.start > 0 else ""
            after = doc[ent.end].text if ent.end < len(doc) else ""
            pieces = [(s, e)] if not covered else _uncovered(text, s, e, covered)
            for ps, pe in pieces:
                f = datenorm.normalize_expression(
                    text[ps:pe], before if ps == s else "", after if pe == e else ""
                )
                if f is None or (covered and f.value is None):
                    continue
                f.start, f.end = ps + f.start, ps + f.end
                f.attrs["found_by"] = "spacy"
                extra.append(f)
    return extra


_CONNECTOR = re.compile(r"(?:[\s,;/&-]|\b(?:and|or|to|until|till|through)\b)+", re.IGNORECASE)


def _uncovered(text: str, s: int, e: int, covered: list[Found]) -> list[tuple[int, int]]:
    """Pieces of ``s:e`` outside the covered spans, trimmed of connectors."""
    out: list[tuple[int, int]] = []
    pos = s
    for f in sorted(covered, key=lambda f: f.start) + [Found(e, e, "DATE", None, None, "")]:
        a, b = pos, min(f.start, e)
        while a < b:
            m = _CONNECTOR.match(text, a, b)
            if not m or m.end() == a:
                break
            a = m.end()
        while b > a and (text[b - 1].isspace() or text[b - 1] in ",;/&-"):
            b -= 1
        if b > a:
            out.append((a, b))
        pos = max(pos, f.end)
    return out


# --------------------------------------------------------------------------- tense


def _tense(work: Work, starts: list[int], f: Found) -> str:
    """future / past / unknown for one expression: a lexical hint ("yesterday"), a future
    cue just before it ("until", "by", "scheduled for"), else the tense of the verb that
    governs it in the parse."""
    if f.tense_hint:
        return f.tense_hint
    text = work.folded
    anchored_now = f.relative and (f.rel is None or (isinstance(f.rel[1], int) and f.rel[1] <= 0))
    if not anchored_now:  # "until today" is not a deadline
        cue = _FUTURE_CUE.search(text, max(0, f.start - CUE_WINDOW), f.start)
        if cue:
            word = re.sub(r"\s+", " ", cue["cue"].lower())
            # "by" is a deadline unless a past verb governs it ("by 2015 it had lost")
            if word != "by" or _parsed_tense(work, starts, f) != "past":
                f.attrs["tense_cue"] = word
                return "future"
    parsed = _parsed_tense(work, starts, f)
    if parsed is not None:
        return parsed
    sent_start = max(text.rfind(". ", 0, f.start), text.rfind("\n", 0, f.start)) + 1
    if _WILL.search(text, max(sent_start, f.start - WILL_WINDOW), f.start):
        return "future"
    return "unknown"


def _parsed_tense(work: Work, starts: list[int], f: Found) -> str | None:
    """The governing verb's tense from the parse; None where the block was not parsed."""
    block = _block_at(work.blocks, starts, f.start)
    if block is None or block.doc is None:
        return None
    span = block.doc.char_span(f.start - block.start, f.end - block.start, alignment_mode="expand")
    return None if span is None else _verb_tense(span)


def _block_at(blocks: list[Block], starts: list[int], offset: int) -> Block | None:
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and blocks[i].start <= offset < blocks[i].end:
        return blocks[i]
    return None


def _verb_tense(span: SpacySpan) -> str:
    tok = span.root
    for _ in range(8):  # climb to the governing verb; 8 hops covers nested PPs
        if tok.pos_ in ("VERB", "AUX") or tok.tag_.startswith("VB"):
            break
        if tok.head is tok:
            return "unknown"
        tok = tok.head
    else:
        return "unknown"
    for _ in range(2):  # an infinitive ("to take part") takes its governor's tense
        aux = [c for c in tok.children if c.dep_ in ("aux", "auxpass")]
        if any(c.lower_ in ("will", "shall", "'ll", "wo") for c in aux):
            return "future"
        if tok.tag_ == "VB" and any(c.lower_ == "to" for c in aux) and tok.head is not tok:
            if tok.head.lemma_ in _FUTURE_GOVERNORS:
                return "future"
            tok = tok.head
            continue
        break
    aux = [c for c in tok.children if c.dep_ in ("aux", "auxpass")]
    if tok.tag_ == "VBD" or any(c.tag_ == "VBD" for c in aux):
        return "past"
    if tok.tag_ == "VBN":
        if any(c.lower_ in ("has", "have", "'ve", "'s") for c in aux) or not aux:
            return "past"
    return "unknown"


# --------------------------------------------------------------------------- publication


def _publication(work: Work, found: list[Found]) -> None:
    meta = work.meta
    if meta.get("published"):
        meta.setdefault("published_how", "stated")
        return
    stated = _stated(work, found)
    if stated is not None:
        value, start, end, rule = stated
        meta["published"], meta["published_how"] = value, "stated"
        meta["published_evidence"] = {"start": start, "end": end, "rule": rule}
        return
    inferred = _inferred(found)
    if inferred is not None:
        f, rule = inferred
        meta["published"], meta["published_how"] = f.value, "inferred"
        meta["published_evidence"] = {"start": f.start, "end": f.end, "rule": rule}
        return
    meta["published"] = None
    meta["published_how"] = None


def _dateline_candidate(f: Found) -> bool:
    return (
        f.label == "DATE"
        and f.value is not None
        and not f.relative
        and "event" not in f.attrs
        and "year_missing" not in f.attrs
        and (f.granularity in ("day", "month"))
    )


def _regions(work: Work) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The header (first blocks, headings and the first body paragraph) and the sign-off
    (last blocks) as ``(start, end)`` regions."""
    blocks = work.blocks or [Block(0, len(work.text))]
    head = [(b.start, b.end) for b in blocks[:HEADER_BLOCKS]]
    tail = [(b.start, b.end) for b in blocks[-SIGNOFF_BLOCKS:]]
    headings: set[int] = set()
    for s in work.layer("segment"):
        if s.label == "heading":
            head.append((s.start, s.end))
            headings.add(s.start)
        elif s.label == "signoff":
            tail.append((s.start, s.end))
    # a title broken over several heading blocks (PDF, wrapped lines) pushes the first
    # body paragraph, where a "Place, date -" dateline stands, past the first blocks
    if all(b.start in headings for b in blocks[:HEADER_BLOCKS]):
        for b in blocks[HEADER_BLOCKS : HEADER_BLOCKS + BODY_LOOKAHEAD]:
            if b.start not in headings:
                head.append((b.start, b.end))
                break
    return head, tail


def _stated(work: Work, found: list[Found]) -> tuple[str, int, int, str] | None:
    """The first dateline in the header, else the last in the sign-off:
    (value, start, end, rule)."""
    text = work.folded
    cands = [f for f in found if _dateline_candidate(f)]
    groups: list[list[Found]] = []
    for f in cands:
        if groups:
            prev = groups[-1][-1]
            gap = text[prev.end : f.start]
            if "\n" not in gap and _JOIN.fullmatch(gap):
                groups[-1].append(f)
                continue
        groups.append([f])
    head, tail = _regions(work)

    def inside(g: list[Found], regions: list[tuple[int, int]]) -> bool:
        return any(s <= g[0].start and g[-1].end <= e for s, e in regions)

    ordered = [g for g in groups if inside(g, head)] + [
        g for g in reversed(groups) if inside(g, tail)
    ]
    for g in ordered:
        rule = _dateline_rule(text, g[0].start, g[-1].end)
        if rule is None:
            continue
        greg = [f for f in g if f.attrs.get("calendar") != "hijri"]
        best = (greg or g)[0]
        if len(g) > 1:
            rule += "+paired"
        assert best.value is not None
        return best.value, g[0].start, g[-1].end, rule
    return None


def _dateline_rule(text: str, start: int, end: int) -> str | None:
    """Which dateline form a date at ``start:end`` stands in, or None for running text."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    prefix = text[line_start:start]
    suffix = text[end : line_end if line_end >= 0 else len(text)]
    if _LABEL.match(prefix):
        return "date_label"
    byline = _BYLINE.match(prefix)
    if byline and (_SUFFIX.match(suffix) or (byline["on"] and _BYLINE_TAIL.match(suffix))):
        return "byline"
    if _SUFFIX.match(suffix):
        if _BARE.match(prefix):
            return "date_line"
        if _DOCTYPE.match(prefix):
            return "doctype_dateline"
        place = _PLACE.match(prefix)
        if place and _place_ok(place["place"], 3):
            return "place_dateline"
        return None
    if _SENTENCE_AFTER.match(suffix):
        place = _PLACE.match(prefix)
        if place and _place_ok(place["place"], 1):
            return "place_dateline"
    return None


def _place_ok(place: str, parts: int) -> bool:
    """Whether ``place`` (what :data:`_PLACE` matched) reads as a place name of at most
    ``parts`` comma-separated parts, not the start of a sentence."""
    if place.count(",") >= parts:
        return False
    words = [w.lower() for w in _WORD.findall(place)]
    return (
        bool(words) and words[0] not in _NOT_PLACE_FIRST and not any(w in _NOT_PLACE for w in words)
    )


def _inferred(found: list[Found]) -> tuple[Found, str] | None:
    """The latest dated event of the body: day before month, past tense before unknown,
    never a future/deadline date, an event date ("9/11") or a yearless date."""
    for gran in ("day", "month"):
        for tense in ("past", "unknown"):
            pool = [
                f
                for f in found
                if _dateline_candidate(f)
                and f.granularity == gran
                and f.attrs.get("tense") == tense
            ]
            if pool:
                best = max(pool, key=lambda f: (_sort_key(f), -f.start))
                return best, f"latest_{tense}_{gran}"
    return None


def _sort_key(f: Found) -> str:
    assert f.value is not None
    return f.value.split("/")[-1]


# --------------------------------------------------------------------------- output


def _write(work: Work, f: Found, anchor: Any) -> None:
    value, gran, score = f.value, f.granularity, f.score
    attrs: dict[str, Any] = {}
    if anchor is not None and (f.relative or f.rel is not None):
        attrs["anchor"] = anchor.isoformat()
        if f.rel is not None:
            resolved = datenorm.resolve_relative(f.rel, anchor)
            if resolved is not None:
                value, gran = resolved
    attrs["value"] = value
    attrs["granularity"] = gran
    attrs["text_form"] = f.rule
    if f.relative:
        attrs["relative"] = True
    attrs.update(f.attrs)
    work.add(f.start, f.end, "date", f.label, source=STAGE.source, score=score, attrs=attrs)


STAGE = Stage(
    NAME, VERSION, requires=("parse", "segment"), assigns=("date", "meta.published"), run=_run
)

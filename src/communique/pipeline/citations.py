"""citations: scripture references (Qur'an, hadith collections, Bible) linked to their text.

Each citation is a span over the reference itself — ``Surah Aali-Imran 3:160``,
``Ale Imran:139``, ``Muslim`` inside ``(Muslim)``, ``1 Corinthians 13:4-7`` — labelled
QURAN, HADITH or BIBLE. Rules run on the folded text (same offsets as ``work.text``).

**Qur'an** (``attrs``): ``ref`` ("3:160", ranges "2:190-193", a whole surah "18"),
``surah`` (int), ``surah_name`` (Tanzil's transliteration, "Aal-i-Imraan"), ``ayah`` (int,
``[first, last]`` or None), ``form`` (``surah`` "Surah X 3:160" / "Surah X", ``quran``
"Qur'an 9:5" / "TMQ X: 10", ``name`` "Ale Imran:139" / "Al-Imran 139", ``bare`` "(3:103)"),
``verse_text`` and ``verse_source`` (the packaged Tanzil text), ``original_span`` /
``original_match`` (the Arabic passage quoted next to the citation and its similarity to
the packaged verse after removing diacritics; ``original_partial`` when it quotes part of
the verse, ``original_mismatch`` below ``MISMATCH_BELOW``, ``original_best_ref`` when a
neighbouring ayah matches clearly better), ``translation_span`` (the quoted English the
citation closes or introduces), ``name_match`` (fuzzy similarity when the name was a near
miss), ``conflict`` (``{"name_surah", "number_surah"}`` when name and number disagree).

**Hadith** (``attrs``): ``collection`` (canonical: "Bukhari", "Muslim", "Abu Dawud",
"Tirmidhi", "Nasa'i", "Ibn Majah", "Ahmad", "Malik", …), ``collections`` (every collection
of a joint reference), ``number``, ``narrator`` / ``narrator_span``, ``original_span``,
``translation_span``, ``form`` (``bracket``, ``attribution``, ``title``, ``numbered``).
A joint reference "(Bukhari and Muslim)" gives one span per collection name, each with
``collections`` listing both, so that counts per collection stay simple. "Muttafaq
'alayh" / "agreed upon" is one span with ``collection`` "Bukhari and Muslim".
Ordinary uses of "Muslim", "Ahmad", "Malik" or "Hakim" are never citations: those names
count only bracketed right after a quotation or Arabic passage, after "narrated/reported
by", after a title ("Sahih Muslim", "Musnad Ahmad") or in a joint reference.

**Bible** (``attrs``): ``ref`` ("John 3:16"), ``book`` (canonical), ``chapter``,
``verse`` (int, ``[first, last]`` or None), ``translation_span``. Books whose name is also
a word or a given name (Mark, Acts, Job, Numbers, Judges, Revelation, …) and all
abbreviations need chapter:verse unless a scripture cue precedes ("Book of", "see",
"(Revelation 21)"); a time ("Mark 3:15 pm") is never a reference.

Scores: 1.0 for unambiguous references; lower for fuzzy names (the name similarity),
whole-surah references (0.9), bare "(3:103)" (0.7-0.9 by evidence) and name/number
conflicts (0.6); an Arabic passage that does not match the cited verse lowers the score.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from . import scripture
from .parse import split_blocks
from .stage import Stage
from .work import Work

NAME = "citations"
VERSION = "1"
SOURCE = f"{NAME}@{VERSION}"

# --------------------------------------------------------------------------- tuned constants

# An Arabic passage matching its verse below this similarity is flagged as a mismatch.
# Measured on the packaged text: a verse quoted in another orthography (Tanzil's Uthmani
# text against the Simple one, 1,000 random verses) scores 0.91 at least, 0.99 median; the
# samples' quotations score 1.0; 3,000 random pairs of different verses score 0.45 median,
# 0.58 at the 99th percentile and 0.70 at most.
MISMATCH_BELOW = 0.8
# A neighbouring ayah must beat the cited one by this much to be reported as the better
# reference (off-by-one numbering between editions is the common case).
NEIGHBOUR_MARGIN = 0.15
# Characters allowed between a citation and the quotation it closes ("” [", "”** (") and
# between a translation and its Arabic original ("﴾\n\n“"): bounds set from the samples'
# layouts with room for a blank line with spaces.
GAP_QUOTE = 12
GAP_ORIGINAL = 24
# How far back a quotation's opening mark may be from its closing mark.
MAX_QUOTE = 3000
# How far before a hadith citation its narrator may be named.
NARRATOR_WINDOW = 600
# Scores (see module docstring). Fuzzy name matches score their similarity (>= 0.85).
SCORE_CONFLICT = 0.6
SCORE_WHOLE_SURAH = 0.9
SCORE_BARE = 0.7  # "(3:103)" after a translation in a scripture context
SCORE_BARE_ARABIC = 0.8  # "(3:103)" next to an Arabic passage
SCORE_BARE_VERIFIED = 0.9  # ... that matches the cited verse
SCORE_HADITH_WEAK = 0.9  # a distinctive collection name in brackets away from any quotation
SCORE_BIBLE_ABBREVIATED = 0.9
SCORE_BIBLE_CHAPTER = 0.8  # chapter only: "Psalm 23", "Revelation 21"
MISMATCH_FACTOR = 0.8

# --------------------------------------------------------------------------- character classes

_L = "A-Za-z\u00c0-\u024f\u1e00-\u1eff"
_UP = "A-Z\u00c0-\u00de\u0100-\u024f\u1e00-\u1eff"  # capitals (Latin-1 exactly; ā/Ā alike)
_AP = "'\u02bb\u02bc\u02be\u02bf`"  # apostrophes and ayn/hamza signs (folded text has ')
_AR_LET = (
    "\u0621-\u064a\u066e-\u06d3\u06d5\u06ee-\u06ff\u0750-\u077f\u08a0-\u08ff"
    "\ufb50-\ufd3d\ufd50-\ufdc7\ufe70-\ufefc"
)
_AR_MARK = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
_AR_PUNCT = "\u060c\u061b\u061f\u06d4\u066a-\u066d\u0660-\u0669\u06f0-\u06f9\u06dd\u06de"
_ORNATE = "\ufd3e\ufd3f"
_AR_ANY = re.compile(f"[{_AR_LET}{_AR_MARK}]")
_PASSAGE = re.compile(
    f"[{_AR_LET}{_AR_MARK}]+(?:[\\s{_AR_PUNCT}{_ORNATE}().,:;!«»\\-]+[{_AR_LET}{_AR_MARK}]+)*"
)
_AR_LETTER = re.compile(f"[{_AR_LET}]")
# a passage needs this many Arabic letters: "(حلب)" after a place name is a gloss, not a verse
_PASSAGE_MIN_LETTERS = 6

# gaps: between a citation and the quotation it closes; between translation and original
_GAP_QUOTE_CHARS = frozenset(" \t\n[(*_.,;:!->")
_GAP_ORIGINAL_CHARS = frozenset(
    " \t\n*_>.,;:!-()[]«»\"“”'" + _ORNATE + "\u06dd\u060c\u061b\u061f\u06d4"
    "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)
# straight single quotes are left out: they are apostrophes far more often than quotes
_CLOSERS = {"”": "“", '"': '"', "»": "«", "’": "‘"}
_OPENERS = {"“": "”", '"': '"', "«": "»", "‘": "’"}

# --------------------------------------------------------------------------- Qur'an patterns
#
# Speed: Python's regex engine skips quickly to candidate positions only when a pattern
# starts with a character set or with alternatives that each start with a literal; a
# leading lookbehind or optional group makes it try the whole pattern at every position
# (10-50x slower on long texts). Every pattern below starts that way; word boundaries
# before a match are checked in Python instead.

_ART = r"(?:[Aa]{1,2}l[EeIiUu]?|[Ee]l|[Uu]l|[Aa](?:[dnrstz]h?|sh))"
_WORD_ANY = f"[{_AP}]?[{_L}][{_L}{_AP}]*+"  # possessive: no backtracking inside words
# a following word of a name is never "verse"/"ayah": "Surah Al-Baqarah Verse 255"
_NOT_VERSE = r"(?!(?i:verses?|ayahs?|ayats?|ayaat|aayat|aya)\b)"
_NAME_ANY = (
    f"(?:{_ART}[-\\x20{_AP}]+(?:[EeIiUu][-\\x20]+)?)?{_WORD_ANY}"
    f"(?:[-\\x20]{_NOT_VERSE}{_WORD_ANY}){{0,2}}"
)
# a capitalized name of up to four words ("Al-Baqarah", "Ale Imran", "Aal-E-Imran",
# "Ali 'Imran", "Ha Mim Sajdah"); the first character is a capital or an ayn/apostrophe
_WORD_CAP_REST = f"[{_L}{_AP}]*+"
_NAME_CAP = (
    f"[{_UP}{_AP}]{_WORD_CAP_REST}"
    f"(?:[-\\x20{_AP}]+(?:[eiuEIU][-\\x20]+)?{_NOT_VERSE}[{_AP}]?[{_UP}]{_WORD_CAP_REST}){{0,3}}"
)
# "Qur'an", "Quran", "Koran", "TMQ", "Q 3:160", "Surah", "Surat", "Sura", "Soorah", "Sūrah"
_CUE = (
    r"[QqKkTSs](?:(?<=[Qq])ur['\u02bc\u02be]?[aā]{1,2}n|(?<=Q)UR'?AN|(?<=[Qq])oran"
    r"|(?<=[Kk])oran|(?<=[Kk])uran|(?<=T)MQ|(?<=Q)(?=\.?\x20?\d{1,3}\x20?:)"
    r"|(?<=[Ss])(?:[uūoû]{1,2}ra[ht]?|oura(?:te)?)|(?<=S)UR(?:AH|AT|A))\b"
)
_VERSE_WORD = r"(?i:verses?|ayahs?|ayats?|ayaat|aayat|aya|v\.|vv\.)"
_TAIL = rf"""
(?P<sep>\x20*(?P<colon>:)\x20*
   |\x20*,?\x20*[(\[]?\x20*(?P<vw>{_VERSE_WORD})\x20*
   |\x20*,?\x20*[(\[]?\x20*)
(?P<n1>\d{{1,3}})(?:\x20*:\x20*(?P<n2>\d{{1,3}}))?(?:\x20*-\x20*(?P<n3>\d{{1,3}}))?
(?:\x20*,?\x20*{_VERSE_WORD}\x20*(?P<n4>\d{{1,3}})(?:\x20*-\x20*(?P<n5>\d{{1,3}}))?)?
(?!\d|:\d|\.\d|\x20*%|(?i:st|nd|rd|th)\b|\x20*(?i:am|pm|a\.m|p\.m)\b)
"""
# cue-led: "Qur'an 9:5", "TMQ Al-Hujurat: 10", "Surah Aali-Imran 3:160", "Surah Yusuf"
_QURAN_CUE_RX = re.compile(
    rf"(?P<lead>{_CUE}\.?(?:[\x20,:]+{_CUE}\.?)?(?:[-\x20,:]+{_NAME_ANY})?)(?:{_TAIL})?", re.X
)
# name-led: "Ale Imran:139", "Al-Imran 139", "(Al-Baqarah 2:190)", "Yusuf 12:87"
_QURAN_NAME_RX = re.compile(rf"(?P<lead>{_NAME_CAP}){_TAIL}", re.X)
# bracketed lowercase article: "(al-Anfal: 60)"
_QURAN_LOWER_RX = re.compile(
    rf"[(\[]\x20*(?P<lead>(?:al|an|ar|as|at|az|ad|ash|adh|el|ul)[-\x20{_AP}]+(?:[eiu][-\x20]+)?"
    rf"{_WORD_ANY}(?:[-\x20]{_WORD_ANY}){{0,2}}){_TAIL}",
    re.X,
)
_QURAN_RXS = (_QURAN_CUE_RX, _QURAN_NAME_RX, _QURAN_LOWER_RX)
_BARE_RX = re.compile(
    r"[(\[]\x20*(?P<n1>\d{1,3})\x20*:\x20*(?P<n2>\d{1,3})(?:\x20*-\x20*(?P<n3>\d{1,3}))?\x20*[)\]]"
)
_PAIR = {"(": ")", "[": "]"}
_LEAD_TOKEN = re.compile(r"[^\x20,:]+")
_SKW_TOKEN = re.compile(r"(?i:s[uūoû]{1,2}ra[ht]?|soura(?:te)?)\.?$")
_QKW_TOKEN = re.compile(
    r"(?i:(?:al-?)?(?:qur['\u02bc\u02be]?[aā]{1,2}n|koran|qoran|kuran)|tmq)$|Q\.?$"
)
_SKW_HYPHEN = re.compile(r"(?i)\b(s[uūoû]{1,2}ra[ht]?)-")
_WORD_BEFORE = re.compile(f"[\\w{_AP}]")
_SCRIPTURE_CUE = re.compile(
    r"(?i)\b(?:allah|qur'?an|koran|ayah|ayat|verses?|revealed|revelation|almighty|swt|"
    r"exalted|glorified|most high|subhanahu)\b"
)

# --------------------------------------------------------------------------- hadith patterns


def _trie(words: list[str], char_rx: Any) -> str:
    """A regex matching any of ``words``, factored by common prefixes: its alternatives
    start with literals, so the engine dispatches on the first character."""
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [char_rx(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _hadith_char(ch: str) -> str:
    if ch == " ":
        return r"[-\x20]+"
    if ch == "'":
        return f"[{_AP}]?"
    return re.escape(ch)


_ARTICLE_PREFIX = re.compile(r"^(?:al|an|at|ad|as|ash)-", re.I)


def _hadith_spellings() -> list[str]:
    # article-less, as written (capitalized), plus lowercase "agreed upon" / "muttafaq…"
    out = set()
    for v in scripture.hadith_surface_forms():
        v = _ARTICLE_PREFIX.sub("", v)
        out.add(v[0].upper() + v[1:])
        if v[0].islower() or v.lower().startswith(("agreed", "muttafaq")):
            out.add(v[0].lower() + v[1:])
    return sorted(out)


_HADITH_RX = re.compile(
    "(?P<name>"
    + _trie(_hadith_spellings(), _hadith_char)
    + r")(?![\w])(?:(?P<numsep>\x20*[,:#]?\x20*(?:(?i:hadith|no\.?|number|#)\x20*)?)"
    r"(?P<num>\d{1,5}[a-z]?)(?![\d:]))?"
)
_ARTICLE_BEFORE = re.compile(r"(?<![\w])(?:[Aa]l|[Aa][tdns]h?|[Ee]l)[-\x20]$")
_TITLE_BEFORE = re.compile(
    r"(?i:\b(?:sahih|saheeh|sunan|musnad|jami[`']?|jaami[`']?|al-jami[`']?|muwatta'?|mustadrak|"
    r"musannaf|mu'jam)\x20+)$"
)
_ATTRIBUTION_BEFORE = re.compile(
    r"(?i:\b(?:narrated|reported|related|recorded|collected|transmitted|extracted|compiled|"
    r"reports|narrates|relates|records)\x20+(?:by|in)\x20+(?:(?:imam|al-imam|the\x20imams?)\x20+)?)$"
)
_JOINER = re.compile(r"\x20*(?:,\x20*(?:(?i:and)\x20+)?|(?i:and)\x20+|&\x20*)")
_BRACKET_OPEN_BEFORE = re.compile(
    r"[(\[]\x20*(?:(?i:narrated|reported|related|recorded|collected|transmitted)\x20+(?i:by)\x20+"
    r"(?:(?i:imam)\x20+)?)?(?:(?i:sahih|saheeh|sunan|musnad|jami'?|muwatta'?)\x20+)?$"
)
_BRACKET_CLOSE_AFTER = re.compile(r"\x20*[)\]]")
# a grading after the collection inside its brackets: "(Tirmidhi, hasan)"
_BRACKET_REMARK_CLOSE = re.compile(
    r"\x20*(?:[,;]\x20*(?i:(?:graded\x20+|who\x20+graded\x20+it\x20+)?(?:hasan|sahih|saheeh|"
    r"da'?if|da'?eef|weak|authentic|good|hasan\x20+sahih)|and\x20+others|et\x20+al\.?))?\x20*[)\]]"
)
_NARRATOR_NAME = (
    r"(?:(?:Abu|Abi|Umm|Ibn|Bint|Abd|Abdul|Abdur|Abdullah)[-\x20]+)?"
    r"(?:(?:[Aa]l|[Aa][dnrstz]h?)-)?[A-Z][a-z'’]+"
    r"(?:[-\x20](?:(?:ibn|bin|bint|b\.|al|ad|ar|as|at|az|an|ash)[-\x20])?[A-Z][a-z'’]+){0,3}"
)
_NARRATOR_RX = re.compile(
    rf"\b(?i:narrated|reported|related|transmitted)\x20+(?i:by|from)\x20+(?P<a>{_NARRATOR_NAME})"
    rf"|\b(?i:on\x20+the\x20+authority\x20+of)\x20+(?P<b>{_NARRATOR_NAME})"
    rf"|\bNarrated\x20+(?P<c>{_NARRATOR_NAME})\x20*:"
    rf"|(?P<d>{_NARRATOR_NAME})\x20*(?P<hon>\([^()\n]{{1,40}}\)\x20*)?"
    r"(?i:narrated|reported|narrates|reports|relates|related)\b"
)
_NARRATOR_STOP = frozenset(
    "the he she it they we this that allah prophet messenger rasulallah rasulullah "
    "rasool rasul imam sheikh".split()
)
_NARRATOR_LEAD = re.compile(r"(?:Abu|Abi|Umm|Ibn|Bint|Abd)\b")

# --------------------------------------------------------------------------- Bible patterns


def _bible_char(ch: str) -> str:
    return r"\x20+" if ch == " " else re.escape(ch)


_BIBLE_RX = re.compile(
    r"(?P<book>" + _trie(sorted(scripture.bible_surface_forms()), _bible_char) + r")(?![A-Za-z])"
    r"\.?\x20?(?P<ch>\d{1,3})(?:\x20?:\x20?(?P<v>\d{1,3})(?:\x20?-\x20?(?P<ve>\d{1,3}))?)?"
    r"(?!\d|:\d|\.\d|\x20*%|(?:st|nd|rd|th)\b|\x20*(?i:am|pm|a\.m|p\.m|hrs|gmt|utc)\b)"
)
_ORDINAL_BEFORE = re.compile(
    r"(?<![\w.])(?P<ord>[123]|III|II|I|First|Second|Third|1st|2nd|3rd)\x20?$"
)
_ORDINALS = {"1": 1, "2": 2, "3": 3, "I": 1, "II": 2, "III": 3, "First": 1, "Second": 2,
             "Third": 3, "1st": 1, "2nd": 2, "3rd": 3}  # fmt: skip
_BIBLE_CUE_BEFORE = re.compile(
    r"(?i:\b(?:book|gospel|epistle|letter|books)\x20+(?:of|to)(?:\x20+the)?\x20+$"
    r"|\b(?:see|cf\.?|read|bible|biblical|scriptures?|verses?|passage|chapter)\b[^.\n]{0,40}$)"
)


# --------------------------------------------------------------------------- per-document context


@dataclass(slots=True)
class _Doc:
    """The text of one document with lazily computed Arabic passages and paragraph starts."""

    text: str
    folded: str
    block_starts: list[int]
    _passages: list[tuple[int, int]] | None = None
    _ends: list[int] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)

    def passages(self) -> list[tuple[int, int]]:
        if self._passages is None:
            found = []
            if _AR_ANY.search(self.text):
                for m in _PASSAGE.finditer(self.text):
                    if len(_AR_LETTER.findall(m.group())) >= _PASSAGE_MIN_LETTERS:
                        found.append((m.start(), m.end()))
            self._passages = found
            self._starts = [s for s, _ in found]
            self._ends = [e for _, e in found]
        return self._passages

    def passage_ending_at(self, end: int) -> tuple[int, int] | None:
        passages = self.passages()
        i = bisect.bisect_left(self._ends, end)
        if i < len(passages) and self._ends[i] == end:
            return passages[i]
        return None

    def passage_starting_at(self, start: int) -> tuple[int, int] | None:
        passages = self.passages()
        i = bisect.bisect_left(self._starts, start)
        if i < len(passages) and self._starts[i] == start:
            return passages[i]
        return None

    def block_start(self, pos: int) -> int:
        i = bisect.bisect_right(self.block_starts, pos) - 1
        return self.block_starts[i] if i >= 0 else 0

    def block_end(self, pos: int) -> int:
        i = bisect.bisect_right(self.block_starts, pos)
        return self.block_starts[i] if i < len(self.block_starts) else len(self.text)


@dataclass(slots=True)
class _Context:
    original: tuple[int, int] | None = None
    translation: tuple[int, int] | None = None


def _skip_back(text: str, pos: int, chars: frozenset[str], limit: int) -> int:
    """Index just after the last character before ``pos`` that is not in ``chars``."""
    lo = max(0, pos - limit)
    while pos > lo and text[pos - 1] in chars:
        pos -= 1
    return pos


def _skip_fwd(text: str, pos: int, chars: frozenset[str], limit: int) -> int:
    hi = min(len(text), pos + limit)
    while pos < hi and text[pos] in chars:
        pos += 1
    return pos


def _quote_before(doc: _Doc, close: int) -> tuple[int, int] | None:
    """(open mark, close mark) of the quotation whose closing mark is at ``close``."""
    closer = doc.text[close]
    opener = _CLOSERS.get(closer)
    if opener is None:
        return None
    lo = max(doc.block_start(close), close - MAX_QUOTE)
    open_at = doc.text.rfind(opener, lo, close)
    if open_at < 0:
        return None
    if opener in '"‘':  # straight marks and ‘ (also an apostrophe) must open a quotation
        before = doc.text[open_at - 1] if open_at > 0 else " "
        if not (before.isspace() or before in "([*_-"):
            return None
    return open_at, close


def _quote_after(doc: _Doc, open_at: int) -> tuple[int, int] | None:
    closer = _OPENERS.get(doc.text[open_at])
    if closer is None:
        return None
    hi = min(doc.block_end(open_at), open_at + MAX_QUOTE)
    close = doc.text.find(closer, open_at + 1, hi)
    if close < 0:
        return None
    return open_at, close


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _context(doc: _Doc, start: int, end: int) -> _Context:
    """The quoted translation and the Arabic original next to a citation whose extent
    (brackets and cue words included) is ``start..end``: before it first (the citation
    closes the quotation), else after it (the citation introduces it)."""
    ctx = _Context()
    text = doc.text
    pos = _skip_back(text, start, _GAP_QUOTE_CHARS, GAP_QUOTE)
    anchor = pos
    if pos > 0 and text[pos - 1] in _CLOSERS:
        quote = _quote_before(doc, pos - 1)
        if quote is not None:
            inner = _strip(text, quote[0] + 1, quote[1])
            arabic = _arabic_inside(doc, *inner)
            if arabic is not None:
                ctx.original = arabic
                return ctx
            if inner[1] > inner[0]:
                ctx.translation = inner
            anchor = quote[0]
    back = _skip_back(text, anchor, _GAP_ORIGINAL_CHARS, GAP_ORIGINAL)
    if back > 0 and _AR_ANY.match(text, back - 1):
        ctx.original = doc.passage_ending_at(back)
    if ctx.original is not None or ctx.translation is not None:
        return ctx
    _context_after(doc, end, ctx)
    return ctx


def _context_after(doc: _Doc, end: int, ctx: _Context) -> None:
    """The original and translation after a citation ("Surat al-Anfal, verse 60: ﴿…﴾ “…”"),
    within its paragraph unless the citation ends with a colon (it introduces them)."""
    text = doc.text
    pos = _skip_fwd(text, end, _GAP_ORIGINAL_CHARS - _OPENER_SET, GAP_ORIGINAL)
    gap = text[end:pos]
    if "\n\n" in gap and ":" not in gap:
        return
    if pos < len(text) and text[pos] in _OPENERS:
        quote = _quote_after(doc, pos)
        if quote is None:
            return
        inner = _strip(text, quote[0] + 1, quote[1])
        arabic = _arabic_inside(doc, *inner)
        if arabic is None:
            if inner[1] > inner[0]:
                ctx.translation = inner
            return
        ctx.original = arabic
        pos = quote[1] + 1
    elif pos < len(text) and _AR_ANY.match(text, pos):
        ctx.original = doc.passage_starting_at(pos)
        if ctx.original is None:
            return
        pos = ctx.original[1]
    else:
        return
    nxt = _skip_fwd(text, pos, _GAP_ORIGINAL_CHARS - _OPENER_SET, GAP_ORIGINAL)
    if nxt < len(text) and text[nxt] in _OPENERS:
        quote = _quote_after(doc, nxt)
        if quote is not None:
            inner = _strip(text, quote[0] + 1, quote[1])
            if inner[1] > inner[0] and _arabic_inside(doc, *inner) is None:
                ctx.translation = inner


_OPENER_SET = frozenset(_OPENERS)


def _arabic_inside(doc: _Doc, start: int, end: int) -> tuple[int, int] | None:
    """The Arabic passage filling a quoted span, if the quotation is Arabic."""
    if start >= end or not _AR_ANY.match(doc.text, start):
        return None
    passage = doc.passage_starting_at(start)
    if passage is not None and passage[1] >= end - 2:
        return passage
    return None


# --------------------------------------------------------------------------- results


@dataclass(slots=True)
class Citation:
    """One citation found in a text: offsets, label (QURAN, HADITH, BIBLE), score, attrs."""

    start: int
    end: int
    label: str
    score: float
    attrs: dict[str, Any]


# --------------------------------------------------------------------------- Qur'an


def _lead_tokens(lead: str) -> list[tuple[int, int]]:
    lead = _SKW_HYPHEN.sub(lambda m: m.group(1) + " ", lead)  # "Surat-ul-…": same length
    return [(m.start(), m.end()) for m in _LEAD_TOKEN.finditer(lead)]


def _is_cue(word: str) -> bool:
    return bool(_SKW_TOKEN.match(word) or _QKW_TOKEN.match(word))


def _int(m: re.Match[str], group: str) -> int | None:
    value = m.group(group)
    return int(value) if value else None


def _quran_match(doc: _Doc, m: re.Match[str]) -> Citation | None:
    """Validate one match of a Qur'an pattern and build its citation."""
    folded = doc.folded
    lead_start = m.start("lead")
    if lead_start > 0 and _WORD_BEFORE.match(folded, lead_start - 1):
        return None  # inside a word ("insurah", "McAl-…")
    found = _numbered(doc, m) if m.group("n1") else None
    if found is None and m.re is _QURAN_CUE_RX:
        found = _whole_surah(doc, m)
    return found


def _split_lead(lead: str) -> tuple[list[tuple[int, int]], int, int]:
    """Tokens of a citation's lead and the index range of its last run of cue words
    ("Qur'an", "Surah", "TMQ"), (-1, -1) when there is none."""
    tokens = _lead_tokens(lead)
    words = [lead[s:e] for s, e in tokens]
    cue_end = max((i for i, w in enumerate(words) if _is_cue(w)), default=-1)
    cue_start = cue_end
    while cue_start > 0 and _is_cue(words[cue_start - 1]):
        cue_start -= 1
    return tokens, cue_start, cue_end


def _numbered(doc: _Doc, m: re.Match[str]) -> Citation | None:
    """A reference with numbers: "Surah Aali-Imran 3:160", "Ale Imran:139", "Qur'an 9:5"."""
    folded = doc.folded
    lead_start = m.start("lead")
    lead = folded[lead_start : m.start("sep")]
    tokens, cue_start, cue_end = _split_lead(lead)
    if not tokens:
        return None
    cues = [lead[s:e] for s, e in tokens[cue_start : cue_end + 1]] if cue_end >= 0 else []
    has_skw = any(_SKW_TOKEN.match(w) for w in cues)
    name_tokens = tokens[cue_end + 1 :]
    n1 = int(m.group("n1"))
    n2, n3, n4, n5 = _int(m, "n2"), _int(m, "n3"), _int(m, "n4"), _int(m, "n5")

    resolved: tuple[scripture.Surah, float] | None = None
    name_start = 0
    if name_tokens and cues:
        # after a cue the whole rest is the name ("Surah Aali-Imran", "TMQ Al-Hujurat")
        name_start = name_tokens[0][0]
        name = lead[name_start : name_tokens[-1][1]]
        resolved = scripture.resolve_surah(name, fuzzy=True, english=has_skw)
        if resolved is None:
            return None
    elif name_tokens:
        # no cue: the longest exactly matching suffix ("… Ale Imran" -> "Ale Imran")
        for s, _ in name_tokens:
            resolved = scripture.resolve_surah(lead[s : name_tokens[-1][1]])
            if resolved is not None:
                name_start = s
                break
        if resolved is None and n2 is not None:
            # a near-miss spelling, confirmed by the surah number written next to it
            s, e = name_tokens[-1]
            fuzzy = scripture.resolve_surah(lead[s:e], fuzzy=True)
            if fuzzy is not None and fuzzy[0].number == n1:
                resolved, name_start = fuzzy, s
        if resolved is None:
            return None
    elif not cues:
        return None

    span_start = lead_start + (tokens[cue_start][0] if cues else name_start)
    bracketed = span_start > 0 and folded[span_start - 1] in "(["
    conflict: dict[str, int] | None = None
    if resolved is not None:
        named = resolved[0]
        if n2 is not None:
            number, first, last = n1, n2, n3
            if n1 != named.number:
                conflict = {"name_surah": named.number, "number_surah": n1}
        else:
            number, first, last = named.number, n1, n3
            name = lead[name_start:]
            if not cues and not (
                m.group("colon") or m.group("vw") or bracketed or scripture.has_article(name)
            ):
                return None  # "Yusuf 87": a name and a number, nothing more
        # a person's name: "Hud", "Ibrahim", or an article name without its article
        # ("Imran", "Rahman" for Aal-i-Imraan, Ar-Rahmaan)
        person = named.ambiguous or (
            scripture.has_article(named.name) and not scripture.has_article(lead[name_start:])
        )
        if not cues and conflict is not None and (person or resolved[1] < 1.0):
            return None  # "Hud 3:20": a person named Hud, or a near-miss name
        if not cues and person and not bracketed and n2 is None:
            return None  # "Ibrahim: 5", "Imran: 5"
    elif n2 is not None:
        number, first, last = n1, n2, n3
    elif n4 is not None and has_skw:
        number, first, last = n1, n4, n5  # "Surah 3, verse 160"
    else:
        return None  # "Qur'an 3", "Surah 2"
    last = _expand_range(first, last)

    # the surah must contain the ayahs; with a conflict the name's surah is a candidate too
    candidates = [number] + ([conflict["name_surah"]] if conflict else [])
    valid = [n for n in candidates if _valid(n, first, last)]
    if not valid:
        return None
    ctx = _context(doc, span_start - (1 if bracketed else 0), _extent_end(folded, m.end()))
    if len(valid) == 2 and ctx.original is not None:
        passage = doc.text[ctx.original[0] : ctx.original[1]]
        sims = {n: scripture.verse_similarity(passage, n, first, last or first)[0] for n in valid}
        valid.sort(key=lambda n: -sims[n])
    chosen = scripture.surah(valid[0])
    assert chosen is not None
    score = 1.0
    attrs: dict[str, Any] = {"form": "surah" if has_skw else "quran" if cues else "name"}
    if resolved is not None and resolved[1] < 1.0:
        score = resolved[1]
        attrs["name_match"] = round(resolved[1], 3)
    if conflict is not None:
        score = SCORE_CONFLICT
        attrs["conflict"] = conflict
    end = m.end()
    opened = re.search(r"[(\[]", m.group("sep"))
    if opened and span_start < m.start("sep"):  # "Qur'an [5:44]": keep the pair together
        closing = _BRACKET_CLOSE_AFTER.match(folded, end)
        if closing is not None and closing.group().strip() == _PAIR[opened.group()]:
            end = closing.end()
    return _quran_citation(doc, span_start, end, chosen, first, last, ctx, score, attrs)


def _extent_end(folded: str, end: int) -> int:
    """The end of a citation including a closing bracket right after it."""
    m = _BRACKET_CLOSE_AFTER.match(folded, end)
    return m.end() if m else end


def _expand_range(first: int, last: int | None) -> int | None:
    """The end of a verse range: "190-93" means 190-193; a backwards range is dropped."""
    if last is None or last > first:
        return last
    a, b = str(first), str(last)
    if len(b) < len(a):
        expanded = int(a[: len(a) - len(b)] + b)
        if expanded > first:
            return expanded
    return None


def _valid(number: int, first: int, last: int | None) -> bool:
    s = scripture.surah(number)
    return s is not None and 1 <= first <= s.ayahs and (last is None or first < last <= s.ayahs)


def _quran_citation(
    doc: _Doc,
    start: int,
    end: int,
    s: scripture.Surah,
    first: int | None,
    last: int | None,
    ctx: _Context,
    score: float,
    attrs: dict[str, Any],
) -> Citation:
    ayah: int | list[int] | None
    if first is None:
        ref, ayah = str(s.number), None
    elif last is None:
        ref, ayah = f"{s.number}:{first}", first
    else:
        ref, ayah = f"{s.number}:{first}-{last}", [first, last]
    out: dict[str, Any] = {"ref": ref, "surah": s.number, "surah_name": s.name, "ayah": ayah}
    out.update(attrs)
    if first is not None:
        verse = scripture.verse_text(s.number, first, last)
        if verse is not None:
            out["verse_text"] = verse
            out["verse_source"] = scripture.VERSE_SOURCE
    if ctx.translation is not None:
        out["translation_span"] = list(ctx.translation)
    if ctx.original is not None:
        out["original_span"] = list(ctx.original)
        if first is not None and "verse_text" in out:
            passage = doc.text[ctx.original[0] : ctx.original[1]]
            sim, partial = scripture.verse_similarity(passage, s.number, first, last or first)
            out["original_match"] = round(sim, 3)
            if partial:
                out["original_partial"] = True
            if sim < MISMATCH_BELOW:
                out["original_mismatch"] = True
                score *= MISMATCH_FACTOR
                best = _better_neighbour(passage, s, first, last or first, sim)
                if best is not None:
                    out["original_best_ref"] = best
    return Citation(start, end, "QURAN", round(score, 4), out)


def _better_neighbour(
    passage: str, s: scripture.Surah, first: int, last: int, sim: float
) -> str | None:
    """The ayah next to the cited one when it matches the passage clearly better."""
    best, best_sim = None, max(sim + NEIGHBOUR_MARGIN, MISMATCH_BELOW)
    for delta in (-1, 1):
        a, b = first + delta, last + delta
        if a >= 1 and b <= s.ayahs:
            other, _ = scripture.verse_similarity(passage, s.number, a, b)
            if other >= best_sim:
                best, best_sim = (f"{s.number}:{a}" if a == b else f"{s.number}:{a}-{b}"), other
    return best


def _quran(doc: _Doc) -> list[Citation]:
    found: list[Citation] = []
    folded = doc.folded
    for rx in _QURAN_RXS:
        for m in rx.finditer(folded):
            c = _quran_match(doc, m)
            if c is not None:
                found.append(c)
    # "(8:60)" after "Surah Al-Anfal" is dropped with the other overlaps in find_citations
    for m in _BARE_RX.finditer(folded):
        c = _bare(doc, m)
        if c is not None:
            found.append(c)
    return found


def _bare(doc: _Doc, m: re.Match[str]) -> Citation | None:
    """A bare "(3:103)": a Qur'an reference only next to an Arabic passage, or closing a
    quotation in a paragraph that speaks of Allah, the Qur'an or its verses."""
    n1, n2 = int(m.group("n1")), int(m.group("n2"))
    last = _expand_range(n2, _int(m, "n3"))
    if not _valid(n1, n2, last):
        return None
    ctx = _context(doc, m.start(), m.end())
    if ctx.original is not None:
        score = SCORE_BARE_ARABIC
    elif ctx.translation is not None:
        lo = max(doc.block_start(ctx.translation[0]), ctx.translation[0] - 300)
        if not _SCRIPTURE_CUE.search(doc.folded, lo, m.start()):
            return None
        score = SCORE_BARE
    else:
        return None
    s = scripture.surah(n1)
    assert s is not None
    end = m.end("n3") if m.group("n3") else m.end("n2")
    found = _quran_citation(doc, m.start("n1"), end, s, n2, last, ctx, score, {"form": "bare"})
    if found.attrs.get("original_match", 0.0) >= MISMATCH_BELOW:
        found.score = SCORE_BARE_VERIFIED
    return found


_NUMBER_AFTER = re.compile(r"\x20*[,:(]?\x20*\d")


def _whole_surah(doc: _Doc, m: re.Match[str]) -> Citation | None:
    """A whole surah ("Surah al-Kahf"). The name is the longest run of words after "Surah"
    that names one exactly, else a near miss among its first two words."""
    lead_start = m.start("lead")
    lead = m.group("lead")
    tokens, cue_start, cue_end = _split_lead(lead)
    if cue_end < 0 or not _SKW_TOKEN.match(lead[slice(*tokens[cue_end])]):
        return None
    names = tokens[cue_end + 1 :]
    if not names:
        return None
    base = names[0][0]
    ends = [e for _, e in names]
    resolved = None
    for e in reversed(ends):
        resolved = scripture.resolve_surah(lead[base:e], english=True)
        if resolved is not None:
            break
    else:
        for e in ends[:2]:
            resolved = scripture.resolve_surah(lead[base:e], fuzzy=True)
            if resolved is not None:
                break
    if resolved is None:
        return None
    if _NUMBER_AFTER.match(doc.folded, lead_start + e):
        return None  # "Surah Al-Imran 500": a reference whose number is wrong
    s, sim = resolved
    attrs: dict[str, Any] = {"form": "surah"}
    score = SCORE_WHOLE_SURAH
    if sim < 1.0:
        attrs["name_match"] = round(sim, 3)
        score *= sim
    start = lead_start + tokens[cue_start][0]
    return _quran_citation(doc, start, lead_start + e, s, None, None, _Context(), score, attrs)


# --------------------------------------------------------------------------- hadith


@dataclass(slots=True)
class _Hit:
    """A collection name in the text; ``start`` includes an article ("al-Bukhari")."""

    m: re.Match[str]
    start: int
    coll: scripture.HadithCollection
    ambiguous: bool


def _hadith(doc: _Doc) -> list[Citation]:
    folded = doc.folded
    hits: list[_Hit] = []
    for m in _HADITH_RX.finditer(folded):
        resolved = scripture.resolve_collection(m.group("name"))
        if resolved is None:
            continue
        start = m.start()
        article = _ARTICLE_BEFORE.search(folded, max(0, start - 5), start)
        if article is not None:
            start = article.start()
        if start > 0 and _WORD_BEFORE.match(folded, start - 1):
            continue  # inside a word
        coll, ambiguous = resolved
        if not m.group("name")[0].isupper() and len(coll.collections) == 1:
            continue  # "muslim" in running text; "agreed upon" may be lowercase
        hits.append(_Hit(m, start, coll, ambiguous))
    # joint references: "Bukhari and Muslim", "Bukhari, Muslim & Abu Dawud"
    groups: list[list[_Hit]] = []
    for hit in hits:
        if groups and _JOINER.fullmatch(folded, groups[-1][-1].m.end(), hit.start):
            groups[-1].append(hit)
        else:
            groups.append([hit])
    found: list[Citation] = []
    last_end = 0
    for group in groups:
        found.extend(_hadith_group(doc, group, last_end))
        last_end = group[-1].m.end()
    return found


def _hadith_group(doc: _Doc, group: list[_Hit], last_end: int) -> list[Citation]:
    """Citations for one collection name or joint reference, if it stands in citation
    position (see the module docstring)."""
    folded = doc.folded
    start, end = group[0].start, group[-1].m.end()
    lo = max(0, start - 60)
    title = _TITLE_BEFORE.search(folded, lo, start)
    attribution = _ATTRIBUTION_BEFORE.search(folded, lo, start)
    opening = _BRACKET_OPEN_BEFORE.search(folded, lo, start)
    closing = _BRACKET_REMARK_CLOSE.match(folded, end)
    bracketed = opening is not None and closing is not None
    strong = title is not None or attribution is not None
    extent_start = min(
        start,
        opening.start() if bracketed and opening else start,
        attribution.start() if attribution else start,
    )
    extent_end = closing.end() if bracketed and closing else end
    distinctive = any(not h.ambiguous for h in group)
    numbered = [h.m.group("num") is not None for h in group]
    if not (strong or bracketed or (any(numbered) and distinctive)):
        return []
    ctx = _context(doc, extent_start, extent_end)
    quoted = ctx.original is not None or ctx.translation is not None
    if not strong and not quoted and not distinctive:
        return []  # "(Muslim)" away from any quotation: an ordinary word in brackets
    joint = sorted({n for h in group for n in h.coll.collections}, key=collections_order)
    narrator = _narrator(doc, max(last_end, extent_start - NARRATOR_WINDOW), extent_end)
    if title is not None:
        form = "title"
    elif attribution is not None:
        form = "attribution"
    elif bracketed:
        form = "bracket"
    else:
        form = "numbered"
    score = 1.0 if strong or quoted else SCORE_HADITH_WEAK
    out = []
    for i, (h, has_number) in enumerate(zip(group, numbered, strict=True)):
        s_start = title.start() if title is not None and i == 0 else h.start
        s_end = h.m.end() if has_number else h.m.end("name")
        attrs: dict[str, Any] = {
            "collection": h.coll.name,
            "collections": joint if len(joint) > 1 else [h.coll.name],
            "form": form,
        }
        if has_number:
            attrs["number"] = h.m.group("num")
        if ctx.translation is not None:
            attrs["translation_span"] = list(ctx.translation)
        if ctx.original is not None:
            attrs["original_span"] = list(ctx.original)
        if narrator is not None:
            attrs["narrator"] = doc.text[narrator[0] : narrator[1]]
            attrs["narrator_span"] = list(narrator)
        out.append(Citation(s_start, s_end, "HADITH", score, attrs))
    return out


_COLLECTION_ORDER = {
    n: i
    for i, n in enumerate(
        ["Bukhari", "Muslim", "Abu Dawud", "Tirmidhi", "Nasa'i", "Ibn Majah", "Ahmad", "Malik"]
    )
}


def collections_order(name: str) -> tuple[int, str]:
    """Sort key for collection names: the six books and Ahmad and Malik in their
    traditional order, then the rest alphabetically."""
    return (_COLLECTION_ORDER.get(name, 99), name)


def _narrator(doc: _Doc, lo: int, hi: int) -> tuple[int, int] | None:
    """The last narrator named in the paragraph before (or within) a hadith citation."""
    lo = max(lo, doc.block_start(max(hi - 1, 0)))
    best = None
    for m in _NARRATOR_RX.finditer(doc.folded, lo, hi):
        for g in "abcd":
            name = m.group(g)
            if name is None:
                continue
            if g == "d" and not (m.group("hon") or _NARRATOR_LEAD.match(name)):
                continue
            if name.split()[0].lower() in _NARRATOR_STOP:
                continue
            if scripture.resolve_collection(name) is not None:
                continue
            best = (m.start(g), m.end(g))
    return best


# --------------------------------------------------------------------------- Bible


def _bible(doc: _Doc) -> list[Citation]:
    folded = doc.folded
    found: list[Citation] = []
    for m in _BIBLE_RX.finditer(folded):
        start = m.start()
        if start > 0 and _WORD_BEFORE.match(folded, start - 1):
            continue  # inside a word
        surface = re.sub(r"\x20+", " ", m.group("book"))
        resolved = None
        found_ordinal = _ORDINAL_BEFORE.search(folded, max(0, start - 8), start)
        if found_ordinal is not None:
            resolved = scripture.resolve_book(surface, _ORDINALS[found_ordinal.group("ord")])
            if resolved is not None:
                start = found_ordinal.start()
        if resolved is None:
            resolved = scripture.resolve_book(surface, None)
        if resolved is None:
            continue
        book, abbreviated = resolved
        chapter = int(m.group("ch"))
        verse = _int(m, "v")
        verse_end = _expand_range(verse, _int(m, "ve")) if verse is not None else None
        if book.chapters == 1 and verse is None:
            chapter, verse = 1, chapter  # "Jude 3": single-chapter books cite verses
        # 176 verses is the longest chapter (Psalm 119)
        if not (1 <= chapter <= book.chapters) or (verse is not None and not 1 <= verse <= 176):
            continue
        bracketed = (
            start > 0 and folded[start - 1] in "([" and folded[m.end() : m.end() + 1] in ")]"
        )
        cue = bracketed or _BIBLE_CUE_BEFORE.search(folded, max(0, start - 60), start) is not None
        score = 1.0
        if m.group("v") is None:
            if (abbreviated or book.ambiguous) and not cue:
                continue  # "Acts 2 of the law", "Gen 2"
            score = SCORE_BIBLE_CHAPTER
        elif abbreviated:
            score = SCORE_BIBLE_ABBREVIATED
        ref = f"{book.name} {chapter}"
        if verse is not None:
            ref += f":{verse}" + (f"-{verse_end}" if verse_end else "")
        attrs: dict[str, Any] = {
            "ref": ref,
            "book": book.name,
            "chapter": chapter,
            "verse": [verse, verse_end] if verse_end else verse,
        }
        ctx = _context(doc, start - (1 if bracketed else 0), _extent_end(folded, m.end()))
        if ctx.translation is not None:
            attrs["translation_span"] = list(ctx.translation)
        found.append(Citation(start, m.end(), "BIBLE", score, attrs))
    return found


# --------------------------------------------------------------------------- stage

# Qur'an and Bible references need a digit, or "Surah" for a whole surah (cheap early exit)
_NEEDS_NUMBERS = re.compile(r"\d|(?i:s[uūoû]{1,2}ra)")


def find_citations(
    text: str, folded: str | None = None, block_starts: list[int] | None = None
) -> list[Citation]:
    """Every scripture citation in ``text``, in text order, without overlaps.

    ``folded`` is the same-length folded view (``normalize.fold``) and ``block_starts`` the
    paragraph starts; both are computed when not given.
    """
    if folded is None:
        from .normalize import fold

        folded = fold(text)
    if block_starts is None:
        block_starts = [b.start for b in split_blocks(text)]
    doc = _Doc(text, folded, block_starts)
    found = _hadith(doc)
    if _NEEDS_NUMBERS.search(folded):
        found += _quran(doc) + _bible(doc)
    found.sort(key=lambda c: (c.start, -c.end, -c.score))
    out: list[Citation] = []
    for c in found:
        if out and c.start < out[-1].end:
            continue
        out.append(c)
    return out


def _run(work: Work) -> None:
    if not work.text:
        return
    starts = [b.start for b in work.blocks] if work.blocks else None
    for c in find_citations(work.text, work.folded, starts):
        work.add(c.start, c.end, "citation", c.label, source=SOURCE, score=c.score, attrs=c.attrs)


STAGE = Stage(NAME, VERSION, requires=("segment",), assigns=("citation",), run=_run)

"""Date normalization for the dates stage: finding temporal expressions and reading them to ISO.

Pure functions over strings, no pipeline state. The fast path is a set of precompiled
regexes for the formats statements actually use (ordinals, month abbreviations, day-first
numerals, Hijri dates, ranges, decades, named eras, relative words); ``dateparser`` is a
cached fallback for spans spaCy finds and the fast path cannot read.

Value conventions (all ISO 8601 or its interval form ``start/end``):

- day ``2016-09-23``, month ``2017-01``, year ``2016``, ISO week ``2019-W10``;
- decade ``1990/1999`` and century ``1901/2000`` as year intervals (ISO 8601 has no
  decade notation; ``199X`` is EDTF, not ISO);
- ranges ``2016-10-05/2016-10-10`` (granularity ``range``, ``range_unit`` day/month/year);
- a day without a year is ``--09-23`` (ISO 8601:2000 truncated form) until an anchor
  supplies the year;
- Hijri dates are converted with ``hijridate`` (Umm al-Qura); a Hijri month or year becomes
  the Gregorian interval it covers, and ``attrs.hijri`` keeps the Hijri reading.

Month names are read in any case ("12 june 2017", social-media style); the homographs
"may", "march" and "mar" written lower case are months only with a day number before them
and a year after ("12 may 2017"), or before a year where a preposition, a weekday or
punctuation precedes them ("since march 2019", "on may 12, 2017"), never in "we may 12".

Numeric dates like ``03/04/2016`` are read day first (the convention of the South Asian,
Middle Eastern and British statements this tool reads); when the order is ambiguous
(both parts <= 12) ``attrs.ambiguous`` is set and the score lowered.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------- vocabularies

MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
#: month words that are also ordinary English words ("they may march"): lower case, they
#: are months only with a day number before them and a year after ("12 may 2017"), or
#: before a year or a day and year where a preposition or punctuation precedes them
#: ("since march 2019", "on may 12, 2017"); never in a yearless "12 may" / "may 12"
_MONTH_HOMOGRAPHS = frozenset({"may", "march", "mar"})
#: words after which a lower-case homograph with a year is a month ("in may 2017")
_HOMOGRAPH_CUES = frozenset(
    "on in of since from until till by before after during between early late mid end beginning "
    "the dated date posted published issued released updated".split()
)

WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip

NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}  # fmt: skip

#: Named events written as numerals; the value is the event's date (attrs.event).
EVENTS: dict[str, tuple[str, float]] = {
    # unambiguous in any statement
    "9/11": ("2001-09-11", 1.0),
    "9-11": ("2001-09-11", 0.9),
    # 7/7 London, 26/11 Mumbai: standard in South Asian and British reporting, but the
    # same strings can be scores or yearless dates, hence the lower score
    "7/7": ("2005-07-07", 0.8),
    "26/11": ("2008-11-26", 0.8),
}

#: Named eras with conventional year intervals; only names that are unambiguous as periods.
ERAS: tuple[tuple[str, str | None], ...] = (
    # (pattern after "the", ISO interval or None); intervals are the textbook dates
    (r"Cold\s+War", "1947/1991"),
    (r"(?:First\s+World\s+War|Great\s+War|World\s+War\s+(?:I|One|1))", "1914/1918"),
    (r"(?:Second\s+World\s+War|World\s+War\s+(?:II|Two|2))", "1939/1945"),
    (r"(?:Soviet[- ]Afghan\s+War|Soviet\s+occupation\s+of\s+Afghanistan)", "1979/1989"),
    (r"British\s+Raj", "1858/1947"),
    (r"Mughal\s+(?:era|period)", "1526/1857"),
    (r"Ottoman\s+(?:era|period)", "1299/1922"),
    (r"(?:Rashidun\s+(?:era|period)|era\s+of\s+the\s+Rightly[- ]Guided\s+Caliphs)", "0632/0661"),
    (r"Umayyad\s+(?:era|period)", "0661/0750"),
    (r"Abbasid\s+(?:era|period)", "0750/1258"),
    (r"(?:days|era|age|time)\s+of\s+(?:the\s+)?Jahiliy?y?a+h?", None),
)

# Hijri months, transliterations as they occur in English-language statements.
_Q = r"[`'\u02bf\u02bc]?"  # optional ayn/hamza mark (folded text has ' for ’)
_AL = r"(?:[\s-]*(?:a[lu]|u[l]|e[l]|'l)?[\s-]*)"
HIJRI_MONTH_RE = (
    r"(?P<hm>Muharr?am|Safa?r|"
    rf"Rabi{_Q}{_AL}(?:Awwal|Awal|Aw{{1,2}}al|Ula|Oola|Thani|Thaani|Sani|Akhir|Aakhir|Akhar|II|I)|"
    rf"Juma?d[ae]?{_Q}{_AL}(?:Awwal|Awal|Ula|Oola|Ulaa?|Thani|Thaani|Thaniy?ah?|Sani|Akhir|Aakhir|Akhirah?|Aakhirah?|II|I)|"
    rf"Rajab|Sha{_Q}a?baa?n|Rama[dz]h?aa?n|Ramzan|Shaw?waa?l|"
    rf"(?:Dhu|Dhi|Zu|Zi|Thu){_Q}{_AL}-?Q[ai]{_Q}?[ai]?da?h?|"
    rf"(?:Dhu|Dhi|Zu|Zi|Thu){_Q}{_AL}-?Hij?jah?)"
)


def hijri_month_number(name: str) -> int | None:
    """Month number (1-12) of a transliterated Hijri month name, or None."""
    n = re.sub(r"[^a-z]", "", name.lower())
    if n.startswith("muhar"):
        return 1
    if n.startswith("saf"):
        return 2
    if n.startswith("rabi") or n.startswith("jum"):
        second = re.search(r"(thani|thaani|sani|akhir|akhar|ii)$", n) is not None
        base = 3 if n.startswith("rabi") else 5
        return base + 1 if second else base
    if n.startswith("rajab"):
        return 7
    if n.startswith("sha") and "ban" in n:
        return 8
    if n.startswith("ram"):
        return 9
    if n.startswith("shaw"):
        return 10
    if "hij" in n:
        return 12
    if "q" in n:
        return 11
    return None


# --------------------------------------------------------------------------- regex pieces

_MON = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.?"
)
_WD = (
    r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"Mon|Tues|Tue|Wed|Thurs|Thur|Thu|Fri|Sat|Sun)\.?"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:1[0-9]|20)\d\d"
_ERA_SUFFIX = r"(?:\s*(?:CE|AD|A\.D\.|C\.E\.)(?![A-Za-z]))?"
_SEP = r"\s*(?P<sep>-|/|to|until|till|through|and)\s*"
_KW = r"(?:(?P<kw>from|between)\s+)?"
_NOT_NUM_BEFORE = r"(?<![\d,.:/-])"
_NOT_NUM_AFTER = r"(?![\d/]|[,.:-]\d)"


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


#: a weekday just before a date ("Monday, 11 March 2019"), matched backwards from the date
RE_WD_BEFORE = _c(rf"\b(?P<wd>{_WD}),?\s+(?:the\s+)?$")

RE_RANGE_DMY = _c(
    rf"{_KW}{_NOT_NUM_BEFORE}\b(?P<d1>{_DAY})(?:\s+(?:of\s+)?(?P<m1>{_MON})(?:,?\s+(?P<y1>{_YEAR}))?)?"
    rf"{_SEP}(?:the\s+)?(?P<d2>{_DAY})\s+(?:of\s+)?(?P<m2>{_MON}),?\s+(?P<y2>{_YEAR}){_NOT_NUM_AFTER}"
)
RE_RANGE_MDY = _c(
    rf"{_KW}\b(?P<m1>{_MON})\s+(?P<d1>{_DAY})(?:,?\s+(?P<y1>{_YEAR}))?"
    rf"{_SEP}(?:(?P<m2>{_MON})\s+)?(?P<d2>{_DAY}),?\s+(?P<y2>{_YEAR}){_NOT_NUM_AFTER}"
)
RE_RANGE_MY = _c(
    rf"{_KW}\b(?P<m1>{_MON})(?:,?\s+(?P<y1>{_YEAR}))?{_SEP}(?P<m2>{_MON}),?\s+(?P<y2>{_YEAR})"
    rf"{_NOT_NUM_AFTER}"
)
RE_RANGE_Y = _c(
    rf"{_KW}{_NOT_NUM_BEFORE}\b(?P<y1>{_YEAR}){_SEP}(?P<y2>{_YEAR}|\d\d)\b"
    r"(?![/-]\d|[,.:]\d|\s*(?:AH|A\.H|H\b))"
)
RE_DMY = _c(
    rf"{_NOT_NUM_BEFORE}\b(?P<d>{_DAY})(?:\s+of)?\s+(?P<m>{_MON}),?\s+(?P<y>{_YEAR})"
    rf"{_NOT_NUM_AFTER}{_ERA_SUFFIX}"
)
RE_MDY = _c(rf"\b(?P<m>{_MON})\s+(?P<d>{_DAY}),?\s+(?P<y>{_YEAR}){_NOT_NUM_AFTER}{_ERA_SUFFIX}")
RE_MY = _c(rf"\b(?P<m>{_MON}),?\s+(?P<y>{_YEAR}){_NOT_NUM_AFTER}{_ERA_SUFFIX}")
RE_DM = _c(rf"{_NOT_NUM_BEFORE}\b(?P<d>{_DAY})(?:\s+of)?\s+(?P<m>{_MON})(?![A-Za-z])")
RE_MD = _c(rf"\b(?P<m>{_MON})\s+(?P<d>{_DAY})\b(?![\d/:]|[,.]?\s*\d)")
RE_ISO = re.compile(
    r"(?<![\d/.-])(?P<y>(?:1[0-9]|20)\d\d)(?P<s>[-/])(?P<m>[01]\d)(?P=s)(?P<d>[0-3]\d)(?![\d/-]|\.\d)"
)
RE_NUMERIC = re.compile(
    r"(?<![\d/.:-])(?P<a>[0-3]?\d)(?P<s>[/.-])(?P<b>[0-3]?\d)(?P=s)(?P<y>(?:1[0-9]|20)\d\d)(?![\d/-]|\.\d)"
)
RE_HIJRI = _c(
    rf"(?:(?P<d>{_DAY})(?:\s+(?:of\s+)?|\s*-\s*)(?:the\s+month\s+of\s+)?)?{HIJRI_MONTH_RE},?\s+"
    r"(?P<y>1\d\d\d)(?![\d])(?:\s*(?P<suf>A\.\s?H\.?|AH\b|Hijri\b|H\b))?"
)
#: a Hijri year needs its suffix; outside hijridate's 1343-1500 AH it keeps attrs.hijri only
RE_HIJRI_YEAR = re.compile(
    r"(?<![\d,.:/-])\b(?P<y>1\d\d\d)\s*(?P<suf>A\.\s?H\.?|AH\b|Hijri\b|H\b)"
    r"|\b(?:AH|A\.H\.)\s*(?P<y2>1\d\d\d)\b"
)
RE_DECADE = re.compile(r"(?<![\w'])(?P<y>(?:1[0-9]|20)\d0)'?s\b|(?<![\w'])'(?P<yy>[3-9]0)s\b")
RE_CENTURY = _c(r"\b(?P<n>[1-2]?\d)(?:st|nd|rd|th)\s+century\b(?!\s*(?:AH|A\.H|Hijri))")
RE_EVENT = re.compile(r"(?<![\d/.:-])(?P<ev>9/11|9-11|7/7|26/11)(?![\d/]|[.:-]\d)")
#: cue words that make a bare four-digit number a year
RE_YEAR_CUE = _c(
    r"\b(?P<cue>in|since|during|until|till|by|before|after|from|of|year|early|late|mid|"
    r"around|circa|the)[\s-]+(?P<y>(?:1[0-9]|20)\d\d)(?![\d']|[,.:/-]\d|\s*(?:AH|A\.H|H\b))"
    r"(?:\s+(?P<next>[A-Za-z]+))?"
)
#: "the era/reign of <Name>"; "the rule of" only before a ruler's title ("the rule of
#: Islam" or "of law" is no period)
RE_ERA_OF = re.compile(
    r"\b[Tt]he\s+(?:(?:era|reign)\s+of\s+(?P<of>(?:the\s+)?(?:[A-Z][\w.'-]*\s+){0,4}[A-Z][\w'-]*)"
    r"|rule\s+of\s+(?P<ruler>(?:General|President|King|Queen|Sultan|Caliph|Khalifah|Emperor|"
    r"Shah|Marshal|Field\s+Marshal|Colonel|Prime\s+Minister|Mr\.?)\s+(?:[A-Z][\w.'-]*\s+){0,3}"
    r"[A-Z][\w'-]*))"
)
#: last words after "the era of" that name no ruler or period
_NOT_RULERS = frozenset({"Allah", "Islam", "Law", "God", "Prophethood", "Kufr", "Shariah"})
RE_ERAS = re.compile(
    r"\b(?:the|The|THE)\s+(?i:"
    + "|".join(f"(?P<era{i}>{p})" for i, (p, _) in enumerate(ERAS))
    + r")\b"
)

_REL_UNITS = r"(?P<u>days?|weeks?|months?|years?|decades?|centur(?:y|ies))"
_NUM = r"(?P<n>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a\s+hundred|a\s+few|few|several|many)"
RE_RELATIVE = _c(
    r"\b(?:(?P<day>today|tonight|yesterday|tomorrow)"
    r"|(?<!the\s)(?P<rw>this|last|next|coming|previous)\s+(?P<ru>week|month|year|decade)"
    rf"|(?P<wdrel>last|next|this|coming)\s+(?P<rwd>{_WD})"
    r"|(?<=\bon\s)(?P<bwd>(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)"
    rf"|{_NUM}\s+{_REL_UNITS}\s+(?P<dir>ago|from\s+now)"
    r"|(?P<el>earlier|later)\s+this\s+(?P<elu>week|month|year)"
    r"|(?P<vague>recently|lately|nowadays|these\s+days|in\s+recent\s+(?:days|weeks|months|years|times|decades)"
    r"|(?:for\s+)?(?:the\s+)?(?:past|last)\s+(?:few\s+|several\s+|many\s+)?(?:days|weeks|months|years|decades)"
    r"|decades|centuries))\b"
)
RE_DURATION = _c(
    r"(?:(?:more|less|fewer)\s+than\s+|nearly\s+|almost\s+|about\s+|over\s+|some\s+|"
    r"at\s+least\s+|around\s+|up\s+to\s+)?"
    r"(?:the\s+)?(?:(?:past|last|next|previous|first|coming|recent)\s+)?"
    r"(?:\d+|[a-z]+)(?:[\s-]+[a-z]+)?\s+(?:days|weeks|months|years|decades|centuries)"
    r"|(?:the\s+)?(?:past|last|next|previous)\s+(?:day|week|month|year|decade|century)"
    r"|(?:days|weeks|months|years|decades|centuries)"
)
#: words that narrow a period without changing what it names ("late", "the summer of")
RE_MODIFIER = _c(
    r"(?:the\s+)?(?:early|late|mid|(?:end|beginning|start|middle|first\s+half|second\s+half)\s+of|"
    r"(?:first|second|third|fourth|last)\s+(?:week|weekend|days?)\s+of|"
    r"(?:spring|summer|autumn|fall|winter)(?:\s+of)?)[\s-]+"
)
RE_ANAPHORIC = _c(
    r"(?:the\s+|that\s+|this\s+)?(?:same|very|following|next|previous|preceding|prior|"
    r"subsequent|that)\s+(?:day|night|morning|evening|afternoon|week|weekend|month|year)"
    r"|(?:that|the)\s+(?:day|night|morning|evening|time|week|year)"
)
RE_FREQUENCY = _c(
    r"(?:daily|weekly|monthly|yearly|annually|annual|nightly|fortnightly|biweekly|"
    r"(?:every|each)\s+.*|(?:once|twice)\s+a\s+\w+)"
)

#: words after a bare year that make it a count, not a year ("in 1500 fighters")
_COUNT_WORDS = frozenset(
    "people persons men women children fighters soldiers troops cases times km miles metres "
    "meters members units rupees dollars families houses homes martyrs deaths casualties "
    "refugees prisoners villages tons tonnes acres votes seats hectares pages copies".split()
)
#: words ending in -s after a bare year that are not plural nouns
_S_WORDS = frozenset("was has is as its this his thus us always towards marks saw".split())
#: nouns naming an event after "the <year>": "the 1965 war"
_EVENT_NOUNS = frozenset(
    "war wars attack attacks elections election massacre division partition invasion revolution "
    "uprising coup earthquake floods flood agreement accord treaty resolution operation "
    "bombing bombings crisis conflict constitution riots genocide ceasefire intifada "
    "declaration referendum assassination siege battle occupation famine".split()
)
#: public view for the dates stage: a place before a dateline never holds one of these
EVENT_NOUNS = _EVENT_NOUNS
#: words before a bare number that make it a reference, not a year
VETO_BEFORE = frozenset(
    "resolution no no. number article section chapter surah sura verse ayah ayat page p. "
    "law act ordinance flight route code paragraph para hadith # room vol. volume".split()
)


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class Found:
    """A temporal expression found in text, before it becomes a span.

    ``rel`` is an anchor-dependent reading resolved later: ``("day", -1)`` for
    yesterday, ``("weekday", wd, "last")``, ``("md", month, day)`` for a yearless date.
    """

    start: int
    end: int
    label: str
    value: str | None
    granularity: str | None
    rule: str
    score: float = 1.0
    attrs: dict[str, Any] = field(default_factory=dict)
    rel: tuple[Any, ...] | None = None
    relative: bool = False
    tense_hint: str | None = None

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``start:end`` shares at least one character with this expression."""
        return self.start < end and start < self.end


# --------------------------------------------------------------------------- helpers


def month_number(word: str, lower_ok: bool = False) -> int | None:
    """Month number of an English month name or abbreviation; None for a homograph
    written lower case ("may", "march") unless ``lower_ok`` (the caller has checked the
    context, see :func:`_homograph_month`)."""
    w = word.rstrip(".")
    key = w.lower()
    n = MONTHS.get(key)
    if n is None:
        return None
    if not lower_ok and key in _MONTH_HOMOGRAPHS and not w[:1].isupper():
        return None
    return n


_LAST_WORD = re.compile(r"[A-Za-z]+$")
_NEXT_WORD = re.compile(r"\s+(?P<w>[A-Za-z]+)")


def _homograph_month(text: str, m: re.Match[str], group: str, day_first: bool) -> int | None:
    """The month of group ``group`` of a match that has a year, lower-case homographs
    included where the context makes them a month: a day number before the month
    ("12 may 2017"), else line start, punctuation, a preposition or a weekday before it
    ("in may 2017", "on march 3, 2019", not "we may 12, 2017"); never with a count after
    the year ("march 2000 men")."""
    word = m[group]
    if word is None:
        return None
    mon = month_number(word)
    if mon is not None:
        return mon
    mon = month_number(word, lower_ok=True)
    if mon is None:
        return None
    tail = _NEXT_WORD.match(text, m.end())
    if tail and _count_word(tail["w"]):
        return None
    if day_first:
        return mon
    before = text[max(0, m.start(group) - 24) : m.start(group)].rstrip(" \t")
    if not before or not before[-1].isalpha():
        return mon  # line start or punctuation: "(may 2017)", "monday, may 5, 2017"
    prev = _LAST_WORD.search(before)
    w = prev.group().lower() if prev else ""
    return mon if w in _HOMOGRAPH_CUES or w in WEEKDAYS else None


def _day(s: str) -> int:
    """The day number of "23", "23rd", "1st"."""
    return int(s[:2]) if s[:2].isdigit() else int(s[:1])


def iso_day(y: int, m: int, d: int) -> str | None:
    """``YYYY-MM-DD`` if the date exists, else None."""
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def _valid_md(m: int, d: int) -> bool:
    return iso_day(2000, m, d) is not None  # 2000 is a leap year: 29 Feb is valid


@functools.lru_cache(maxsize=4096)
def hijri_to_gregorian(year: int, month: int, day_: int | None) -> tuple[str, str] | None:
    """Gregorian ``(first, last)`` ISO days of a Hijri day, month (day None) or year
    (month 0), by the Umm al-Qura calendar; None outside hijridate's range (1343-1500 AH).

    A 30th of a month that Umm al-Qura counts as 29 days (local moon sighting differs)
    is read as the day after the 29th.
    """
    from hijridate import Hijri  # lazy: small, but only needed for Hijri dates

    def day(y: int, m: int, d: int) -> dt.date:
        g = Hijri(y, m, d).to_gregorian()
        return dt.date(g.year, g.month, g.day)

    try:
        if month == 0:
            first = day(year, 1, 1)
            last = day(year, 12, Hijri(year, 12, 1).month_length())
        elif day_ is None:
            first = day(year, month, 1)
            last = day(year, month, Hijri(year, month, 1).month_length())
        else:
            length = Hijri(year, month, 1).month_length()
            first = last = day(year, month, min(day_, length)) + dt.timedelta(
                days=max(0, day_ - length)
            )
    except (ValueError, OverflowError):
        return None
    return first.isoformat(), last.isoformat()


def _expand_year(y1: int, y2s: str) -> int:
    if len(y2s) == 2:
        return y1 // 100 * 100 + int(y2s)
    return int(y2s)


def _count_word(word: str | None) -> bool:
    if not word:
        return False
    w = word.lower()
    return w in _COUNT_WORDS or (
        word.islower() and w.endswith("s") and len(w) > 3 and w not in _S_WORDS
    )


# --------------------------------------------------------------------------- finders


def find_all(text: str) -> list[Found]:
    """Every temporal expression the fast path finds in ``text`` (the folded view),
    overlapping candidates resolved: longest first, then the earlier rule.

    Rules that need a digit run only in windows around digit runs: statements are
    mostly words, and this keeps the stage a few milliseconds per document.
    """
    windows = _windows(text)
    cands: list[tuple[int, Found]] = []
    for prio, (finder, digits) in enumerate(_FINDERS):
        if not digits:
            cands.extend((prio, f) for f in finder(text))
            continue
        for ws, we in windows:
            for f in finder(text[ws:we]):
                f.start += ws
                f.end += ws
                cands.append((prio, f))
    cands.sort(key=lambda pf: (-(pf[1].end - pf[1].start), pf[0], pf[1].start))
    chosen: list[Found] = []
    for _, f in cands:
        if not any(c.overlaps(f.start, f.end) for c in chosen):
            chosen.append(f)
    chosen.sort(key=lambda f: f.start)
    return chosen


_DIGITS = re.compile(r"\d+")
#: chars of context either side of a digit run: covers the longest lead a rule needs
#: ("between September and " before a year, "Wednesday, the " before a day, a Hijri
#: month name) with room to spare
WINDOW = 60
_SPACE = re.compile(r"\s")


def _windows(text: str) -> list[tuple[int, int]]:
    """Merged ``(start, end)`` windows around digit runs, snapped to whitespace."""
    out: list[tuple[int, int]] = []
    for m in _DIGITS.finditer(text):
        ws, we = max(0, m.start() - WINDOW), min(len(text), m.end() + WINDOW)
        if out and ws <= out[-1][1]:
            out[-1] = (out[-1][0], we)
        else:
            out.append((ws, we))
    snapped: list[tuple[int, int]] = []
    for ws, we in out:
        while ws > 0 and not text[ws].isspace():
            ws -= 1
        sp = _SPACE.search(text, we)
        we = sp.start() if sp else len(text)
        if snapped and ws <= snapped[-1][1]:
            snapped[-1] = (snapped[-1][0], max(we, snapped[-1][1]))
        else:
            snapped.append((ws, we))
    return snapped


def _ranges(text: str) -> Iterator[Found]:
    for rx, kind in ((RE_RANGE_DMY, "dmy"), (RE_RANGE_MDY, "mdy")):
        for m in rx.finditer(text):
            sep, kw = m["sep"].lower(), (m["kw"] or "").lower()
            if not _range_sep_ok(sep, kw) or sep == "/":
                continue
            # day-first, or month-first after a month that passed: a range has its year
            m1 = _homograph_month(text, m, "m1", kind == "dmy") if m["m1"] else None
            m2 = _homograph_month(text, m, "m2", kind == "dmy" or m1 is not None)
            m1 = m1 if m["m1"] else m2
            if kind == "mdy" and m2 is None:
                m2 = m1
            if m1 is None or m2 is None:
                continue
            y2 = int(m["y2"])
            y1 = int(m["y1"]) if m["y1"] else y2
            a = iso_day(y1, m1, _day(m["d1"]))
            b = iso_day(y2, m2, _day(m["d2"]))
            if a and b and a < b:
                yield _range(m, a, b, "day", f"range_{kind}")
    for m in RE_RANGE_MY.finditer(text):
        sep, kw = m["sep"].lower(), (m["kw"] or "").lower()
        m1 = _homograph_month(text, m, "m1", False)
        m2 = _homograph_month(text, m, "m2", m1 is not None)
        if not _range_sep_ok(sep, kw) or sep == "/" or m1 is None or m2 is None:
            continue
        y2 = int(m["y2"])
        y1 = int(m["y1"]) if m["y1"] else y2
        a, b = f"{y1:04d}-{m1:02d}", f"{y2:04d}-{m2:02d}"
        if a < b:
            yield _range(m, a, b, "month", "range_my")
    for m in RE_RANGE_Y.finditer(text):
        sep, kw = m["sep"].lower(), (m["kw"] or "").lower()
        if not _range_sep_ok(sep, kw):
            continue
        if sep in ("until", "till", "through") and not kw:
            continue  # "2014 until 2016" without "from" is too loose
        y1 = int(m["y1"])
        y2 = _expand_year(y1, m["y2"])
        if y1 < y2 <= y1 + 200:
            yield _range(m, f"{y1:04d}", f"{y2:04d}", "year", "range_y", 1.0 if kw else 0.9)


def _range_sep_ok(sep: str, kw: str) -> bool:
    if sep == "and":
        return kw == "between"
    if kw == "between":
        return sep == "and"
    return True


def _range(m: re.Match[str], a: str, b: str, unit: str, rule: str, score: float = 1.0) -> Found:
    return Found(
        m.start(), m.end(), "DATE_RANGE", f"{a}/{b}", "range", rule, score, {"range_unit": unit}
    )


def _weekday(text: str, start: int) -> tuple[int, dict[str, Any]]:
    """Extend a date back over a weekday before it: (new start, weekday attrs)."""
    m = RE_WD_BEFORE.search(text, max(0, start - 16), start)
    if m is None:
        return start, {}
    return m.start(), {"weekday": WEEKDAYS[m["wd"].rstrip(".").lower()]}


def _full_dates(text: str) -> Iterator[Found]:
    for rx, rule in ((RE_DMY, "dmy"), (RE_MDY, "mdy")):
        for m in rx.finditer(text):
            mon = _homograph_month(text, m, "m", rule == "dmy")
            if mon is None:
                continue
            v = iso_day(int(m["y"]), mon, _day(m["d"]))
            if v:
                start, attrs = _weekday(text, m.start())
                yield Found(start, m.end(), "DATE", v, "day", rule, 1.0, attrs)
    for m in RE_MY.finditer(text):
        mon = _homograph_month(text, m, "m", False)
        if mon is not None:
            yield Found(m.start(), m.end(), "DATE", f"{m['y']}-{mon:02d}", "month", "my")
    for rx, rule in ((RE_DM, "dm"), (RE_MD, "md")):
        for m in rx.finditer(text):
            mon = month_number(m["m"])
            if mon is None or (rule == "md" and not m["m"][:1].isupper()):
                continue
            d = _day(m["d"])
            if not _valid_md(mon, d):
                continue
            start, attrs = _weekday(text, m.start())
            attrs["year_missing"] = True
            yield Found(
                start,
                m.end(),
                "DATE",
                f"--{mon:02d}-{d:02d}",
                "day",
                rule,
                0.8,
                attrs,
                rel=("md", mon, d),
            )


def _numeric(text: str) -> Iterator[Found]:
    for m in RE_ISO.finditer(text):
        v = iso_day(int(m["y"]), int(m["m"]), int(m["d"]))
        if v:
            yield Found(m.start(), m.end(), "DATE", v, "day", "iso")
    for m in RE_NUMERIC.finditer(text):
        a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
        attrs: dict[str, Any] = {"order": "dmy"}
        score = 1.0
        if a <= 12 and b > 12:  # 09/23/2016 can only be month first
            a, b = b, a
            attrs["order"] = "mdy"
        elif a <= 12 and b <= 12 and a != b:
            attrs["ambiguous"] = True
            score = 0.8
        v = iso_day(y, b, a)
        if v:
            yield Found(m.start(), m.end(), "DATE", v, "day", "numeric_dmy", score, attrs)


def _hijri(text: str) -> Iterator[Found]:
    for m in RE_HIJRI.finditer(text):
        hm = hijri_month_number(m["hm"])
        if hm is None:
            continue
        y = int(m["y"])
        d = _day(m["d"]) if m["d"] else None
        if (d is not None and not 1 <= d <= 30) or (not m["suf"] and not 1300 <= y < 1600):
            continue  # without "AH", only years of the Hijri centuries in use read as Hijri
        conv = hijri_to_gregorian(y, hm, d)
        hijri = f"{y:04d}-{hm:02d}" + (f"-{d:02d}" if d else "")
        gran = "day" if d else "month"
        score = 1.0 if (m["suf"] or d) else 0.9
        attrs = {"calendar": "hijri", "hijri": hijri}
        if conv is None:
            value = None
            score = 0.6
        else:
            value = conv[0] if d else f"{conv[0]}/{conv[1]}"
        yield Found(
            m.start(), m.end(), "DATE", value, gran, "hijri_" + ("dmy" if d else "my"), score, attrs
        )
    for m in RE_HIJRI_YEAR.finditer(text):
        y = int(m["y"] or m["y2"])
        if m["suf"] and m["suf"].startswith("H") and not m["suf"].startswith("Hijri"):
            if not m["suf"][0].isupper():
                continue
        conv = hijri_to_gregorian(y, 0, None)
        value = f"{conv[0]}/{conv[1]}" if conv else None
        yield Found(
            m.start(),
            m.end(),
            "DATE",
            value,
            "year",
            "hijri_y",
            1.0 if conv else 0.6,
            {"calendar": "hijri", "hijri": f"{y:04d}"},
        )


def _years(text: str) -> Iterator[Found]:
    for m in RE_YEAR_CUE.finditer(text):
        cue, y, nxt = m["cue"].lower(), int(m["y"]), m["next"]
        event = bool(nxt) and nxt.lower() in _EVENT_NOUNS
        if cue == "the" and not event:
            continue
        if not event and _count_word(nxt):
            continue
        if y < 1800 and cue not in (
            "in",
            "since",
            "year",
            "during",
            "until",
            "till",
            "before",
            "after",
        ):
            continue
        attrs: dict[str, Any] = {"event": f"{y} {nxt}"} if event else {}
        yield Found(m.start("y"), m.end("y"), "DATE", f"{y:04d}", "year", "year_cue", 1.0, attrs)
    for m in RE_DECADE.finditer(text):
        y = int(m["y"]) if m["y"] else 1900 + int(m["yy"])
        if y % 100 == 0:  # "the 1300s", "the 1900s": the hundred years, as readers take it
            yield Found(m.start(), m.end(), "DATE", f"{y:04d}/{y + 99:04d}", "century", "hundreds")
            continue
        yield Found(m.start(), m.end(), "DATE", f"{y:04d}/{y + 9:04d}", "decade", "decade")
    for m in RE_CENTURY.finditer(text):
        n = int(m["n"])
        if 1 <= n <= 21:
            v = f"{(n - 1) * 100 + 1:04d}/{n * 100:04d}"
            yield Found(m.start(), m.end(), "DATE", v, "century", "century")


def _events(text: str) -> Iterator[Found]:
    for m in RE_EVENT.finditer(text):
        v, score = EVENTS[m["ev"]]
        yield Found(m.start(), m.end(), "DATE", v, "day", "event", score, {"event": m["ev"]})


def _eras(text: str) -> Iterator[Found]:
    for m in RE_ERAS.finditer(text):
        i = int(next(k for k, g in m.groupdict().items() if g is not None)[3:])
        v = ERAS[i][1]
        yield Found(m.start(), m.end(), "ERA", v, "era", "era_name", 1.0 if v else 0.8)
    for m in RE_ERA_OF.finditer(text):
        of = m["of"] or m["ruler"]
        if of.split()[-1] in _NOT_RULERS:
            continue
        yield Found(m.start(), m.end(), "ERA", None, "era", "era_of", 0.6, {"of": of})


def _relative(text: str) -> Iterator[Found]:
    for m in RE_RELATIVE.finditer(text):
        f = Found(m.start(), m.end(), "DATE", None, None, "relative", 0.6, relative=True)
        if m["day"]:
            off = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}[m["day"].lower()]
            f.rel = ("day", off)
        elif m["rw"]:
            off = {"this": 0, "last": -1, "previous": -1, "next": 1, "coming": 1}[m["rw"].lower()]
            f.rel = (m["ru"].lower(), off)
        elif m["bwd"]:
            if not m["bwd"][:1].isupper():
                continue
            f.rel = ("weekday", WEEKDAYS[m["bwd"].lower()], "on")
            f.score = 0.5
        elif m["wdrel"]:
            f.rel = ("weekday", WEEKDAYS[m["rwd"].rstrip(".").lower()], m["wdrel"].lower())
        elif m["dir"]:
            n = NUMBER_WORDS.get(m["n"].lower(), None) if not m["n"].isdigit() else int(m["n"])
            unit = m["u"].lower().rstrip("s").replace("centurie", "century")
            sign = -1 if m["dir"].lower() == "ago" else 1
            f.rel = (unit, sign * n) if n else None
            f.tense_hint = "past" if sign < 0 else "future"
        elif m["el"]:
            f.rel = (m["elu"].lower(), 0)
            f.tense_hint = "past" if m["el"].lower() == "earlier" else "future"
        else:
            f.score = 0.5
            f.tense_hint = "past" if m["vague"].lower() in ("recently", "lately") else None
        if f.tense_hint is None and f.rel and isinstance(f.rel[1], int) and f.rel[0] != "md":
            f.tense_hint = "past" if f.rel[1] < 0 else ("future" if f.rel[1] > 0 else None)
        if f.rel and f.rel[0] == "weekday":
            f.tense_hint = {"last": "past", "next": "future", "coming": "future"}.get(f.rel[2])
            if f.rel[2] == "on":
                f.rel = None  # "on Tuesday": which Tuesday is the reader's guess, not ours
        yield f


#: (finder, needs digits) in priority order: on equal length the earlier finder wins
_FINDERS = (
    (_ranges, True),
    (_hijri, True),
    (_full_dates, True),
    (_numeric, True),
    (_events, True),
    (_eras, False),
    (_years, True),
    (_relative, False),
)


# --------------------------------------------------------------------------- spaCy spans


def normalize_expression(expr: str, before: str = "", after: str = "") -> Found | None:
    """Read a temporal expression found by spaCy (offsets relative to ``expr``).

    Fast path first (the same regexes, required to cover the expression), then the
    relative and duration vocabulary, then ``dateparser``. ``before`` is the word before
    the expression and ``after`` the word after it, used to veto reference numbers
    ("Resolution 1701") and counts ("2000 troops"). Returns None for
    what is not a point or period in time (frequencies such as "weekly", numbers).
    """
    core = expr.strip()
    lead = len(expr) - len(expr.lstrip())
    if not core or RE_FREQUENCY.fullmatch(core):
        return None
    # the fast path's bounds leave out a leading "the" and a possessive
    det = re.match(r"(?:the|The|THE)\s+", core)
    skip = det.end() if det else 0
    inner = re.sub(r"(?:'s|')$", "", core[skip:])
    found = [f for f in find_all(inner) if f.start == 0 and f.end == len(inner)]
    if found:
        f = found[0]
        f.start, f.end = lead + skip, lead + skip + len(inner)
        f.score = min(f.score, 0.9)
        return f
    if re.fullmatch(r"(?:1[0-9]|20)\d\d", inner):
        if before.lower() in VETO_BEFORE or _count_word(after):
            return None
        return Found(lead + skip, lead + skip + 4, "DATE", inner, "year", "spacy_year", 0.9)
    if re.fullmatch(r"[\d,.:/ -]+", core):
        return None  # a bare number spaCy called a date
    end = lead + len(core)
    mod = RE_MODIFIER.match(core)
    if mod and mod.end() < len(core):
        rest = normalize_expression(core[mod.end() :])
        if rest is not None and rest.value is not None:
            # "late October 2017", "the summer of 2014": the period it qualifies, marked
            rest.start, rest.end = lead, end
            rest.attrs["modifier"] = re.sub(r"\s+", " ", core[: mod.end()].strip(" -")).lower()
            rest.score = min(rest.score, 0.8)
            return rest
    if RE_DURATION.fullmatch(core):
        return Found(
            lead, end, "DATE", None, None, "duration", 0.5, {"duration": True}, relative=True
        )
    if RE_ANAPHORIC.fullmatch(core):
        # "the same day", "the following week": relative to another event in the text,
        # so the publication date can never anchor them
        return Found(
            lead, end, "DATE", None, None, "anaphoric", 0.5, {"anaphoric": True}, relative=True
        )
    mon = month_number(core) if core[:1].isupper() and len(core) > 2 else None
    if mon is not None:
        # a month without a year ("in May"): ISO 8601:2000 truncated form until anchored
        return Found(
            lead,
            end,
            "DATE",
            f"--{mon:02d}",
            "month",
            "month_only",
            0.6,
            {"year_missing": True},
            rel=("m", mon),
        )
    wd = WEEKDAYS.get(core.rstrip(".").lower())
    if wd is not None and core[:1].isupper():
        return Found(lead, end, "DATE", None, None, "relative", 0.5, relative=True)
    return _fallback(core, lead)


_HIJRI_HINT = re.compile(HIJRI_MONTH_RE + r"|\b(?:AH|A\.H\.|Hijri)\b", re.IGNORECASE)


def _fallback(core: str, lead: int) -> Found:
    if _HIJRI_HINT.search(core):
        # a Hijri expression the fast path could not read: its numbers are not Gregorian
        return Found(
            lead, lead + len(core), "DATE", None, None, "unnormalized", 0.4, {"calendar": "hijri"}
        )
    value_gran = dateparser_read(core)
    if value_gran is not None:
        value, gran = value_gran
        return Found(lead, lead + len(core), "DATE", value, gran, "dateparser", 0.7)
    y = re.search(rf"(?<!\d){_YEAR}(?!\d)", core)
    if y:
        return Found(lead, lead + len(core), "DATE", y.group(), "year", "contained_year", 0.6)
    relative = RE_RELATIVE.search(core) is not None
    return Found(lead, lead + len(core), "DATE", None, None, "unnormalized", 0.4, relative=relative)


#: dateparser's relative base: a sentinel so that any value it takes from "now" is caught
_SENTINEL_BASE = dt.datetime(1111, 1, 1)


@functools.lru_cache(maxsize=2048)
def dateparser_read(expr: str) -> tuple[str, str] | None:
    """(ISO value, granularity) by ``dateparser``, only for absolute expressions.

    Runs only when the expression names a year; the result must keep that year and,
    for a day, a day number that occurs in the expression, so nothing comes from the
    machine's clock or dateparser's defaults. Cached: a call costs about a millisecond.
    """
    years = re.findall(rf"(?<!\d){_YEAR}(?!\d)", expr)
    if not years or RE_RELATIVE.search(expr):
        return None
    parser = _date_data_parser()
    try:
        data = parser.get_date_data(expr)
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    d = data.date_obj if data else None
    if d is None or str(d.year) not in years:
        return None
    period = data.period or "day"
    if period == "day":
        if not re.search(rf"(?<!\d)0?{d.day}(?!\d)", expr):
            return None
        return d.date().isoformat(), "day"
    if period == "month":
        return f"{d.year:04d}-{d.month:02d}", "month"
    if period == "year":
        return f"{d.year:04d}", "year"
    return None


@functools.lru_cache(maxsize=1)
def _date_data_parser() -> Any:
    from dateparser.date import DateDataParser  # lazy: ~80 ms import, rarely needed

    return DateDataParser(
        languages=["en"],
        settings={
            "PREFER_DAY_OF_MONTH": "first",
            "DATE_ORDER": "DMY",
            "RELATIVE_BASE": _SENTINEL_BASE,
            "REQUIRE_PARTS": ["year"],
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )


# --------------------------------------------------------------------------- anchors


def resolve_relative(rel: tuple[Any, ...], anchor: dt.date) -> tuple[str, str] | None:
    """(value, granularity) of an anchor-dependent reading against ``anchor``."""
    kind = rel[0]
    if kind == "md":
        v = iso_day(anchor.year, rel[1], rel[2])
        return (v, "day") if v else None
    if kind == "m":
        return f"{anchor.year:04d}-{rel[1]:02d}", "month"
    if kind == "weekday":
        wd, how = rel[1], rel[2]
        if how not in ("last", "next", "coming", "this"):
            return None
        delta = wd - anchor.weekday()
        if how == "last":
            delta = delta - 7 if delta >= 0 else delta
        elif how in ("next", "coming"):
            delta = delta + 7 if delta <= 0 else delta
        return (anchor + dt.timedelta(days=delta)).isoformat(), "day"
    off = rel[1]
    if kind == "day":
        return (anchor + dt.timedelta(days=off)).isoformat(), "day"
    if kind == "week":
        y, w, _ = (anchor + dt.timedelta(weeks=off)).isocalendar()
        return f"{y:04d}-W{w:02d}", "week"
    if kind == "month":
        total = anchor.year * 12 + anchor.month - 1 + off
        return f"{total // 12:04d}-{total % 12 + 1:02d}", "month"
    if kind == "year":
        return f"{anchor.year + off:04d}", "year"
    if kind == "decade":
        start = anchor.year // 10 * 10 + 10 * off
        return f"{start:04d}/{start + 9:04d}", "decade"
    return None


def parse_iso_day(value: Any) -> dt.date | None:
    """The date of an ISO string (``2019-03-12`` or a timestamp starting with it)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value.strip())
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None

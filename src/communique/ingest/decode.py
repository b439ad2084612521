"""Bytes to text: byte-order marks, declared charsets, UTF-8, then detection.

Order, first success wins:

1. a byte-order mark (UTF-32 before UTF-16, whose BOM is a prefix of UTF-32-LE's);
2. a charset the container declares (HTML ``<meta charset>``, a MIME part's charset);
3. UTF-16 without a BOM (every other byte NUL in Latin text; valid UTF-8 too, so first);
4. UTF-8, strict;
5. UTF-8 with a few bad bytes (valid multi-byte sequences outnumber bad bytes 20 to 1):
   decoded with U+FFFD replacements rather than guessing a legacy encoding for all of it;
6. charset-normalizer's candidates, re-ranked (see :func:`_rank`); none -> E_INGEST_ENCODING.

The BOM is dropped from the text; nothing else is changed (normalization comes later).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter

from ..errors import E_INGEST_ENCODING, IngestError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Legacy encodings in the order ties are broken: the common Windows code pages first (they
# are what mis-labelled web and office text mostly is), DOS and Mac code pages last.
_PREFERRED = (
    "cp1252", "iso8859_15", "latin_1", "cp1250", "cp1251", "cp1256", "cp1253", "cp1254",
    "cp1255", "cp1257", "cp1258", "koi8_r", "koi8_u", "iso8859_2", "iso8859_5", "iso8859_6",
    "iso8859_7", "iso8859_8", "iso8859_9", "gb18030", "gbk", "gb2312", "big5", "cp932",
    "shift_jis", "euc_jp", "euc_kr", "cp949", "iso2022_jp", "cp874", "tis_620", "mac_roman",
)  # fmt: skip
# The letters beyond ASCII that each Latin-script language writes; a right decoding has
# (nearly) all its accented letters in one of these, a wrong one mixes alphabets
# ("Szóvivõ": ó is Hungarian, õ is not).
_ALPHABETS: tuple[frozenset[str], ...] = tuple(
    frozenset(letters)
    for letters in (
        "àâæçéèêëîïôœùûüÿ",  # French
        "äöüß",  # German
        "áéíñóúü",  # Spanish
        "áâãàçéêíóôõú",  # Portuguese
        "àèéìíîòóù",  # Italian
        "áéíóúàèëïöü",  # Dutch, Catalan
        "åäöæøéü",  # Swedish, Danish, Norwegian, Finnish
        "áðéíóúýþæö",  # Icelandic, Faroese
        "ąćęłńóśźż",  # Polish
        "áčďéěíňóřšťúůýž",  # Czech
        "áäčďéíĺľňóôŕšťúýž",  # Slovak
        "áéíóöőúüű",  # Hungarian
        "ăâîșțşţ",  # Romanian
        "čćđšž",  # Croatian, Serbian, Bosnian, Slovene
        "çğıöşüâîû",  # Turkish, Azerbaijani
        "āčēģīķļņšūžąęėįų",  # Latvian, Lithuanian
        "äöõüšž",  # Estonian
        "ëç",  # Albanian
    )
)
_SCRIPTS: tuple[tuple[int, int], ...] = (
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x052F),  # Cyrillic
    (0x0590, 0x05FF),  # Hebrew
    (0x0600, 0x06FF),  # Arabic (and Farsi, Urdu)
    (0x0E00, 0x0E7F),  # Thai
    (0x3040, 0x30FF),  # Japanese kana
    (0x4E00, 0x9FFF),  # CJK ideographs
    (0xAC00, 0xD7AF),  # Hangul
)
_NON_LATIN_LETTER = re.compile(
    "[\u0370-\u052f\u0590-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)
_MIXED_WORD = re.compile(
    "[A-Za-z][\u0370-\u052f\u0590-\u06ff\u0e00-\u0e7f]|[\u0370-\u052f\u0590-\u06ff\u0e00-\u0e7f][A-Za-z]"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# charset-normalizer candidates whose mess ratio is within this of the best count as a tie
# (it rates cp1252's typographic quotes and dashes up to 0.05 messier than a DOS code page
# reading them as letters; our own odd-character count then decides).
_CHAOS_TIE = 0.1
# Above this share of odd characters among the non-ASCII ones no candidate is trusted
# (a right decoding of real text scores 0-2 %, a wrong one of Latin text 20 % and more).
_MAX_ODD_SHARE = 0.2
# Characters of the odd categories below that real text does use.
_ODD_OK = frozenset("°©®§¶·•…™†‡‰¢£¥€¬")
_ODD_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Sk", "So", "Sm", "No"})
_NON_ASCII_WORD = re.compile(r"[^\W\d_]*[^\x00-\x7f][^\W\d_]*")
# three or more Latin letters with diacritics and no plain ones: "ùìåí" is Hebrew read as
# cp1252, no Latin-script language writes words like that
_ALL_ACCENTED = re.compile(r"(?<![^\W\d_])[\u00c0-\u024f]{3,}(?![^\W\d_])")
_SAMPLE = 64 * 1024
# Share of NULs on one byte parity above which BOM-less text is taken as UTF-16.
_UTF16_NUL_SHARE = 0.3


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding a byte-order mark names and the BOM's length, or None."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ``head`` looks like BOM-less UTF-16 text."""
    sample = head[: 4096 & ~1]
    half = len(sample) // 2
    if half < 4:
        return None
    even = sample[0::2].count(0) / half
    odd = sample[1::2].count(0) / half
    if odd >= _UTF16_NUL_SHARE and even < 0.05:
        return "utf-16-le"
    if even >= _UTF16_NUL_SHARE and odd < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding)``. Raises IngestError(E_INGEST_ENCODING)."""
    bom = bom_encoding(data)
    if bom:
        name, size = bom
        try:
            return data[size:].decode(name), name
        except UnicodeDecodeError as exc:
            raise IngestError(
                E_INGEST_ENCODING, f"invalid {name.upper()} data after its byte-order mark"
            ) from exc
    if declared:
        text = _try(data, declared)
        if text is not None:
            return text, codecs.lookup(declared).name
    wide = utf16_without_bom(data[:4096])
    if wide:
        text = _try(data, wide)
        if text is not None:
            return text, wide
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(data)
    if mostly is not None:
        return mostly
    return _detect(data)


def _try(data: bytes, encoding: str) -> str | None:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):  # base64, rot13 and friends
        return None
    try:
        return data.decode(info.name)
    except UnicodeDecodeError:
        return None


def _mostly_utf8(data: bytes) -> tuple[str, str] | None:
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if bad > 0 and non_ascii - bad >= 20 * bad:
        return text, f"utf-8 ({bad} invalid byte sequence{'s' if bad > 1 else ''} replaced)"
    return None


def _odd_count(text: str) -> int:
    """Characters and words that real text rarely has and wrong decodings produce."""
    odd = 0
    for word in _NON_ASCII_WORD.findall(text):
        lower = word.lower()
        if len(word) > 1 and word not in (lower, word.upper()) and not word.istitle():
            odd += 1  # "rŚunion": case flips inside a word
    odd += len(_ALL_ACCENTED.findall(text))
    odd += len(_MIXED_WORD.findall(text))  # "Cafщ": Latin and Cyrillic in one word
    for ch in text:
        if ch > "\x7f" and ch not in _ODD_OK and unicodedata.category(ch) in _ODD_CATEGORIES:
            odd += 1
    return odd


def _coverage(text: str) -> float:
    """Share of the non-ASCII letters that fit one alphabet or one script (1.0: none)."""
    # combining marks count as letters no alphabet has: cp1258 turns "ò" into "o" + U+0323
    counts = Counter(
        ch
        for ch in _NON_ASCII.findall(text.lower())
        if ch.isalpha() or unicodedata.category(ch) == "Mn"
    )
    total = sum(counts.values())
    if not total:
        return 1.0
    best = max(sum(n for ch, n in counts.items() if ch in alphabet) for alphabet in _ALPHABETS)
    for low, high in _SCRIPTS:
        best = max(best, sum(n for ch, n in counts.items() if low <= ord(ch) <= high))
    return best / total


def _rank(data: bytes, candidates: list[tuple[str, float]]) -> list[str]:
    """Order ``(encoding, coherence)`` candidates, most plausible first.

    Key: fewest odd characters (:func:`_odd_count`); then the reading whose accented
    letters best fit one language's alphabet or one script (:func:`_coverage`); then
    charset-normalizer's coherence; then the ``_PREFERRED`` order.
    """
    sample = data[:_SAMPLE]
    scored = []
    readings: dict[str, tuple[int, float]] = {}
    for order, (name, coherence) in enumerate(candidates):
        text = sample.decode(name, "ignore")
        if text not in readings:
            readings[text] = (_odd_count(text), _coverage(text))
        odd, coverage = readings[text]
        non_ascii = len(text) - len(text.encode("ascii", "ignore"))
        if odd > _MAX_ODD_SHARE * max(non_ascii, 1):
            continue
        pref = _PREFERRED.index(name) if name in _PREFERRED else len(_PREFERRED)
        scored.append((odd, -round(coverage, 2), -round(coherence, 2), pref, order, name))
    return [item[-1] for item in sorted(scored)]


def _detect(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes  # a few ms to import; only legacy text needs it

    results = from_bytes(data)
    if not results:
        raise IngestError(E_INGEST_ENCODING, "cannot detect the text encoding (not UTF-8)")
    best_chaos = min(r.chaos for r in results)
    candidates: list[tuple[str, float]] = []
    seen: set[str] = set()
    for result in results:
        if result.chaos > best_chaos + _CHAOS_TIE:
            continue
        for name in (result.encoding, *result.could_be_from_charset):
            name = codecs.lookup(name).name.replace("-", "_")
            name = {"iso8859_1": "latin_1"}.get(name, name)
            if name not in seen and not name.startswith("utf"):
                seen.add(name)
                candidates.append((name, result.coherence))
    for name in _rank(data, candidates):
        text = _try(data, name)
        if text is not None:
            return text, name
    raise IngestError(E_INGEST_ENCODING, "cannot decode the text confidently (not UTF-8)")

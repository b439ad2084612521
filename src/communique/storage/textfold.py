"""Arabic folding for search: the same function folds the index and every query.

FTS5's ``unicode61`` tokenizer lowercases and strips Latin diacritics, but knows nothing of
Arabic orthography: a vowelled word ("يَنْصُرْكُمُ") and the same word unvowelled
("ينصركم") are different tokens, and the harakat are even treated as separators. Standard
Arabic information retrieval (Larkey et al.'s light stemmers, Lucene's
``ArabicNormalizer``) folds both sides before indexing:

- remove harakat/tashkeel U+064B–U+065F, the superscript alef U+0670 and the Quranic
  annotation marks U+06D6–U+06ED; also the honorific/Quranic small marks U+0610–U+061A
  (ﷺ-style "sallallahu" signs, small high letters), which are diacritics of the same kind;
- remove tatweel U+0640 (a typographic stretch, not a letter);
- unify the alef forms أ إ آ ٱ → ا, alef maksura ى → ي, and teh marbuta ة → ه.

The last three lose distinctions a reader sees (ى/ي spell different words in a few pairs),
but writers use them inconsistently, so recall wins; this is the usual choice in Arabic IR.
Hamza on waw/yeh (ؤ ئ) and Persian/Urdu letters (ی ک) are left alone.

Token alignment: the index holds folded text while snippets are cut from the original text
(see ``storage.sqlite``); FTS5 locates matches by token number, so folding must never add or
remove a token. Every character that folding removes is declared a token character of the
tokenizer (``TOKENCHARS``), so in the original it sits inside its word; and a run of such
characters that stands alone (a decorative "ـــــ" line, a lone "۞") is kept unchanged
rather than deleted, so it stays one token on both sides. Letter mappings are one-to-one.
"""

from __future__ import annotations

import re
import unicodedata

_REMOVED_RANGES = (
    (0x0610, 0x061A),  # small high marks (sallallahou alayhe wassallam, ...)
    (0x064B, 0x065F),  # harakat / tashkeel (fathatan ... wavy hamza below)
    (0x0670, 0x0670),  # superscript (dagger) alef
    (0x06D6, 0x06ED),  # Quranic annotation marks
    (0x0640, 0x0640),  # tatweel
)

#: Characters folding deletes (when inside a word).
REMOVED: frozenset[str] = frozenset(
    chr(cp) for lo, hi in _REMOVED_RANGES for cp in range(lo, hi + 1)
)

#: One-to-one letter unification.
LETTER_MAP: dict[str, str] = {
    "\u0623": "\u0627",  # أ alef with hamza above
    "\u0625": "\u0627",  # إ alef with hamza below
    "\u0622": "\u0627",  # آ alef with madda
    "\u0671": "\u0627",  # ٱ alef wasla
    "\u0649": "\u064a",  # ى alef maksura -> yeh
    "\u0629": "\u0647",  # ة teh marbuta -> heh
}

#: The tokenizer's ``tokenchars``: every removed character, in a stable order.
TOKENCHARS: str = "".join(sorted(REMOVED))

_LETTERS = str.maketrans(LETTER_MAP)
_ANY_ARABIC = re.compile("[\u0610-\u06ff]")
_REMOVED_RUN = re.compile("[" + "".join(re.escape(c) for c in TOKENCHARS) + "]+")


def _is_token_char(ch: str) -> bool:
    """Whether unicode61 (categories "L* N* Co" plus ``TOKENCHARS``) keeps ``ch`` in a token."""
    return ch.isalnum() or ch in REMOVED or unicodedata.category(ch) == "Co"


def _drop_run(m: re.Match[str]) -> str:
    text, i, j = m.string, m.start(), m.end()
    inside_word = (i > 0 and _is_token_char(text[i - 1])) or (
        j < len(text) and _is_token_char(text[j])
    )
    return "" if inside_word else m.group()


def fold(text: str) -> str:
    """Fold Arabic orthographic variation away; text without Arabic comes back unchanged.

    Used for the FTS index and for every query, so both sides agree.
    """
    if not _ANY_ARABIC.search(text):
        return text
    return _REMOVED_RUN.sub(_drop_run, text).translate(_LETTERS)


def fold_query(text: str) -> str:
    """Fold a query string: NFC first (typed input may be decomposed), then ``fold``."""
    return fold(unicodedata.normalize("NFC", text))

